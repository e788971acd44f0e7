// SPDX-License-Identifier: MIT
/*
 * Every metric against a direct, independent transcription of its definition on small seeded
 * random inputs (white and random-walk phase): frequency averages for the Allan and Hadamard
 * families, explicit inner sums for MDEV, an explicit reflected array for TOTDEV, a scan of
 * every window for MTIE. The fast versions must agree to 1e-9 relative.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "metrics/metrics.h"

static double rnd(unsigned long long *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*s >> 11) / 9007199254740992.0 - 0.5;
}

static void make(double *x, size_t n, unsigned long long seed, bool walk)
{
	double acc = 0;
	for (size_t i = 0; i < n; i++) {
		acc = walk ? acc + rnd(&seed) * 1e-9 : rnd(&seed) * 1e-9;
		x[i] = acc + 3e-9 * (double)i * 1e-3; /* a small frequency offset too */
	}
}

/* average fractional frequency over [i, i+m] */
static double ybar(const double *x, size_t i, size_t m, double tau)
{
	return (x[i + m] - x[i]) / tau;
}

static double d_adev(const double *x, size_t n, size_t m, double t0, bool overlap)
{
	double tau = m * t0, s = 0;
	size_t k = 0, step = overlap ? 1 : m;
	for (size_t i = 0; i + 2 * m <= n - 1; i += step, k++) {
		double d = ybar(x, i + m, m, tau) - ybar(x, i, m, tau);
		s += d * d;
	}
	return sqrt(s / (2.0 * k));
}

static double d_hdev(const double *x, size_t n, size_t m, double t0, bool overlap)
{
	double tau = m * t0, s = 0;
	size_t k = 0, step = overlap ? 1 : m;
	for (size_t i = 0; i + 3 * m <= n - 1; i += step, k++) {
		double d = ybar(x, i + 2 * m, m, tau) - 2 * ybar(x, i + m, m, tau) +
		           ybar(x, i, m, tau);
		s += d * d;
	}
	return sqrt(s / (6.0 * k));
}

static double d_mdev(const double *x, size_t n, size_t m, double t0)
{
	double tau = m * t0, s = 0;
	size_t k = 0;
	for (size_t j = 0; j + 3 * m <= n; j++, k++) {
		double in = 0;
		for (size_t i = j; i < j + m; i++)
			in += x[i + 2 * m] - 2 * x[i + m] + x[i];
		s += in * in;
	}
	return sqrt(s / (2.0 * m * m * tau * tau * k));
}

static double d_totdev(const double *x, size_t n, size_t m, double t0)
{
	/* x* = reflected copy: [n-2 .. 1] mirrored, x, [n-2 .. 1] mirrored */
	size_t ext = n - 1, len = n + 2 * ext;
	double *xs = malloc(len * sizeof(*xs)), tau = m * t0, s = 0;
	for (size_t j = 1; j <= ext; j++) {
		xs[ext - j] = 2 * x[0] - x[j];
		xs[ext + n - 1 + j] = 2 * x[n - 1] - x[n - 1 - j];
	}
	for (size_t i = 0; i < n; i++)
		xs[ext + i] = x[i];
	for (size_t i = 1; i + 1 < n; i++) {
		double d = xs[ext + i - m] - 2 * xs[ext + i] + xs[ext + i + m];
		s += d * d;
	}
	free(xs);
	return sqrt(s / (2.0 * tau * tau * (n - 2)));
}

static double d_mtie(const double *x, size_t n, size_t m)
{
	double best = 0;
	for (size_t i = 0; i + m < n; i++) {
		double lo = x[i], hi = x[i];
		for (size_t j = i; j <= i + m; j++) {
			lo = fmin(lo, x[j]);
			hi = fmax(hi, x[j]);
		}
		best = fmax(best, hi - lo);
	}
	return best;
}

static double d_tierms(const double *x, size_t n, size_t m)
{
	double s = 0;
	for (size_t i = 0; i + m < n; i++)
		s += (x[i + m] - x[i]) * (x[i + m] - x[i]);
	return sqrt(s / (double)(n - m));
}

static double direct(enum dev_kind k, const double *x, size_t n, size_t m, double t0)
{
	switch (k) {
	case DEV_ADEV:
		return d_adev(x, n, m, t0, false);
	case DEV_OADEV:
		return d_adev(x, n, m, t0, true);
	case DEV_MDEV:
		return d_mdev(x, n, m, t0);
	case DEV_TDEV:
		return m * t0 / sqrt(3.0) * d_mdev(x, n, m, t0);
	case DEV_HDEV:
		return d_hdev(x, n, m, t0, false);
	case DEV_OHDEV:
		return d_hdev(x, n, m, t0, true);
	case DEV_TOTDEV:
		return d_totdev(x, n, m, t0);
	case DEV_MTIE:
		return d_mtie(x, n, m);
	default:
		return d_tierms(x, n, m);
	}
}

