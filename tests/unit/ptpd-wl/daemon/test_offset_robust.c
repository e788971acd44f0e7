// SPDX-License-Identifier: MIT
/* ptpd-wl's robust per-sample offset estimate (daemon/offset_robust.c): one noisy stamp does not
 * move it, a real change of the clock's error moves it within a few samples. */
#include <criterion/criterion.h>
#include <math.h>

#include "daemon/offset_robust.h"

#define MS 1000000LL

static double med(const struct offset_robust *r)
{
	double m = NAN;
	cr_assert(offset_robust_med(r, &m));
	return m;
}

static double peak(const struct offset_robust *r)
{
	double p = NAN;
	cr_assert(offset_robust_peak(r, &p));
	return p;
}

Test(offset_robust, empty_reports_nothing)
{
	struct offset_robust r;
	offset_robust_reset(&r);
	double x;
	cr_assert_not(offset_robust_med(&r, &x));
	cr_assert_not(offset_robust_peak(&r, &x));
}

/* At 1 Sync/s the window holds one sample: the last offset, no lag. */
Test(offset_robust, one_per_second_is_the_last_offset)
{
	struct offset_robust r;
	offset_robust_reset(&r);
	int64_t t = 1000 * MS;
	double off[] = {-1488, -772, 2471, -1319};
	for (unsigned i = 0; i < 4; i++, t += 1000 * MS) {
		offset_robust_add(&r, off[i], t);
		cr_assert_float_eq(med(&r), off[i], 1e-9);
		cr_assert_float_eq(peak(&r), off[i], 1e-9);
	}
}

/* At 64 Sync/s one stamp 40 us late (seen in a burst on veth) moves neither estimate by more
 * than one rank of the window's other samples. */
Test(offset_robust, a_single_noisy_stamp_does_not_move_it)
{
	struct offset_robust r;
	offset_robust_reset(&r);
	int64_t t = 0;
	for (unsigned i = 0; i < 20; i++, t += 15625000)
		offset_robust_add(&r, i % 2 ? -300 : -200, t);
	offset_robust_add(&r, 40529, t);
	cr_assert_leq(fabs(med(&r)), 300);
	cr_assert_leq(fabs(peak(&r)), 300);
	for (unsigned i = 0; i < 4; i++) {
		t += 15625000;
		offset_robust_add(&r, i % 2 ? -300 : -200, t);
		cr_assert_leq(fabs(peak(&r)), 300, "sample %u after the spike", i + 1);
	}
}

/* A real change of the clock's error (the offsets move together to +2000 and stay there)
 * reaches the median within half the window's samples and the peak with it. */
Test(offset_robust, a_lasting_change_moves_it_within_a_few_samples)
{
	struct offset_robust r;
	offset_robust_reset(&r);
	int64_t t = 0;
	for (unsigned i = 0; i < 20; i++, t += 15625000)
		offset_robust_add(&r, i % 2 ? 50 : -50, t);
	unsigned k = 0;
	while (med(&r) < 1900) {
		offset_robust_add(&r, 2000 + (k % 2 ? 30 : -30), t);
		t += 15625000;
		k++;
		cr_assert_leq(k, 5, "the median lags a lasting change by more than 5 samples");
	}
	cr_assert_geq(k, 4, "one or two samples (%u) moved the median of ~9", k);
	cr_assert_geq(peak(&r), 1900);
	/* back to zero: the peak keeps the large medians for one window, then lets them go */
	for (unsigned i = 0; i < 3; i++, t += 15625000)
		offset_robust_add(&r, 0, t);
	cr_assert_geq(peak(&r), 1900, "the peak covers the window a poll has not seen yet");
	for (unsigned i = 0; i < 12; i++, t += 15625000)
		offset_robust_add(&r, 0, t);
	cr_assert_float_eq(peak(&r), 0, 1e-9);
	cr_assert_float_eq(med(&r), 0, 1e-9);
}

/* The peak is signed: the median largest in magnitude, either side. */
Test(offset_robust, peak_keeps_the_sign)
{
	struct offset_robust r;
	offset_robust_reset(&r);
	offset_robust_add(&r, -900, 0);
	offset_robust_add(&r, 100, 100 * MS);
	cr_assert_float_eq(med(&r), -400, 1e-9); /* two samples: their mean */
	cr_assert_float_eq(peak(&r), -900, 1e-9);
	/* older than the window: gone */
	offset_robust_add(&r, 100, 300 * MS);
	cr_assert_float_eq(peak(&r), 100, 1e-9);
	/* time going back starts over */
	offset_robust_add(&r, 7, 50 * MS);
	cr_assert_float_eq(med(&r), 7, 1e-9);
	cr_assert_eq(r.n, 1);
}
