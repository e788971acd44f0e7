// SPDX-License-Identifier: MIT
/* Correctly rounded decimal parsing: an exact fast path, strtod for the rest (fastnum.h). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "readers/fastnum.h"

/* 10^0 .. 10^27: 10^27 = 2^27 * 5^27 and 5^27 < 2^64, so each is exact in long double */
static const long double p10[28] = {
        1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
        1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
        1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L,
};

/* strtod on a copy (s is not NUL-terminated); the whole token must be consumed */
static int slow_parse(const char *s, size_t len, double *v)
{
	char small[128], *buf = len < sizeof(small) ? small : malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	errno = 0;
	*v = strtod(buf, &end);
	int rc = end == buf || end != buf + len || errno == ERANGE ? -EINVAL : 0;
	if (!rc && !isfinite(*v))
		rc = -EDOM;
	if (buf != small)
		free(buf);
	return rc;
}

/* m * 10^e (m exact) rounded to double, or false when the fast path cannot decide */
static bool scale(uint64_t m, int e, double *v)
{
	long double r = (long double)m;
	if (m == 0) {
		*v = 0;
		return true;
	}
	if (e > 54 || e < -54)
		return false;
	if (e > 27) {
		r *= p10[27];
		e -= 27;
	} else if (e < -27) {
		r /= p10[27];
		e += 27;
	}
	r = e >= 0 ? r * p10[e] : r / p10[-e];
	/* x87 long double: 64-bit significand with an explicit leading bit in the low 8 bytes */
	uint64_t sig;
	memcpy(&sig, &r, sizeof(sig));
	unsigned low = (unsigned)(sig & 0x7ff);
	if (low >= 0x400 - 4 && low <= 0x400 + 4)
		return false; /* too near a tie between two doubles to decide here */
	*v = (double)r;
	return true;
}

/* If p[0..7] are 8 decimal digits, their value into *val (true); SWAR: 8 bytes at once */
static inline bool eight_digits(const char *p, uint64_t *val)
{
	uint64_t w;
	memcpy(&w, p, 8); /* little-endian: p[0] is the low byte */
	uint64_t d = w - 0x3030303030303030ULL;
	/* every byte in '0'..'9': no borrow from '0' and no carry past 0x0f after adding 6 */
	if ((w & 0xf0f0f0f0f0f0f0f0ULL) != 0x3030303030303030ULL ||
	    ((d + 0x0606060606060606ULL) & 0xf0f0f0f0f0f0f0f0ULL))
		return false;
	d = (d * 10 + (d >> 8)) & 0x00ff00ff00ff00ffULL;   /* 2-digit lanes, first digit high */
	d = (d * 100 + (d >> 16)) & 0x0000ffff0000ffffULL; /* 4-digit lanes */
	*val = (d * 10000 + (d >> 32)) & 0xffffffffULL;    /* 8 digits */
	return true;
}

int fastnum_parse(const char *s, size_t len, double *v)
{
	const char *p = s, *end = s + len;
	bool neg = false;
	uint64_t m = 0;
	int sig = 0, dexp = 0, ndig = 0;
	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	for (; p < end && (unsigned)(*p - '0') < 10; p++, ndig++) {
		if (m == 0 && *p == '0')
			continue; /* leading zeros are not significant */
		if (sig++ == 19)
			goto slow;
		m = m * 10 + (uint64_t)(*p - '0');
	}
	if (p < end && *p == '.') {
		uint64_t eight;
		/* past the leading zeros, 8 fraction digits at a time while they fit in 19 */
		for (p++; m && sig <= 11 && end - p >= 8 && eight_digits(p, &eight); p += 8) {
			m = m * 100000000 + eight;
			sig += 8;
			ndig += 8;
			dexp -= 8;
		}
		for (; p < end && (unsigned)(*p - '0') < 10; p++, ndig++) {
			dexp--;
			if (m == 0 && *p == '0')
				continue;
			if (sig++ == 19)
				goto slow;
			m = m * 10 + (uint64_t)(*p - '0');
		}
	}
	if (ndig == 0)
		goto slow; /* ".", "e5", "inf", "nan", "0x..": strtod decides */
	if (p < end && (*p == 'e' || *p == 'E')) {
		bool eneg = false;
		int ev = 0, edig = 0;
		p++;
		if (p < end && (*p == '-' || *p == '+'))
			eneg = *p++ == '-';
		for (; p < end && (unsigned)(*p - '0') < 10; p++, edig++)
			if (ev < 100000)
				ev = ev * 10 + (*p - '0');
		if (edig == 0)
			goto slow;
		dexp += eneg ? -ev : ev;
	}
	if (p != end)
		goto slow;
	double d;
	if (!scale(m, dexp, &d))
		goto slow;
	*v = neg ? -d : d;
	return 0;
slow:
	return slow_parse(s, len, v);
}
