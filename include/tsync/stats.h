/* SPDX-License-Identifier: MIT */
/*
 * The scoring statistics every tool and report uses, defined once.
 *
 *   percentile    Hyndman & Fan definition 7 (numpy's, R's and Excel PERCENTILE.INC default):
 *                 for p in [0, 100] over sorted s[0..n-1], h = (n - 1) * p / 100 and the
 *                 result is s[floor(h)] + (h - floor(h)) * (s[floor(h) + 1] - s[floor(h)]);
 *                 p <= 0 gives s[0], p >= 100 gives s[n - 1]. analysis/ uses the same.
 *   mean, rms     sum(x) / n and sqrt(sum(x^2) / n) (RMS about zero, not the standard deviation)
 *   max_abs       max |x|
 *   p99_abs       the 99th percentile of |x| by the definition above
 *   time to lock  given a threshold T >= 0: the first sample index k from which |x[j]| <= T for
 *                 every j >= k to the end; none (-1) when the last sample is above T or n = 0.
 *                 A time to lock is t[k] (or k * interval).
 * Values carry the unit of x (ns for time errors). Empty inputs give NAN (or -1 for a lock).
 */
#ifndef TSYNC_STATS_H
#define TSYNC_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* Percentile p (0..100) of sorted (ascending) s[0..n-1], definition 7 above. NAN for n = 0. */
double stats_percentile_sorted(const double *s, size_t n, double p);
/* The same of unsorted x (left untouched; sorts a copy). 0, -EINVAL (n = 0), -ENOMEM. */
int stats_percentile(const double *x, size_t n, double p, double *out);
/* Mean, RMS about zero, max |x| of x[0..n-1]. NAN for n = 0. */
double stats_mean(const double *x, size_t n);
double stats_rms(const double *x, size_t n);
double stats_max_abs(const double *x, size_t n);

/* The error score of a window of signed errors (unit of x). */
struct stats_error {
	size_t n;
	double mean, rms, max_abs, p99_abs;
};
/* Score x[0..n-1]; n = 0 gives n = 0 and NANs (returns 0). 0 or -ENOMEM. */
int stats_error_score(const double *x, size_t n, struct stats_error *out);

/* Time to lock, streaming: add samples in order, ask for the lock index at any point. */
struct stats_lock {
	double threshold; /* T, unit of x (>= 0) */
	size_t n;         /* samples added */
	size_t first_ok;  /* first index of the trailing run within T (== n: none) */
};
void stats_lock_init(struct stats_lock *l, double threshold);
void stats_lock_add(struct stats_lock *l, double x);
/* k as defined above over the samples added so far, or -1. */
long stats_lock_index(const struct stats_lock *l);
/* The same over x[0..n-1]. */
long stats_lock_index_of(const double *x, size_t n, double threshold);

#endif
