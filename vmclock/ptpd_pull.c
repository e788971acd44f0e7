// SPDX-License-Identifier: MIT
/*
 * vmclockd <- ptpd-wl: pull the sync daemon's state and error estimate from its management
 * socket ("tsync status", ptpd-wl/daemon/tsync_ctl.c) and turn it into the host estimate;
 * ask it for a burst of high-rate exchanges before a migration.
 *
 * The bound (vmclockd_ptpd_estimate, pure): ptpd-wl's Kalman servo reports a 1-sigma
 * estimate est of its own time error, and the last measured offset. Neither sees a constant
 * path asymmetry or the scheduling noise between a timestamp and the clock adjustment, so
 *   maxerror = sigma x est + |offset| + margin        (sigma 6, margin 1 us by default)
 * given at the instant of the last sample, aging from there at the frequency bound (1 ppm
 * when synchronized, 10 ppm otherwise). Status: ptpd-wl's word (synchronized, freerunning,
 * unreliable); a socket that does not answer makes the page UNRELIABLE with the last bound
 * aging at the unlocked rate.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tsync/log.h"
#include "vmclockd.h"

static int64_t raw_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A number that ends at a space or the end of the reply: 0 or -EPROTO. */
static int num_end(const char *v, const char *end)
{
	return end != v && (*end == 0 || *end == ' ' || *end == '\n') ? 0 : -EPROTO;
}

static int get_d(const char *v, double *out)
{
	char *end;
	double x = strtod(v, &end);
	if (num_end(v, end) || !isfinite(x))
		return -EPROTO;
	*out = x;
	return 0;
}

static int get_ll(const char *v, long long *out)
{
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (num_end(v, end) || errno)
		return -EPROTO;
	*out = x;
	return 0;
}

/* value of " key=" in a reply line */
static const char *field(const char *s, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = strstr(s, key); p; p = strstr(p + 1, key))
		if ((p == s || p[-1] == ' ') && p[kl] == '=')
			return p + kl + 1;
	return NULL;
}

int vmclockd_ptpd_parse(const char *reply, struct vmclockd_ptpd_status *st)
{
	const char *v;
	memset(st, 0, sizeof(*st));
	if (strncmp(reply, "ok ", 3))
		return -EPROTO;
	if (!(v = field(reply, "status")))
		return -EPROTO;
	char word[16];
	snprintf(word, sizeof(word), "%.*s", (int)strcspn(v, " "), v);
	if (vmclockd_parse_state(word, &st->status))
		return -EPROTO;
	if (!(v = field(reply, "est_ns")))
		return -EPROTO;
	if (get_d(v, &st->est_ns))
		return -EPROTO;
	long long x;
	if ((v = field(reply, "offset_ns"))) {
		if (get_ll(v, &x))
			return -EPROTO;
		st->offset_ns = x;
	}
	if ((v = field(reply, "age_ms")) && get_d(v, &st->age_ms))
		return -EPROTO;
	if ((v = field(reply, "log_sync"))) {
		if (get_ll(v, &x) || x < -128 || x > 127)
			return -EPROTO;
		st->log_sync = (int)x;
	}
	if ((v = field(reply, "samples"))) {
		if (get_ll(v, &x) || x < 0)
			return -EPROTO;
		st->samples = (uint64_t)x;
	}
	return 0;
}

void vmclockd_ptpd_estimate(const struct vmclockd_ptpd_cfg *cfg,
                            const struct vmclockd_ptpd_status *st, int64_t now_raw_ns,
                            struct vmclockd_estimate *e)
{
	bool sync = st->status == VMCLOCK_STATUS_SYNCHRONIZED && st->est_ns >= 0;
	double est = st->est_ns >= 0 ? st->est_ns : 0;
	double off = fabs((double)st->offset_ns);
	e->maxerror_ns = (uint64_t)ceil(cfg->sigma * est + off + (double)cfg->margin_ns);
	e->esterror_ns = (uint64_t)ceil(est + off);
	e->freq_maxerror = sync ? cfg->freq_locked : cfg->freq_unlocked;
	e->freq_esterror = e->freq_maxerror / 3;
	e->status = st->status;
	e->grows = true;
	double age = st->age_ms > 0 ? st->age_ms * 1e6 : 0;
	e->at_raw_ns = now_raw_ns - (int64_t)age; /* the estimate is as old as the sample */
}

