// SPDX-License-Identifier: MIT
/* The discipline engine (sync.h): clock + servo + step/holdover policy + exports. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/chrony.h"
#include "tsync/log.h"
#include "tsync/statlog.h"
#include "tsync/sync.h"

#define FREQ_AVG_N 32 /* samples in the holdover frequency average */

struct sync {
	struct sync_params p;
	struct tclock *clk;
	struct servo *servo;
	enum servo_state state;
	double freq_ppb;
	double freq_avg_ppb; /* moving average of freq_ppb: the holdover frequency */
	unsigned freq_n;
	int log_interval; /* the interval the servo is tuned for (127: none yet) */
	unsigned step_gen;
	unsigned long long samples;
	tmv_t last_mono;
	struct chrony_shm *shm;
	struct chrony_sock *sock;
	struct statlog *sl;
};

static int open_servo(struct sync *s, char *err, size_t errlen)
{
	struct servo_config sc = s->p.sc;
	double fadj = 0;

	if (!s->p.free_running)
		tclock_getfreq(s->clk, &fadj);
	double max = tclock_max_adj(s->clk);
	if (sc.max_frequency_ppb > max)
		sc.max_frequency_ppb = max;
	s->servo = servo_create(s->p.servo, &sc, fadj, max);
	if (!s->servo) {
		snprintf(err, errlen, "cannot create the %s servo: %s", servo_type_name(s->p.servo),
		         strerror(errno));
		return -EINVAL;
	}
	s->freq_ppb = fadj;
	s->log_interval = 127;
	return 0;
}

static int open_exports(struct sync *s, char *err, size_t errlen)
{
	const char *cols[] = {"t[s]",      "offset[ns]",
	                      "freq[ppb]", "delay[ns]",
	                      "state",     s->p.source_col ? s->p.source_col : "source"};
	int unit = s->p.chrony_shm_unit, e = 0;

	if (unit >= 0 && !(s->shm = chrony_shm_open(unit, &e))) {
		snprintf(err, errlen, "chrony SHM unit %d: %s", unit,
		         e == -EBUSY || e == -EEXIST ? "SHM unit in use" : strerror(-e));
		return e;
	}
	if (s->p.chrony_sock && *s->p.chrony_sock &&
	    !(s->sock = chrony_sock_open(s->p.chrony_sock, &e))) {
		snprintf(err, errlen, "chrony SOCK %s: %s", s->p.chrony_sock, strerror(-e));
		return e;
	}
	if (s->p.statlog && *s->p.statlog) {
		char now[48];
		const struct statlog_meta meta[] = {
		        {"source", s->p.source ? s->p.source : "tsync"},
		        {"started", statlog_iso8601_now(now, sizeof(now))},
		        {"clock", tclock_name(s->clk)},
		};
		s->sl = statlog_open(s->p.statlog, cols, 6, meta, 3, STATLOG_FLUSH_ROWS);
		if (!s->sl) {
			e = -errno;
			snprintf(err, errlen, "statlog %s: %s", s->p.statlog, strerror(errno));
			return e;
		}
	}
	return 0;
}

struct sync *sync_create(const struct sync_params *p, struct tclock *clk, char *err, size_t errlen)
{
	struct sync *s = calloc(1, sizeof(*s));

	if (!s || !clk) {
		snprintf(err, errlen, "%s", clk ? "out of memory" : "no clock");
		tclock_destroy(clk);
		free(s);
		return NULL;
	}
	s->p = *p;
	s->clk = clk;
	if (open_servo(s, err, errlen) || open_exports(s, err, errlen)) {
		sync_destroy(s);
		return NULL;
	}
	return s;
}

void sync_destroy(struct sync *s)
{
	if (!s)
		return;
	if (s->shm)
		chrony_shm_close(s->shm);
	chrony_sock_close(s->sock);
	if (s->sl)
		statlog_close(s->sl);
	if (s->servo)
		servo_destroy(s->servo);
	tclock_destroy(s->clk);
	free(s);
}

