// SPDX-License-Identifier: MIT
/* TSC calibration for vmclockd and the vmclock page's period fields. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tsc.h"
#include "tsync/tsc_xform.h"
#include "tsync/vmclock.h"

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

int tsc_calibrate(struct counter *tsc, unsigned duration_ms, struct tsc_cal *out)
{
	struct counter_cal cal;
	int err = counter_calibrate(tsc, &counter_clock_raw, (int64_t)duration_ms * 1000000, &cal);
	if (err)
		return err;
	out->ns_per_tick = cal.ns_per_tick;
	out->rel_err = cal.rel_err;
	return tsc_period_fields(out->ns_per_tick, &out->frac, &out->shift);
}

int tsc_host_counter_check(const char *spec, char *err, size_t len)
{
	struct tsc_xform x;
	char why[160];
	if (!tsc_xform_parse(spec, &x, why, sizeof(why)))
		return 0;
	snprintf(err, len, "bad --tsc-transform: %s", why);
	return -EINVAL;
}

struct counter *tsc_host_counter(const char *spec)
{
	struct tsc_xform x;
	char why[160];
	if (spec && tsc_xform_parse(spec, &x, why, sizeof(why))) {
		errno = EINVAL;
		return NULL;
	}
	struct counter *raw = counter_tsc_create(0);
	return spec && raw ? counter_xform_create(raw, &x) : raw;
}

#define PAGE_OFFSET_MAGIC 0x3153464f4f435354ULL /* "TSCOFFS1" */

static volatile uint64_t *page_offset_slot(const struct vmclock_abi *abi)
{
	return (volatile uint64_t *)((uintptr_t)abi + VMCLOCK_PAGE_SIZE - 16);
}

void tsc_page_offset_store(struct vmclock_abi *abi, uint64_t off)
{
	volatile uint64_t *s = page_offset_slot(abi);
	s[0] = PAGE_OFFSET_MAGIC;
	s[1] = off;
}

bool tsc_page_offset_load(const struct vmclock_abi *abi, uint64_t *off)
{
	volatile uint64_t *s = page_offset_slot(abi);
	if (s[0] != PAGE_OFFSET_MAGIC)
		return false;
	*off = s[1];
	return true;
}

uint64_t tsc_host_now(struct counter *tsc)
{
	return tsc ? counter_read(tsc) : vmclock_rdtsc();
}

int tsc_offset_parse(const char *s, uint64_t *off)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || errno)
		return -EINVAL;
	*off = (uint64_t)v;
	return 0;
}
