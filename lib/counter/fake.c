// SPDX-License-Identifier: MIT
/* A fake counter with a known rate, width and clock jitter, and the clock it is read against. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "counter_private.h"

struct fake {
	struct counter c;
	struct counter_fake_params p;
	int64_t t_ns; /* true time */
	uint64_t rng; /* splitmix64 state */
};

static struct fake *to_fake(const struct counter *c)
{
	return container_of(c, struct fake, c);
}

static uint64_t fake_read(struct counter *c)
{
	struct fake *f = to_fake(c);
	f->t_ns += f->p.read_cost_ns;
	long double ticks = floorl((long double)f->t_ns * f->p.hz / 1e9L);
	uint64_t v = f->p.start + (uint64_t)(unsigned __int128)ticks;
	return counter_delta(c->width, 0, v);
}

static double fake_nominal_hz(const struct counter *c)
{
	const struct fake *f = to_fake(c);
	return f->p.nominal_hz > 0 ? f->p.nominal_hz : f->p.hz;
}

static const char *fake_name(const struct counter *c)
{
	(void)c;
	return "fake";
}

static void fake_destroy(struct counter *c)
{
	free(to_fake(c));
}

static const struct counter_ops fake_ops = {.read = fake_read,
                                            .nominal_hz = fake_nominal_hz,
                                            .name = fake_name,
                                            .destroy = fake_destroy};

struct counter *counter_fake_create(const struct counter_fake_params *p)
{
	unsigned w = p->width ? p->width : 64;
	if (!(p->hz > 0) || w > 64 || p->read_cost_ns < 0 || !(p->jitter_ns >= 0)) {
		errno = EINVAL;
		return NULL;
	}
	struct fake *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->c.ops = &fake_ops;
	f->c.width = w;
	f->p = *p;
	f->rng = p->seed;
	return &f->c;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int fake_clock_read(void *ctx, int64_t *ns)
{
	struct fake *f = ctx;
	f->t_ns += f->p.read_cost_ns;
	double u = (double)(splitmix64(&f->rng) >> 11) * 0x1p-53 * 2 - 1; /* [-1, 1) */
	*ns = f->p.clock_offset_ns + f->t_ns + llround(u * f->p.jitter_ns);
	return 0;
}

static void fake_clock_wait(void *ctx, int64_t ns)
{
	struct fake *f = ctx;
	if (ns > 0)
		f->t_ns += ns;
}

struct counter_clock counter_fake_clock(struct counter *fake)
{
	return (struct counter_clock){
	        .read = fake_clock_read, .wait = fake_clock_wait, .ctx = to_fake(fake)};
}

int64_t counter_fake_time(const struct counter *fake)
{
	return to_fake(fake)->t_ns;
}
