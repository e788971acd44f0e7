// SPDX-License-Identifier: MIT
/* Percentile (Hyndman & Fan 7), mean, RMS, max |x|, error score and time to lock. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double stats_percentile_sorted(const double *s, size_t n, double p)
{
	if (n == 0)
		return NAN;
	if (p <= 0)
		return s[0];
	if (p >= 100)
		return s[n - 1];
	double h = (double)(n - 1) * p / 100.0;
	size_t lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return s[n - 1];
	return s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]);
}

int stats_percentile(const double *x, size_t n, double p, double *out)
{
	if (n == 0)
		return -EINVAL;
	double *s = malloc(n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	*out = stats_percentile_sorted(s, n, p);
	free(s);
	return 0;
}

double stats_mean(const double *x, size_t n)
{
	double sum = 0;
	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		sum += x[i];
	return sum / (double)n;
}

double stats_rms(const double *x, size_t n)
{
	double sum2 = 0;
	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		sum2 += x[i] * x[i];
	return sqrt(sum2 / (double)n);
}

double stats_max_abs(const double *x, size_t n)
{
	double m = 0;
	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		if (fabs(x[i]) > m)
			m = fabs(x[i]);
	return m;
}

int stats_error_score(const double *x, size_t n, struct stats_error *out)
{
	out->n = n;
	out->mean = stats_mean(x, n);
	out->rms = stats_rms(x, n);
	out->max_abs = stats_max_abs(x, n);
	out->p99_abs = NAN;
	if (n == 0)
		return 0;
	double *a = malloc(n * sizeof(*a));
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		a[i] = fabs(x[i]);
	qsort(a, n, sizeof(*a), cmp_double);
	out->p99_abs = stats_percentile_sorted(a, n, 99);
	free(a);
	return 0;
}

void stats_lock_init(struct stats_lock *l, double threshold)
{
	l->threshold = threshold;
	l->n = 0;
	l->first_ok = 0;
}

void stats_lock_add(struct stats_lock *l, double x)
{
	l->n++;
	if (!(fabs(x) <= l->threshold)) /* NaN is never within */
		l->first_ok = l->n;
}

long stats_lock_index(const struct stats_lock *l)
{
	return l->first_ok < l->n ? (long)l->first_ok : -1;
}

long stats_lock_index_of(const double *x, size_t n, double threshold)
{
	struct stats_lock l;
	stats_lock_init(&l, threshold);
	for (size_t i = 0; i < n; i++)
		stats_lock_add(&l, x[i]);
	return stats_lock_index(&l);
}
