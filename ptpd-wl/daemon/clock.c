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

static int open_local_clock(struct ptpd_clock *c)
{
	const char *first = config_section_name(c->cfg, 0);
	char path[64], err[160];
	int idx, e = 0;

	switch (c->kind) {
	case PTPD_CLK_SYS:
		c->clk = tclock_create(TCLOCK_SYS, NULL);
		break;
	case PTPD_CLK_PHC: {
		const char *dev = config_get_string(c->cfg, NULL, "phc_device");
		if (!dev || !*dev) {
			if (ts_phc_index(first, &idx, err, sizeof(err))) {
				pr_err("%s", err);
				return -ENODEV;
			}
			snprintf(path, sizeof(path), "/dev/ptp%d", idx);
			dev = path;
		}
		c->clk = tclock_create(TCLOCK_PHC, dev);
		if (!c->clk) {
			pr_err("cannot open PHC %s: %m", dev);
			return -errno;
		}
		break;
	}
	case PTPD_CLK_VCLOCK: {
		const char *name = config_get_string(c->cfg, NULL, "vclock");
		c->vc = vclock_open(name, &e);
		if (!c->vc) {
			pr_err("vclock %s: %s", name, vclock_strerror(e));
			return e;
		}
		c->clk = tclock_create(TCLOCK_VCLOCK, name);
		break;
	}
	}
	if (!c->clk) {
		pr_err("cannot open the local clock: %m");
		return -errno;
	}
	return 0;
}

static int open_servo(struct ptpd_clock *c)
{
	struct servo_config sc;
	double fadj = 0;
	enum servo_type type = (enum servo_type)config_get_int(c->cfg, NULL, "clock_servo");

	servo_config_defaults(&sc, c->ts_mode == TS_SOFTWARE);
	sc.step_threshold_s = config_get_double(c->cfg, NULL, "step_threshold");
	sc.first_step_threshold_s = config_get_double(c->cfg, NULL, "first_step_threshold");
	sc.max_frequency_ppb = config_get_int(c->cfg, NULL, "max_frequency");
	sc.pi_proportional_const = config_get_double(c->cfg, NULL, "pi_proportional_const");
	sc.pi_integral_const = config_get_double(c->cfg, NULL, "pi_integral_const");
	sc.pi_proportional_scale = config_get_double(c->cfg, NULL, "pi_proportional_scale");
	sc.pi_proportional_exponent = config_get_double(c->cfg, NULL, "pi_proportional_exponent");
	sc.pi_proportional_norm_max = config_get_double(c->cfg, NULL, "pi_proportional_norm_max");
	sc.pi_integral_scale = config_get_double(c->cfg, NULL, "pi_integral_scale");
	sc.pi_integral_exponent = config_get_double(c->cfg, NULL, "pi_integral_exponent");
	sc.pi_integral_norm_max = config_get_double(c->cfg, NULL, "pi_integral_norm_max");
	sc.kalman_meas_noise_ns = config_get_double(c->cfg, NULL, "kalman_meas_noise");
	sc.kalman_freq_noise_ppb = config_get_double(c->cfg, NULL, "kalman_freq_noise");
	if (!c->free_running)
		tclock_getfreq(c->clk, &fadj);
	double max = tclock_max_adj(c->clk);
	if (sc.max_frequency_ppb > max)
		sc.max_frequency_ppb = max;
	c->servo = servo_create(type, &sc, fadj, max);
	if (!c->servo) {
		pr_err("cannot create the %s servo: %m", servo_type_name(type));
		return -EINVAL;
	}
	c->freq_ppb = fadj;
	c->servo_log_interval = 127;
	return 0;
}

