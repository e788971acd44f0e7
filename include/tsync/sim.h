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

#endif
