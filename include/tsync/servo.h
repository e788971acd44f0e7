/* SPDX-License-Identifier: MIT */
/*
 * Clock servos: turn offset samples into frequency adjustments.
 *
 * One interface, three servos:
 *   SERVO_PI      linuxptp's PI controller semantics (gains scaled by the sync interval,
 *                 hardware or software timestamping gain sets, first_step_threshold,
 *                 step_threshold, max_frequency clamp; states UNLOCKED -> JUMP -> LOCKED).
 *   SERVO_LINREG  linear regression over a window of recent samples (linuxptp's linreg idea).
 *   SERVO_KALMAN  a two-state (offset, frequency) Kalman filter that also reports its own
 *                 1-sigma time-error estimate: the bound vmclock publishes.
 *
 * Conventions (every servo):
 *   offset_ns  measured offset of the local clock: local minus master (+ = local ahead).
 *   local_ns   local timestamp of the measurement (the servo uses differences only).
 *   return     the absolute frequency adjustment to *set* on the clock, ppb, + = faster,
 *              clamped to +-max_frequency. With a local clock ahead, the servo slows it.
 *   state      SERVO_UNLOCKED: keep the frequency, do not step.
 *              SERVO_JUMP:     step the clock by -offset_ns, then set the returned frequency.
 *              SERVO_LOCKED:   set the returned frequency only.
 */
#ifndef TSYNC_SERVO_H
#define TSYNC_SERVO_H

#include <stdbool.h>
#include <stdint.h>
#include "tsync/time.h"

enum servo_type {
	SERVO_PI,
	SERVO_LINREG,
	SERVO_KALMAN,
};

enum servo_state {
	SERVO_UNLOCKED = 0,
	SERVO_JUMP = 1,
	SERVO_LOCKED = 2,
};

struct servo_config {
	bool sw_ts;                    /* software timestamps: PI uses the software gain set */
	double step_threshold_s;       /* step when |offset| exceeds this after the first update;
	                                 0 = never (linuxptp default 0.0) */
	double first_step_threshold_s; /* step on the first update above this; 0 = never
	                                  (linuxptp default 20e-6) */
	double max_frequency_ppb;      /* clamp; 0 = the clock's limit given at create */
	/* PI gains, linuxptp names; a value of 0 for kp/ki picks the scaled defaults */
	double pi_proportional_const, pi_integral_const;
	double pi_proportional_scale, pi_proportional_exponent, pi_proportional_norm_max;
	double pi_integral_scale, pi_integral_exponent, pi_integral_norm_max;
	/* Kalman: measurement noise (ns, 1 sigma; 0 = adaptive estimate) and
	 * frequency random-walk process noise (ppb per sqrt(s)) */
	double kalman_meas_noise_ns;
	double kalman_freq_noise_ppb;
};

/* Fill cfg with linuxptp's defaults (sw_ts selects the gain set). */
void servo_config_defaults(struct servo_config *cfg, bool sw_ts);

struct servo;

/* fadj_ppb: the clock's current frequency adjustment (servo starts from it);
 * max_ppb: the clock driver's limit. Returns NULL (errno) on failure. */
struct servo *servo_create(enum servo_type type, const struct servo_config *cfg, double fadj_ppb,
                           double max_ppb);
void servo_destroy(struct servo *s);

/* Feed one sample; see conventions above. weight in (0, 1], 1.0 if unknown. */
double servo_sample(struct servo *s, int64_t offset_ns, uint64_t local_ns, double weight,
                    enum servo_state *state);
/* Tell the servo the interval between samples, seconds (retunes PI gains). */
void servo_sync_interval(struct servo *s, double interval_s);
/* Forget everything learned; back to UNLOCKED (keeps the configured gains). */
void servo_reset(struct servo *s);
/* The servo's own estimate of the clock's time error after the last sample, ns (1 sigma).
 * Returns -EOPNOTSUPP for servos that keep none. */
int servo_error_estimate(struct servo *s, double *err_ns);
/* Current state (last value returned through servo_sample). */
enum servo_state servo_state(const struct servo *s);
/* Called by the owner after it stepped the clock outside the servo: drop history. */
void servo_leap_or_step(struct servo *s);

const char *servo_type_name(enum servo_type t);
int servo_parse_type(const char *s, enum servo_type *out); /* "pi" "linreg" "kalman"; -EINVAL */
const char *servo_state_name(enum servo_state st);         /* "s0" "s1" "s2" like ptp4l */

#endif
