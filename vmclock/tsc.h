/* SPDX-License-Identifier: MIT */
/*
 * TSC calibration and (counter, clock) pairing for vmclockd.
 *
 * tsc_calibrate(): the TSC period against CLOCK_MONOTONIC_RAW, with a bound on its relative
 * error (used to express pairing windows in ns). tsc_pair_read(): a clock reading bracketed by
 * two TSC reads (the tightest of a few tries). tsc_rate: the period of the TSC in units of a
 * *disciplined* clock (the one vmclockd publishes), measured over a sliding baseline of pairs,
 * with its own error bound, restarting when the clock is stepped.
 */
#ifndef VMCLOCK_TSC_H
#define VMCLOCK_TSC_H

#include <stdbool.h>
#include <stdint.h>

struct tsc_cal {
	double ns_per_tick; /* TSC period in CLOCK_MONOTONIC_RAW ns */
	double rel_err;     /* bound on |ns_per_tick / true - 1| (measurement only) */
	uint64_t frac;      /* the same period as vmclock fields: units of 2^-(64 + shift) s */
	uint8_t shift;
};

/* Calibrate over duration_ms (>= 10) of CLOCK_MONOTONIC_RAW. 0 or -errno. */
int tsc_calibrate(unsigned duration_ms, struct tsc_cal *out);

/* vmclock period fields for a period of ns_per_tick ns (> 0, < 1e9): the largest shift that
 * keeps frac < 2^64, frac rounded to nearest. 0 or -EINVAL. */
int tsc_period_fields(double ns_per_tick, uint64_t *frac, uint8_t *shift);

/* A clock reading and the TSC at the same instant. */
struct tsc_pair {
	uint64_t counter;      /* midpoint of the two TSC reads around the clock read */
	int64_t time_ns;       /* the clock */
	uint64_t window_ticks; /* TSC ticks between the two reads (the pairing uncertainty) */
};
/* Reads a clock, ns; 0 or -errno. */
typedef int (*tsc_clock_fn)(void *ctx, int64_t *ns);
/* Best (narrowest window) of tries (>= 1) pairs. 0 or the clock's -errno. */
int tsc_pair_read(tsc_clock_fn clock, void *ctx, unsigned tries, struct tsc_pair *out);

#define TSC_RATE_RING 128
/* The TSC period in ns of a disciplined clock, over a sliding baseline. */
struct tsc_rate {
	struct tsc_pair ring[TSC_RATE_RING];
	unsigned head, n;    /* ring[head] is the newest; n entries */
	double ns_per_tick;  /* rough period (tsc_cal), converts windows to ns */
	double baseline_s;   /* wanted baseline: older pairs are dropped */
	double max_rate_err; /* bound on the clock's frequency error vs true time (fraction) */
	unsigned resets;     /* baseline restarts (steps detected) */
};
/* ns_per_tick from tsc_calibrate; max_rate_err: the sync daemon's frequency error bound. */
void tsc_rate_init(struct tsc_rate *r, double ns_per_tick, double baseline_s, double max_rate_err);
/* Forget every pair (after a step of the clock). */
void tsc_rate_reset(struct tsc_rate *r);
/*
 * Add a pair. If the rate over the newest interval disagrees with the rate over the baseline by
 * more than 2 x max_rate_err plus both measurement errors (the clock was stepped, or its error
 * bound is wrong), the baseline restarts at the previous pair. Returns true on such a restart.
 */
bool tsc_rate_add(struct tsc_rate *r, const struct tsc_pair *p);
/* Clock ns per TSC tick over the baseline and a bound on the relative error of that
 * measurement (pairing windows over the baseline length; not the clock's own frequency
 * error). -EAGAIN with fewer than two pairs, -EINVAL for a non-increasing clock. */
int tsc_rate_get(const struct tsc_rate *r, double *ns_per_tick, double *rel_err);

#endif
