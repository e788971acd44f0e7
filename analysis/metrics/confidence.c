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

/* z_d[i]: the d-th difference (d = 0, 1, 2) of the decimated phase x[0], x[m], x[2m], ...,
 * formed as the repeated first differences the identification defines, without a copy */
static inline double zdiff(const double *x, size_t m, size_t i, int d)
{
	const double *p = x + i * m;
	if (d == 0)
		return p[0];
	if (d == 1)
		return p[m] - p[0];
	return (p[2 * m] - p[m]) - (p[m] - p[0]);
}

static double lag1_of(const double *x, size_t m, size_t nz, int d)
{
	double mean = 0, num = 0, den = 0;
	for (size_t i = 0; i < nz; i++)
		mean += zdiff(x, m, i, d);
	mean /= (double)nz;
	double prev = zdiff(x, m, 0, d) - mean;
	for (size_t i = 0; i < nz; i++) {
		den += prev * prev;
		if (i + 1 < nz) {
			double next = zdiff(x, m, i + 1, d) - mean;
			num += prev * next;
			prev = next;
		}
	}
	return den > 0 ? num / den : 0;
}

int noise_id_lag1(const double *x, size_t n, size_t m)
{
	size_t nz = m ? (n + m - 1) / m : 0;
	if (nz < 32)
		return 99;
	int alpha = 99;
	for (int d = 0; d <= 2; d++, nz--) {
		double r1 = lag1_of(x, m, nz, d);
		double delta = r1 / (1 + r1);
		if (delta < 0.25 || d == 2) {
			double p = -2 * (delta + d);
			alpha = (int)lround(p + 2); /* phase data: alpha = p + 2 */
			break;
		}
	}
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

/* The chi-squared quantile; GSL's inverse fails (and by default aborts) for edf in the
 * millions, where the Wilson-Hilferty cube approximation is exact to far below 1e-6. */
static double chisq_pinv(double p, double edf)
{
	double q = edf < 1e5 ? gsl_cdf_chisq_Pinv(p, edf) : NAN;
	if (isfinite(q))
		return q;
	double z = gsl_cdf_ugaussian_Pinv(p), a = 2 / (9 * edf), c = 1 - a + z * sqrt(a);
	return edf * c * c * c;
}

void dev_confidence_alpha(enum dev_kind k, size_t n, struct dev_point *pts, size_t np,
                          const int *alpha)
{
	if (k == DEV_MTIE || k == DEV_TIERMS)
		return;
	for (size_t i = 0; i < np; i++) {
		struct dev_point *p = &pts[i];
		size_t m = (size_t)p->m;
		p->alpha = alpha[i];
		if (p->alpha == 99 && i > 0)
			p->alpha = pts[i - 1].alpha; /* long taus: keep the last identified noise */
		p->edf = dev_edf(k, p->alpha, n, m);
		if (isnan(p->edf) || !isfinite(p->value))
			continue;
		p->ci_lo = p->value * sqrt(p->edf / chisq_pinv(0.8415, p->edf));
		p->ci_hi = p->value * sqrt(p->edf / chisq_pinv(0.1585, p->edf));
	}
}

int dev_confidence(enum dev_kind k, const double *x, size_t n, struct dev_point *pts, size_t np)
{
	if (k == DEV_MTIE || k == DEV_TIERMS)
		return 0;
	int *alpha = malloc((np ? np : 1) * sizeof(*alpha));
	if (!alpha)
		return -ENOMEM;
	for (size_t i = 0; i < np; i++)
		alpha[i] = noise_id_lag1(x, n, (size_t)pts[i].m);
	dev_confidence_alpha(k, n, pts, np, alpha);
	free(alpha);
	return 0;
}
