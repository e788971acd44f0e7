/* SPDX-License-Identifier: MIT */
/*
 * The discipline engine: one object per disciplined clock that any daemon (ptpd-wl, dtpd)
 * feeds with offset samples. It owns the clock (clock.h) and the servo (servo.h) and does what
 * every daemon would otherwise repeat:
 *
 *   step policy   the servo says SERVO_JUMP: step the clock by -offset, bump the step
 *                 generation (the daemon drops timestamps taken before it)
 *   frequency     apply the servo's answer; keep a moving average (32 samples) of it
 *   holdover      sync_holdover(): the source went away; if locked with >= 32 samples, hold
 *                 the average frequency ("holdover at the average frequency %+.0f ppb")
 *   exports       statlog rows, chrony SHM and SOCK refclock samples (master time vs the
 *                 system clock at the sample)
 *   estimate      the servo's 1-sigma time error estimate
 *
 * Configuration: sync_config_items is a table fragment (config.h) with the servo keys
 * (linuxptp names), the clock keys (clock, clock_type, vclock, phc_device, free_running) and
 * the exports (chrony_shm_unit, chrony_sock_path, statlog); sync_config_read() resolves them.
 *
 * Time: the engine reads no clock of its own but the disciplined one; the caller passes the
 * monotonic time of each sample (its reactor's time source), so it runs in simulated time.
 * Offsets are local minus master, ns (ptp4l's sign).
 */
#ifndef TSYNC_SYNC_H
#define TSYNC_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#include "tsync/clock.h"
#include "tsync/config.h"
#include "tsync/servo.h"
#include "tsync/time.h"

struct sync_params {
	enum servo_type servo;
	struct servo_config sc;
	bool free_running;       /* measure only: never adjust the clock */
	bool hw_stamps;          /* sample.sys is no system stamp: exports read a clock pair */
	int chrony_shm_unit;     /* -1: none */
	const char *chrony_sock; /* NULL or "": none */
	const char *statlog;     /* NULL or "": none */
	const char *source;      /* statlog "source" metadata: the daemon's name */
	const char *source_col;  /* statlog name of the sample's source column ("port") */
	tmv_t t0_mono;           /* statlog t[s] = (sample.mono - t0_mono) / 1e9 */
};

struct sync_sample {
	tmv_t offset;     /* local - master, ns */
	tmv_t local;      /* local (clock) time of the measurement */
	tmv_t sys;        /* system-clock stamp of the same instant, 0 if none */
	tmv_t delay;      /* path delay the offset used, ns */
	tmv_t mono;       /* monotonic time of the sample (the daemon's time source) */
	int log_interval; /* log2 s between samples */
	unsigned source;  /* written to the statlog's source column */
};

struct sync;

/* The config fragment and its size (include with CONFIG_PART-like {items, n}). */
extern const struct config_item sync_config_items[];
extern const size_t sync_config_n;
/* Resolve the fragment's keys into p (sw_ts: software stamps pick the PI gain set) and the
 * clock spec (from `clock SPEC`, or clock_type + vclock/phc_device). 0, or -EINVAL with a
 * message naming the keys in err (e.g. "clock_type vclock needs 'vclock NAME'"). */
int sync_config_read(const struct config *cfg, bool sw_ts, struct sync_params *p,
                     struct tclock_spec *spec, char *err, size_t errlen);

/* Take clk (owned from now on, also on failure) and build the servo and the exports from p.
 * NULL on failure with the reason in err. */
struct sync *sync_create(const struct sync_params *p, struct tclock *clk, char *err, size_t errlen);
void sync_destroy(struct sync *s);

/* Feed one sample; returns the servo state after it. */
enum servo_state sync_sample(struct sync *s, const struct sync_sample *x);
/* The source went away (see holdover above); the next sample starts a new lock. */
void sync_holdover(struct sync *s);

struct tclock *sync_clock(const struct sync *s);
enum servo_state sync_state(const struct sync *s);
double sync_freq(const struct sync *s); /* the frequency set on the clock, ppb */
bool sync_free_running(const struct sync *s);
unsigned sync_step_gen(const struct sync *s); /* bumped by every step */
unsigned long long sync_samples(const struct sync *s);
tmv_t sync_last_mono(const struct sync *s); /* mono of the last sample (0: none) */
/* 1-sigma time error estimate, ns; -EOPNOTSUPP when the servo keeps none. */
int sync_error_estimate(const struct sync *s, double *ns);

#endif
