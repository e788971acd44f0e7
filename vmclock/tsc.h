/* SPDX-License-Identifier: MIT */
/*
 * The vmclock-specific part of the TSC for vmclockd: the calibrated period expressed as vmclock
 * page fields (counter_period_frac_sec, counter_period_shift). Pairs, calibration and the rate
 * tracker are lib/counter (include/tsync/counter.h).
 */
#ifndef VMCLOCK_TSC_H
#define VMCLOCK_TSC_H

#include <stdint.h>

#include "tsync/counter.h"

struct tsc_cal {
	double ns_per_tick; /* TSC period in CLOCK_MONOTONIC_RAW ns */
	double rel_err;     /* bound on |ns_per_tick / true - 1| (measurement only) */
	uint64_t frac;      /* the same period as vmclock fields: units of 2^-(64 + shift) s */
	uint8_t shift;
};

/* Calibrate tsc (a counter source) over duration_ms (>= 10) of CLOCK_MONOTONIC_RAW. 0 or
 * -errno. */
int tsc_calibrate(struct counter *tsc, unsigned duration_ms, struct tsc_cal *out);

/* vmclock period fields for a period of ns_per_tick ns (> 0, < 1e9): the largest shift that
 * keeps frac < 2^64, frac rounded to nearest. 0 or -EINVAL. */
int tsc_period_fields(double ns_per_tick, uint64_t *frac, uint8_t *shift);

#endif
