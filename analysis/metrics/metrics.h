/* SPDX-License-Identifier: MIT */
/*
 * tsync-analyze metrics: descriptive statistics, the Allan family of deviations, TIE/MTIE,
 * confidence intervals and noise identification.
 *
 * Data conventions: phase (time error) x[] in seconds, sampled every tau0 seconds; fractional
 * frequency y[] (unitless) is turned into phase by phase_from_freq() (x[0] = 0, x[i+1] =
 * x[i] + y[i] * tau0: N frequency points give N + 1 phase points), as Stable32 and allantools
 * do, so every deviation is computed from phase. tau = m * tau0 with m the averaging factor.
 */
#ifndef TSYNC_ANALYSIS_METRICS_H
#define TSYNC_ANALYSIS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

/* ---- descriptive statistics (stats.c) ---- */

struct basic_stats {
	size_t count;
	double mean;
	double stddev; /* sample standard deviation (n - 1), 0 when count == 1 */
	double rms;    /* sqrt(mean(x^2)) */
	double min, max;
	double max_abs;             /* max |x| */
	size_t i_max_abs;           /* index of the first sample reaching max |x| */
	double p50, p90, p99, p999; /* percentiles, see percentile_sorted() */
};

/* Statistics of x[0..n-1] (NaNs must be removed by the caller). -EINVAL if n == 0, -ENOMEM. */
int stats_compute(const double *x, size_t n, struct basic_stats *st);
/* The same without a copy: x is left sorted. -EINVAL if n == 0. */
int stats_compute_inplace(double *x, size_t n, struct basic_stats *st);

/*
 * Percentile p in [0, 100] of sorted[0..n-1] by linear interpolation between closest ranks
 * (Hyndman & Fan definition 7, the default of numpy, R and Excel's PERCENTILE.INC):
 * h = (n - 1) * p / 100, result = s[floor(h)] + (h - floor(h)) * (s[floor(h) + 1] - s[floor(h)]).
 * The definition is lib/stats's stats_percentile_sorted (include/tsync/stats.h).
 */
double percentile_sorted(const double *sorted, size_t n, double p);

struct histogram {
	double lo, width; /* bin k covers [lo + k * width, lo + (k + 1) * width), last bin closed */
	size_t nbins;
	size_t *counts;
};
/* nbins equal bins over [min, max]; nbins 0 picks the Freedman-Diaconis rule (capped to 200). */
int histogram_compute(const double *x, size_t n, size_t nbins, struct histogram *h);
void histogram_free(struct histogram *h);

/* ---- the deviations (deviations.c, totdev.c, tie.c) ---- */

enum dev_kind {
	DEV_ADEV,   /* Allan deviation, non-overlapping */
	DEV_OADEV,  /* overlapping Allan deviation */
	DEV_MDEV,   /* modified Allan deviation */
	DEV_TDEV,   /* time deviation, tau * MDEV / sqrt(3), seconds */
	DEV_HDEV,   /* Hadamard deviation, non-overlapping */
	DEV_OHDEV,  /* overlapping Hadamard deviation */
	DEV_TOTDEV, /* total deviation (doubly reflected phase, NIST SP 1065 eq. 25) */
	DEV_MTIE,   /* maximum time interval error, seconds */
	DEV_TIERMS, /* rms time interval error, seconds */
	DEV_COUNT
};

struct dev_point {
	double tau;          /* s */
	double m;            /* averaging factor */
	double value;        /* deviation (unitless) or time (s) for TDEV, MTIE, TIE-rms */
	size_t n;            /* number of terms averaged (windows for MTIE) */
	double edf;          /* equivalent degrees of freedom, NAN when not applicable */
	double ci_lo, ci_hi; /* 68.3 % confidence interval, NAN when not applicable */
	int alpha;           /* identified power-law noise exponent (2 .. -2), or 99 when unknown */
};

const char *dev_name(enum dev_kind k);             /* "adev", ... */
int dev_parse(const char *name, enum dev_kind *k); /* 0 or -EINVAL */
/* Largest usable averaging factor for n phase points (0 if none). */
size_t dev_max_m(enum dev_kind k, size_t n);

