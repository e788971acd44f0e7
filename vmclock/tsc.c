// SPDX-License-Identifier: MIT
/* TSC calibration, (TSC, clock) pairs and the TSC rate in a disciplined clock's units. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "tsc.h"
#include "tsync/vmclock.h"

static int raw_clock(void *ctx, int64_t *ns)
{
	(void)ctx;
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts))
		return -errno;
	*ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return 0;
}

int tsc_pair_read(tsc_clock_fn clock, void *ctx, unsigned tries, struct tsc_pair *out)
{
	bool have = false;
	if (tries == 0)
		tries = 1;
	for (unsigned i = 0; i < tries; i++) {
		int64_t t = 0;
		uint64_t a = vmclock_rdtsc();
		int err = clock(ctx, &t);
		uint64_t b = vmclock_rdtsc();
		if (err)
			return err;
		if (b < a)
			continue;
		if (!have || b - a < out->window_ticks) {
			out->counter = a + (b - a) / 2;
			out->time_ns = t;
			out->window_ticks = b - a;
			have = true;
		}
	}
	return have ? 0 : -EAGAIN;
}

int tsc_period_fields(double ns_per_tick, uint64_t *frac, uint8_t *shift)
{
	if (!(ns_per_tick > 0) || !(ns_per_tick < 1e9))
		return -EINVAL;
	double p = ns_per_tick * 1e-9; /* s per tick, < 1 */
	int e;
	frexp(p, &e); /* p in [2^(e-1), 2^e): p * 2^(64 - e) < 2^64 */
	int s = -e;
	if (s > 255)
		return -EINVAL;
	if (s < 0)
		s = 0;
	/* round, then clamp: converting 2^64 or more to uint64_t is undefined */
	long double v = ldexpl((long double)p, 64 + s) + 0.5L;
	uint64_t f = v >= 18446744073709551616.0L ? UINT64_MAX : (uint64_t)v;
	*frac = f ? f : 1;
	*shift = (uint8_t)s;
	return 0;
}

int tsc_calibrate(unsigned duration_ms, struct tsc_cal *out)
{
	struct tsc_pair a = {0}, b = {0};
	if (duration_ms < 10)
		duration_ms = 10;
	int err = tsc_pair_read(raw_clock, NULL, 7, &a);
	if (err)
		return err;
	struct timespec d = {.tv_sec = duration_ms / 1000,
	                     .tv_nsec = (long)(duration_ms % 1000) * 1000000};
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &d, &d) == EINTR)
		;
	err = tsc_pair_read(raw_clock, NULL, 7, &b);
	if (err)
		return err;
	if (b.counter <= a.counter || b.time_ns <= a.time_ns)
		return -EIO;
	double dc = (double)(b.counter - a.counter);
	out->ns_per_tick = (double)(b.time_ns - a.time_ns) / dc;
	/* the midpoints are within half a window of the clock reads; 1 ns clock granularity */
	double err_ticks = (double)(a.window_ticks + b.window_ticks) / 2 + 2 / out->ns_per_tick;
	out->rel_err = err_ticks / dc + 1e-12;
	return tsc_period_fields(out->ns_per_tick, &out->frac, &out->shift);
}

void tsc_rate_init(struct tsc_rate *r, double ns_per_tick, double baseline_s, double max_rate_err)
{
	memset(r, 0, sizeof(*r));
	r->ns_per_tick = ns_per_tick;
	r->baseline_s = baseline_s > 0 ? baseline_s : 10;
	r->max_rate_err = max_rate_err;
}

void tsc_rate_reset(struct tsc_rate *r)
{
	r->n = 0;
	r->head = 0;
}

static const struct tsc_pair *at(const struct tsc_rate *r, unsigned age)
{
	return &r->ring[(r->head + TSC_RATE_RING - age) % TSC_RATE_RING];
}

/* rate between two pairs and its measurement error (relative) */
static int rate2(const struct tsc_rate *r, const struct tsc_pair *o, const struct tsc_pair *n,
                 double *npt, double *rel)
{
	if (n->counter <= o->counter || n->time_ns <= o->time_ns)
		return -EINVAL;
	double dc = (double)(n->counter - o->counter);
	*npt = (double)(n->time_ns - o->time_ns) / dc;
	double err_ticks = (double)(o->window_ticks + n->window_ticks) / 2 + 2 / r->ns_per_tick;
	*rel = err_ticks / dc + 1e-12;
	return 0;
}

bool tsc_rate_add(struct tsc_rate *r, const struct tsc_pair *p)
{
	bool restart = false;
	if (r->n >= 2) {
		double lr, lrel, sr, srel;
		const struct tsc_pair *prev = at(r, 0);
		if (rate2(r, at(r, r->n - 1), prev, &lr, &lrel) || rate2(r, prev, p, &sr, &srel) ||
		    fabs(sr / lr - 1) > 2 * r->max_rate_err + lrel + srel)
			restart = true;
	} else if (r->n == 1 && (p->counter <= at(r, 0)->counter)) {
		restart = true;
	}
	if (restart) {
		struct tsc_pair prev = *at(r, 0);
		r->n = 0;
		if (prev.counter < p->counter && prev.time_ns < p->time_ns) {
			r->ring[0] = prev;
			r->head = 0;
			r->n = 1;
		}
		r->resets++;
	}
	r->head = (r->head + 1) % TSC_RATE_RING;
	r->ring[r->head] = *p;
	if (r->n < TSC_RATE_RING)
		r->n++;
	/* drop the oldest while the next-oldest still spans the baseline */
	double span = r->baseline_s * 1e9 / r->ns_per_tick;
	while (r->n > 2 && (double)(p->counter - at(r, r->n - 2)->counter) >= span)
		r->n--;
	return restart;
}

int tsc_rate_get(const struct tsc_rate *r, double *ns_per_tick, double *rel_err)
{
	if (r->n < 2)
		return -EAGAIN;
	const struct tsc_pair *o = at(r, r->n - 1), *n = at(r, 0);
	int err = rate2(r, o, n, ns_per_tick, rel_err);
	if (err)
		return err;
	/* A step smaller than the restart threshold of its segment went unnoticed: allow for the
	 * largest such step over the whole baseline. */
	double worst = 0, total = (double)(n->counter - o->counter);
	for (unsigned age = r->n - 1; age > 0; age--) {
		const struct tsc_pair *a = at(r, age), *b = at(r, age - 1);
		double sr, srel;
		if (rate2(r, a, b, &sr, &srel))
			return -EINVAL;
		double seg = (double)(b->counter - a->counter);
		double step_ticks = (2 * r->max_rate_err + srel + *rel_err) * seg;
		if (step_ticks > worst)
			worst = step_ticks;
	}
	if (r->n > 2)
		*rel_err += worst / total;
	return 0;
}
