/* SPDX-License-Identifier: MIT */
/*
 * The host's error bound from the sync daemon's servo, term by term (vmclock/README.md, "The
 * bound"). Pure: a window of the servo's last samples (offset, frequency) and the model that
 * turns it and the servo's own 1-sigma estimate into a bound vmclockd can defend:
 *   maxerror = asym + path + k x max(est, spread) + convergence
 *   rate     = trusted ? min(max(floor, k x adev), locked) : locked rate
 * spread: RMS of the last offsets (ptpd-wl's robust per-sample estimate, one per poll), path: how far the mean
 * path delay moved over its last distinct values (a change of one direction's latency is an
 * asymmetry the offsets never show, e.g. Sync at 64 Hz with Delay_Req at 1 Hz), convergence:
 * the largest |offset| in the window until the window agrees with the servo (enough samples,
 * the newest offset inside it), adev: Allan-like deviation of successive frequency
 * corrections. The age of the sample, the
 * TSC calibration error and the pairing window are added where the page is made (publish.c).
 */
#ifndef VMCLOCK_BOUND_H
#define VMCLOCK_BOUND_H

#include <stdbool.h>
#include <stdint.h>

#include "tsync/status.h"
#include "tsync/tstamp.h"

#define VMCLOCK_BOUND_WIN 16 /* samples in the window */
#define VMCLOCK_BOUND_MIN 8  /* the spread is trusted from this many samples on */

struct vmclock_bound_hist {
	double off[VMCLOCK_BOUND_WIN];   /* measured offsets, ns */
	double freq[VMCLOCK_BOUND_WIN];  /* servo frequency, ppb (NAN: not reported) */
	double delay[VMCLOCK_BOUND_WIN]; /* the last distinct mean path delays, ns */
	unsigned dn, dhead;
	unsigned n, head;
	uint64_t last_samples; /* the servo's sample count at the last add */
	bool have_last;
};

struct vmclock_bound_terms {
	double est_ns;      /* the servo's own 1-sigma estimate */
	double spread_ns;   /* RMS of the window's offsets */
	double sigma_ns;    /* max(est, spread) */
	double path_ns;     /* range of the last distinct mean path delays */
	double converge_ns; /* the window's largest |offset| while not trusted, else 0 */
	double asym_ns;     /* path asymmetry the link cannot observe */
	double adev;        /* frequency stability over one sample interval, fraction (0: none) */
	bool trusted;       /* the window agrees with a converged servo */
	double maxerror_ns; /* asym + path + k x sigma + converge */
	double esterror_ns; /* sigma + converge + path / 2 */
	double freq_maxerror;
};

/* The measured offset the window takes: ptpd-wl's offset_peak_ns when reported (of the
 * medians of its offsets over 0.125 s, taken at every sample, the one largest in magnitude
 * over the last 0.125 s: at 1 Sync/s the last offset, at 64 Sync/s a median of ~8 that one
 * delayed stamp hardly moves and a real change of the clock's error moves within ~4 samples);
 * else the last offset, or ptpd-wl's 0.1 s average when that is larger in magnitude (the
 * average alone lagged a real transient: a guest reading 1.4x outside its bound in CI). */
double vmclock_bound_offset(const struct tsync_status *st);
/* The mean path delay the path term takes: ptpd-wl's delay averaged over ~0.1 s at each new
 * delay sample (delay_avg_ns, whole ns) when reported, else the last one. */
double vmclock_bound_delay(const struct tsync_status *st);
/* Empty the window (the servo was reset or the clock stepped). */
void vmclock_bound_reset(struct vmclock_bound_hist *h);
/* Add the status's sample once (by its sample count; every call without TSYNC_ST_SAMPLES).
 * Returns whether it was added. */
bool vmclock_bound_add(struct vmclock_bound_hist *h, const struct tsync_status *st);
/* RMS of the window's offsets and its mean (n = 0: 0). */
double vmclock_bound_spread(const struct vmclock_bound_hist *h, double *mean);
/* The range of the last VMCLOCK_BOUND_WIN distinct mean path delays and the status's (0: not
 * reported). */
double vmclock_bound_path(const struct vmclock_bound_hist *h, const struct tsync_status *st);
/* sqrt(mean((f[i+1] - f[i])^2) / 2) of the window's frequencies, as a fraction (0: < 2). */
double vmclock_bound_adev(const struct vmclock_bound_hist *h);
/* Whether the window agrees with the servo: >= VMCLOCK_BOUND_MIN samples and the newest
 * offset (innovation) within k x max(est, spread) (a servo still converging, or just
 * disturbed, shows an offset the window has not seen). */
bool vmclock_bound_trusted(const struct vmclock_bound_hist *h, double last_offset_ns, double est_ns,
                           double k);
/* The default asymmetry for a timestamp source, ns (configurable: ptpd_asymmetry). */
uint64_t vmclock_bound_asym_default(enum ts_source src);
/* The model: k coverage factor, asym_ns, the rate floor and the rate while not trusted. */
void vmclock_bound_eval(const struct vmclock_bound_hist *h, const struct tsync_status *st, double k,
                        double asym_ns, double freq_floor, double freq_locked,
                        struct vmclock_bound_terms *t);

#endif
