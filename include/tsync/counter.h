/* SPDX-License-Identifier: MIT */
/*
 * Free-running counters (x86 TSC, 802.11 TSF, DTP ticks) against a clock.
 *
 * A counter source is an opaque handle behind a struct of function pointers (read, nominal
 * frequency, name); its width (1..64 bits) says where it wraps: every difference of two counter
 * values is taken modulo 2^width, so a 32-bit TSF or a 53-bit counter works like a 64-bit TSC
 * as long as two compared values are less than half the range apart.
 *
 *   counter_pair_read()  a clock reading bracketed by two counter reads, best of a few tries
 *   counter_calibrate()  the counter period in a clock's ns and a bound on its relative error
 *   struct counter_rate  the period in a *disciplined* clock's ns over a sliding baseline of
 *                        pairs, restarting when the clock is stepped, with its error bound
 *   struct counter_conv  counter -> ns with a 64.64 fixed-point period, exact to 1 ns (floor)
 *
 * Implementations: the x86 TSC (counter_tsc_create) and a fake with a known rate, start value,
 * width and clock jitter (counter_fake_create) that also provides the clock it is read against.
 */
#ifndef TSYNC_COUNTER_H
#define TSYNC_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

struct counter;

/* The current counter value, ticks, in [0, 2^width). */
uint64_t counter_read(struct counter *c);
/* Nominal frequency, Hz (> 0; what the source claims, not a measurement). */
double counter_nominal_hz(const struct counter *c);
/* Short name ("tsc", "fake"). */
const char *counter_name(const struct counter *c);
/* Width in bits, 1..64. */
unsigned counter_width(const struct counter *c);
/* NULL is a no-op. */
void counter_destroy(struct counter *c);

/* The x86 TSC (rdtsc), 64 bits; nominal_hz > 0 as given (e.g. from the kernel's tsc_khz), or
 * 0 for 1 GHz when unknown. NULL (errno ENOTSUP) off x86. */
struct counter *counter_tsc_create(double nominal_hz);

/* b - a modulo 2^width, ticks; a "backwards" difference is >= 2^(width-1). */
static inline uint64_t counter_delta(unsigned width, uint64_t a, uint64_t b)
{
	uint64_t mask = width >= 64 ? UINT64_MAX : ((uint64_t)1 << width) - 1;
	return (b - a) & mask;
}
/* true when b is after a (0 < b - a < 2^(width-1) modulo 2^width). */
static inline bool counter_after(unsigned width, uint64_t a, uint64_t b)
{
	uint64_t d = counter_delta(width, a, b);
	return d != 0 && d < ((uint64_t)1 << (width - 1));
}

/*
 * A clock the counter is paired with: read gives ns (any epoch, must not go backwards except
 * by a step), wait lets time pass by about ns (>= 0; a real clock sleeps, a fake advances).
 * 0 or -errno from read.
 */
struct counter_clock {
	int (*read)(void *ctx, int64_t *ns);
	void (*wait)(void *ctx, int64_t ns);
	void *ctx;
};
/* CLOCK_MONOTONIC_RAW, waiting with clock_nanosleep. */
extern const struct counter_clock counter_clock_raw;

/* A clock reading and the counter at the same instant. */
struct counter_pair {
	uint64_t counter;      /* midpoint of the two counter reads around the clock read, ticks */
	int64_t time_ns;       /* the clock, ns */
	uint64_t window_ticks; /* ticks between the two counter reads (the pairing uncertainty) */
};
/* Best (narrowest window) of tries (0 counts as 1) pairs; a try whose second counter read is
 * not after the first is skipped. 0, the clock's -errno, or -EAGAIN when every try was
 * skipped. */
int counter_pair_read(struct counter *c, const struct counter_clock *clk, unsigned tries,
                      struct counter_pair *out);

/* Clock ns per tick between pairs a then b (b after a), and a bound on the relative error of
 * that measurement: half of both windows plus one tick (the counter's own resolution) and
 * clock_res_ns (>= 0, ns) at each end, over the interval, plus 1e-12. ns_per_tick_hint (> 0, ns) converts clock_res_ns to ticks. 0, or
 * -EINVAL when b is not after a in counter or in time. */
int counter_rate_between(unsigned width, const struct counter_pair *a, const struct counter_pair *b,
                         double ns_per_tick_hint, double clock_res_ns, double *ns_per_tick,
                         double *rel_err);

struct counter_cal {
	double ns_per_tick; /* counter period in the clock's ns (> 0) */
	double rel_err;     /* bound on |ns_per_tick / true - 1| (measurement only) */
};
/* Calibrate against clk over duration_ns (>= 10 ms; less is raised to 10 ms): the best of 7
 * pairs at each end, 1 ns clock granularity. 0 or -errno (-EIO for a clock or counter that did
 * not advance). */
