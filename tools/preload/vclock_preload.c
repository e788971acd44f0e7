// SPDX-License-Identifier: MIT
/*
 * libtsync-vclock-preload.so: run an unmodified program (Debian's ptp4l, chronyd, ...) on a
 * tsync vclock instead of CLOCK_REALTIME.
 *
 *   TSYNC_VCLOCK=NAME LD_PRELOAD=build/lib/libtsync-vclock-preload.so ptp4l ...
 *   TSYNC_VCLOCK_QUIET=1 silences the start-up line (refusals are always logged).
 *
 * Intercepted (through the dynamic linker, i.e. the program's calls into libc):
 *   clock_gettime / gettimeofday / time on CLOCK_REALTIME (and _COARSE; CLOCK_TAI adds the
 *     emulated TAI offset): read the vclock;
 *   clock_settime / settimeofday on CLOCK_REALTIME: step the vclock;
 *   adjtimex / ntp_adjtime / __adjtimex / clock_adjtime(CLOCK_REALTIME) / adjtime: the kernel
 *     timex interface emulated by a vtimex (include/tsync/vtimex.h) that steers the vclock
 *     (frequency, steps; status, maxerror, tick kept per process);
 *   recvmsg / recvmmsg: software timestamps in SCM_TIMESTAMP / SCM_TIMESTAMPNS /
 *     SCM_TIMESTAMPING control messages (RX, and TX stamps read from the error queue) mapped
 *     from CLOCK_REALTIME onto the vclock (include/tsync/cmsg_ts.h).
 * Not intercepted (pass through or unaffected):
 *   every other clock (CLOCK_MONOTONIC*, CLOCK_BOOTTIME, PHC clock ids: clock_adjtime on
 *   them reaches the kernel); timers and sleeps on CLOCK_REALTIME (timerfd, clock_nanosleep
 *   with TIMER_ABSTIME, select/poll timeouts are relative and fine); direct syscall(2)
 *   and inline vDSO reads that bypass libc's symbols; libc-internal time reads (syslog's
 *   stamps, ...); statically linked programs; SIOCGSTAMP ioctls; hardware stamps.
 *
 * Safety: this library never adjusts the real CLOCK_REALTIME (it never calls the real
 * adjtimex/clock_adjtime/clock_settime on it, not even to read). Every steering call goes to
 * the vclock; when TSYNC_VCLOCK is unset or cannot be opened, steering calls are refused with
 * EPERM and logged to stderr, time reads pass through to the real clock and timex reads
 * (modes 0) return the emulation's state.
 *
 * One process-wide state (the vclock handle, the timex emulation, libc's own functions): a
 * preload library stands for the kernel, of which a process has exactly one.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "tsync/cmsg_ts.h"
#include "tsync/vclock.h"
#include "tsync/vtimex.h"

#define EXPORT __attribute__((visibility("default")))

struct real_fns {
	int (*clock_gettime)(clockid_t, struct timespec *);
	int (*clock_adjtime)(clockid_t, struct timex *);
	int (*clock_settime)(clockid_t, const struct timespec *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
};

static struct {
	pthread_once_t once;
	pthread_mutex_t lock;
	struct real_fns real;
	struct vclock *vc;
	struct vtimex tx;
	char name[TSYNC_VCLOCK_NAMELEN + 16];
} g = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER};

static void plog(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "tsync-vclock-preload[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (write(STDERR_FILENO, buf, strlen(buf)) < 0)
		return;
	if (write(STDERR_FILENO, "\n", 1) < 0)
		return;
}

static int raw_read(clockid_t id, tmv_t *ns)
{
	struct timespec ts;
	if (g.real.clock_gettime(id, &ts))
		return -errno;
	*ns = tmv_from_timespec(ts);
	return 0;
}

/* vclock page, CLOCK_MONOTONIC_RAW and CLOCK_REALTIME (midpoint of two reads) at one instant */
static int vc_now(struct tsync_vclock_page *p, tmv_t *raw, tmv_t *rt)
{
	tmv_t a = 0, b = 0;
	int e;
	if ((e = vclock_snapshot(g.vc, p)))
		return e;
	raw_read(CLOCK_REALTIME, &a);
	if ((e = raw_read(CLOCK_MONOTONIC_RAW, raw)))
		return e;
	raw_read(CLOCK_REALTIME, &b);
	*rt = a + (b - a) / 2;
	return 0;
}

