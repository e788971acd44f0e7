// SPDX-License-Identifier: MIT
/*
 * Confidence intervals of the deviations: power-law noise identification by the lag-1
 * autocorrelation method (W. Riley, C. Greenhall, "Power law noise identification using the
 * lag 1 autocorrelation", 2004), equivalent degrees of freedom from the closed forms of NIST
 * SP 1065 (sect. 5.3: overlapping AVAR table; TOTVAR b, c fit), and the chi-squared interval
 *   var * edf / chi2(0.8415, edf) <= var <= var * edf / chi2(0.1585, edf)   (68.3 %, 1 sigma).
 * MDEV, TDEV, HDEV and OHDEV reuse the overlapping-AVAR edf: an approximation (Greenhall's
 * general algorithm is not implemented), flagged in the README.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include "metrics/metrics.h"

static double lag1(const double *z, size_t n)
{
	double mean = 0, num = 0, den = 0;
	for (size_t i = 0; i < n; i++)
		mean += z[i];
	mean /= (double)n;
	for (size_t i = 0; i < n; i++) {
		den += (z[i] - mean) * (z[i] - mean);
		if (i + 1 < n)
			num += (z[i] - mean) * (z[i + 1] - mean);
	}
	return den > 0 ? num / den : 0;
}

int noise_id_lag1(const double *x, size_t n, size_t m)
{
	size_t nz = m ? (n + m - 1) / m : 0;
	if (nz < 32)
		return 99;
	double *z = malloc(nz * sizeof(*z));
	if (!z)
		return 99;
	for (size_t i = 0; i < nz; i++)
		z[i] = x[i * m];
	int alpha = 99;
	for (int d = 0; d <= 2; d++) {
		double r1 = lag1(z, nz);
		double delta = r1 / (1 + r1);
		if (delta < 0.25 || d == 2) {
			double p = -2 * (delta + d);
			alpha = (int)lround(p + 2); /* phase data: alpha = p + 2 */
			break;
		}
		for (size_t i = 0; i + 1 < nz; i++)
			z[i] = z[i + 1] - z[i];
		nz--;
	}
	free(z);
	if (alpha != 99)
		alpha = alpha > 2 ? 2 : alpha < -2 ? -2 : alpha;
	return alpha;
}

static double edf_oadev(int alpha, double N, double m)
{
	switch (alpha) {
	case 2:
		return (N + 1) * (N - 2 * m) / (2 * (N - m));
	case 1:
		return exp(sqrt(log((N - 1) / (2 * m)) * log((2 * m + 1) * (N - 1) / 4)));
	case 0:
		return (3 * (N - 1) / (2 * m) - 2 * (N - 2) / N) * 4 * m * m / (4 * m * m + 5);
	case -1:
		return m == 1 ? 2 * (N - 2) / (2.3 * N - 4.9) : 5 * N * N / (4 * m * (N + 3 * m));
	default: /* -2 */
		return (N - 2) / m * ((N - 1) * (N - 1) - 3 * m * (N - 1) + 4 * m * m) /
		       ((N - 3) * (N - 3));
	}
}

double dev_edf(enum dev_kind k, int alpha, size_t n, size_t m)
{
	double N = (double)n, M = (double)m, edf;
	if (alpha == 99 || k == DEV_MTIE || k == DEV_TIERMS || n < 4)
		return NAN;
	if (k == DEV_TOTDEV && alpha <= 0) {
		static const double b[] = {0.93, 1.17, 1.50}, c[] = {0.36, 0.22, 0.0};
		edf = b[alpha + 2] * (N - 1) / M - c[alpha + 2];
	} else {
		edf = edf_oadev(alpha, N, M);
	}
	if (k == DEV_ADEV || k == DEV_HDEV) { /* non-overlapping: no more than its terms */
		double terms = floor((N - 1) / M) - (k == DEV_ADEV ? 1 : 2);
		if (edf > terms)
			edf = terms;
	}
	return isfinite(edf) && edf >= 1 ? edf : 1;
}

int dev_confidence(enum dev_kind k, const double *x, size_t n, struct dev_point *pts, size_t np)
{
	if (k == DEV_MTIE || k == DEV_TIERMS)
		return 0;
	for (size_t i = 0; i < np; i++) {
		struct dev_point *p = &pts[i];
		size_t m = (size_t)p->m;
		p->alpha = noise_id_lag1(x, n, m);
		if (p->alpha == 99 && i > 0)
			p->alpha = pts[i - 1].alpha; /* long taus: keep the last identified noise */
		p->edf = dev_edf(k, p->alpha, n, m);
		if (isnan(p->edf) || !isfinite(p->value))
			continue;
		p->ci_lo = p->value * sqrt(p->edf / gsl_cdf_chisq_Pinv(0.8415, p->edf));
		p->ci_hi = p->value * sqrt(p->edf / gsl_cdf_chisq_Pinv(0.1585, p->edf));
	}
	return 0;
}
