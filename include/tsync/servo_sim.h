/* SPDX-License-Identifier: MIT */
/*
 * Seeded closed-loop servo simulation, shared by the unit tests, tsync-servo-sim and the
 * benchmarks: a TCLOCK_SIM clock (vclock model on simulated time) with an initial offset and a
 * natural frequency error is disciplined by one servo from noisy offset measurements.
 *
 * Each sync interval at true time t_k = k * interval_s (k = 0, 1, ...; t_k <= duration_s):
 *   measured offset = true error (clock - true time) + N(0, noise_ns^2)
 *                     + with probability spike_prob, d / 2 where d ~ Exp(spike_mean_ns):
 *                       a queueing delay on the master-to-slave path biases a PTP offset by
 *                       half the delay, always in the + direction;
 *   servo_sample(offset, clock time); JUMP: step the clock by -offset, then set the frequency;
 *   LOCKED: set the frequency; UNLOCKED: nothing;
 *   the true error is recorded after the servo acted (and the servo's error estimate).
 *
 * Definitions:
 *   time to lock  the first t_k from which |true error| <= lock threshold at every later
 *                 sample to the end of the run (not locked if the last sample exceeds it).
 *   steady state  the samples with t_k >= settle_s: RMS, mean, p99 and max of the true error,
 *                 and for servos with an error estimate the mean estimate and the coverage,
 *                 the fraction of samples with |true error| <= 3 * estimate.
 * Everything is a deterministic function of the parameters (seed included).
 */
#ifndef TSYNC_SERVO_SIM_H
#define TSYNC_SERVO_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include "tsync/servo.h"

struct servo_sim_params {
	enum servo_type type;
	const struct servo_config *cfg; /* NULL: servo_config_defaults(cfg, false) */
	uint64_t seed;                  /* noise and wander */
	double duration_s;              /* simulated run, s (default 1200) */
	double interval_s;              /* sync interval, s (default 1) */
	double initial_offset_ns;       /* clock minus true time at t = 0, ns (default 1e6) */
	double nat_ppm;                 /* natural frequency error, ppm, + = fast (default 100) */
	double wander_ppb;              /* RMS frequency wander, ppb (default 0) */
	double noise_ns;                /* white gaussian measurement noise, 1 sigma, ns */
	double spike_prob;              /* per-sample probability of a delay spike, [0, 1] */
	double spike_mean_ns;     /* mean of the exponential spike delay, ns (default 50000) */
	double lock_threshold_ns; /* 0: max(10 * noise_ns, 100 ns) */
	double settle_s;          /* < 0: duration_s / 2 (default) */
};

/* One sample of the run, for an optional trace callback. */
struct servo_sim_sample {
	double t_s;             /* true time since the start, s */
	int64_t offset_ns;      /* measured offset fed to the servo */
	double freq_ppb;        /* frequency returned by the servo */
	enum servo_state state; /* state returned */
	int64_t error_ns;       /* true error after the servo acted, ns */
	double estimate_ns;     /* servo's 1-sigma error estimate, NAN if none */
};

struct servo_sim_result {
	bool locked;
	double lock_time_s;       /* -1 if not locked */
	double lock_threshold_ns; /* the threshold used */
	double first_locked_s;    /* time of the first SERVO_LOCKED sample, -1 if none */
	unsigned jumps;           /* samples that returned SERVO_JUMP */
	unsigned long samples;    /* samples in the steady-state window */
	double rms_ns, mean_ns, p99_ns, max_ns; /* true error in the window, ns */
	bool has_estimate;
	double est_mean_ns;  /* mean error estimate in the window, ns */
	double est_coverage; /* fraction of window samples with |error| <= 3 * estimate */
	enum servo_state final_state;
};

/* Fill p with the defaults above (servo type SERVO_PI, seed 1, no noise). */
void servo_sim_defaults(struct servo_sim_params *p);

/* Run the simulation. trace (optional) is called for every sample with arg.
 * Returns 0, -EINVAL for bad parameters, -ENOMEM, or the error of servo/clock creation. */
int servo_sim_run(const struct servo_sim_params *p, struct servo_sim_result *r,
                  void (*trace)(void *arg, const struct servo_sim_sample *smp), void *arg);

#endif