int vmclockd_ptpd_request(const char *path, const char *cmd, char *reply, size_t len,
                          int timeout_ms)
{
	struct sockaddr_un to = {.sun_family = AF_UNIX}, me = {.sun_family = AF_UNIX};
	static unsigned n;
	if (strlen(path) >= sizeof(to.sun_path))
		return -ENAMETOOLONG;
	strcpy(to.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* ptpd-wl answers to the sender's address: bind an abstract one */
	int ml = snprintf(me.sun_path + 1, sizeof(me.sun_path) - 1, "tsync-vmclockd-%d-%u",
	                  (int)getpid(), n++);
	socklen_t al = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)ml);
	int err = 0;
	if (bind(fd, (struct sockaddr *)&me, al) ||
	    sendto(fd, cmd, strlen(cmd), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		err = -errno;
	} else {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int k = poll(&p, 1, timeout_ms);
		ssize_t got = k == 1 ? recv(fd, reply, len - 1, 0) : -1;
		if (k == 0)
			err = -ETIMEDOUT;
		else if (got < 0)
			err = -errno;
		else
			reply[got] = 0;
	}
	close(fd);
	return err;
}

int vmclockd_ptpd_pull(struct vmclockd *d)
{
	char reply[512];
	struct vmclockd_ptpd_status st;
	if (!d->ptpd.path)
		return 0;
	d->ptpd.pulls++;
	int err = vmclockd_ptpd_request(d->ptpd.path, "tsync status", reply, sizeof(reply), 100);
	if (!err)
		err = vmclockd_ptpd_parse(reply, &st);
	if (err) {
		d->ptpd.errors++;
		pl_warning(10, "vmclockd: ptpd-wl at %s: %s", d->ptpd.path,
		           err == -EPROTO ? reply : strerror(-err));
		if (d->est.status != VMCLOCK_STATUS_UNRELIABLE) {
			/* keep the last bound, aging at the unlocked rate from when it was given */
			d->est.status = VMCLOCK_STATUS_UNRELIABLE;
			d->est.freq_maxerror = d->ptpd.freq_unlocked;
			d->rate.max_rate_err = d->est.freq_maxerror;
		}
		return err;
	}
	struct vmclockd_estimate e = d->est;
	vmclockd_ptpd_estimate(&d->ptpd, &st, raw_now(), &e);
	d->est = e;
	d->rate.max_rate_err = e.freq_maxerror;
	d->ptpd.last = st;
	return 0;
}

/* The host's current bound (what a page anchored now would carry before any policy). */
static uint64_t host_bound(struct vmclockd *d)
{
	struct vmclock_host h;
	return vmclockd_host(d, raw_now(), &h) ? 0 : h.maxerror_ns;
}

int vmclockd_ptpd_burst(struct vmclockd *d, double seconds, int log_sync, double wait_s,
                        char *reply, unsigned len)
{
	char r[512], cmd[96];
	if (!d->ptpd.path) {
		snprintf(reply, len, "err no --ptpd socket");
		return -ENOENT;
	}
	vmclockd_ptpd_pull(d);
	uint64_t before = host_bound(d);
	double est0 = d->ptpd.last.est_ns;
	snprintf(cmd, sizeof(cmd), "tsync burst seconds=%.3f log_sync=%d", seconds, log_sync);
	int err = vmclockd_ptpd_request(d->ptpd.path, cmd, r, sizeof(r), 500);
	if (err || strncmp(r, "ok", 2)) {
		snprintf(reply, len, "err ptpd-wl burst: %s", err ? strerror(-err) : r);
		return err ? err : -EPROTO;
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
