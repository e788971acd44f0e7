// SPDX-License-Identifier: MIT
/* lib/counter: pairs, calibration against a fake with known rate and jitter, narrow counters
 * that wrap, the rate tracker, and exact counter -> ns conversion. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>

#include "tsync/counter.h"

#define T0 1700000000000000000ll

Test(counter, delta_and_after_wrap_at_the_width)
{
	cr_assert_eq(counter_delta(32, 0xffffff00u, 0x100), 0x200);
	cr_assert(counter_after(32, 0xffffff00u, 0x100));
	cr_assert_not(counter_after(32, 0x100, 0xffffff00u));
	cr_assert_not(counter_after(32, 5, 5));
	uint64_t top53 = (1ull << 53) - 10;
	cr_assert_eq(counter_delta(53, top53, 5), 15);
	cr_assert(counter_after(53, top53, 5));
	cr_assert_eq(counter_delta(64, UINT64_MAX, 1), 2);
	cr_assert(counter_after(64, UINT64_MAX - 3, 2));
}

Test(counter, fake_source_interface)
{
	struct counter_fake_params p = {.hz = 1e6, .width = 32, .start = 7, .read_cost_ns = 1000};
	struct counter *c = counter_fake_create(&p);
	cr_assert_not_null(c);
	cr_assert_str_eq(counter_name(c), "fake");
	cr_assert_eq(counter_nominal_hz(c), 1e6);
	cr_assert_eq(counter_width(c), 32);
	cr_assert_eq(counter_read(c), 8); /* 1 us after t = 0 at 1 MHz */
	cr_assert_eq(counter_read(c), 9);
	counter_destroy(c);
	p.hz = 0;
	cr_assert_null(counter_fake_create(&p));
	counter_destroy(NULL);
}

Test(counter, tsc_source)
{
	struct counter *c = counter_tsc_create(0);
	cr_assert_not_null(c);
	cr_assert_str_eq(counter_name(c), "tsc");
	cr_assert_eq(counter_width(c), 64);
	cr_assert_eq(counter_nominal_hz(c), 1e9);
	uint64_t a = counter_read(c), b = counter_read(c);
	cr_assert(counter_after(64, a, b) || a == b);
	struct counter_pair pr;
	cr_assert_eq(counter_pair_read(c, &counter_clock_raw, 5, &pr), 0);
	cr_assert(pr.window_ticks < 10000000, "%lu", (unsigned long)pr.window_ticks);
	counter_destroy(c);
}

Test(counter, pair_is_the_midpoint_of_the_bracket)
{
	/* 1 GHz: every read costs 10 ns = 10 ticks; counter, clock, counter */
	struct counter_fake_params p = {
	        .hz = 1e9, .start = 5000, .clock_offset_ns = T0, .read_cost_ns = 10};
	struct counter *c = counter_fake_create(&p);
	struct counter_clock clk = counter_fake_clock(c);
	struct counter_pair pr;
	cr_assert_eq(counter_pair_read(c, &clk, 3, &pr), 0);
	cr_assert_eq(pr.window_ticks, 20);
	/* the first try: counter at t=10 (5010), clock at t=20, counter at t=30 (5030) */
	cr_assert_eq(pr.counter, 5020);
	cr_assert_eq(pr.time_ns, T0 + 20);
	cr_assert_eq(counter_fake_time(c), 90);
	counter_destroy(c);
}

static double calib_err(double hz, double jitter, unsigned width, uint64_t start,
                        struct counter_cal *cal)
{
	struct counter_fake_params p = {.hz = hz,
	                                .width = width,
	                                .start = start,
	                                .clock_offset_ns = T0,
	                                .read_cost_ns = 15,
	                                .jitter_ns = jitter,
	                                .seed = 42};
	struct counter *c = counter_fake_create(&p);
	struct counter_clock clk = counter_fake_clock(c);
	cr_assert_eq(counter_calibrate(c, &clk, 100000000, cal), 0);
	counter_destroy(c);
	return cal->ns_per_tick / (1e9 / hz) - 1;
}

