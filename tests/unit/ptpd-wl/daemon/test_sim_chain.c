// SPDX-License-Identifier: MIT
/*
 * Daemons in simulated time: three real ptpd-wl clocks (ptpd_clock_create) in one process on
 * one simulated reactor, a grandmaster -> boundary clock -> slave chain over sim links
 * (sim.h) with TCLOCK_SIM clocks, 1000 simulated seconds in well under a wall second or
 * two. The grandmaster's clock is the simulation's truth; the test reads the boundary clock's
 * and the slave's true error (sim clock minus true time) once a simulated second.
 *
 * Seeded: TSYNC_SIM_SEED=N reproduces a run; every failure message names the seed.
 * TSYNC_SIM_TRACE=1 prints both true errors and the slave port state each simulated second.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "tsync/log.h"
#include "tsync/sim.h"

#define SIM_S 1000 /* simulated run, s */
/* Errors count from here on: the BMCA takes ~26 s (announce timeouts) before the boundary
 * clock steps, and the slave, which followed the boundary clock's pre-step frequency, then
 * converges with the PI servo's time constant (~25 s at 4 Sync/s). */
#define SETTLE_S 300

enum { GM, BC, SL, NODES };

struct chain {
	struct sim_time t;
	struct sim_rng link_rng;
	struct reactor *r;
	struct transport *ends[2][2]; /* [link][side]: link 0 GM-BC, link 1 BC-SL */
	struct config *cfg[NODES];
	struct ptpd_clock *node[NODES];
	struct tclock *clk[NODES]; /* borrowed from the nodes */
	/* true error once a second after SETTLE_S: BC and SL */
	double sum[NODES], sum2[NODES], maxabs[NODES];
	unsigned n;
	struct reactor_timer *probe;
	uint64_t seed;
};

static uint64_t test_seed(void)
{
	const char *s = getenv("TSYNC_SIM_SEED");
	return s && *s ? strtoull(s, NULL, 0) : 20261203;
}

/* the end of a link each node's port gets: GM port 1 = link 0 side 0, BC port 1 = link 0
 * side 1, BC port 2 = link 1 side 0, SL port 1 = link 1 side 1 */
static struct transport *hand_out(void *arg, unsigned index, const char *iface,
                                  const struct transport_config *tc)
{
	struct transport **slot = arg;
	(void)iface;
	(void)tc;
	struct transport *t = slot[index];
	slot[index] = NULL; /* the port owns it now */
	return t;
}

static void probe(struct reactor *r, struct reactor_timer *t, uint64_t n, void *arg)
{
	struct chain *c = arg;
	(void)r;
	(void)t;
	(void)n;
	if (getenv("TSYNC_SIM_TRACE"))
		fprintf(stderr, "t=%lld bc=%lld sl=%lld st=%d\n",
		        (long long)(c->t.now_ns / NS_PER_SEC),
		        (long long)tclock_sim_error(c->clk[BC]),
		        (long long)tclock_sim_error(c->clk[SL]), c->node[SL]->ports[0]->ds.state);
	if (c->t.now_ns < (tmv_t)SETTLE_S * NS_PER_SEC + 1000 * NS_PER_SEC)
		return;
	for (int i = BC; i < NODES; i++) {
		double e = (double)tclock_sim_error(c->clk[i]);
		c->sum[i] += e;
		c->sum2[i] += e * e;
		if (fabs(e) > c->maxabs[i])
			c->maxabs[i] = fabs(e);
	}
	c->n++;
}

