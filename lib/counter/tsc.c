// SPDX-License-Identifier: MIT
/* The x86 TSC as a counter source. */
#include <errno.h>
#include <stdlib.h>

#include "counter_private.h"

#if defined(__x86_64__) || defined(__i386__)
struct tsc {
	struct counter c;
	double nominal_hz;
};

static uint64_t tsc_read(struct counter *c)
{
	(void)c;
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

static double tsc_nominal_hz(const struct counter *c)
{
	return container_of(c, const struct tsc, c)->nominal_hz;
}

static const char *tsc_name(const struct counter *c)
{
	(void)c;
	return "tsc";
}

static void tsc_destroy(struct counter *c)
{
	free(container_of(c, struct tsc, c));
}

static const struct counter_ops tsc_ops = {
        .read = tsc_read, .nominal_hz = tsc_nominal_hz, .name = tsc_name, .destroy = tsc_destroy};

struct counter *counter_tsc_create(double nominal_hz)
{
	struct tsc *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->c.ops = &tsc_ops;
	t->c.width = 64;
	t->nominal_hz = nominal_hz > 0 ? nominal_hz : 1e9;
	return &t->c;
}
#else
struct counter *counter_tsc_create(double nominal_hz)
{
	(void)nominal_hz;
	errno = ENOTSUP;
	return NULL;
}
#endif