static int vc_read(tmv_t *ns)
{
	struct tsync_vclock_page p;
	tmv_t raw = 0;
	int e;
	if ((e = vclock_snapshot(g.vc, &p)) || (e = raw_read(CLOCK_MONOTONIC_RAW, &raw)))
		return e;
	*ns = vclock_model_eval(&p, raw);
	return 0;
}

static void init(void)
{
	const char *name = getenv("TSYNC_VCLOCK");
	struct tsync_vclock_page p;
	tmv_t mono = 0;
	int err = 0;

	g.real.clock_gettime = dlsym(RTLD_NEXT, "clock_gettime");
	g.real.clock_adjtime = dlsym(RTLD_NEXT, "clock_adjtime");
	g.real.clock_settime = dlsym(RTLD_NEXT, "clock_settime");
	g.real.recvmsg = dlsym(RTLD_NEXT, "recvmsg");
	g.real.recvmmsg = dlsym(RTLD_NEXT, "recvmmsg");
	if (!g.real.clock_gettime || !g.real.clock_adjtime || !g.real.clock_settime ||
	    !g.real.recvmsg || !g.real.recvmmsg) {
		plog("cannot find libc's clock/socket functions: %s", dlerror());
		abort();
	}
	raw_read(CLOCK_MONOTONIC, &mono);
	vtimex_init(&g.tx, 0.0, mono);
	if (!name || !*name) {
		plog("TSYNC_VCLOCK not set: CLOCK_REALTIME reads pass through, steering is "
		     "refused");
		return;
	}
	g.vc = vclock_open(name, &err);
	if (!g.vc) {
		plog("cannot open vclock %s (%s): steering CLOCK_REALTIME is refused", name,
		     vclock_strerror(err));
		return;
	}
	snprintf(g.name, sizeof(g.name), "%s", name);
	if (!vclock_snapshot(g.vc, &p))
		vtimex_init(&g.tx, p.adj_ppb, mono);
	if (!getenv("TSYNC_VCLOCK_QUIET"))
		plog("CLOCK_REALTIME is vclock %s", name);
}

static void ensure_init(void)
{
	pthread_once(&g.once, init);
}

__attribute__((constructor)) static void preload_ctor(void)
{
	ensure_init();
}

static int fail(int e)
{
	errno = -e;
	return -1;
}

static int refuse(const char *what)
{
	plog("refused %s on the real CLOCK_REALTIME (no vclock)", what);
	return fail(-EPERM);
}

static bool is_realtime(clockid_t id)
{
	return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE;
}

EXPORT int clock_gettime(clockid_t id, struct timespec *ts)
{
	tmv_t ns;
	int e;
	ensure_init();
	if (!g.vc || !(is_realtime(id) || id == CLOCK_TAI))
		return g.real.clock_gettime(id, ts);
	if ((e = vc_read(&ns)))
		return fail(e);
	if (id == CLOCK_TAI)
		ns += (tmv_t)g.tx.tai * NS_PER_SEC;
	*ts = tmv_to_timespec(ns);
	return 0;
}

EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;
	int e;
	struct timeval *out = tv;
	__asm__("" : "+r"(out)); /* glibc declares tv nonnull; the kernel accepts NULL */
	if (tz)
		memset(tz, 0, sizeof(struct timezone));
	if (!out)
		return 0;
	if ((e = clock_gettime(CLOCK_REALTIME, &ts)))
		return e;
	out->tv_sec = ts.tv_sec;
	out->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

