/* SPDX-License-Identifier: MIT */
/*
 * Bounded-memory descriptive statistics for `stats --memory LIMIT` (sketch.c).
 *
 * struct stream_stats takes samples one at a time. It keeps them (8 bytes each) while they
 * fit in the limit and then gives exactly what stats_compute gives (two-pass stddev, Hyndman-
 * Fan 7 percentiles through lib/stats). Past the limit it folds the kept samples into a
 * logarithmic quantile sketch and frees them: from there on count, mean, rms, min, max and
 * max|x| stay exact (stddev by Welford's update), and a percentile is interpolated between
 * the sketch's estimates of the two order statistics definition 7 names, each within
 * SKETCH_ALPHA relative error of the true sample value (|x| >= SKETCH_MIN; smaller
 * magnitudes count as 0, larger than SKETCH_MAX as +-SKETCH_MAX). So a reported percentile
 * is off by at most SKETCH_ALPHA * max(|lower|, |upper|) of those two samples. The sketch is
 * a fixed 2 * SKETCH_BINS counters (about 4.4 MB), whatever the number of samples.
 */
#ifndef TSYNC_ANALYSIS_SKETCH_H
#define TSYNC_ANALYSIS_SKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/metrics.h"

#define SKETCH_ALPHA 1e-4  /* relative accuracy of a sketched order statistic */
#define SKETCH_MIN   1e-18 /* |x| below this is counted as 0 */
#define SKETCH_MAX   1e6   /* |x| above this is clamped */

struct quantile_sketch {
	uint64_t *pos, *neg; /* counters by ceil(log_gamma(|x| / SKETCH_MIN)) */
	uint64_t zero, n;
	size_t nbins;
	double lg; /* log(gamma), gamma = (1 + alpha) / (1 - alpha) */
};

int sketch_init(struct quantile_sketch *s); /* 0 or -ENOMEM */
void sketch_add(struct quantile_sketch *s, double x);
/* The estimate of the k-th smallest (0-based, k < n) sample. */
double sketch_rank(const struct quantile_sketch *s, uint64_t k);
/* Percentile p (0..100), definition 7 over the sketched order statistics. */
double sketch_percentile(const struct quantile_sketch *s, double p);
void sketch_free(struct quantile_sketch *s);

struct stream_stats {
	size_t limit; /* bytes the kept samples may use */
	double *keep; /* the samples while exact */
	size_t cap;
	bool sketched; /* past the limit */
	struct quantile_sketch sk;
	/* exact running values */
	size_t n;
	double sum, sumsq, min, max, max_abs, t_max_abs;
	size_t i_max_abs;
	double w_mean, w_m2; /* Welford */
};

void stream_stats_init(struct stream_stats *s, size_t limit);
/* Add x (finite) taken at time t (NAN when unknown). 0 or -ENOMEM. */
int stream_stats_add(struct stream_stats *s, double t, double x);
/* The statistics so far (the kept samples are sorted in place). -EINVAL if empty. */
int stream_stats_result(struct stream_stats *s, struct basic_stats *st, double *t_max_abs);
void stream_stats_free(struct stream_stats *s);

#endif
