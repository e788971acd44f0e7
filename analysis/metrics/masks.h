/* SPDX-License-Identifier: MIT */
/*
 * Time-error masks. A mask limits MTIE and/or TDEV per tau (piecewise a * tau^b seconds) and
 * optionally the time error itself: max|TE|, |cTE| (mean TE over the record), and the
 * low-pass filtered dTE_L (first-order 0.1 Hz) MTIE/TDEV, per ITU-T:
 *   g8262-eec1   G.8262 EEC option 1 wander generation (constant temperature), as G.813 opt. 1:
 *                MTIE 40 ns (0.1-1 s), 40 tau^0.1 ns (1-100 s), 25.25 tau^0.2 ns (100-1000 s);
 *                TDEV 3.2 ns (0.1-25 s), 0.64 tau^0.5 ns (25-100 s), 6.4 ns (100-1000 s)
 *   g8273.2-a..d G.8273.2 (2020) T-BC/T-TSC noise generation: max|TE| 100/70/30 ns (class D:
 *                max|TE_L| 5 ns), cTE 50/20/10 ns, dTE_L MTIE 40/40/10 ns and TDEV 4/4/2 ns
 *                up to 1000 s
 *   g8271.1-c    G.8271.1 network limit at reference point C: max|TE| 1100 ns
 *   g8271.1-e    G.8271.1 end-to-end budget (point E, end application): max|TE| 1500 ns
 */
#ifndef TSYNC_ANALYSIS_MASKS_H
#define TSYNC_ANALYSIS_MASKS_H

#include <stdbool.h>
#include <stddef.h>

#include "metrics/metrics.h"

struct mask_seg {
	double tau_lo, tau_hi; /* tau_lo < tau <= tau_hi, s */
	double a, b;           /* limit = a * tau^b, s */
};

struct mask_def {
	const char *name, *title;
	bool lowpass;                /* MTIE/TDEV on dTE_L (0.1 Hz low-pass filtered TE) */
	const struct mask_seg *mtie; /* NULL-terminated by tau_hi == 0 */
	const struct mask_seg *tdev;
	double max_te;   /* s, 0: no limit */
	double max_te_l; /* max |TE_L| (filtered), s, 0: none */
	double cte;      /* |mean TE|, s, 0: none */
};

const struct mask_def *mask_find(const char *name);
const struct mask_def *mask_at(size_t i); /* NULL past the end */
/* Limit of segs at tau, NAN if tau is outside every segment. */
double mask_limit(const struct mask_seg *segs, double tau);
/* First-order low-pass (cut-off fc Hz) of x sampled at tau0 s into y (may alias x). */
void te_lowpass(const double *x, size_t n, double tau0, double fc, double *y);

#endif
