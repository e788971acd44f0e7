// SPDX-License-Identifier: MIT
/*
 * vmclockd <- ptpd-wl: pull the sync daemon's state and error estimate from its management
 * socket ("tsync status", include/tsync/status.h; ptpd-wl/daemon/tsync_ctl.c writes it) and turn it into the host estimate;
 * ask it for a burst of high-rate exchanges before a migration.
 *
 * The bound (vmclockd_ptpd_estimate, pure; the model term by term in bound.h and
 * vmclock/README.md): ptpd-wl's Kalman servo reports a 1-sigma estimate est of its own time
 * error and the last measured offset; vmclockd keeps a window of the servo's samples, so
 *   maxerror = asym + path + k x max(est, spread) + (not converged: largest |offset|)
 * given at the instant of the last sample, aging from there at the frequency bound (the
 * servo's measured stability once converged, >= 0.1 ppm; 1 ppm before; 10 ppm otherwise).
 * Status: ptpd-wl's word (synchronized, freerunning, unreliable). A sync daemon that stops answering is holdover, not UNRELIABLE (Linux's
 * ptp_vmclock returns -EINVAL for every read of an UNRELIABLE page): the page says FREERUNNING
 * and keeps the last bound, aging from its sample at the unlocked rate (vmclockd_ptpd_silent).
 * One that has never answered gives no bound yet: INITIALIZING (time, no error flags).
 * ptpd-wl's own "unreliable" is read the same way (vmclockd_ptpd_update): stale samples with
 * the servo still locked are holdover of the last good estimate (FREERUNNING); before any
 * good estimate it is INITIALIZING; only a servo that is not locked after a good estimate
 * (it may have stepped the clock: the old bound says nothing) publishes UNRELIABLE.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tsync/ipc.h"
#include "tsync/log.h"
#include "vmclockd.h"

static int64_t raw_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

_Static_assert(TSYNC_SYNCHRONIZED == VMCLOCK_STATUS_SYNCHRONIZED &&
                       TSYNC_FREERUNNING == VMCLOCK_STATUS_FREERUNNING &&
                       TSYNC_UNRELIABLE == VMCLOCK_STATUS_UNRELIABLE,
               "a tsync status state is the vmclock page's word");

/* One text request to ptpd-wl's uds socket (it answers to the sender's autobound address). */
static int ptpd_request(const char *path, const char *cmd, char *reply, size_t len, int timeout_ms)
{
	int n = ipc_dgram_request(path, cmd, strlen(cmd), reply, len, timeout_ms);
	return n < 0 ? n : 0;
}

void vmclockd_ptpd_estimate(const struct vmclockd_ptpd_cfg *cfg, const struct tsync_status *st,
                            int64_t now_raw_ns, struct vmclockd_estimate *e)
{
	bool sync = st->status == TSYNC_SYNCHRONIZED && st->est_ns >= 0;
	struct vmclock_bound_terms t;
	vmclock_bound_eval(&cfg->hist, st, cfg->sigma, (double)cfg->margin_ns, cfg->freq_floor,
	                   cfg->freq_locked, &t);
	e->maxerror_ns = (uint64_t)ceil(t.maxerror_ns);
	e->esterror_ns = (uint64_t)ceil(t.esterror_ns);
	e->freq_maxerror = sync ? t.freq_maxerror : cfg->freq_unlocked;
	e->freq_esterror = e->freq_maxerror / 3;
	e->status = (uint8_t)st->status;
	e->grows = true;
	double age = st->age_ms > 0 ? st->age_ms * 1e6 : 0;
	e->at_raw_ns = now_raw_ns - (int64_t)age; /* the estimate is as old as the sample */
}

int vmclockd_ptpd_pull(struct vmclockd *d)
{
	char reply[512];
	struct tsync_status st;
	if (!d->ptpd.path)
		return 0;
	d->ptpd.pulls++;
	int err = ptpd_request(d->ptpd.path, "tsync status", reply, sizeof(reply), 100);
	if (!err)
		err = tsync_status_decode(reply, &st);
	if (err) {
		d->ptpd.errors++;
		pl_warning(10, "vmclockd: ptpd-wl at %s: %s", d->ptpd.path,
		           err == -EPROTO ? reply : ipc_strerror(err));
		vmclockd_ptpd_silent(&d->ptpd, &d->est);
		d->rate.max_rate_err = d->est.freq_maxerror;
		return err;
	}
	vmclockd_ptpd_update(&d->ptpd, &st, raw_now(), &d->est);
	d->rate.max_rate_err = d->est.freq_maxerror;
	d->ptpd.last = st;
	return 0;
}

