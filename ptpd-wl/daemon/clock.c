// SPDX-License-Identifier: MIT
/*
 * The ptpd-wl clock: data sets, the local clock and its servo, the outputs (log lines,
 * statlog, chrony) and the clock-wide best master decision over all ports (bmc_state.c).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "tsync/log.h"
#include "tsync/net.h"

/* The clock the config names (ptpd_config_check ran): a PHC without phc_device is the first
 * port's. */
static struct tclock *open_local_clock(struct ptpd_clock *c, struct tclock_spec *spec)
{
	const char *first = config_section_name(c->cfg, 0);
	char err[200];
	int idx;

	if (spec->type == TCLOCK_PHC && !spec->name[0]) {
		if (ts_phc_index(first, &idx, err, sizeof(err))) {
			pr_err("%s", err);
			return NULL;
		}
		snprintf(spec->name, sizeof(spec->name), "/dev/ptp%d", idx);
	}
	struct tclock *clk = tclock_spec_open(spec, err, sizeof(err));
	if (!clk)
		pr_err("%s", err);
	return clk;
}

static int open_sync(struct ptpd_clock *c)
{
	struct sync_params sp;
	struct tclock_spec spec;
	char err[200];

	if (sync_config_read(c->cfg, c->ts_mode == TS_SOFTWARE, &sp, &spec, err, sizeof(err))) {
		pr_err("%s", err);
		return -EINVAL;
	}
	sp.source = "ptpd-wl";
	sp.source_col = "port";
	sp.t0_mono = ptpd_clock_mono(c);
	struct tclock *clk = c->env.clk ? c->env.clk : open_local_clock(c, &spec);
	c->env.clk = NULL; /* taken over */
	if (!clk)
		return -ENODEV;
	c->sync = sync_create(&sp, clk, err, sizeof(err));
	if (!c->sync) {
		pr_err("%s", err);
		return -EINVAL;
	}
	c->clk = sync_clock(c->sync);
	c->kind = tclock_type(c->clk);
	c->freq_ppb = sync_freq(c->sync);
	c->sum_log_interval = 127;
	return 0;
}

static void init_datasets(struct ptpd_clock *c)
{
	struct config *cfg = c->cfg;

	c->dflt.two_step = config_get_bool(cfg, NULL, "twoStepFlag");
	c->dflt.slave_only = config_get_bool(cfg, NULL, "slaveOnly");
	c->dflt.number_ports = (uint16_t)config_section_count(cfg);
	c->dflt.priority1 = (uint8_t)config_get_int(cfg, NULL, "priority1");
	c->dflt.priority2 = (uint8_t)config_get_int(cfg, NULL, "priority2");
	c->dflt.quality.clock_class = (uint8_t)config_get_int(cfg, NULL, "clockClass");
	c->dflt.quality.accuracy = (uint8_t)config_get_int(cfg, NULL, "clockAccuracy");
	c->dflt.quality.variance = (uint16_t)config_get_int(cfg, NULL, "offsetScaledLogVariance");
	c->dflt.domain = (uint8_t)config_get_int(cfg, NULL, "domainNumber");
	if (c->dflt.slave_only)
		c->dflt.quality.clock_class = PTP_CLASS_SLAVE_ONLY;
	c->own_tp.utc_offset = (int16_t)config_get_int(cfg, NULL, "utc_offset");
	c->own_tp.time_source = (uint8_t)config_get_int(cfg, NULL, "timeSource");
	/* like ptp4l: a clock on the UTC-like CLOCK_REALTIME scale (software stamps, and the
	 * vclocks that follow it) serves an arbitrary timescale; a PHC serves PTP time */
	c->own_tp.flags = c->kind == TCLOCK_PHC ? PTP_FLAG_PTP_TIMESCALE : 0;
	bmc_update_ds(BMC_RS_M1, &c->dflt, &c->own_tp, NULL, &c->cur, &c->parent, &c->tp);
}

static void bmc_tick(struct reactor *r, struct reactor_timer *t, uint64_t n, void *arg)
{
	struct ptpd_clock *c = arg;
	(void)r;
	(void)t;
	(void)n;
	ptpd_clock_state_decision(c);
}

