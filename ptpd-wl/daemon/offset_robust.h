/* SPDX-License-Identifier: MIT */
/*
 * ptpd-wl: a robust short-window estimate of the clock's offset, at the full sample rate (what
 * vmclockd's bound takes: "tsync status" offset_med_ns, offset_peak_ns). Pure.
 *
 * Per sample: med = the median of the offsets measured in the last OFFSET_ROBUST_WIN_NS
 * (at most OFFSET_ROBUST_N of them; at 1 Sync/s it is the last offset, no lag; at 64 Sync/s the
 * median of ~8, so one stamp delayed by the scheduler moves it by at most one rank while a
 * real change of the clock's error that lasts over half the window moves it within ~4
 * samples, 60 ms); peak = the med largest in magnitude over the same window (a poll every
 * 0.1 s sees every med since the previous poll).
 */
#ifndef PTPD_OFFSET_ROBUST_H
#define PTPD_OFFSET_ROBUST_H

#include <stdbool.h>
#include <stdint.h>

#define OFFSET_ROBUST_WIN_NS 125000000LL /* the window, ns: covers vmclockd's 0.1 s poll */
#define OFFSET_ROBUST_N      16          /* at most this many samples in it */

struct offset_robust {
	int64_t mono[OFFSET_ROBUST_N]; /* when, monotonic ns */
	double off[OFFSET_ROBUST_N];   /* the measured offset, ns */
	double med[OFFSET_ROBUST_N];   /* the median after it was added */
	unsigned n, head;
};

/* Forget every sample (the servo stepped or starts over). */
void offset_robust_reset(struct offset_robust *r);
/* One measured offset at monotonic time mono (ns; non-decreasing, else it restarts). */
void offset_robust_add(struct offset_robust *r, double offset_ns, int64_t mono);
/* The median of the offsets in the window of the last sample (false: no sample). */
bool offset_robust_med(const struct offset_robust *r, double *med);
/* The median largest in magnitude over the window of the last sample (false: none). */
bool offset_robust_peak(const struct offset_robust *r, double *peak);

#endif
