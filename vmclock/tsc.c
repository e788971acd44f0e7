// SPDX-License-Identifier: MIT
/* TSC calibration for vmclockd and the vmclock page's period fields. */
#include <errno.h>
#include <math.h>

#include "tsc.h"

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