Test(counter, calibration_recovers_a_known_rate_within_its_bound)
{
	struct counter_cal cal;
	/* no jitter: the bound covers the error (windows + 1 ns granularity over 100 ms) */
	double e = calib_err(2.5e9, 0, 64, 123, &cal);
	cr_assert(fabs(e) <= cal.rel_err, "err %g bound %g", e, cal.rel_err);
	cr_assert(cal.rel_err > 0 && cal.rel_err < 1e-6, "%g", cal.rel_err);
	/* 40 ns of clock jitter: off by at most 2 x 40 ns over 100 ms more than the bound */
	e = calib_err(2.5e9, 40, 64, 123, &cal);
	cr_assert(fabs(e) <= cal.rel_err + 80e-9 / 0.1, "err %g bound %g", e, cal.rel_err);
	cr_assert(fabs(e) > 1e-9, "jitter must show: %g", e);
	/* an 802.11 TSF: 1 MHz, 1 us ticks */
	e = calib_err(1e6, 0, 64, 0, &cal);
	cr_assert(fabs(e) <= cal.rel_err, "err %g bound %g", e, cal.rel_err);
}

Test(counter, calibration_across_the_wrap_of_narrow_counters)
{
	struct counter_cal cal;
	/* 32-bit at 1 GHz wraps every 4.3 s: start 1 ms before the wrap, calibrate over 100 ms */
	double e = calib_err(1e9, 0, 32, 0xffffffffull - 1000000, &cal);
	cr_assert(fabs(e) <= cal.rel_err, "err %g bound %g", e, cal.rel_err);
	e = calib_err(3e9, 0, 53, (1ull << 53) - 1000, &cal);
	cr_assert(fabs(e) <= cal.rel_err, "err %g bound %g", e, cal.rel_err);
	/* a counter that wraps during the calibration more than once cannot be calibrated this
	 * way: 16 bits at 1 GHz wrap every 65 us; the result is garbage or refused, never a crash */
	struct counter_fake_params p = {.hz = 1e9, .width = 16, .read_cost_ns = 15};
	struct counter *c = counter_fake_create(&p);
	struct counter_clock clk = counter_fake_clock(c);
	int err = counter_calibrate(c, &clk, 100000000, &cal);
	cr_assert(err == -EIO || fabs(cal.ns_per_tick - 1) > 0.5);
	counter_destroy(c);
}

Test(counter, rate_tracker_measures_and_restarts_on_a_step)
{
	struct counter_rate r;
	double npt, rel;
	counter_rate_init(&r, 64, 0.4, 10, 20e-6);
	struct counter_pair p = {.counter = 1000, .time_ns = T0, .window_ticks = 100};
	cr_assert_eq(counter_rate_get(&r, &npt, &rel), -EAGAIN);
	/* a clock 15 ppm fast against the counter */
	for (int i = 0; i < 40; i++) {
		p.counter = 1000 + (uint64_t)i * 1250000000ull; /* 0.5 s */
		p.time_ns = T0 + (int64_t)llround(i * 0.5e9 * (1 + 15e-6));
		cr_assert_not(counter_rate_add(&r, &p));
	}
	cr_assert_eq(counter_rate_get(&r, &npt, &rel), 0);
	cr_assert(fabs(npt / (0.4 * (1 + 15e-6)) - 1) < 1e-9);
	cr_assert(rel > 0 && rel < 2e-5, "window + undetected-step margin: %g", rel);
	cr_assert(r.n <= 22, "older pairs than the 10 s baseline are dropped: %u", r.n);
	/* a 1 ms step: detected, baseline restarts from the previous pair */
	p.counter += 1250000000ull;
	p.time_ns += (int64_t)llround(0.5e9 * (1 + 15e-6)) + 1000000;
	cr_assert(counter_rate_add(&r, &p));
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.resets, 1);
	counter_rate_reset(&r);
	cr_assert_eq(counter_rate_get(&r, &npt, &rel), -EAGAIN);
}

Test(counter, rate_tracker_on_a_32_bit_counter_that_wraps)
{
	/* 1 MHz 32-bit counter (wraps every 71.6 min), pairs every 60 s for 3 hours */
	struct counter_rate r;
	double npt, rel;
	counter_rate_init(&r, 32, 1000, 600, 1e-6);
	uint64_t mask = 0xffffffffull;
	for (int i = 0; i < 180; i++) {
		struct counter_pair p = {.counter =
		                                 (123456789ull + (uint64_t)i * 60000000ull) & mask,
		                         .time_ns = T0 + (int64_t)llround(i * 60e9 * (1 - 3e-6)),
		                         .window_ticks = 2};
		cr_assert_not(counter_rate_add(&r, &p), "spurious restart at %d", i);
	}
	cr_assert_eq(counter_rate_get(&r, &npt, &rel), 0);
	cr_assert(fabs(npt / (1000 * (1 - 3e-6)) - 1) < 1e-9, "%.12f", npt);
	cr_assert_eq(r.resets, 0);
}

