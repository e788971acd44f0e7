// SPDX-License-Identifier: MIT
/* Streaming statistics for stats --memory: exact (bit for bit stats_compute) while the
 * samples fit, then a sketch whose percentiles stay within the stated error bound. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/sketch.h"
#include "tsync/stats.h"

static unsigned long long rs = 99;
static double unif(void)
{
	rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rs >> 11) / 9007199254740992.0;
}

/* mixed signs and magnitudes from 1e-12 to 1e-3, some exact zeros */
static void fill(double *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double mag = pow(10, -12 + 9 * unif());
		x[i] = i % 97 == 0 ? 0 : (unif() < 0.4 ? -mag : mag);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

Test(analysis_sketch, exact_while_it_fits)
{
	enum { N = 20000 };
	static double x[N];
	fill(x, N);
	struct stream_stats s;
	stream_stats_init(&s, N * sizeof(double));
	for (size_t i = 0; i < N; i++)
		cr_assert_eq(stream_stats_add(&s, (double)i, x[i]), 0);
	cr_expect(!s.sketched);
	struct basic_stats a, b;
	double tmax;
	cr_assert_eq(stream_stats_result(&s, &a, &tmax), 0);
	cr_assert_eq(stats_compute(x, N, &b), 0);
	cr_expect(memcmp(&a, &b, sizeof(a)) == 0, "stream %.17g/%.17g vs %.17g/%.17g", a.p99,
	          a.stddev, b.p99, b.stddev);
	cr_expect_eq(tmax, (double)b.i_max_abs);
	stream_stats_free(&s);
}

Test(analysis_sketch, beyond_the_limit_within_the_stated_error)
{
	enum { N = 200000 };
	static double x[N], sorted[N];
	fill(x, N);
	struct stream_stats s;
	stream_stats_init(&s, 64 * 1024); /* 8192 samples, then the sketch */
	for (size_t i = 0; i < N; i++) {
		cr_assert_eq(stream_stats_add(&s, NAN, x[i]), 0);
		cr_assert(s.cap * sizeof(double) <= 64 * 1024);
	}
	cr_assert(s.sketched);
	cr_expect_null(s.keep);
	struct basic_stats a, b;
	double tmax;
	cr_assert_eq(stream_stats_result(&s, &a, &tmax), 0);
	cr_assert_eq(stats_compute(x, N, &b), 0);
	cr_expect_eq(a.count, b.count);
	cr_expect_eq(a.min, b.min);
	cr_expect_eq(a.max, b.max);
	cr_expect_eq(a.max_abs, b.max_abs);
	cr_expect_eq(a.i_max_abs, b.i_max_abs);
	cr_expect_float_eq(a.mean, b.mean, 1e-12 * fabs(b.rms));
	cr_expect_float_eq(a.stddev, b.stddev, 1e-12 * b.stddev);
	memcpy(sorted, x, sizeof(x));
	qsort(sorted, N, sizeof(double), cmp);
	static const double ps[] = {0, 1, 10, 25, 50, 60.5, 90, 99, 99.9, 100};
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		double h = (N - 1) * ps[i] / 100;
		size_t k = (size_t)h, k1 = k + 1 < N ? k + 1 : k;
		double bound = SKETCH_ALPHA * fmax(fabs(sorted[k]), fabs(sorted[k1])) * (1 + 1e-9);
		double exact = stats_percentile_sorted(sorted, N, ps[i]);
		double est = sketch_percentile(&s.sk, ps[i]);
		cr_expect(fabs(est - exact) <= bound, "p%g: %.17g vs exact %.17g (bound %g)", ps[i],
		          est, exact, bound);
	}
	/* and the error is not zero: the sketch is a sketch */
	cr_expect_neq(sketch_percentile(&s.sk, 50), stats_percentile_sorted(sorted, N, 50));
	stream_stats_free(&s);
}

Test(analysis_sketch, tiny_and_huge_values)
{
	struct quantile_sketch q;
	cr_assert_eq(sketch_init(&q), 0);
	sketch_add(&q, 1e-30); /* counts as 0 */
	sketch_add(&q, -5);
	sketch_add(&q, 1e300); /* clamped */
	cr_expect_eq(q.n, 3);
	cr_expect_float_eq(sketch_rank(&q, 0), -5, 5 * SKETCH_ALPHA);
	cr_expect_eq(sketch_rank(&q, 1), 0);
	cr_expect_float_eq(sketch_rank(&q, 2), SKETCH_MAX, SKETCH_MAX * SKETCH_ALPHA);
	cr_expect(isnan(sketch_rank(&q, 3)));
	sketch_free(&q);
}