int counter_calibrate(struct counter *c, const struct counter_clock *clk, int64_t duration_ns,
                      struct counter_cal *out);

#define COUNTER_RATE_RING 128
/* The counter period in ns of a disciplined clock, over a sliding baseline. */
struct counter_rate {
	struct counter_pair ring[COUNTER_RATE_RING];
	unsigned head, n;    /* ring[head] is the newest; n entries */
	unsigned width;      /* counter width, bits */
	double ns_per_tick;  /* rough period (counter_cal), converts windows to ns */
	double baseline_s;   /* wanted baseline, s: older pairs are dropped */
	double max_rate_err; /* bound on the clock's frequency error vs true time (fraction) */
	unsigned resets;     /* baseline restarts (steps detected) */
};
/* width: counter bits; ns_per_tick: rough period (> 0, ns); baseline_s (<= 0: 10 s);
 * max_rate_err: the sync daemon's frequency error bound (fraction, >= 0). */
void counter_rate_init(struct counter_rate *r, unsigned width, double ns_per_tick,
                       double baseline_s, double max_rate_err);
/* Forget every pair (after a step of the clock). */
void counter_rate_reset(struct counter_rate *r);
/*
 * Add a pair. If the rate over the newest interval disagrees with the rate over the baseline by
 * more than 2 x max_rate_err plus both measurement errors (the clock was stepped, or its error
 * bound is wrong), the baseline restarts at the previous pair. Returns true on such a restart.
 */
bool counter_rate_add(struct counter_rate *r, const struct counter_pair *p);
/* Clock ns per tick over the baseline and a bound on the relative error of that measurement
 * (pairing windows over the baseline length, plus the largest step that could have gone
 * unnoticed; not the clock's own frequency error). -EAGAIN with fewer than two pairs, -EINVAL
 * for a non-increasing clock or counter. */
int counter_rate_get(const struct counter_rate *r, double *ns_per_tick, double *rel_err);

/*
 * counter -> ns: ns = base_ns + floor((counter - base_counter mod 2^width) * period), with the
 * period in 64.64 fixed point ns per tick (unsigned __int128: 64 integer bits, 64 fraction
 * bits). The product is computed exactly in 192 bits, so the only error is the period's
 * rounding: less than (counter - base) x 2^-64 ns, i.e. under 1 ns for any 64-bit difference.
 */
struct counter_conv {
	unsigned width;
	uint64_t base_counter;  /* ticks */
	int64_t base_ns;        /* ns at base_counter */
	unsigned __int128 mult; /* ns per tick, 64.64 */
};
/* Period from a frequency in Hz as a ratio num/den (den > 0, num > 0: hz = num / den), floor.
 * 0 or -EINVAL (zero, or a period of 2^64 ns or more). */
int counter_conv_set_hz(struct counter_conv *cv, uint64_t hz_num, uint64_t hz_den);
/* Period from ns per tick (> 0, < 2^63), rounded to nearest in 64.64. 0 or -EINVAL. */
int counter_conv_set_period(struct counter_conv *cv, double ns_per_tick);
/* ns at counter value c (taken after base_counter modulo 2^width). Saturates at INT64_MAX. */
int64_t counter_conv_ns(const struct counter_conv *cv, uint64_t c);

/*
 * A fake counter for tests, with its own clock. True time t (ns) starts at 0 and advances by
 * read_cost_ns at every counter or clock read and by n at every wait(n). The counter is
 * start + floor(t * hz / 1e9) modulo 2^width; the clock reads clock_offset_ns + t plus a
 * uniform jitter in [-jitter_ns, jitter_ns] from a seeded generator.
 */
struct counter_fake_params {
	double hz;               /* true rate, Hz (> 0) */
	double nominal_hz;       /* what counter_nominal_hz reports (0: hz) */
	unsigned width;          /* 1..64 (0: 64) */
	uint64_t start;          /* counter at t = 0, ticks */
	int64_t clock_offset_ns; /* clock at t = 0, ns */
	int64_t read_cost_ns;    /* true time per read, ns (>= 0) */
	double jitter_ns;        /* clock read jitter, ns (>= 0) */
	uint64_t seed;
};
/* NULL (errno EINVAL) for bad parameters. */
struct counter *counter_fake_create(const struct counter_fake_params *p);
/* The fake's clock, for counter_pair_read and counter_calibrate. */
struct counter_clock counter_fake_clock(struct counter *fake);
/* True time of the fake, ns. */
int64_t counter_fake_time(const struct counter *fake);

#endif