/* chrony: master time vs the system clock at the sample; raw offset = master - system. */
static void export_chrony(struct sync *s, const struct sync_sample *x)
{
	tmv_t sys = x->sys, local = x->local, win;
	if (s->p.hw_stamps || !sys) {
		/* the offset still holds a moment after the sample */
		if (tclock_read_pair(s->clk, &local, &sys, &win))
			return;
	}
	tmv_t master = local - x->offset;
	if (s->shm)
		chrony_shm_write(s->shm, master, sys, CHRONY_LEAP_NONE, -20);
	if (s->sock)
		chrony_sock_send(s->sock, sys, (double)(master - sys) / 1e9, CHRONY_LEAP_NONE);
}

/* The servo's answer for one sample: step, set the frequency, average it. */
static enum servo_state discipline(struct sync *s, const struct sync_sample *x)
{
	enum servo_state st = SERVO_UNLOCKED;

	if (x->log_interval != s->log_interval) {
		servo_sync_interval(s->servo, ldexp(1.0, x->log_interval));
		s->log_interval = x->log_interval;
	}
	double f = servo_sample(s->servo, x->offset, (uint64_t)x->local, 1.0, &st);
	if (st == SERVO_JUMP) {
		if (tclock_step(s->clk, -x->offset))
			pl_err(5, "clock step failed: %m");
		s->step_gen++;
	}
	if (st != SERVO_UNLOCKED) {
		if (tclock_adjfreq(s->clk, f))
			pl_err(5, "clock frequency adjustment failed: %m");
		s->freq_ppb = f;
		/* the servo's answer holds a phase correction; its average is the frequency to
		 * keep when the source goes away */
		s->freq_n++;
		s->freq_avg_ppb +=
		        (f - s->freq_avg_ppb) / (s->freq_n < FREQ_AVG_N ? s->freq_n : FREQ_AVG_N);
	}
	return st;
}

enum servo_state sync_sample(struct sync *s, const struct sync_sample *x)
{
	enum servo_state st = s->p.free_running ? SERVO_UNLOCKED : discipline(s, x);

	s->state = st;
	s->samples++;
	s->last_mono = x->mono;
	if (s->sl) {
		double row[6] = {(double)(x->mono - s->p.t0_mono) / 1e9,
		                 (double)x->offset,
		                 s->freq_ppb,
		                 (double)x->delay,
		                 (double)st,
		                 (double)x->source};
		statlog_write(s->sl, row);
	}
	if (s->shm || s->sock)
		export_chrony(s, x);
	return st;
}

void sync_holdover(struct sync *s)
{
	if (!s->p.free_running && s->freq_n >= FREQ_AVG_N && s->state == SERVO_LOCKED) {
		pr_info("holdover at the average frequency %+.0f ppb", s->freq_avg_ppb);
		tclock_adjfreq(s->clk, s->freq_avg_ppb);
		s->freq_ppb = s->freq_avg_ppb;
	}
	s->freq_n = 0;
	s->freq_avg_ppb = 0;
	s->state = SERVO_UNLOCKED;
}

struct tclock *sync_clock(const struct sync *s)
{
	return s->clk;
}

enum servo_state sync_state(const struct sync *s)
{
	return s->state;
}

double sync_freq(const struct sync *s)
{
	return s->freq_ppb;
}

bool sync_free_running(const struct sync *s)
{
	return s->p.free_running;
}

unsigned sync_step_gen(const struct sync *s)
{
	return s->step_gen;
}

unsigned long long sync_samples(const struct sync *s)
{
	return s->samples;
}

tmv_t sync_last_mono(const struct sync *s)
{
	return s->last_mono;
}

int sync_error_estimate(const struct sync *s, double *ns)
{
	return servo_error_estimate(s->servo, ns);
}
