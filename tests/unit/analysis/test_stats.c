// SPDX-License-Identifier: MIT
/* Descriptive statistics, percentiles (Hyndman-Fan 7), histogram, noise id, CI, masks. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "metrics/masks.h"
#include "metrics/metrics.h"

Test(analysis_stats, moments_and_extremes)
{
	double x[] = {1, -4, 2, 3};
	struct basic_stats st;
	cr_assert_eq(stats_compute(x, 4, &st), 0);
	cr_expect_eq(st.count, 4);
	cr_expect_float_eq(st.mean, 0.5, 1e-15);
	cr_expect_float_eq(st.stddev, sqrt(((0.25 + 20.25 + 2.25 + 6.25) / 3)), 1e-15);
	cr_expect_float_eq(st.rms, sqrt(30.0 / 4), 1e-15);
	cr_expect_eq(st.min, -4);
	cr_expect_eq(st.max, 3);
	cr_expect_eq(st.max_abs, 4);
	cr_expect_eq(st.i_max_abs, 1);
	cr_expect_eq(stats_compute(x, 0, &st), -EINVAL);
}

Test(analysis_stats, percentiles_type7)
{
	/* numpy.percentile([1..10], p) default (linear): 50 -> 5.5, 90 -> 9.1, 99 -> 9.91 */
	double x[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
	struct basic_stats st;
	cr_assert_eq(stats_compute(x, 10, &st), 0);
	cr_expect_float_eq(st.p50, 5.5, 1e-12);
	cr_expect_float_eq(st.p90, 9.1, 1e-12);
	cr_expect_float_eq(st.p99, 9.91, 1e-12);
	cr_expect_float_eq(st.p999, 9.991, 1e-12);
	double one = 7;
	cr_assert_eq(stats_compute(&one, 1, &st), 0);
	cr_expect_eq(st.p50, 7);
	cr_expect_eq(st.stddev, 0);
}

Test(analysis_stats, histogram_counts_everything)
{
	double x[100];
	struct histogram h;
	for (int i = 0; i < 100; i++)
		x[i] = i;
	cr_assert_eq(histogram_compute(x, 100, 10, &h), 0);
	size_t total = 0;
	for (size_t k = 0; k < h.nbins; k++) {
		cr_expect_eq(h.counts[k], 10);
		total += h.counts[k];
	}
	cr_expect_eq(total, 100);
	histogram_free(&h);
	cr_assert_eq(histogram_compute(x, 100, 0, &h), 0); /* Freedman-Diaconis */
	cr_expect_gt(h.nbins, 1);
	histogram_free(&h);
}

/* max - min beyond DBL_MAX: the bin width was inf, (max - min) / inf NaN, its cast UB */
Test(analysis_stats, histogram_range_beyond_double)
{
	double x[] = {-1e308, 0, 1e308, 5e307};
	struct histogram h;
	cr_assert_eq(histogram_compute(x, 4, 2, &h), 0);
	cr_expect_eq(h.counts[0], 1);
	cr_expect_eq(h.counts[1], 3); /* 0 starts the upper half, 1e308 is its closed end */
	histogram_free(&h);
	cr_assert_eq(histogram_compute(x, 4, 0, &h), 0); /* Freedman-Diaconis */
	size_t total = 0;
	for (size_t k = 0; k < h.nbins; k++)
		total += h.counts[k];
	cr_expect_eq(total, 4);
	cr_expect(h.nbins >= 1 && h.nbins <= 200);
	histogram_free(&h);
}

static double gauss(unsigned long long *s)
{
	double u = 0;
	for (int i = 0; i < 12; i++) {
		*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
		u += (double)(*s >> 11) / 9007199254740992.0;
	}
	return u - 6;
}

Test(analysis_stats, noise_id_and_confidence)
{
	size_t n = 4096;
	double *wpm = malloc(n * sizeof(double)), *rw = malloc(n * sizeof(double));
	unsigned long long s = 1;
	double acc = 0;
	for (size_t i = 0; i < n; i++) {
		wpm[i] = gauss(&s);
		acc += gauss(&s);
		rw[i] = acc; /* phase random walk = white FM */
	}
	cr_expect_eq(noise_id_lag1(wpm, n, 1), 2);
	cr_expect_eq(noise_id_lag1(rw, n, 4), 0);
	cr_expect_eq(noise_id_lag1(rw, 40, 4), 99); /* too few points */
	size_t m[] = {1, 16};
	struct dev_point p[2];
	cr_assert_eq(dev_compute(DEV_OADEV, rw, n, 1.0, m, 2, p), 0);
	cr_assert_eq(dev_confidence(DEV_OADEV, rw, n, p, 2), 0);
	for (int i = 0; i < 2; i++) {
		cr_expect(p[i].ci_lo < p[i].value && p[i].value < p[i].ci_hi);
		cr_expect_eq(p[i].alpha, 0);
	}
	/* white FM edf, NIST SP 1065 closed form: N = 4096, m = 16 */
	double N = 4096, mm = 16;
	double want = (3 * (N - 1) / (2 * mm) - 2 * (N - 2) / N) * 4 * mm * mm / (4 * mm * mm + 5);
	cr_expect_float_eq(p[1].edf, want, 1e-9);
	/* fewer degrees of freedom, a wider relative interval */
	cr_expect((p[1].ci_hi - p[1].ci_lo) / p[1].value > (p[0].ci_hi - p[0].ci_lo) / p[0].value);
	free(wpm);
	free(rw);
}

Test(analysis_stats, mask_limits)
{
	const struct mask_def *m = mask_find("g8262-eec1");
	cr_assert_not_null(m);
	cr_expect_float_eq(mask_limit(m->mtie, 0.5), 40e-9, 1e-18);
	cr_expect_float_eq(mask_limit(m->mtie, 10), 40e-9 * pow(10, 0.1), 1e-18);
	cr_expect_float_eq(mask_limit(m->mtie, 1000), 25.25e-9 * pow(1000, 0.2), 1e-18);
	cr_expect(isnan(mask_limit(m->mtie, 2000)));
	cr_expect_float_eq(mask_limit(m->tdev, 100), 6.4e-9, 1e-18);
	cr_expect_float_eq(mask_limit(m->tdev, 50), 0.64e-9 * sqrt(50), 1e-18);
	const struct mask_def *c = mask_find("g8273.2-c");
	cr_assert_not_null(c);
	cr_expect_float_eq(c->max_te, 30e-9, 1e-18);
	cr_expect_float_eq(c->cte, 10e-9, 1e-18);
	cr_expect_float_eq(mask_limit(c->mtie, 1000), 10e-9, 1e-18);
	cr_expect_null(mask_find("nope"));
	cr_expect_float_eq(mask_find("g8271.1-c")->max_te, 1100e-9, 1e-18);
}

Test(analysis_stats, lowpass_passes_dc_and_damps_noise)
{
	double x[2000], y[2000];
	for (int i = 0; i < 2000; i++)
		x[i] = 5e-9 + (i % 2 ? 1e-9 : -1e-9); /* Nyquist-rate alternation */
	te_lowpass(x, 2000, 1.0 / 16, 0.1, y);
	cr_expect(fabs(y[1999] - 5e-9) < 0.05e-9, "%g", y[1999]);
}
