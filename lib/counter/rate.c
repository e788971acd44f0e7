// SPDX-License-Identifier: MIT
/* The counter period in a disciplined clock's ns over a sliding baseline of pairs. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "tsync/counter.h"

void counter_rate_init(struct counter_rate *r, unsigned width, double ns_per_tick,
                       double baseline_s, double max_rate_err)
{
	memset(r, 0, sizeof(*r));
	r->width = width >= 1 && width <= 64 ? width : 64;
	r->ns_per_tick = ns_per_tick;
	r->baseline_s = baseline_s > 0 ? baseline_s : 10;
	r->max_rate_err = max_rate_err;
}

void counter_rate_reset(struct counter_rate *r)
{
	r->n = 0;
	r->head = 0;
}

static const struct counter_pair *at(const struct counter_rate *r, unsigned age)
{
	return &r->ring[(r->head + COUNTER_RATE_RING - age) % COUNTER_RATE_RING];
}

/* rate between two pairs and its measurement error (relative), 1 ns clock granularity */
static int rate2(const struct counter_rate *r, const struct counter_pair *o,
                 const struct counter_pair *n, double *npt, double *rel)
{
	return counter_rate_between(r->width, o, n, r->ns_per_tick, 1, npt, rel);
}

static uint64_t ticks(const struct counter_rate *r, const struct counter_pair *o,
                      const struct counter_pair *n)
{
	return counter_delta(r->width, o->counter, n->counter);
}

bool counter_rate_add(struct counter_rate *r, const struct counter_pair *p)
{
	bool restart = false;
	if (r->n >= 2) {
		double lr, lrel, sr, srel;
		const struct counter_pair *prev = at(r, 0);
		if (rate2(r, at(r, r->n - 1), prev, &lr, &lrel) || rate2(r, prev, p, &sr, &srel) ||
		    fabs(sr / lr - 1) > 2 * r->max_rate_err + lrel + srel)
			restart = true;
	} else if (r->n == 1 && !counter_after(r->width, at(r, 0)->counter, p->counter)) {
		restart = true;
	}
	if (restart) {
		struct counter_pair prev = *at(r, 0);
		r->n = 0;
		if (counter_after(r->width, prev.counter, p->counter) &&
		    prev.time_ns < p->time_ns) {
			r->ring[0] = prev;
			r->head = 0;
			r->n = 1;
		}
		r->resets++;
	}
	r->head = (r->head + 1) % COUNTER_RATE_RING;
	r->ring[r->head] = *p;
	if (r->n < COUNTER_RATE_RING)
		r->n++;
	/* drop the oldest while the next-oldest still spans the baseline */
	double span = r->baseline_s * 1e9 / r->ns_per_tick;
	while (r->n > 2 && (double)ticks(r, at(r, r->n - 2), p) >= span)
		r->n--;
	return restart;
}

int counter_rate_get(const struct counter_rate *r, double *ns_per_tick, double *rel_err)
{
	if (r->n < 2)
		return -EAGAIN;
	const struct counter_pair *o = at(r, r->n - 1), *n = at(r, 0);
	int err = rate2(r, o, n, ns_per_tick, rel_err);
	if (err)
		return err;
	/* A step smaller than the restart threshold of its segment went unnoticed: allow for the
	 * largest such step over the whole baseline. */
	double worst = 0, total = (double)ticks(r, o, n);
	for (unsigned age = r->n - 1; age > 0; age--) {
		const struct counter_pair *a = at(r, age), *b = at(r, age - 1);
		double sr, srel;
		if (rate2(r, a, b, &sr, &srel))
			return -EINVAL;
		double step_ticks =
		        (2 * r->max_rate_err + srel + *rel_err) * (double)ticks(r, a, b);
		if (step_ticks > worst)
			worst = step_ticks;
	}
	if (r->n > 2)
		*rel_err += worst / total;
	return 0;
}