static struct config *node_cfg(const char *text, const char *const *ifaces, unsigned nif, int node)
{
	struct config *cfg = ptpd_config_create();
	struct config_error ce;
	char uds[96], err[160];
	cr_assert_not_null(cfg);
	snprintf(uds, sizeof(uds), "uds_address /tmp/tsync-simchain-%d-%d\n", (int)getpid(), node);
	cr_assert_eq(config_read_string(cfg, text, "sim", &ce), 0, "%s", ce.msg);
	cr_assert_eq(config_read_string(cfg, uds, "sim", &ce), 0, "%s", ce.msg);
	for (unsigned i = 0; i < nif; i++)
		cr_assert_eq(config_add_section(cfg, ifaces[i]), 0);
	cr_assert_eq(ptpd_config_check(cfg, err, sizeof(err)), 0, "%s", err);
	return cfg;
}

/* Build and run the chain; asym_ns on the GM-BC link. */
static void chain_run(struct chain *c, double asym_ns)
{
	static const char *const ifs[NODES][2] = {{"simgm0"}, {"simbc0", "simbc1"}, {"simsl0"}};
	static const unsigned nifs[NODES] = {1, 2, 1};
	static const char *const text[NODES] = {
	        "priority1 10\nclockIdentity 000001.fffe.000001\nsummary_interval 10\n"
	        "logSyncInterval -2\n",
	        "clockIdentity 000002.fffe.000002\nsummary_interval 10\nstep_threshold 0.00002\n"
	        "logSyncInterval -2\n",
	        "slaveOnly 1\nclockIdentity 000003.fffe.000003\nsummary_interval 10\n"
	        "step_threshold 0.00002\nlogSyncInterval -2\n"};
	/* step_threshold: the slave follows the boundary clock's own first step at once rather
	 * than slewing 3 ms at the PI servo's pace */
	/* the grandmaster is the truth; the others start off and run fast or slow */
	const struct vclock_params prm[NODES] = {
	        {0},
	        {.initial_offset_ns = 3000000, .nat_ppm = 15.0, .wander_ppb = 1.0, .seed = 2},
	        {.initial_offset_ns = -2000000, .nat_ppm = -25.0, .wander_ppb = 1.0, .seed = 3}};
	const struct sim_link_params link[2] = {
	        {.delay_ns = 50000, .asym_ns = asym_ns, .jitter_ns = 100},
	        {.delay_ns = 20000, .jitter_ns = 100}};
	struct transport *slots[NODES][2] = {{NULL}};
	struct timespec w0, w1;

	memset(c, 0, sizeof(*c));
	c->seed = test_seed();
	c->t.now_ns = 1000 * NS_PER_SEC;
	sim_rng_seed(&c->link_rng, c->seed);
	c->r = reactor_create_sim(&c->t.now_ns);
	cr_assert_not_null(c->r);
	for (int l = 0; l < 2; l++)
		cr_assert_eq(sim_link_pair(&c->t, &c->link_rng, &link[l], NULL, NULL,
		                           &c->ends[l][0], &c->ends[l][1]),
		             0);
	slots[GM][0] = c->ends[0][0];
	slots[BC][0] = c->ends[0][1];
	slots[BC][1] = c->ends[1][0];
	slots[SL][0] = c->ends[1][1];
	for (int i = 0; i < NODES; i++) {
		c->cfg[i] = node_cfg(text[i], ifs[i], nifs[i], i);
		c->clk[i] = tclock_sim_create(&c->t, &prm[i]);
		cr_assert_not_null(c->clk[i]);
		const struct ptpd_env env = {.clk = c->clk[i],
		                             .transport = hand_out,
		                             .arg = slots[i],
		                             .seed = c->seed * 3 + (uint64_t)i};
		c->node[i] = ptpd_clock_create(c->cfg[i], c->r, &env);
		cr_assert_not_null(c->node[i], "seed %llu: node %d", (unsigned long long)c->seed,
		                   i);
	}
	c->probe = reactor_timer_create(c->r, probe, c);
	reactor_timer_arm(c->probe, NS_PER_SEC, NS_PER_SEC);
	clock_gettime(CLOCK_MONOTONIC, &w0);
	tmv_t end = c->t.now_ns + (tmv_t)SIM_S * NS_PER_SEC;
	while (c->t.now_ns < end)
		cr_assert_geq(reactor_run_once(c->r, -1), 0);
	clock_gettime(CLOCK_MONOTONIC, &w1);
	double wall = (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) / 1e9;
	fprintf(stderr, "sim chain: seed %llu asym %.0f ns: %d simulated s in %.2f wall s\n",
	        (unsigned long long)c->seed, asym_ns, SIM_S, wall);
	cr_assert_lt(wall, 20.0, "seed %llu: %d simulated s took %.1f wall s",
	             (unsigned long long)c->seed, SIM_S, wall);
	cr_assert_gt(c->n, SIM_S - SETTLE_S - 5, "seed %llu: %u probes",
	             (unsigned long long)c->seed, c->n);
	for (int i = BC; i < NODES; i++)
		fprintf(stderr,
		        "  %s true error after %d s: mean %+.0f ns, rms %.0f ns, max |%.0f| ns\n",
		        i == BC ? "boundary clock" : "slave", SETTLE_S, c->sum[i] / c->n,
		        sqrt(c->sum2[i] / c->n), c->maxabs[i]);
}

