// SPDX-License-Identifier: MIT
/* Descriptive statistics: moments, extremes, percentiles, histogram. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "tsync/stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* the one definition (Hyndman & Fan 7) lives in lib/stats */
double percentile_sorted(const double *s, size_t n, double p)
{
	return stats_percentile_sorted(s, n, p);
}

/* everything but the percentiles, in the order of x */
static void moments(const double *x, size_t n, struct basic_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->count = n;
	st->min = st->max = x[0];
	/* two passes: the mean first, then squared deviations (no cancellation) */
	double sum = 0, sumsq = 0;
	for (size_t i = 0; i < n; i++) {
		sum += x[i];
		sumsq += x[i] * x[i];
		if (x[i] < st->min)
			st->min = x[i];
		if (x[i] > st->max)
			st->max = x[i];
		if (fabs(x[i]) > st->max_abs) {
			st->max_abs = fabs(x[i]);
			st->i_max_abs = i;
		}
	}
	st->mean = sum / (double)n;
	st->rms = sqrt(sumsq / (double)n);
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - st->mean) * (x[i] - st->mean);
	st->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
}

static void percentiles(double *s, size_t n, struct basic_stats *st)
{
	qsort(s, n, sizeof(*s), cmp_double);
	st->p50 = percentile_sorted(s, n, 50);
	st->p90 = percentile_sorted(s, n, 90);
	st->p99 = percentile_sorted(s, n, 99);
	st->p999 = percentile_sorted(s, n, 99.9);
}

int stats_compute(const double *x, size_t n, struct basic_stats *st)
{
	if (n == 0)
		return -EINVAL;
	moments(x, n, st);
	double *s = malloc(n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, x, n * sizeof(*s));
	percentiles(s, n, st);
	free(s);
	return 0;
}

int stats_compute_inplace(double *x, size_t n, struct basic_stats *st)
{
	if (n == 0)
		return -EINVAL;
	moments(x, n, st);
	percentiles(x, n, st);
	return 0;
}

/* A bin count or index from a double: NaN and negatives give 0, values >= top give top - 1. */
static size_t clamp_index(double f, size_t top)
{
	return f > 0 ? (f < (double)top ? (size_t)f : top - 1) : 0;
}

int histogram_compute(const double *x, size_t n, size_t nbins, struct histogram *h)
{
	memset(h, 0, sizeof(*h));
	if (n == 0)
		return -EINVAL;
	double lo = x[0], hi = x[0];
	for (size_t i = 1; i < n; i++) {
		lo = fmin(lo, x[i]);
		hi = fmax(hi, x[i]);
	}
	/* spans in halves: hi - lo of finite samples can overflow to inf, hi / 2 - lo / 2 not */
	double half_span = hi / 2 - lo / 2;
	if (nbins == 0) {
		/* Freedman-Diaconis: width 2 IQR / n^(1/3) */
		double *s = malloc(n * sizeof(*s));
		if (!s)
			return -ENOMEM;
		memcpy(s, x, n * sizeof(*s));
		qsort(s, n, sizeof(*s), cmp_double);
		double half_iqr = percentile_sorted(s, n, 75) / 2 - percentile_sorted(s, n, 25) / 2;
		free(s);
		double half_w = 2 * half_iqr / cbrt((double)n);
		nbins = half_w > 0 && hi > lo ? 1 + clamp_index(ceil(half_span / half_w) - 1, 200)
		                              : 1;
	}
	h->counts = calloc(nbins, sizeof(*h->counts));
	if (!h->counts)
		return -ENOMEM;
	h->nbins = nbins;
	h->lo = lo;
	h->width = hi > lo ? (hi - lo) / (double)nbins : 1.0; /* may be inf: see half_span */
	double half_width = hi > lo ? half_span / (double)nbins : 1.0;
	for (size_t i = 0; i < n; i++)
		h->counts[clamp_index((x[i] / 2 - lo / 2) / half_width, nbins)]++;
	return 0;
}

void histogram_free(struct histogram *h)
{
	free(h->counts);
	h->counts = NULL;
	h->nbins = 0;
}
