// SPDX-License-Identifier: MIT
/* counter -> ns with a 64.64 fixed-point period and an exact 64 x 128-bit product. */
#include <errno.h>
#include <math.h>

#include "tsync/counter.h"

int counter_conv_set_hz(struct counter_conv *cv, uint64_t hz_num, uint64_t hz_den)
{
	if (!hz_num || !hz_den)
		return -EINVAL;
	/* period = 1e9 * den / num ns: integer part, then 64 fraction bits from the remainder */
	unsigned __int128 n = (unsigned __int128)hz_den * 1000000000u;
	unsigned __int128 q = n / hz_num, rem = n % hz_num;
	if (q >> 64)
		return -EINVAL;
	unsigned __int128 frac = (rem << 64) / hz_num; /* rem < num < 2^64: no overflow */
	cv->mult = (q << 64) | frac;
	return cv->mult ? 0 : -EINVAL;
}

int counter_conv_set_period(struct counter_conv *cv, double ns_per_tick)
{
	if (!(ns_per_tick > 0) || !(ns_per_tick < 9.2e18))
		return -EINVAL;
	long double v = ldexpl((long double)ns_per_tick, 64) + 0.5L;
	cv->mult = (unsigned __int128)v;
	return cv->mult ? 0 : -EINVAL;
}

int64_t counter_conv_ns(const struct counter_conv *cv, uint64_t c)
{
	uint64_t d = counter_delta(cv->width ? cv->width : 64, cv->base_counter, c);
	uint64_t hi = (uint64_t)(cv->mult >> 64), lo = (uint64_t)cv->mult;
	/* d * mult / 2^64 = d * hi + (d * lo) / 2^64, both products exact in 128 bits */
	unsigned __int128 ns = (unsigned __int128)d * hi + (((unsigned __int128)d * lo) >> 64);
	if (ns > (unsigned __int128)(INT64_MAX - (cv->base_ns > 0 ? cv->base_ns : 0)))
		return INT64_MAX;
	return cv->base_ns + (int64_t)ns;
}
