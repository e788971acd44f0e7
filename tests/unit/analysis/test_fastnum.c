// SPDX-License-Identifier: MIT
/* fastnum_parse gives strtod's double bit for bit: rounding edge cases, hostile numbers,
 * random %.17g / %.Ng texts, and the same verdicts (-EINVAL, -EDOM) as the strtod reader. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "readers/fastnum.h"

/* the reference: what the text reader did with strtod before fastnum */
static int ref(const char *s, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE)
		return -EINVAL;
	return isfinite(*v) ? 0 : -EDOM;
}

static void same(const char *s)
{
	double a = 0, b = 0;
	int ra = fastnum_parse(s, strlen(s), &a), rb = ref(s, &b);
	cr_assert_eq(ra, rb, "\"%s\": rc %d, strtod %d", s, ra, rb);
	if (ra == 0)
		cr_assert(memcmp(&a, &b, sizeof(a)) == 0, "\"%s\": %.17g (%a) != strtod %.17g (%a)",
		          s, a, a, b, b);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

Test(analysis_fastnum, plain_values)
{
	static const char *const v[] = {"0",
	                                "-0",
	                                "+0",
	                                "0.0",
	                                "1",
	                                "-1",
	                                "1.5",
	                                ".5",
	                                "5.",
	                                "-.5e-3",
	                                "1e-9",
	                                "1E+9",
	                                "123456789012345678",
	                                "1.2e-07",
	                                "-3.4e-09",
	                                "0.1",
	                                "0.2",
	                                "0.3",
	                                "1e22",
	                                "1e23",
	                                "9007199254740993",
	                                "1234567890123456789",
	                                "0.000000000000000000001234"};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		same(v[i]);
}

Test(analysis_fastnum, rounding_edge_cases)
{
	/* halfway cases between adjacent doubles and their near neighbours */
	static const char *const v[] = {
	        "9007199254740993", /* 2^53 + 1: tie, rounds to even */
	        "9007199254740995", /* tie, rounds up to even */
	        "9007199254740993.0000001",
	        "9007199254740992.9999999",
	        "2.2250738585072011e-308", /* just below DBL_MIN */
	        "2.2250738585072014e-308", /* DBL_MIN */
	        "1.7976931348623157e308",  /* DBL_MAX */
	        "1.7976931348623158e308",  /* rounds to DBL_MAX */
	        "1.7976931348623159e308",  /* overflows */
	        "4.9406564584124654e-324", /* subnormal: ERANGE */
	        "0.1000000000000000055511151231257827",
	        "0.1000000000000000055511151231257828",
	        "1.00000000000000011102230246251565404236316680908203125", /* 1 + 2^-53: tie */
	        "1.00000000000000011102230246251565404236316680908203126",
	        "1.00000000000000011102230246251565404236316680908203124",
	        "7.3177701707893310e+15",
	        "8.589973e9",
	        "3.0540412e5",
	        "9.5e-324",
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		same(v[i]);
	/* every double's own shortest and 17-digit texts, and the midpoints next to them */
	for (int i = 0; i < 200000; i++) {
		uint64_t bits = next() & 0x7fefffffffffffffULL;
		double d;
		memcpy(&d, &bits, sizeof(d));
		if (!isfinite(d) || d == 0)
			continue;
		if (i % 2) /* half of them where the fast path works: 2^-100 .. 2^100 */
			d = ldexp(d, -ilogb(d) + (int)(next() % 200) - 100);
		char buf[64];
		snprintf(buf, sizeof(buf), "%.17g", d);
		same(buf);
		double up = nextafter(d, INFINITY);
		long double mid = ((long double)d + (long double)up) / 2;
		snprintf(buf, sizeof(buf), "%.19Lg", mid);
		same(buf);
		snprintf(buf, sizeof(buf), "%.18Le", mid);
		same(buf);
	}
}

Test(analysis_fastnum, random_time_error_texts)
{
	/* what statlogs and the bench write: %.Ng of ns-scale phase, every precision */
	for (int i = 0; i < 300000; i++) {
		double x = ((double)(next() >> 11) / 9007199254740992.0 - 0.5) *
		           pow(10, -(int)(next() % 30));
		char buf[64];
		snprintf(buf, sizeof(buf), "%.*g", 1 + (int)(next() % 19), x);
		same(buf);
		snprintf(buf, sizeof(buf), "%.*f", (int)(next() % 25), x * 1e9);
		same(buf);
		/* random digit strings with a random exponent */
		int nd = 1 + (int)(next() % 24), k = 0;
		for (int j = 0; j < nd; j++)
			buf[k++] = (char)('0' + next() % 10);
		if (next() % 2) {
			int at = (int)(next() % (unsigned)nd);
			memmove(buf + at + 1, buf + at, (size_t)(k - at));
			buf[at] = '.';
			k++;
		}
		snprintf(buf + k, sizeof(buf) - (size_t)k, "e%d", (int)(next() % 140) - 70);
		same(buf);
	}
}

Test(analysis_fastnum, hostile_numbers)
{
	static const char *const v[] = {
	        "1e400",
	        "-1e400",
	        "1e-400",
	        "1e99999999999999999999",
	        "1e-99999999999",
	        "0e99999",
	        "nan",
	        "NaN",
	        "-nan",
	        "inf",
	        "-Infinity",
	        "infinity",
	        "nan(123)",
	        "0x1p3",
	        "0x1.8p-1",
	        "",
	        "-",
	        "+",
	        ".",
	        "e5",
	        "1e",
	        "1e+",
	        "1e-",
	        "1.2.3",
	        "1e5e5",
	        "--1",
	        "+-1",
	        "1-",
	        "12abc",
	        "1 2",
	        "1,5",
	        " 1",
	        "1 ",
	        "0000000000000000000000000000001",
	        "00000000000000000000000000000.000000000000000000000000000000001e30",
	        "123456789012345678901234567890",
	        "1234567890123456789012345678901234567890e-40",
	        "99999999999999999999",
	        "18446744073709551615",
	        "18446744073709551616",
	        "1e-54",
	        "9999999999999999999e54",
	        "1e55",
	        "1e-55",
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		same(v[i]);
	/* a long mantissa (far beyond any fixed buffer) */
	size_t n = 5000;
	char *big = malloc(n + 8);
	memset(big, '3', n);
	big[1] = '.';
	strcpy(big + n, "e-5");
	same(big);
	free(big);
}

Test(analysis_fastnum, eight_digit_blocks)
{
	/* the 8-at-a-time fraction step: every byte of a block must be a digit */
	static const char *const v[] = {
	        "1.12345678",          "1.1234567812345678",  "1.123456781234567812",
	        "1.1234567:",          "1.123456/8",          "1.12345678e5",
	        "1.1234567e12345678",  "1.12 45678",          "1.1234567\x80",
	        "1.12345678901234567", "1.1234567812345678x", "-9.9999999999999999",
	        "0.12345678",          "0.00000000123456789", "12345678901.12345678",
	        "1.0000000000000000",
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		same(v[i]);
	/* each position of a block holding each byte just outside '0'..'9' */
	char buf[32];
	for (int pos = 0; pos < 8; pos++)
		for (int bad = 0; bad < 4; bad++) {
			static const char out[] = {'/', ':', 'e', 'p'};
			snprintf(buf, sizeof(buf), "7.12345678");
			buf[2 + pos] = out[bad];
			same(buf);
		}
}

Test(analysis_fastnum, truncated_texts)
{
	/* every prefix of hostile and plain texts: what a cut last line looks like */
	static const char *const v[] = {"-1.2345678901234567e-07",
	                                "2.2250738585072011e-308",
	                                "1.7976931348623159e308",
	                                "0x1.fffffffffffffp1023",
	                                "infinity",
	                                "nan(abc)"};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char buf[64];
		for (size_t k = 0; k <= strlen(v[i]); k++) {
			memcpy(buf, v[i], k);
			buf[k] = '\0';
			same(buf);
		}
	}
	/* not NUL-terminated: only len bytes count */
	double d;
	cr_assert_eq(fastnum_parse("1.25e-3xyz", 7, &d), 0);
	cr_expect_eq(d, 1.25e-3);
}