EXPORT time_t time(time_t *t)
{
	struct timespec ts = {0, 0};
	clock_gettime(CLOCK_REALTIME, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

/* Apply a vtimex action to the vclock (frequency first, then the step). Caller holds lock. */
static int act(const struct vtimex_action *a)
{
	int e;
	if (a->set_freq && (e = vclock_adjfreq(g.vc, a->freq_ppb)))
		return e;
	if (a->step && a->step_ns && (e = vclock_step(g.vc, a->step_ns)))
		return e;
	return 0;
}

static int vc_adjtime(struct timex *tx)
{
	struct vtimex saved;
	struct vtimex_action a;
	tmv_t mono = 0, now = 0;
	int r, e;

	ensure_init();
	if (!g.vc) {
		if (!tx->modes) { /* a read of the emulated state is harmless */
			struct vtimex_action none;
			return vtimex_apply(&g.tx, tx, 0, 0, &none);
		}
		return refuse("adjtimex/clock_adjtime");
	}
	raw_read(CLOCK_MONOTONIC, &mono);
	pthread_mutex_lock(&g.lock);
	saved = g.tx;
	if ((e = vc_read(&now)) || (r = vtimex_apply(&g.tx, tx, mono, now, &a)) < 0 ||
	    (e = act(&a))) {
		g.tx = saved;
		pthread_mutex_unlock(&g.lock);
		return fail(e ? e : r);
	}
	pthread_mutex_unlock(&g.lock);
	return r;
}

EXPORT int adjtimex(struct timex *tx)
{
	return vc_adjtime(tx);
}

EXPORT int ntp_adjtime(struct timex *tx)
{
	return vc_adjtime(tx);
}

EXPORT int __adjtimex(struct timex *tx)
{
	return vc_adjtime(tx);
}

EXPORT int clock_adjtime(clockid_t id, struct timex *tx)
{
	ensure_init();
	if (id == CLOCK_REALTIME)
		return vc_adjtime(tx);
	if (id == CLOCK_TAI || id == CLOCK_REALTIME_COARSE)
		return refuse("clock_adjtime");
	return g.real.clock_adjtime(id, tx);
}

static int vc_settime(tmv_t target, const char *what)
{
	tmv_t now;
	int e;
	ensure_init();
	if (!g.vc)
		return refuse(what);
	pthread_mutex_lock(&g.lock);
	e = vc_read(&now);
	if (!e)
		e = vclock_step(g.vc, target - now);
	pthread_mutex_unlock(&g.lock);
	return e ? fail(e) : 0;
}

EXPORT int clock_settime(clockid_t id, const struct timespec *ts)
{
	ensure_init();
	if (id == CLOCK_REALTIME)
		return vc_settime(tmv_from_timespec(*ts), "clock_settime");
	if (id == CLOCK_TAI || id == CLOCK_REALTIME_COARSE)
		return refuse("clock_settime");
	return g.real.clock_settime(id, ts); /* PHCs; the kernel refuses the monotonic clocks */
}

EXPORT int settimeofday(const struct timeval *tv, const struct timezone *tz)
{
	(void)tz;
	if (!tv)
		return 0;
	return vc_settime((tmv_t)tv->tv_sec * NS_PER_SEC + (tmv_t)tv->tv_usec * NS_PER_US,
	                  "settimeofday");
}

EXPORT int adjtime(const struct timeval *delta, struct timeval *olddelta)
{
	struct timex tx = {.modes = delta ? ADJ_OFFSET_SINGLESHOT : ADJ_OFFSET_SS_READ};
	int r;
	if (delta)
		tx.offset = delta->tv_sec * 1000000L + delta->tv_usec;
	r = vc_adjtime(&tx);
	if (r < 0)
		return r;
	if (olddelta) {
		olddelta->tv_sec = 0;
		olddelta->tv_usec = 0;
	}
	return 0;
}

static tmv_t map_stamp(void *ctx, tmv_t rt_ns)
{
	(void)ctx;
	struct tsync_vclock_page p;
	tmv_t raw = 0, rt = 0;
	if (vc_now(&p, &raw, &rt))
		return rt_ns;
	return cmsg_ts_vclock_time(&p, raw, rt, rt_ns);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	ssize_t n;
	ensure_init();
	n = g.real.recvmsg(fd, m, flags);
	if (n >= 0 && g.vc)
		cmsg_ts_map(m, map_stamp, NULL);
	return n;
}

EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned int vlen, int flags,
                    struct timespec *timeout)
{
	int n;
	ensure_init();
	n = g.real.recvmmsg(fd, v, vlen, flags, timeout);
	for (int i = 0; g.vc && i < n; i++)
		cmsg_ts_map(&v[i].msg_hdr, map_stamp, NULL);
	return n;
}
