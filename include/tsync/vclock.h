/* SPDX-License-Identifier: MIT */
/*
 * Virtual clocks (vclock): a software clock over CLOCK_MONOTONIC_RAW with an oscillator model
 * and clock_adjtime-like discipline, kept in a small shared-memory file (uapi/tsync-vclock.h)
 * so that any number of processes read one consistent clock.
 *
 * The model functions (vclock_model_*) are pure: they evaluate a page at a given raw time and
 * are shared with the simulated clock driver (sim.h). The vclock_* functions add the file and
 * the seqlock. All return 0 or -errno unless said otherwise.
 */
#ifndef TSYNC_VCLOCK_H
#define TSYNC_VCLOCK_H

#include <stdbool.h>
#include "tsync/time.h"
#include "uapi/tsync-vclock.h"

struct vclock_params {
	tmv_t initial_offset_ns; /* vclock minus the reference at creation */
	double nat_ppm;          /* natural frequency error, ppm, + = fast */
	double wander_ppb;       /* RMS frequency wander, ppb (0 = none) */
	uint64_t seed;           /* seeds the wander terms */
};

/* ---- pure model ---- */
/* Initialise page p: created at raw time raw_ns when the reference read ref_ns. */
void vclock_model_init(struct tsync_vclock_page *p, const char *name,
                       const struct vclock_params *prm, tmv_t raw_ns, tmv_t ref_ns);
/* Clock time at raw_ns (raw_ns may be before base: the model extrapolates backward). */
tmv_t vclock_model_eval(const struct tsync_vclock_page *p, tmv_t raw_ns);
/* Oscillator frequency error at raw_ns, ppb, excluding the discipline adj_ppb. */
double vclock_model_osc_ppb(const struct tsync_vclock_page *p, tmv_t raw_ns);
/* Rebase at raw_ns and set adj_ppb / step by delta_ns. Caller holds the write lock. */
void vclock_model_adjfreq(struct tsync_vclock_page *p, tmv_t raw_ns, double ppb);
void vclock_model_step(struct tsync_vclock_page *p, tmv_t raw_ns, tmv_t delta_ns);
/* Check a page read from a file: -EBADMSG truncated, -EPROTO bad magic, -EPROTONOSUPPORT
 * version; len is how many bytes the file holds. */
int vclock_model_validate(const struct tsync_vclock_page *p, unsigned long len);

/* ---- shared-memory vclock ---- */
#define VCLOCK_MAX_ADJ_PPB 10000000.0 /* 1%: generous, tests use far less */

struct vclock;

/* Path of a vclock: name without '/' -> /dev/shm/tsync-vclock.<name>; with '/' -> as is.
 * Returns 0, -EINVAL for a bad name (empty, too long, characters outside [A-Za-z0-9._-]). */
int vclock_path(const char *name, char *buf, unsigned long len);
/* Create a new vclock (fails with -EEXIST if it exists). */
struct vclock *vclock_create(const char *name, const struct vclock_params *prm, int *err);
/* Open an existing vclock read-write (or read-only if the file is). */
struct vclock *vclock_open(const char *name, int *err);
void vclock_close(struct vclock *v);
int vclock_remove(const char *name);
const char *vclock_name(const struct vclock *v);

int vclock_gettime(struct vclock *v, tmv_t *ns);
int vclock_adjfreq(struct vclock *v, double ppb);
int vclock_getfreq(struct vclock *v, double *ppb);
int vclock_step(struct vclock *v, tmv_t delta_ns);
/* A consistent copy of the page (seqlock read). */
int vclock_snapshot(struct vclock *v, struct tsync_vclock_page *out);
/* vclock and CLOCK_REALTIME at one instant (see tclock_read_pair). */
int vclock_read_pair(struct vclock *v, tmv_t *vc, tmv_t *rt, tmv_t *window_ns);
/* Map a CLOCK_REALTIME timestamp (e.g. a software packet timestamp) to vclock time. */
int vclock_from_realtime(struct vclock *v, tmv_t rt_ns, tmv_t *vc_ns);

/* Human-readable reason for a vclock error code. */
const char *vclock_strerror(int err);

#endif
