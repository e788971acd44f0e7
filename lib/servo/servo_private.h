/* SPDX-License-Identifier: MIT */
/*
 * Servo internals shared by the dispatcher (servo.c) and the implementations (pi.c, linreg.c,
 * kalman.c). linuxptp's pattern: each implementation embeds struct servo first and gets back
 * to itself with container_of(); servo_create() in servo.c picks one by enum and fills the
 * common fields (thresholds, max_frequency, first_update).
 *
 * Sign conventions inside every implementation are those of servo.h: offset_ns is local minus
 * master, the value returned by ->sample is the frequency to *set*, ppb, + = faster.
 */
#ifndef TSYNC_SERVO_PRIVATE_H
#define TSYNC_SERVO_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include "tsync/servo.h"

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#endif

struct servo_ops {
	/* Required. Same contract as servo_sample(); the dispatcher clamps the result again. */
	double (*sample)(struct servo *s, int64_t offset_ns, uint64_t local_ns, double weight,
	                 enum servo_state *state);
	/* Required. interval_s > 0, seconds. */
	void (*sync_interval)(struct servo *s, double interval_s);
	/* Required. Forget the history; keep the frequency currently set on the clock. */
	void (*reset)(struct servo *s);
	/* Optional (NULL: the dispatcher returns -EOPNOTSUPP). 1-sigma time error, ns. */
	int (*error_estimate)(struct servo *s, double *err_ns);
	/* Required. Frees the implementation. */
	void (*destroy)(struct servo *s);
};

struct servo {
	const struct servo_ops *ops;
	enum servo_type type;
	enum servo_state state;      /* last state returned */
	double max_frequency;        /* ppb, > 0: clamp of every returned frequency */
	double step_threshold;       /* ns, 0 = never */
	double first_step_threshold; /* ns, 0 = never */
	int first_update;            /* 1 until the first JUMP or LOCKED sample */
	double interval_s;           /* last sync interval given, seconds */
};

/* Constructors: return the embedded base (ops set) or NULL with errno. cfg is the caller's
 * configuration after servo_create() filled the defaults; fadj_ppb the frequency currently
 * set on the clock (+ = faster). The dispatcher fills the common fields afterwards. */
struct servo *pi_servo_create(const struct servo_config *cfg, double fadj_ppb);
struct servo *linreg_servo_create(const struct servo_config *cfg, double fadj_ppb);
struct servo *kalman_servo_create(const struct servo_config *cfg, double fadj_ppb);

/* Helpers for implementations. */
static inline double servo_clamp(const struct servo *s, double ppb)
{
	if (ppb > s->max_frequency)
		return s->max_frequency;
	if (ppb < -s->max_frequency)
		return -s->max_frequency;
	return ppb;
}

/* Would an offset of |offset_ns| step the clock on this (acquisition) update?
 * True for first_update && first_step_threshold < |offset|, or step_threshold < |offset|. */
static inline int servo_want_step(const struct servo *s, double offset_ns)
{
	double a = offset_ns < 0 ? -offset_ns : offset_ns;

	return (s->first_update && s->first_step_threshold > 0 && a > s->first_step_threshold) ||
	       (s->step_threshold > 0 && a > s->step_threshold);
}

/* After the first update: does |offset_ns| exceed step_threshold (restart acquisition)? */
static inline int servo_over_step_threshold(const struct servo *s, int64_t offset_ns)
{
	double a = offset_ns < 0 ? -(double)offset_ns : (double)offset_ns;

	return s->step_threshold > 0 && a > s->step_threshold;
}

#endif
