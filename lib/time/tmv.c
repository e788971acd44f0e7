// SPDX-License-Identifier: MIT
/* tsync time helpers: conversions, 128-bit scaling, parsing and formatting. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/time.h"

tmv_t tmv_from_sec(double s)
{
	return (tmv_t)llround(s * 1e9);
}

int64_t tmv_muldiv(int64_t a, int64_t num, int64_t den)
{
	__int128 p = (__int128)a * num;
	__int128 q = p / den;
	__int128 r = p % den;
	/* round half away from zero */
	__int128 r2 = r < 0 ? -r : r;
	__int128 d2 = den < 0 ? -(__int128)den : den;
	if (2 * r2 >= d2)
		q += ((p < 0) != (den < 0)) ? -1 : 1;
	return (int64_t)q;
}

int64_t tmv_scale_ppb(int64_t interval_ns, double ppb)
{
	return (int64_t)llround((double)interval_ns * ppb * 1e-9);
}

int tmv_clock_read(clockid_t id, tmv_t *ns)
{
	struct timespec ts;
	if (clock_gettime(id, &ts))
		return -errno;
	*ns = tmv_from_timespec(ts);
	return 0;
}

uint64_t fp_mul_shift(uint64_t ticks, uint64_t period, unsigned shift, uint64_t *frac)
{
	unsigned __int128 p = (unsigned __int128)ticks * period;
	if (shift >= 64) {
		if (frac)
			*frac = 0;
		return shift >= 128 ? 0 : (uint64_t)(p >> shift);
	}
	if (frac)
		*frac = shift ? (uint64_t)(p << (64 - shift)) : 0;
	return (uint64_t)(p >> shift);
}

char *tmv_fmt(tmv_t t, char *buf, unsigned long len)
{
	const char *sign = "";
	uint64_t u = (uint64_t)t;
	if (t < 0) {
		sign = "-";
		u = -(uint64_t)t;
	}
	snprintf(buf, len, "%s%llu.%09llu", sign, (unsigned long long)(u / NS_PER_SEC),
	         (unsigned long long)(u % NS_PER_SEC));
	return buf;
}

int tmv_parse(const char *s, tmv_t *out)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"", 1e9}};
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			double ns = v * units[i].scale;
			if (fabs(ns) > 9.2e18)
				return -ERANGE;
			*out = (tmv_t)llround(ns);
			return 0;
		}
	}
	return -EINVAL;
}
