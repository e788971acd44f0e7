/* SPDX-License-Identifier: MIT */
/*
 * Plots through gnuplot (a gnuplot process fed a script with inline data). The output type
 * follows the file name: *.png (pngcairo) or *.svg. Each function returns 0, -EINVAL (bad
 * name), -ENOENT (gnuplot missing) or -EIO (gnuplot failed).
 */
#ifndef TSYNC_ANALYSIS_PLOT_H
#define TSYNC_ANALYSIS_PLOT_H

#include <stddef.h>

#include "metrics/masks.h"
#include "metrics/metrics.h"

struct dev_curve {
	enum dev_kind kind;
	const struct dev_point *p;
	size_t n;
};

/* Time series x(t) (t may be NULL: sample index) above a histogram of x; unit "s" plots ns. */
int plot_series(const char *out, const char *title, const double *t, const double *x, size_t n,
                const char *unit);
/* Deviation family log-log with confidence error bars (MTIE, TIE-rms, TDEV on a second axis). */
int plot_devs(const char *out, const char *title, const struct dev_curve *c, size_t nc);
/* MTIE and TDEV side by side against a mask's limits (either curve may be empty). */
int plot_mask(const char *out, const char *title, const struct dev_curve *mtie,
              const struct dev_curve *tdev, const struct mask_def *mask);

#endif