struct ptpd_clock *ptpd_clock_create(struct config *cfg, struct reactor *r,
                                     const struct ptpd_env *env)
{
	struct ptpd_clock *c = calloc(1, sizeof(*c));
	uint8_t id[8];
	char cid[32];
	const char *first = config_section_name(cfg, 0);

	if (!c) {
		if (env)
			tclock_destroy(env->clk);
		return NULL;
	}
	c->burst_log_dr = 127;
	if (env)
		c->env = *env;
	sim_rng_seed(&c->rng, c->env.seed);
	c->cfg = cfg;
	c->r = r;
	c->best_port = -1;
	c->ts_mode = (enum ts_mode)config_get_int(cfg, NULL, "time_stamping");
	c->free_running = config_get_bool(cfg, NULL, "free_running");
	const char *cid_cfg = config_get_string(cfg, NULL, "clockIdentity");
	if (cid_cfg && *cid_cfg) {
		if (ptpd_cid_parse(cid_cfg, &c->dflt.identity)) {
			pr_err("bad clockIdentity '%s' (expected 001122.3344.556677)", cid_cfg);
			goto fail;
		}
		memcpy(id, c->dflt.identity.id, 8);
	} else if (net_clock_identity(first, id)) {
		pr_err("%s: cannot read the MAC address for the clockIdentity", first);
		goto fail;
	}
	memcpy(c->dflt.identity.id, id, 8);
	if (open_sync(c))
		goto fail;
	init_datasets(c);
	pr_info("local clock %s%s", tclock_name(c->clk), c->free_running ? " (free running)" : "");
	for (unsigned i = 0; i < config_section_count(cfg); i++) {
		c->ports[i] = ptpd_port_create(c, i, config_section_name(cfg, i));
		if (!c->ports[i])
			goto fail;
		c->nports = i + 1;
	}
	c->sum_max = ptpd_summary_count(config_get_int(cfg, NULL, "summary_interval"),
	                                c->ports[0]->log_sync);
	c->uds = ptpd_uds_create(c, config_get_string(cfg, NULL, "uds_address"));
	if (!c->uds)
		goto fail;
	for (unsigned i = 0; i < c->nports; i++)
		if (ptpd_port_start(c->ports[i]))
			goto fail;
	c->bmc_timer = reactor_timer_create(r, bmc_tick, c);
	if (!c->bmc_timer)
		goto fail;
	int8_t la = c->ports[0]->log_announce;
	uint64_t period = la >= 0 ? (uint64_t)NS_PER_SEC << la : (uint64_t)NS_PER_SEC >> -la;
	reactor_timer_arm(c->bmc_timer, period, period);
	pr_info("clock identity %s", ptpd_cid_str(&c->dflt.identity, cid, sizeof(cid)));
	return c;
fail:
	ptpd_clock_destroy(c);
	return NULL;
}

void ptpd_clock_destroy(struct ptpd_clock *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->nports; i++)
		ptpd_port_destroy(c->ports[i]);
	if (c->bmc_timer)
		reactor_timer_destroy(c->bmc_timer);
	if (c->burst_timer)
		reactor_timer_destroy(c->burst_timer);
	ptpd_uds_destroy(c->uds);
	sync_destroy(c->sync);
	tclock_destroy(c->env.clk); /* not taken over: creation failed before */
	free(c);
}

tmv_t ptpd_clock_mono(struct ptpd_clock *c)
{
	return reactor_now(c->r);
}

tmv_t ptpd_clock_now(struct ptpd_clock *c)
{
	tmv_t t = 0;
	tclock_gettime(c->clk, &t);
	return t;
}

tmv_t ptpd_clock_local_ts(struct ptpd_clock *c, tmv_t pkt_ts)
{
	tmv_t t;
	/* hardware stamps are already on the PHC's scale */
	if (!pkt_ts || c->ts_mode == TS_HARDWARE || tclock_from_sys(c->clk, pkt_ts, &t))
		return pkt_ts;
	return t;
}

