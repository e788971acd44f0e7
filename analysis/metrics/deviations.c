// SPDX-License-Identifier: MIT
/*
 * The Allan family from phase data, each O(n) per averaging factor m (NIST SP 1065 sect. 5.2):
 *   AVAR(tau)  = sum (x[i+2m] - 2x[i+m] + x[i])^2 / (2 tau^2 M), i = 0, m, 2m, ... (ADEV)
 *                or i = 0, 1, ..., n-2m-1 (OADEV), M the number of terms
 *   MVAR(tau)  = sum_j (sum_{i=j}^{j+m-1} (x[i+2m] - 2x[i+m] + x[i]))^2 / (2 m^2 tau^2 (n-3m+1))
 *   HVAR(tau)  = sum (x[i+3m] - 3x[i+2m] + 3x[i+m] - x[i])^2 / (6 tau^2 M)
 *   TOTVAR     = sum_{i=1}^{n-2} (x*[i-m] - 2x*[i] + x*[i+m])^2 / (2 tau^2 (n-2)) with x* the
 *                phase reflected about both end points: x*[-k] = 2x[0] - x[k],
 *                x*[n-1+k] = 2x[n-1] - x[n-1-k]
 */
#include <math.h>

#include "metrics/metrics.h"

static inline double sq(double v)
{
	return v * v;
}

double dev_adev(const double *x, size_t n, size_t m, double tau0, bool overlap, size_t *terms)
{
	size_t step = overlap ? 1 : m, k = 0, i = 0;
	double a0 = 0, a1 = 0, a2 = 0, a3 = 0; /* four independent add chains */
	*terms = 0;
	if (m == 0 || n < 2 * m + 1)
		return NAN;
	for (; i + 3 * step + 2 * m < n; i += 4 * step, k += 4) {
		const double *p = x + i, *q = p + m, *r = q + m;
		a0 += sq(r[0] - 2 * q[0] + p[0]);
		a1 += sq(r[step] - 2 * q[step] + p[step]);
		a2 += sq(r[2 * step] - 2 * q[2 * step] + p[2 * step]);
		a3 += sq(r[3 * step] - 2 * q[3 * step] + p[3 * step]);
	}
	for (; i + 2 * m < n; i += step, k++)
		a0 += sq(x[i + 2 * m] - 2 * x[i + m] + x[i]);
	*terms = k;
	double tau = (double)m * tau0;
	return sqrt(((a0 + a1) + (a2 + a3)) / (2.0 * tau * tau * (double)k));
}

static inline double d2(const double *x, size_t i, size_t m)
{
	return x[i + 2 * m] - 2 * x[i + m] + x[i];
}

double dev_mdev(const double *x, size_t n, size_t m, double tau0, size_t *terms)
{
	*terms = 0;
	if (m == 0 || n < 3 * m)
		return NAN;
	size_t nt = n - 3 * m + 1;
	/* sliding sum of m second differences, recomputed every max(4096, m) steps so that the
	 * rounding of the running update stays bounded; the refresh costs at most O(n) overall */
	size_t refresh = m > 4096 ? m : 4096, nb = (nt + refresh - 1) / refresh, b = 0;
	double acc = 0;
	/* four full blocks side by side: four independent running sums for the pipeline */
	for (; b + 4 <= nb && (b + 4) * refresh <= nt; b += 4) {
		double sv[4] = {0, 0, 0, 0}, av[4] = {0, 0, 0, 0};
		for (size_t u = 0; u < 4; u++) {
			size_t j0 = (b + u) * refresh;
			for (size_t i = j0; i < j0 + m; i++)
				sv[u] += d2(x, i, m);
			av[u] = sv[u] * sv[u];
		}
		for (size_t t = 1; t < refresh; t++) {
			for (size_t u = 0; u < 4; u++) {
				size_t j = (b + u) * refresh + t;
				sv[u] += d2(x, j + m - 1, m) - d2(x, j - 1, m);
				av[u] += sv[u] * sv[u];
			}
		}
		acc += (av[0] + av[1]) + (av[2] + av[3]);
	}
	for (; b < nb; b++) { /* the rest one block at a time */
		size_t j0 = b * refresh, end = j0 + refresh < nt ? j0 + refresh : nt;
		double sv = 0;
		for (size_t i = j0; i < j0 + m; i++)
			sv += d2(x, i, m);
		acc += sv * sv;
		for (size_t j = j0 + 1; j < end; j++) {
			sv += d2(x, j + m - 1, m) - d2(x, j - 1, m);
			acc += sv * sv;
		}
	}
	*terms = nt;
	double tau = (double)m * tau0;
	return sqrt(acc / (2.0 * (double)m * (double)m * tau * tau * (double)nt));
}

double dev_hdev(const double *x, size_t n, size_t m, double tau0, bool overlap, size_t *terms)
{
	size_t step = overlap ? 1 : m, k = 0;
	double acc = 0;
	*terms = 0;
	if (m == 0 || n < 3 * m + 1)
		return NAN;
	for (size_t i = 0; i + 3 * m < n; i += step, k++) {
		double d = x[i + 3 * m] - 3 * x[i + 2 * m] + 3 * x[i + m] - x[i];
		acc += d * d;
	}
	*terms = k;
	double tau = (double)m * tau0;
	return sqrt(acc / (6.0 * tau * tau * (double)k));
}

/* x* at signed index k in [-(n-1), 2(n-1)] */
static inline double xrefl(const double *x, size_t n, long k)
{
	long last = (long)n - 1;
	if (k < 0)
		return 2 * x[0] - x[-k];
	if (k > last)
		return 2 * x[last] - x[2 * last - k];
	return x[k];
}

double dev_totdev(const double *x, size_t n, size_t m, double tau0, size_t *terms)
{
	*terms = 0;
	if (m == 0 || n < 3 || m > n - 1)
		return NAN;
	double acc = 0;
	long lm = (long)m;
	for (long i = 1; i <= (long)n - 2; i++) {
		double d = xrefl(x, n, i - lm) - 2 * x[i] + xrefl(x, n, i + lm);
		acc += d * d;
	}
	*terms = n - 2;
	double tau = (double)m * tau0;
	return sqrt(acc / (2.0 * tau * tau * (double)(n - 2)));
}
