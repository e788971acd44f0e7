// SPDX-License-Identifier: MIT
/* Counter dispatch, (counter, clock) pairs and calibration against a clock. */
#include <errno.h>
#include <time.h>

#include "counter_private.h"

uint64_t counter_read(struct counter *c)
{
	return c->ops->read(c);
}

double counter_nominal_hz(const struct counter *c)
{
	return c->ops->nominal_hz(c);
}

const char *counter_name(const struct counter *c)
{
	return c->ops->name(c);
}

unsigned counter_width(const struct counter *c)
{
	return c->width;
}

void counter_destroy(struct counter *c)
{
	if (c)
		c->ops->destroy(c);
}

static int raw_read(void *ctx, int64_t *ns)
{
	(void)ctx;
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts))
		return -errno;
	*ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return 0;
}

static void raw_wait(void *ctx, int64_t ns)
{
	(void)ctx;
	if (ns <= 0)
		return;
	struct timespec d = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &d, &d) == EINTR)
		;
}

const struct counter_clock counter_clock_raw = {.read = raw_read, .wait = raw_wait};

int counter_pair_read(struct counter *c, const struct counter_clock *clk, unsigned tries,
                      struct counter_pair *out)
{
	bool have = false;
	unsigned w = c->width;
	if (tries == 0)
		tries = 1;
	for (unsigned i = 0; i < tries; i++) {
		int64_t t = 0;
		uint64_t a = counter_read(c);
		int err = clk->read(clk->ctx, &t);
		uint64_t b = counter_read(c);
		if (err)
			return err;
		uint64_t win = counter_delta(w, a, b);
		if (win && !counter_after(w, a, b))
			continue;
		if (!have || win < out->window_ticks) {
			out->counter = counter_delta(w, 0, a + win / 2);
			out->time_ns = t;
			out->window_ticks = win;
			have = true;
		}
	}
	return have ? 0 : -EAGAIN;
}

int counter_rate_between(unsigned width, const struct counter_pair *a, const struct counter_pair *b,
                         double ns_per_tick_hint, double clock_res_ns, double *ns_per_tick,
                         double *rel_err)
{
	if (!counter_after(width, a->counter, b->counter) || b->time_ns <= a->time_ns)
		return -EINVAL;
	double dc = (double)counter_delta(width, a->counter, b->counter);
	*ns_per_tick = (double)(b->time_ns - a->time_ns) / dc;
	/* half of each window, one tick of counter resolution and the clock's resolution at
	 * each end */
	double err_ticks = (double)(a->window_ticks + b->window_ticks) / 2 + 2 +
	                   2 * clock_res_ns / ns_per_tick_hint;
	*rel_err = err_ticks / dc + 1e-12;
	return 0;
}

int counter_calibrate(struct counter *c, const struct counter_clock *clk, int64_t duration_ns,
                      struct counter_cal *out)
{
	struct counter_pair a = {0}, b = {0};
	if (duration_ns < 10000000)
		duration_ns = 10000000;
	int err = counter_pair_read(c, clk, 7, &a);
	if (err)
		return err;
	clk->wait(clk->ctx, duration_ns);
	err = counter_pair_read(c, clk, 7, &b);
	if (err)
		return err;
	if (!counter_after(c->width, a.counter, b.counter) || b.time_ns <= a.time_ns)
		return -EIO;
	double dc = (double)counter_delta(c->width, a.counter, b.counter);
	double npt = (double)(b.time_ns - a.time_ns) / dc;
	return counter_rate_between(c->width, &a, &b, npt, 1, &out->ns_per_tick, &out->rel_err)
	               ? -EIO
	               : 0;
}