static void log_sample(struct ptpd_clock *c, tmv_t offset, tmv_t delay)
{
	char buf[160];
	if (c->sum_max <= 1) {
		ptpd_sample_fmt(buf, sizeof(buf), offset, (int)c->sstate, c->freq_ppb, delay);
		pr_info("%s", buf);
		return;
	}
	ptpd_stat_add(&c->sum.offset, (double)offset);
	ptpd_stat_add(&c->sum.freq, c->freq_ppb);
	ptpd_stat_add(&c->sum.delay, (double)delay);
	if (c->sum.offset.n >= c->sum_max) {
		ptpd_summary_fmt(&c->sum, buf, sizeof(buf));
		pr_info("%s", buf);
		ptpd_summary_reset(&c->sum);
	}
}

/* Exponential average over time, time constant AVG_TAU_S: at 1 value/s it is the last value,
 * at 64/s (a burst) it averages ~13 values' timestamp noise. */
#define AVG_TAU_S 0.1
static void avg_add(struct ptpd_avg *a, double x, int64_t mono)
{
	double dt = (double)(mono - a->mono) / 1e9;
	double w = a->mono && dt > 0 ? 1 - exp(-dt / AVG_TAU_S) : 1.0;
	a->v += w * (x - a->v);
	a->mono = mono ? mono : 1;
}

void ptpd_clock_delay_sample(struct ptpd_clock *c, tmv_t delay)
{
	avg_add(&c->delay_avg, (double)delay, (int64_t)ptpd_clock_mono(c));
}

void ptpd_clock_sample(struct ptpd_clock *c, struct ptpd_port *p, tmv_t offset, tmv_t t2,
                       tmv_t rx_raw, tmv_t delay, int log_sync_interval)
{
	const struct sync_sample x = {
	        .offset = offset,
	        .local = t2,
	        .sys = c->ts_mode == TS_HARDWARE ? 0 : rx_raw,
	        .delay = delay,
	        .mono = ptpd_clock_mono(c),
	        .log_interval = log_sync_interval,
	        .source = p->index + 1,
	};

	c->cur.offset_from_master = offset;
	c->cur.mean_path_delay = delay;
	avg_add(&c->offset_avg, (double)offset, (int64_t)x.mono);
	offset_robust_add(&c->offset_rob, (double)offset, (int64_t)x.mono);
	c->tstatus.master_offset = offset;
	c->tstatus.ingress_time = t2;
	c->tstatus.gm_present = 1;
	c->tstatus.gm_identity = c->parent.gm_identity;
	if (!c->free_running && log_sync_interval != c->sum_log_interval) {
		c->sum_log_interval = log_sync_interval;
		c->sum_max = ptpd_summary_count(config_get_int(c->cfg, NULL, "summary_interval"),
		                                log_sync_interval);
	}
	enum servo_state st = sync_sample(c->sync, &x);
	c->sstate = st;
	if (st != SERVO_LOCKED) {
		c->offset_avg.mono = 0; /* stepped or starting over: the next sample restarts it */
		offset_robust_reset(&c->offset_rob);
	}
	c->freq_ppb = sync_freq(c->sync);
	c->step_gen = sync_step_gen(c->sync);
	if (!c->free_running)
		c->tstatus.cumulative_scaled_rate_offset =
		        (int32_t)(c->freq_ppb * 1e-9 * 2199023255552.0);
	log_sample(c, offset, delay);
	if (p->ds.state == PTP_PS_UNCALIBRATED && (c->free_running || st == SERVO_LOCKED))
		ptpd_port_dispatch(p, PTP_EV_MASTER_CLOCK_SELECTED, false);
}

void ptpd_clock_sde(struct ptpd_clock *c)
{
	c->sde = true;
	/* decide at once: the reactor is single-threaded and nothing else is in flight */
	ptpd_clock_state_decision(c);
}

void ptpd_clock_slave_lost(struct ptpd_clock *c, struct ptpd_port *p)
{
	(void)p;
	sync_holdover(c->sync);
	c->freq_ppb = sync_freq(c->sync);
	c->sstate = sync_state(c->sync);
	c->tstatus.gm_present = 0;
	ptpd_summary_reset(&c->sum);
}
