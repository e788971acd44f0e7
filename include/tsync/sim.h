/* SPDX-License-Identifier: MIT */
/*
 * Simulated time for simulators and seeded tests: a discrete-event time base (sim_time) and
 * a clock driver (TCLOCK_SIM) that evaluates the vclock model on it. The simulation's true
 * time is sim_time.now_ns itself: a sim clock's true error is gettime() - now_ns.
 */
#ifndef TSYNC_SIM_H
#define TSYNC_SIM_H

#include "tsync/clock.h"
#include "tsync/vclock.h"

struct sim_time {
	tmv_t now_ns; /* true time; the simulator advances it */
};

/* A clock on sim time t with oscillator prm (initial_offset relative to t->now_ns). */
struct tclock *tclock_sim_create(struct sim_time *t, const struct vclock_params *prm);
/* True time error of a sim clock now: clock minus t->now_ns, ns. */
tmv_t tclock_sim_error(struct tclock *c);

/* Deterministic PRNG for seeded simulations (splitmix64 / xoshiro-free, tiny). */
struct sim_rng {
	uint64_t s;
};
void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_u64(struct sim_rng *r);
double sim_rng_uniform(struct sim_rng *r); /* [0, 1) */
double sim_rng_gauss(struct sim_rng *r);   /* N(0, 1) */

/*
 * A simulated link (lib/net/simlink.c): two transports joined like transport_loop_pair()
 * (socketpairs, so a reactor polls them), stamped on sim time t. The "system clock" of a
 * simulation is true time, so tx_ts is t->now_ns at the send and rx_ts the true arrival time
 * now + delay, delay = delay_ns +- asym_ns / 2 (a->b gets +) + jitter_ns * N(0, 1), at least
 * min_ns. A frame is readable at once: daemons only see the stamps, and frames in one
 * direction keep their order. Transport type TRANS_LOOP; destinations are ignored.
 */
struct transport;
struct transport_config;
struct sim_link_params {
	double delay_ns;  /* mean one-way delay */
	double asym_ns;   /* a->b minus b->a */
	double jitter_ns; /* 1-sigma, per frame */
	double min_ns;    /* floor of a frame's delay (>= 0) */
};
/* cfg_a / cfg_b: each end's transport_config (NULL: defaults). rng draws the jitter (shared
 * by both ends; must outlive them). 0 or -errno; on success *a and *b are to be destroyed
 * with transport_destroy. */
int sim_link_pair(struct sim_time *t, struct sim_rng *rng, const struct sim_link_params *p,
                  const struct transport_config *cfg_a, const struct transport_config *cfg_b,
                  struct transport **a, struct transport **b);

#endif