void vmclockd_ptpd_update(struct vmclockd_ptpd_cfg *cfg, const struct tsync_status *st,
                          int64_t now_raw_ns, struct vmclockd_estimate *e)
{
	bool locked = (st->have & TSYNC_ST_SERVO) && st->servo == 2; /* SERVO_LOCKED */
	if (st->status == TSYNC_SYNCHRONIZED && st->est_ns >= 0)
		vmclock_bound_add(&cfg->hist, st);
	else if (st->status != TSYNC_FREERUNNING && !locked)
		vmclock_bound_reset(&cfg->hist); /* the servo starts over: so does the window */
	if (st->status != TSYNC_UNRELIABLE) {
		vmclockd_ptpd_estimate(cfg, st, now_raw_ns, e);
		cfg->answered = true; /* a bound ptpd-wl stands behind */
		return;
	}
	if (!cfg->answered || locked) {
		vmclockd_ptpd_silent(cfg, e); /* INITIALIZING, or holdover of the last bound */
		return;
	}
	vmclockd_ptpd_estimate(cfg, st, now_raw_ns, e); /* not locked: UNRELIABLE */
}

void vmclockd_ptpd_silent(const struct vmclockd_ptpd_cfg *cfg, struct vmclockd_estimate *e)
{
	if (!cfg->answered) {
		e->status = VMCLOCK_STATUS_INITIALIZING; /* no estimate ever: no bound */
		return;
	}
	/* holdover: the last bound, given at its sample, aging at the unlocked rate */
	e->status = VMCLOCK_STATUS_FREERUNNING;
	e->freq_maxerror = fmax(e->freq_maxerror, cfg->freq_unlocked);
	e->freq_esterror = e->freq_maxerror / 3;
	e->grows = true;
}

/* The host's current bound (what a page anchored now would carry before any policy). */
static uint64_t host_bound(struct vmclockd *d)
{
	struct vmclock_host h;
	return vmclockd_host(d, raw_now(), &h) ? 0 : h.maxerror_ns;
}

/* "tsync burst" to ptpd-wl; r gets its reply. 0, -errno or -EPROTO (not "ok"). */
static int burst_request(struct vmclockd *d, double seconds, int log_sync, char *r, size_t rlen)
{
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "tsync burst seconds=%.3f log_sync=%d", seconds, log_sync);
	int err = ptpd_request(d->ptpd.path, cmd, r, rlen, 500);
	return err ? err : strncmp(r, "ok", 2) ? -EPROTO : 0;
}

int vmclockd_ptpd_burst_start(struct vmclockd *d, double seconds, int log_sync)
{
	char r[512];
	if (!d->ptpd.path)
		return -ENOENT;
	int err = burst_request(d, seconds, log_sync, r, sizeof(r));
	if (err)
		pl_warning(10, "vmclockd: ptpd-wl burst: %s",
		           err == -EPROTO ? r : ipc_strerror(err));
	return err;
}

int vmclockd_ptpd_burst(struct vmclockd *d, double seconds, int log_sync, double wait_s,
                        char *reply, unsigned len)
{
	char r[512];
	if (!d->ptpd.path) {
		snprintf(reply, len, "err no --ptpd socket");
		return -ENOENT;
	}
	vmclockd_ptpd_pull(d);
	uint64_t before = host_bound(d);
	double est0 = d->ptpd.last.est_ns;
	int err = burst_request(d, seconds, log_sync, r, sizeof(r));
	if (err) {
		snprintf(reply, len, "err ptpd-wl burst: %s",
		         err != -EPROTO ? ipc_strerror(err) : r);
		return err;
	}
	/* wait until the faster rate is on and the estimate has settled (three pulls 100 ms
	 * apart within 10 % of each other), at most wait_s; keep the pages fresh meanwhile */
	int64_t t0 = raw_now();
	double prev[3] = {-1, -1, -1};
	unsigned k = 0;
	bool settled = false;
	while ((double)(raw_now() - t0) < wait_s * 1e9) {
		struct timespec ts = {0, 100000000};
		nanosleep(&ts, NULL);
		if (vmclockd_ptpd_pull(d) || vmclockd_sample(d))
			continue;
		vmclockd_publish_all(d);
		prev[k++ % 3] = d->ptpd.last.est_ns;
		if (d->ptpd.last.log_sync > log_sync || k < 3 || (double)(raw_now() - t0) < 0.5e9)
			continue;
		double lo = fmin(prev[0], fmin(prev[1], prev[2]));
		double hi = fmax(prev[0], fmax(prev[1], prev[2]));
		if (lo >= 0 && hi <= lo * 1.1 + 5) {
			settled = true;
			break;
		}
	}
	uint64_t after = host_bound(d);
	snprintf(reply, len,
	         "ok burst bound_before_ns=%" PRIu64 " bound_after_ns=%" PRIu64
	         " est_before_ns=%.0f est_after_ns=%.0f waited_ms=%.0f settled=%d",
	         before, after, est0, d->ptpd.last.est_ns, (double)(raw_now() - t0) / 1e6, settled);
	return 0;
}