Test(analysis_direct, every_metric_every_m)
{
	static const size_t sizes[] = {7, 31, 200, 257};
	for (int walk = 0; walk < 2; walk++) {
		for (size_t si = 0; si < 4; si++) {
			size_t n = sizes[si];
			double *x = malloc(n * sizeof(*x)), t0 = 0.125;
			make(x, n, 42 + si, walk);
			for (int k = 0; k < DEV_COUNT; k++) {
				size_t maxm = dev_max_m((enum dev_kind)k, n);
				for (size_t m = 1; m <= maxm; m++) {
					struct dev_point p;
					cr_assert_eq(
					        dev_compute((enum dev_kind)k, x, n, t0, &m, 1, &p),
					        0);
					double want = direct((enum dev_kind)k, x, n, m, t0);
					cr_assert(fabs(p.value - want) <= 1e-9 * fabs(want) + 1e-30,
					          "%s n=%zu m=%zu walk=%d: %.17g vs direct %.17g",
					          dev_name((enum dev_kind)k), n, m, walk, p.value,
					          want);
				}
			}
			free(x);
		}
	}
}

Test(analysis_direct, mtie_deque_and_octave_agree_with_scan)
{
	size_t n = 300, work[2 * 301], w;
	double x[300], v[9];
	size_t oct[] = {1, 2, 4, 8, 16, 32, 64, 128, 256}, win[9];
	make(x, n, 5, true);
	for (size_t m = 1; m < n; m++)
		cr_assert_float_eq(dev_mtie(x, n, m, work, &w), d_mtie(x, n, m), 1e-24, "m=%zu", m);
	cr_assert_eq(dev_mtie_octave(x, n, oct, 9, v, win), 0);
	for (size_t i = 0; i < 9; i++) {
		cr_expect_float_eq(v[i], d_mtie(x, n, oct[i]), 1e-24, "m=%zu", oct[i]);
		cr_expect_eq(win[i], n - oct[i]);
	}
	size_t bad[] = {1, 3};
	cr_expect_eq(dev_mtie_octave(x, n, bad, 2, v, win), -EINVAL);
}

Test(analysis_direct, mdev_running_sum_refresh)
{
	/* n large enough that the sliding sum is recomputed (every 4096 steps) */
	size_t n = 9000, m = 3;
	double *x = malloc(n * sizeof(*x));
	make(x, n, 9, true);
	struct dev_point p;
	cr_assert_eq(dev_compute(DEV_MDEV, x, n, 1.0, &m, 1, &p), 0);
	double want = d_mdev(x, n, m, 1.0);
	cr_expect(fabs(p.value / want - 1) < 1e-10, "%.17g vs %.17g", p.value, want);
	free(x);
}

Test(analysis_direct, bad_arguments)
{
	double x[10] = {0};
	size_t m = 5;
	struct dev_point p;
	cr_expect_eq(dev_compute(DEV_OADEV, x, 10, 1.0, &m, 1, &p), -EINVAL); /* 2m > n-1 */
	m = 0;
	cr_expect_eq(dev_compute(DEV_MTIE, x, 10, 1.0, &m, 1, &p), -EINVAL);
	m = 1;
	cr_expect_eq(dev_compute(DEV_MTIE, x, 10, 0.0, &m, 1, &p), -EINVAL);
}

Test(analysis_direct, taus)
{
	size_t *m, n;
	cr_assert_eq(taus_parse("octave", 1.0, 100, &m, &n), 0);
	cr_expect_eq(n, 7);
	cr_expect_eq(m[6], 64);
	free(m);
	cr_assert_eq(taus_parse("decade", 1.0, 1000, &m, &n), 0);
	size_t want[] = {1, 2, 4, 10, 20, 40, 100, 200, 400, 1000};
	cr_assert_eq(n, 10);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(m[i], want[i]);
	free(m);
	cr_assert_eq(taus_parse("all", 1.0, 5, &m, &n), 0);
	cr_expect_eq(n, 5);
	free(m);
	cr_assert_eq(taus_parse("0.5,0.25,2,0.5,99", 0.25, 10, &m, &n), 0);
	cr_assert_eq(n, 3); /* 1, 2, 8 after dedup; 99 s is beyond max_m */
	cr_expect_eq(m[0], 1);
	cr_expect_eq(m[1], 2);
	cr_expect_eq(m[2], 8);
	free(m);
	cr_expect_eq(taus_parse("1,x", 1.0, 10, &m, &n), -EINVAL);
}