Test(counter, conversion_is_exact_for_exact_periods)
{
	struct counter_conv cv = {.width = 64, .base_counter = 10, .base_ns = T0};
	cr_assert_eq(counter_conv_set_hz(&cv, 1000000, 1), 0); /* 1000 ns per tick */
	cr_assert(cv.mult == (unsigned __int128)1000 << 64);
	cr_assert_eq(counter_conv_ns(&cv, 10), T0);
	cr_assert_eq(counter_conv_ns(&cv, 12345678911ull), T0 + 12345678901000ll);
	cr_assert_eq(counter_conv_ns(&cv, 9), INT64_MAX, "2^64 - 1 ticks saturates");
	/* 2^30 Hz: period 1953125 / 2^21 ns, exact in 64.64 */
	cv.base_ns = 0;
	cv.base_counter = 0;
	cr_assert_eq(counter_conv_set_hz(&cv, 1ull << 30, 1), 0);
	uint64_t ds[] = {1, 3, 1ull << 21, 999999999999ull, 0x123456789abcdefull, UINT64_MAX};
	for (unsigned i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		unsigned __int128 want = ((unsigned __int128)ds[i] * 1953125) >> 21;
		int64_t got = counter_conv_ns(&cv, ds[i]);
		if (want > INT64_MAX)
			cr_assert_eq(got, INT64_MAX);
		else
			cr_assert_eq(got, (int64_t)want, "d=%lu", (unsigned long)ds[i]);
	}
}

Test(counter, conversion_within_one_ns_for_any_period_and_wrap)
{
	/* 3 GHz: 1/3 ns per tick is not exact in binary; floor(d/3) - 1 <= got <= floor(d/3) */
	struct counter_conv cv = {.width = 64};
	cr_assert_eq(counter_conv_set_hz(&cv, 3000000000ull, 1), 0);
	uint64_t ds[] = {0, 2, 3, 3000000000ull, 0x7fffffffffffffffull, 0xfffffffffffffffdull};
	for (unsigned i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		int64_t want = (int64_t)(ds[i] / 3), got = counter_conv_ns(&cv, ds[i]);
		cr_assert(got <= want && got >= want - 1, "d=%lu got %ld want %ld",
		          (unsigned long)ds[i], (long)got, (long)want);
	}
	/* a ratio: 32768 / 1.000001 Hz as 32768000000 / 1000001 */
	cr_assert_eq(counter_conv_set_hz(&cv, 32768000000ull, 1000001), 0);
	unsigned __int128 want =
	        (unsigned __int128)4000000000ull * 1000001 * 1000000000 / 32768000000ull;
	int64_t got = counter_conv_ns(&cv, 4000000000ull);
	cr_assert(got <= (int64_t)want && got >= (int64_t)want - 1, "%ld", (long)got);
	/* double period: 0.4 ns = 2.5 GHz, the same mult within rounding */
	struct counter_conv a = {.width = 64}, b = {.width = 64};
	cr_assert_eq(counter_conv_set_period(&a, 0.4), 0);
	cr_assert_eq(counter_conv_set_hz(&b, 2500000000ull, 1), 0);
	unsigned __int128 d = a.mult > b.mult ? a.mult - b.mult : b.mult - a.mult;
	cr_assert(d < (1u << 12), "0.4 is not exact in binary; 53-bit mantissa");
	/* 32-bit wrap between base and reading */
	struct counter_conv w = {.width = 32, .base_counter = 0xffffff00u, .base_ns = -500};
	cr_assert_eq(counter_conv_set_hz(&w, 1000000000, 1), 0);
	cr_assert_eq(counter_conv_ns(&w, 0x100), 0x200 - 500);
	cr_assert_eq(counter_conv_set_hz(&w, 0, 1), -EINVAL);
	cr_assert_eq(counter_conv_set_hz(&w, 1, 0x100000000000ull), -EINVAL);
	cr_assert_eq(counter_conv_set_period(&w, -1), -EINVAL);
}