/*
 * Compute deviation k of phase x[0..n-1] (s) sampled every tau0 (s) at the averaging factors
 * m[0..nm-1] (each 1 .. dev_max_m()). Fills out[i].tau, m, value, n; edf/ci are NAN and alpha
 * 99 (see dev_confidence()). Returns 0, -EINVAL (bad m or tau0), -ENOMEM.
 */
int dev_compute(enum dev_kind k, const double *x, size_t n, double tau0, const size_t *m, size_t nm,
                struct dev_point *out);

/* One value at one m (the workers behind dev_compute); *terms gets the number of terms. */
double dev_adev(const double *x, size_t n, size_t m, double tau0, bool overlap, size_t *terms);
double dev_mdev(const double *x, size_t n, size_t m, double tau0, size_t *terms);
double dev_hdev(const double *x, size_t n, size_t m, double tau0, bool overlap, size_t *terms);
double dev_totdev(const double *x, size_t n, size_t m, double tau0, size_t *terms);
double dev_tierms(const double *x, size_t n, size_t m, size_t *terms);
/* MTIE with a monotonic-deque sliding min/max: O(n) per m. work: 2 * (m + 1) size_t. */
double dev_mtie(const double *x, size_t n, size_t m, size_t *work, size_t *windows);
/* MTIE at ascending powers of two m[0..nm-1] by window doubling (2n doubles of scratch).
 * 0, -EINVAL (an m not a power of two, not ascending, or >= n), -ENOMEM. */
int dev_mtie_octave(const double *x, size_t n, const size_t *m, size_t nm, double *mtie,
                    size_t *windows);

/* ---- helpers ---- */

/* y[0..n-1] fractional frequency -> x[0..n] phase in s (caller frees). NULL on ENOMEM. */
double *phase_from_freq(const double *y, size_t n, double tau0);

/*
 * Averaging factors: spec "octave" (1, 2, 4, ...), "decade" (1, 2, 4, 10, 20, 40, ...), "all"
 * (1 .. max), or a comma list of tau values in seconds (rounded to m = tau / tau0). Only
 * m in [1, max_m] are kept, ascending, unique. *out is malloc'd. 0, -EINVAL, -ENOMEM.
 */
int taus_parse(const char *spec, double tau0, size_t max_m, size_t **out, size_t *nout);

/* ---- confidence intervals (confidence.c) ---- */

/* Lag-1 autocorrelation noise identification on phase x at factor m (Riley & Greenhall 2004):
 * returns alpha in {2, 1, 0, -1, -2}, or 99 if there are too few points (< 32 after m). */
int noise_id_lag1(const double *x, size_t n, size_t m);
/* Equivalent degrees of freedom of deviation k for noise alpha, n phase points, factor m. */
double dev_edf(enum dev_kind k, int alpha, size_t n, size_t m);
/* Fill edf, alpha, ci_lo, ci_hi of pts (computed by dev_compute on the same x). 0, -ENOMEM. */
int dev_confidence(enum dev_kind k, const double *x, size_t n, struct dev_point *pts, size_t np);
/* The same with the noise already identified: alpha[i] = noise_id_lag1(x, n, pts[i].m). */
void dev_confidence_alpha(enum dev_kind k, size_t n, struct dev_point *pts, size_t np,
                          const int *alpha);

/* ---- several deviations at once, on every core (jobs.c) ---- */

struct dev_job {
	enum dev_kind kind;
	const size_t *m; /* averaging factors, as for dev_compute */
	size_t nm;
	struct dev_point *out; /* nm points */
	bool ci;               /* also noise identification and confidence intervals */
};

/*
 * Run the jobs on x[0..n-1] with `threads` workers (0: one per online CPU). Each deviation at
 * each factor is one task (MTIE at all factors one task: it shares its window doubling), the
 * lag-1 noise identification runs once per distinct factor for every job that wants
 * intervals, and TDEV is derived from MDEV (tau * MDEV / sqrt(3)) when both are asked for at
 * the same factors. The values are the ones dev_compute and dev_confidence give.
 * 0, -EINVAL (as dev_compute), -ENOMEM.
 */
int dev_run_jobs(const double *x, size_t n, double tau0, struct dev_job *jobs, size_t nj,
                 unsigned threads);

#endif
