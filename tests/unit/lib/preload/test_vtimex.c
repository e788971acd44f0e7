// SPDX-License-Identifier: MIT
/* vtimex: the kernel timex interface emulated for a vclock (what ptp4l and chronyd send). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "tsync/vtimex.h"

#define T0  (1000 * NS_PER_SEC)
#define NOW (1700000000 * NS_PER_SEC + 123456789)

static struct vtimex s;
static struct vtimex_action a;

static void setup(void)
{
	vtimex_init(&s, 0.0, T0);
}

TestSuite(vtimex, .init = setup);

Test(vtimex, read_only_request_changes_nothing_and_reports_unsync)
{
	struct timex tx = {.modes = 0};
	int r = vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert_eq(r, TIME_ERROR, "a fresh clock is unsynchronised");
	cr_assert(!a.set_freq && !a.step);
	cr_assert_eq(tx.freq, 0);
	cr_assert_eq(tx.tick, VTIMEX_TICK_NOMINAL);
	cr_assert(tx.status & STA_UNSYNC);
	cr_assert_eq(tx.tolerance, 500L << 16);
	cr_assert_eq(tx.time.tv_sec, 1700000000);
	cr_assert_eq(tx.time.tv_usec, 123456, "microseconds without STA_NANO");
}

Test(vtimex, initial_frequency_comes_from_the_vclock)
{
	struct timex tx = {.modes = 0};
	vtimex_init(&s, -12500.0, T0);
	vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert_eq(tx.freq, -819200, "-12.5 ppm scaled by 2^16");
	cr_assert_float_eq(vtimex_freq_ppb(&s), -12500.0, 1e-6);
}

Test(vtimex, adj_frequency_as_ptp4l_sets_it)
{
	/* ptp4l clockadj_set_freq: tx.freq = ppb * 65.536 */
	struct timex tx = {.modes = ADJ_FREQUENCY, .freq = (long)(-55346.0 * 65.536)};
	vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert(a.set_freq);
	cr_assert(!a.step);
	cr_assert_float_eq(a.freq_ppb, -55346.0, 0.02);
	cr_assert_eq(tx.freq, (long)(-55346.0 * 65.536), "the new value is read back");
}

Test(vtimex, frequency_is_clamped_to_500_ppm)
{
	struct timex tx = {.modes = ADJ_FREQUENCY, .freq = 900L << 16};
	vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert_float_eq(a.freq_ppb, 500000.0, 1e-6);
}

Test(vtimex, tick_adds_to_the_frequency_as_chronyd_uses_it)
{
	struct timex tx = {.modes = ADJ_TICK | ADJ_FREQUENCY, .tick = 10001, .freq = 10L << 16};
	vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert(a.set_freq);
	cr_assert_float_eq(a.freq_ppb, 100000.0 + 10000.0, 1e-6, "tick +1 us in 10 ms = +100 ppm");
	tx = (struct timex){.modes = ADJ_TICK, .tick = 8999};
	cr_assert_eq(vtimex_apply(&s, &tx, T0, NOW, &a), -EINVAL);
	cr_assert(!a.set_freq, "a rejected request asks for nothing");
	cr_assert_float_eq(vtimex_freq_ppb(&s), 110000.0, 1e-6, "and changes nothing");
}

Test(vtimex, setoffset_nano_and_micro)
{
	struct timex tx = {.modes = ADJ_SETOFFSET | ADJ_NANO};
	tx.time.tv_sec = -1;
	tx.time.tv_usec = 999000000; /* -1 ms, normalised as the kernel wants it */
	vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert(a.step);
	cr_assert_eq(a.step_ns, -NS_PER_MS);
	cr_assert(tx.status & STA_NANO, "ADJ_NANO switches the units to ns");
	cr_assert_eq(tx.time.tv_usec, (NOW - NS_PER_MS) % NS_PER_SEC, "time after the step, ns");

	tx = (struct timex){.modes = ADJ_SETOFFSET | ADJ_MICRO};
	tx.time.tv_sec = 2;
	tx.time.tv_usec = 500;
	vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert_eq(a.step_ns, 2 * NS_PER_SEC + 500 * NS_PER_US);
	cr_assert(!(tx.status & STA_NANO));
}

