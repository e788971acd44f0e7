/* SPDX-License-Identifier: MIT */
/*
 * tsync time type: signed nanoseconds (tmv_t) and helper arithmetic.
 *
 * A tmv_t holds a time or an interval in nanoseconds. Int64 covers +-292 years, enough for
 * CLOCK_REALTIME, TAI and every interval we meet. Conversions round toward negative infinity
 * (timespec) or to nearest (double), as documented per function.
 */
#ifndef TSYNC_TIME_H
#define TSYNC_TIME_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/time.h>

typedef int64_t tmv_t; /* nanoseconds, signed */

#define NS_PER_US  1000LL
#define NS_PER_MS  1000000LL
#define NS_PER_SEC 1000000000LL

/* timespec (tv_nsec may be out of [0, 1e9) or negative) -> ns. */
static inline tmv_t tmv_from_timespec(struct timespec ts)
{
	return (tmv_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* ns -> normalised timespec: tv_nsec in [0, 1e9), tv_sec floor(ns / 1e9). */
static inline struct timespec tmv_to_timespec(tmv_t t)
{
	struct timespec ts;
	ts.tv_sec = t / NS_PER_SEC;
	ts.tv_nsec = t % NS_PER_SEC;
	if (ts.tv_nsec < 0) {
		ts.tv_sec -= 1;
		ts.tv_nsec += NS_PER_SEC;
	}
	return ts;
}

/* ns -> normalised timeval, microseconds truncated toward negative infinity. */
static inline struct timeval tmv_to_timeval(tmv_t t)
{
	struct timespec ts = tmv_to_timespec(t);
	struct timeval tv = {.tv_sec = ts.tv_sec, .tv_usec = ts.tv_nsec / 1000};
	return tv;
}

static inline double tmv_to_sec(tmv_t t)
{
	return (double)t / 1e9;
}

/* Seconds -> ns, rounded to nearest. */
tmv_t tmv_from_sec(double s);

/* a * num / den without intermediate overflow (128-bit), rounded to nearest; den != 0. */
int64_t tmv_muldiv(int64_t a, int64_t num, int64_t den);

/* interval scaled by (1 + ppb * 1e-9), the part added by the frequency offset only:
 * returns round(interval_ns * ppb / 1e9). */
int64_t tmv_scale_ppb(int64_t interval_ns, double ppb);

/* Read a POSIX clock as ns; returns 0 or -errno. */
int tmv_clock_read(clockid_t id, tmv_t *ns);

/* 64.64 fixed point (used by the vmclock ABI): value = hi + lo / 2^64. */
struct fp6464 {
	int64_t hi;
	uint64_t lo;
};
/* (ticks * period) >> shift, with period a 64-bit fraction of a unit scaled by 2^shift,
 * as the vmclock ABI does: returns the integer part, *frac (optional) the 64-bit fraction. */
uint64_t fp_mul_shift(uint64_t ticks, uint64_t period, unsigned shift, uint64_t *frac);

/* Format ns as "[-]S.NNNNNNNNN" into buf (>= 32 bytes); returns buf. */
char *tmv_fmt(tmv_t t, char *buf, unsigned long len);

/* Parse "[-]S[.frac][unit]" where unit is s, ms, us or ns (default s); 0 or -EINVAL. */
int tmv_parse(const char *s, tmv_t *out);

#endif
