// SPDX-License-Identifier: MIT
/* lib/stats: every value below is computed by hand in the comment next to it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>

#include "tsync/stats.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

Test(stats, percentile_is_hyndman_fan_7)
{
	const double s[] = {1, 2, 3, 4, 10};
	/* h = 4 * 0.5 = 2 -> s[2] = 3 */
	cr_assert_eq(stats_percentile_sorted(s, 5, 50), 3);
	/* h = 4 * 0.25 = 1 -> 2 */
	cr_assert_eq(stats_percentile_sorted(s, 5, 25), 2);
	/* h = 4 * 0.9 = 3.6 -> 4 + 0.6 * (10 - 4) = 7.6 */
	cr_assert_float_eq(stats_percentile_sorted(s, 5, 90), 7.6, 1e-12);
	/* h = 4 * 0.99 = 3.96 -> 4 + 0.96 * 6 = 9.76 */
	cr_assert_float_eq(stats_percentile_sorted(s, 5, 99), 9.76, 1e-12);
	cr_assert_eq(stats_percentile_sorted(s, 5, 0), 1);
	cr_assert_eq(stats_percentile_sorted(s, 5, 100), 10);
	cr_assert_eq(stats_percentile_sorted(s, 5, -3), 1);
	cr_assert_eq(stats_percentile_sorted(s, 1, 99), 1);
	cr_assert(isnan(stats_percentile_sorted(s, 0, 50)));
	/* 1..100: h = 99 * 0.99 = 98.01 -> 99 + 0.01 * 1 = 99.01 (nearest rank would be 99) */
	double h[100];
	for (int i = 0; i < 100; i++)
		h[i] = i + 1;
	cr_assert_float_eq(stats_percentile_sorted(h, 100, 99), 99.01, 1e-9);
}

Test(stats, percentile_of_unsorted_input_leaves_it_alone)
{
	double x[] = {10, 1, 4, 3, 2}, p;
	cr_assert_eq(stats_percentile(x, 5, 90, &p), 0);
	cr_assert_float_eq(p, 7.6, 1e-12);
	cr_assert_eq(x[0], 10);
	cr_assert_eq(x[1], 1);
	cr_assert_eq(stats_percentile(x, 0, 50, &p), -EINVAL);
}

Test(stats, mean_rms_max_abs)
{
	const double x[] = {3, -4, 0, 5};
	/* mean (3 - 4 + 0 + 5) / 4 = 1; rms sqrt((9 + 16 + 0 + 25) / 4) = sqrt(12.5) */
	cr_assert_float_eq(stats_mean(x, 4), 1, 1e-15);
	cr_assert_float_eq(stats_rms(x, 4), sqrt(12.5), 1e-15);
	cr_assert_eq(stats_max_abs(x, 4), 5);
	const double y[] = {-7, 2};
	cr_assert_eq(stats_max_abs(y, 2), 7);
	cr_assert(isnan(stats_mean(x, 0)) && isnan(stats_rms(x, 0)) && isnan(stats_max_abs(x, 0)));
}

Test(stats, error_score_uses_absolute_values_for_p99)
{
	/* |x| sorted: 1 2 3 4 10; p99 = 9.76 (above); mean (-10 + 1 - 2 + 3 + 4) / 5 = -0.8;
	 * rms sqrt((100 + 1 + 4 + 9 + 16) / 5) = sqrt(26) */
	const double x[] = {-10, 1, -2, 3, 4};
	struct stats_error e;
	cr_assert_eq(stats_error_score(x, N(x), &e), 0);
	cr_assert_eq(e.n, 5);
	cr_assert_float_eq(e.mean, -0.8, 1e-15);
	cr_assert_float_eq(e.rms, sqrt(26), 1e-15);
	cr_assert_eq(e.max_abs, 10);
	cr_assert_float_eq(e.p99_abs, 9.76, 1e-12);
	cr_assert_eq(stats_error_score(x, 0, &e), 0);
	cr_assert(e.n == 0 && isnan(e.rms) && isnan(e.p99_abs));
}

Test(stats, time_to_lock_is_the_start_of_the_trailing_run_within_the_threshold)
{
	/* within 5: indices 1, 3, 4, 5; the trailing run starts at 3 */
	const double x[] = {100, 2, -9, -5, 4.9, 0};
	cr_assert_eq(stats_lock_index_of(x, N(x), 5), 3);
	/* threshold 10: only 100 is out, so 1 */
	cr_assert_eq(stats_lock_index_of(x, N(x), 10), 1);
	cr_assert_eq(stats_lock_index_of(x, N(x), 100), 0);
	/* last sample out: never locked */
	const double y[] = {0, 0, 7};
	cr_assert_eq(stats_lock_index_of(y, N(y), 5), -1);
	cr_assert_eq(stats_lock_index_of(y, 0, 5), -1);
	/* NaN is never within */
	const double z[] = {0, NAN, 1};
	cr_assert_eq(stats_lock_index_of(z, N(z), 5), 2);
	/* streaming: the index moves as samples come */
	struct stats_lock l;
	stats_lock_init(&l, 5);
	stats_lock_add(&l, 1);
	cr_assert_eq(stats_lock_index(&l), 0);
	stats_lock_add(&l, 6);
	cr_assert_eq(stats_lock_index(&l), -1);
	stats_lock_add(&l, -5);
	cr_assert_eq(stats_lock_index(&l), 2);
}