Test(vtimex, setoffset_rejects_unnormalised_time_like_the_kernel)
{
	/* chronyd probes ADJ_SETOFFSET support with an invalid value and expects EINVAL */
	struct timex tx = {.modes = ADJ_SETOFFSET};
	tx.time.tv_usec = -1;
	cr_assert_eq(vtimex_apply(&s, &tx, T0, NOW, &a), -EINVAL);
	tx.time.tv_usec = 1000000;
	cr_assert_eq(vtimex_apply(&s, &tx, T0, NOW, &a), -EINVAL);
	tx.modes |= ADJ_NANO;
	cr_assert_eq(vtimex_apply(&s, &tx, T0, NOW, &a), TIME_ERROR, "valid in ns");
}

Test(vtimex, status_keeps_read_only_bits)
{
	struct timex tx = {.modes = ADJ_NANO};
	vtimex_apply(&s, &tx, T0, NOW, &a);
	tx = (struct timex){.modes = ADJ_STATUS, .status = STA_PLL | STA_CLOCKERR};
	int r = vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert_eq(r, TIME_OK, "STA_UNSYNC cleared");
	cr_assert(tx.status & STA_PLL);
	cr_assert(tx.status & STA_NANO, "read-only STA_NANO survives ADJ_STATUS");
	cr_assert(!(tx.status & STA_CLOCKERR), "read-only STA_CLOCKERR cannot be set");
}

Test(vtimex, pll_offset_is_corrected_at_once_only_in_pll_mode)
{
	struct timex tx = {.modes = ADJ_OFFSET, .offset = 250};
	vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert(!a.step, "without STA_PLL the kernel ignores the offset");
	tx = (struct timex){.modes = ADJ_STATUS | ADJ_OFFSET, .status = STA_PLL, .offset = 250};
	vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert(a.step);
	cr_assert_eq(a.step_ns, 250 * NS_PER_US);
	tx = (struct timex){.modes = ADJ_OFFSET, .offset = 9000000}; /* 9 s: clamped to 0.5 s */
	vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert_eq(a.step_ns, 500 * NS_PER_MS);
}

Test(vtimex, adjtime_singleshot_as_chronyd_resets_it)
{
	struct timex tx = {.modes = ADJ_OFFSET_SINGLESHOT, .offset = 0};
	cr_assert_geq(vtimex_apply(&s, &tx, T0, NOW, &a), 0);
	cr_assert(!a.step && !a.set_freq);
	tx = (struct timex){.modes = ADJ_OFFSET_SINGLESHOT, .offset = -300};
	vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert_eq(a.step_ns, -300 * NS_PER_US);
	cr_assert_eq(tx.offset, 0, "nothing left to slew");
	tx = (struct timex){.modes = ADJ_OFFSET_SINGLESHOT | ADJ_FREQUENCY};
	cr_assert_eq(vtimex_apply(&s, &tx, T0, NOW, &a), -EINVAL);
}

Test(vtimex, maxerror_grows_500us_per_second_then_unsyncs)
{
	struct timex tx = {.modes = ADJ_MAXERROR | ADJ_ESTERROR | ADJ_STATUS,
	                   .maxerror = 1000,
	                   .esterror = 20,
	                   .status = 0};
	cr_assert_eq(vtimex_apply(&s, &tx, T0, NOW, &a), TIME_OK);
	tx = (struct timex){.modes = 0};
	vtimex_apply(&s, &tx, T0 + 3 * NS_PER_SEC + 400 * NS_PER_MS, NOW, &a);
	cr_assert_eq(tx.maxerror, 1000 + 3 * 500);
	cr_assert_eq(tx.esterror, 20);
	cr_assert_eq(vtimex_apply(&s, &tx, T0 + 40000 * NS_PER_SEC, NOW, &a), TIME_ERROR);
	cr_assert_eq(tx.maxerror, VTIMEX_MAXERROR_US);
	cr_assert(tx.status & STA_UNSYNC);
}

Test(vtimex, timeconst_and_tai)
{
	struct timex tx = {.modes = ADJ_TIMECONST, .constant = 99};
	vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert_eq(tx.constant, 10);
	tx = (struct timex){.modes = ADJ_TAI, .constant = 37};
	vtimex_apply(&s, &tx, T0, NOW, &a);
	cr_assert_eq(tx.tai, 37);
	cr_assert_eq(tx.constant, 10, "ADJ_TAI borrows the field, the time constant stays");
}
