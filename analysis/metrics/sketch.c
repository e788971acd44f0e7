// SPDX-License-Identifier: MIT
/* Bounded-memory statistics: exact while the samples fit, a log-bucket sketch beyond
 * (sketch.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/sketch.h"
#include "tsync/stats.h"

int sketch_init(struct quantile_sketch *s)
{
	memset(s, 0, sizeof(*s));
	s->lg = log((1 + SKETCH_ALPHA) / (1 - SKETCH_ALPHA));
	s->nbins = (size_t)ceil(log(SKETCH_MAX / SKETCH_MIN) / s->lg) + 1;
	s->pos = calloc(s->nbins, sizeof(*s->pos));
	s->neg = calloc(s->nbins, sizeof(*s->neg));
	if (!s->pos || !s->neg) {
		sketch_free(s);
		return -ENOMEM;
	}
	return 0;
}

void sketch_add(struct quantile_sketch *s, double x)
{
	double a = fabs(x);
	s->n++;
	if (!(a >= SKETCH_MIN)) {
		s->zero++;
		return;
	}
	double f = ceil(log(a / SKETCH_MIN) / s->lg);
	size_t i = f < (double)s->nbins ? (size_t)f : s->nbins - 1;
	(x < 0 ? s->neg : s->pos)[i]++;
}

/* the middle of bin i: within SKETCH_ALPHA of every |x| the bin holds */
static double bin_value(const struct quantile_sketch *s, size_t i)
{
	double g = exp(s->lg);
	return SKETCH_MIN * exp(s->lg * (double)i) * 2 / (g + 1);
}

double sketch_rank(const struct quantile_sketch *s, uint64_t k)
{
	uint64_t seen = 0;
	for (size_t i = s->nbins; i-- > 0;) { /* most negative first */
		seen += s->neg[i];
		if (k < seen)
			return -bin_value(s, i);
	}
	seen += s->zero;
	if (k < seen)
		return 0;
	for (size_t i = 0; i < s->nbins; i++) {
		seen += s->pos[i];
		if (k < seen)
			return bin_value(s, i);
	}
	return NAN;
}

double sketch_percentile(const struct quantile_sketch *s, double p)
{
	if (s->n == 0)
		return NAN;
	double h = (double)(s->n - 1) * (p <= 0 ? 0 : p >= 100 ? 1 : p / 100), fl = floor(h);
	uint64_t k = (uint64_t)fl;
	double lo = sketch_rank(s, k);
	if (k + 1 >= s->n || h == fl)
		return lo;
	return lo + (h - fl) * (sketch_rank(s, k + 1) - lo);
}

void sketch_free(struct quantile_sketch *s)
{
	free(s->pos);
	free(s->neg);
	s->pos = s->neg = NULL;
}

void stream_stats_init(struct stream_stats *s, size_t limit)
{
	memset(s, 0, sizeof(*s));
	s->limit = limit;
	s->t_max_abs = NAN;
}

/* past the limit: the kept samples go into the sketch and are freed */
static int to_sketch(struct stream_stats *s)
{
	int e = sketch_init(&s->sk);
	if (e)
		return e;
	for (size_t i = 0; i < s->n; i++)
		sketch_add(&s->sk, s->keep[i]);
	free(s->keep);
	s->keep = NULL;
	s->cap = 0;
	s->sketched = true;
	return 0;
}

int stream_stats_add(struct stream_stats *s, double t, double x)
{
	if (!s->sketched && s->n == s->cap) {
		size_t most = s->limit / sizeof(double), cap = s->cap ? 2 * s->cap : 4096;
		cap = cap > most ? most : cap;
		double *k = cap > s->cap ? realloc(s->keep, cap * sizeof(*k)) : NULL;
		if (k) {
			s->keep = k;
			s->cap = cap;
		} else {
			int e = to_sketch(s);
			if (e)
				return e;
		}
	}
	if (s->sketched)
		sketch_add(&s->sk, x);
	else
		s->keep[s->n] = x;
	if (s->n == 0)
		s->min = s->max = x;
	s->min = x < s->min ? x : s->min;
	s->max = x > s->max ? x : s->max;
	if (fabs(x) > s->max_abs || s->n == 0) {
		s->max_abs = fabs(x);
		s->i_max_abs = s->n;
		s->t_max_abs = t;
	}
	s->sum += x;
	s->sumsq += x * x;
	s->n++;
	double d = x - s->w_mean;
	s->w_mean += d / (double)s->n;
	s->w_m2 += d * (x - s->w_mean);
	return 0;
}

int stream_stats_result(struct stream_stats *s, struct basic_stats *st, double *t_max_abs)
{
	if (s->n == 0)
		return -EINVAL;
	*t_max_abs = s->t_max_abs;
	if (!s->sketched) /* exactly stats_compute, sorting the kept samples in place */
		return stats_compute_inplace(s->keep, s->n, st);
	memset(st, 0, sizeof(*st));
	st->count = s->n;
	st->mean = s->sum / (double)s->n;
	st->rms = sqrt(s->sumsq / (double)s->n);
	st->stddev = s->n > 1 ? sqrt(s->w_m2 / (double)(s->n - 1)) : 0;
	st->min = s->min;
	st->max = s->max;
	st->max_abs = s->max_abs;
	st->i_max_abs = s->i_max_abs;
	st->p50 = sketch_percentile(&s->sk, 50);
	st->p90 = sketch_percentile(&s->sk, 90);
	st->p99 = sketch_percentile(&s->sk, 99);
	st->p999 = sketch_percentile(&s->sk, 99.9);
	return 0;
}

void stream_stats_free(struct stream_stats *s)
{
	free(s->keep);
	s->keep = NULL;
	if (s->sketched)
		sketch_free(&s->sk);
}