static void chain_destroy(struct chain *c)
{
	for (int i = NODES - 1; i >= 0; i--) {
		ptpd_clock_destroy(c->node[i]);
		config_destroy(c->cfg[i]);
	}
	reactor_timer_destroy(c->probe);
	reactor_destroy(c->r);
}

static void quiet(void)
{
	log_set_level(LOG_WARNING);
}

/* Also after a failed assertion (the chain was not destroyed): no socket left in /tmp. */
static void loud(void)
{
	char uds[96];
	for (int i = 0; i < NODES; i++) {
		snprintf(uds, sizeof(uds), "/tmp/tsync-simchain-%d-%d", (int)getpid(), i);
		unlink(uds);
	}
	log_set_level(LOG_INFO);
}

Test(sim_chain, gm_bc_slave_lock_to_true_time, .init = quiet, .fini = loud, .timeout = 120)
{
	struct chain c;
	chain_run(&c, 0);
	unsigned long long seed = (unsigned long long)c.seed;
	for (int i = BC; i < NODES; i++) {
		const char *who = i == BC ? "boundary clock" : "slave";
		cr_assert_eq(c.node[i]->ports[0]->ds.state, PTP_PS_SLAVE,
		             "seed %llu: %s port 1 is %s", seed, who,
		             ptp_port_state_str(c.node[i]->ports[0]->ds.state));
		/* 100 ns of jitter per frame on each hop, software-stamp PI gains */
		cr_assert_lt(c.maxabs[i], 500.0, "seed %llu: %s max |true error| %.0f ns >= 500 ns",
		             seed, who, c.maxabs[i]);
		cr_assert_lt(sqrt(c.sum2[i] / c.n), 150.0,
		             "seed %llu: %s true-error RMS %.0f ns >= 150 ns", seed, who,
		             sqrt(c.sum2[i] / c.n));
	}
	cr_assert_eq(c.node[BC]->ports[1]->ds.state, PTP_PS_MASTER, "seed %llu: BC port 2", seed);
	chain_destroy(&c);
}

/* PTP cannot see path asymmetry: 4 us of it on the GM-BC link puts the boundary clock, and
 * the slave behind it, asym/2 = 2 us behind true time. */
Test(sim_chain, asymmetry_shows_as_half_its_size, .init = quiet, .fini = loud, .timeout = 120)
{
	struct chain c;
	const double asym = 4000;
	chain_run(&c, asym);
	for (int i = BC; i < NODES; i++) {
		double mean = c.sum[i] / c.n;
		cr_assert(fabs(mean + asym / 2) < 200.0,
		          "seed %llu: %s mean true error %+.0f ns, expected %+.0f ns (-asym/2)",
		          (unsigned long long)c.seed, i == BC ? "boundary clock" : "slave", mean,
		          -asym / 2);
	}
	chain_destroy(&c);
}
