// SPDX-License-Identifier: MIT
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "tsync/time.h"

Test(time, timespec_roundtrip_and_normalisation)
{
	struct timespec ts = tmv_to_timespec(-1);
	cr_assert_eq(ts.tv_sec, -1);
	cr_assert_eq(ts.tv_nsec, 999999999);
	cr_assert_eq(tmv_from_timespec(ts), -1);
	ts = tmv_to_timespec(3 * NS_PER_SEC + 5);
	cr_assert_eq(ts.tv_sec, 3);
	cr_assert_eq(ts.tv_nsec, 5);
	struct timespec odd = {.tv_sec = 2, .tv_nsec = -500000000};
	cr_assert_eq(tmv_from_timespec(odd), 1500000000);
	struct timeval tv = tmv_to_timeval(-1500);
	cr_assert_eq(tv.tv_sec, -1);
	cr_assert_eq(tv.tv_usec, 999998);
}

Test(time, muldiv_no_overflow_and_rounding)
{
	/* 9e18 * 3 / 4 overflows 64 bits in the middle */
	cr_assert_eq(tmv_muldiv(9000000000000000000LL, 3, 4), 6750000000000000000LL);
	cr_assert_eq(tmv_muldiv(5, 1, 2), 3); /* half away from zero */
	cr_assert_eq(tmv_muldiv(-5, 1, 2), -3);
	cr_assert_eq(tmv_muldiv(7, 1, 3), 2);
	cr_assert_eq(tmv_muldiv(-7, 1, -3), 2);
}

Test(time, scale_ppb)
{
	cr_assert_eq(tmv_scale_ppb(NS_PER_SEC, 100000.0), 100000); /* 100 ppm of 1 s */
	cr_assert_eq(tmv_scale_ppb(-NS_PER_SEC, 1.0), -1);
	cr_assert_eq(tmv_scale_ppb(3600 * NS_PER_SEC, -0.5), -1800);
}

Test(time, parse_units_and_errors)
{
	tmv_t t;
	cr_assert_eq(tmv_parse("1.5ms", &t), 0);
	cr_assert_eq(t, 1500000);
	cr_assert_eq(tmv_parse("-200ns", &t), 0);
	cr_assert_eq(t, -200);
	cr_assert_eq(tmv_parse("0.002", &t), 0);
	cr_assert_eq(t, 2000000);
	cr_assert_eq(tmv_parse("3us", &t), 0);
	cr_assert_eq(t, 3000);
	cr_assert_eq(tmv_parse("2s", &t), 0);
	cr_assert_eq(t, 2 * NS_PER_SEC);
	cr_assert_eq(tmv_parse("", &t), -EINVAL);
	cr_assert_eq(tmv_parse("abc", &t), -EINVAL);
	cr_assert_eq(tmv_parse("1.5 ms", &t), -EINVAL);
	cr_assert_eq(tmv_parse("1h", &t), -EINVAL);
	cr_assert_eq(tmv_parse("nan", &t), -EINVAL);
	cr_assert_eq(tmv_parse("1e300", &t), -ERANGE);
}

Test(time, fmt)
{
	char b[40];
	cr_assert_str_eq(tmv_fmt(-1, b, sizeof(b)), "-0.000000001");
	cr_assert_str_eq(tmv_fmt(12 * NS_PER_SEC + 34, b, sizeof(b)), "12.000000034");
	cr_assert_str_eq(tmv_fmt(INT64_MIN, b, sizeof(b)), "-9223372036.854775808");
}

Test(time, fp_mul_shift)
{
	uint64_t frac;
	/* period of 1.5 units scaled by 2^32: 1000 ticks -> 1500 */
	cr_assert_eq(fp_mul_shift(1000, 3ULL << 31, 32, &frac), 1500);
	cr_assert_eq(frac, 0);
	/* 1 tick of 0.5 at shift 1 is 0 with fraction 1/2 */
	cr_assert_eq(fp_mul_shift(1, 1, 1, &frac), 0);
	cr_assert_eq(frac, 1ULL << 63);
	/* product above 64 bits keeps its high part */
	cr_assert_eq(fp_mul_shift(UINT64_MAX, UINT64_MAX, 64, NULL), UINT64_MAX - 1);
}