static int open_outputs(struct ptpd_clock *c)
{
	static const char *const cols[] = {"t[s]",      "offset[ns]", "freq[ppb]",
	                                   "delay[ns]", "state",      "port"};
	int unit = config_get_int(c->cfg, NULL, "chrony_shm_unit");
	const char *sock = config_get_string(c->cfg, NULL, "chrony_sock_path");
	const char *sl = config_get_string(c->cfg, NULL, "statlog");
	int e = 0;

	if (unit >= 0 && !(c->shm = chrony_shm_open(unit, &e))) {
		pr_err("chrony SHM unit %d: %s", unit,
		       e == -EBUSY || e == -EEXIST ? "SHM unit in use" : strerror(-e));
		return e;
	}
	if (sock && *sock && !(c->sock = chrony_sock_open(sock, &e))) {
		pr_err("chrony SOCK %s: %s", sock, strerror(-e));
		return e;
	}
	if (sl && *sl) {
		char now[48];
		const struct statlog_meta meta[] = {
		        {"source", "ptpd-wl"},
		        {"started", statlog_iso8601_now(now, sizeof(now))},
		        {"clock", tclock_name(c->clk)},
		};
		c->sl = statlog_open(sl, cols, 6, meta, 3, STATLOG_FLUSH_ROWS);
		if (!c->sl) {
			pr_err("statlog %s: %m", sl);
			return -errno;
		}
	}
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
	c->own_tp.flags = c->kind == PTPD_CLK_PHC ? PTP_FLAG_PTP_TIMESCALE : 0;
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

struct ptpd_clock *ptpd_clock_create(struct config *cfg, struct reactor *r)
{
	struct ptpd_clock *c = calloc(1, sizeof(*c));
	uint8_t id[8];
	char cid[32];
	const char *first = config_section_name(cfg, 0);

	if (!c)
		return NULL;
	c->cfg = cfg;
	c->r = r;
	c->best_port = -1;
	c->kind = (enum ptpd_clock_kind)config_get_int(cfg, NULL, "clock_type");
	c->ts_mode = (enum ts_mode)config_get_int(cfg, NULL, "time_stamping");
	c->free_running = config_get_bool(cfg, NULL, "free_running");
	tmv_clock_read(CLOCK_MONOTONIC, &c->t0_mono);
	if (net_clock_identity(first, id)) {
		pr_err("%s: cannot read the MAC address for the clockIdentity", first);
		goto fail;
	}
	memcpy(c->dflt.identity.id, id, 8);
	if (open_local_clock(c) || open_servo(c) || open_outputs(c))
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
	if (c->shm)
		chrony_shm_close(c->shm);
	chrony_sock_close(c->sock);
	if (c->sl)
		statlog_close(c->sl);
	if (c->servo)
		servo_destroy(c->servo);
	if (c->clk)
		tclock_destroy(c->clk);
	if (c->vc)
		vclock_close(c->vc);
	free(c);
}

tmv_t ptpd_clock_now(struct ptpd_clock *c)
{
	tmv_t t = 0;
	tclock_gettime(c->clk, &t);
	return t;
}

tmv_t ptpd_clock_local_ts(struct ptpd_clock *c, tmv_t pkt_ts)
{
	tmv_t vc;
	if (!pkt_ts)
		return 0;
	if (c->vc && !vclock_from_realtime(c->vc, pkt_ts, &vc))
		return vc;
	return pkt_ts;
}

/* chrony: master time vs CLOCK_REALTIME at the Sync ingress; raw offset = master - system. */
static void export_chrony(struct ptpd_clock *c, tmv_t offset, tmv_t t2, tmv_t rx_raw)
{
	tmv_t sys = rx_raw, local = t2, win;
	if (c->ts_mode == TS_HARDWARE || !sys) {
		/* the offset still holds a moment after the sample */
		if (tclock_read_pair(c->clk, &local, &sys, &win))
			return;
	}
	tmv_t master = local - offset;
	if (c->shm)
		chrony_shm_write(c->shm, master, sys, CHRONY_LEAP_NONE, -20);
	if (c->sock)
		chrony_sock_send(c->sock, sys, (double)(master - sys) / 1e9, CHRONY_LEAP_NONE);
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

void ptpd_clock_sample(struct ptpd_clock *c, struct ptpd_port *p, tmv_t offset, tmv_t t2,
                       tmv_t rx_raw, tmv_t delay, int log_sync_interval)
{
	enum servo_state st = SERVO_UNLOCKED;

	c->cur.offset_from_master = offset;
	c->cur.mean_path_delay = delay;
	c->tstatus.master_offset = offset;
	c->tstatus.ingress_time = t2;
	c->tstatus.gm_present = 1;
	c->tstatus.gm_identity = c->parent.gm_identity;
	if (!c->free_running) {
		if (log_sync_interval != c->servo_log_interval) {
			servo_sync_interval(c->servo, ldexp(1.0, log_sync_interval));
			c->servo_log_interval = log_sync_interval;
			c->sum_max =
			        ptpd_summary_count(config_get_int(c->cfg, NULL, "summary_interval"),
			                           log_sync_interval);
		}
		double f = servo_sample(c->servo, offset, (uint64_t)t2, 1.0, &st);
		if (st == SERVO_JUMP) {
			if (tclock_step(c->clk, -offset))
				pl_err(5, "clock step failed: %m");
			c->step_gen++;
		}
		if (st != SERVO_UNLOCKED) {
			if (tclock_adjfreq(c->clk, f))
				pl_err(5, "clock frequency adjustment failed: %m");
			c->freq_ppb = f;
			/* the servo's answer holds a phase correction; its average is the frequency
			 * to keep when the master goes away */
			c->freq_n++;
			c->freq_avg_ppb +=
			        (f - c->freq_avg_ppb) / (c->freq_n < 32 ? c->freq_n : 32);
		}
		c->tstatus.cumulative_scaled_rate_offset =
		        (int32_t)(c->freq_ppb * 1e-9 * 2199023255552.0);
	}
	c->sstate = st;
	c->samples++;
	tmv_t mono;
	tmv_clock_read(CLOCK_MONOTONIC, &mono);
	c->last_sample_s = (double)mono / 1e9;
	log_sample(c, offset, delay);
	if (c->sl) {
		tmv_t now;
		tmv_clock_read(CLOCK_MONOTONIC, &now);
		double row[6] = {(double)(now - c->t0_mono) / 1e9,
		                 (double)offset,
		                 c->freq_ppb,
		                 (double)delay,
		                 (double)st,
		                 (double)(p->index + 1)};
		statlog_write(c->sl, row);
	}
	if (c->shm || c->sock)
		export_chrony(c, offset, t2, rx_raw);
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
	if (!c->free_running && c->freq_n >= 32 && c->sstate == SERVO_LOCKED) {
		pr_info("holdover at the average frequency %+.0f ppb", c->freq_avg_ppb);
		tclock_adjfreq(c->clk, c->freq_avg_ppb);
		c->freq_ppb = c->freq_avg_ppb;
	}
	c->freq_n = 0;
	c->freq_avg_ppb = 0;
	c->tstatus.gm_present = 0;
	c->sstate = SERVO_UNLOCKED;
	ptpd_summary_reset(&c->sum);
}
