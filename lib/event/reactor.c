/* SPDX-License-Identifier: MIT */
/*
 * poll + timerfd reactor (see include/tsync/reactor.h), or in simulated time: timers are
 * deadlines on the caller's clock (no timerfd) and an idle round jumps that clock to the next
 * deadline instead of sleeping.
 *
 * Every source (fd watcher, timer, signalfd) is a heap object in r->srcs. Removal marks it
 * dead; dead sources are freed when no dispatch round is running, so a callback can remove
 * anything, itself included, and the round in progress skips what died.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "tsync/reactor.h"

enum src_kind {
	SRC_FD,
	SRC_TIMER,
	SRC_SIGNAL,
};

struct reactor_timer {
	struct reactor *r;
	enum src_kind kind;
	int fd;
	short events;
	bool dead;
	void *arg;
	reactor_fd_cb fd_cb;
	reactor_timer_cb timer_cb;
	reactor_signal_cb signal_cb;
	/* timers */
	bool armed;
	int64_t deadline_ns; /* reactor time (reactor_now) of the next expiry */
	uint64_t period_ns;
};

#define src reactor_timer /* every source has the timer's layout */

struct reactor {
	struct src **srcs;
	size_t n, cap;
	int depth; /* dispatch rounds in progress */
	bool stop, need_gc;
	bool have_sigmask;
	sigset_t oldmask;
	int64_t *sim_now; /* simulated time (reactor_create_sim), NULL: CLOCK_MONOTONIC */
};

int64_t reactor_now(const struct reactor *r)
{
	struct timespec ts;

	if (r->sim_now)
		return *r->sim_now;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ns_to_ts(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
	                      .tv_nsec = (long)(ns % 1000000000u)};
	return ts;
}

struct reactor *reactor_create(void)
{
	return calloc(1, sizeof(struct reactor));
}

struct reactor *reactor_create_sim(int64_t *now_ns)
{
	struct reactor *r;

	if (!now_ns) {
		errno = EINVAL;
		return NULL;
	}
	r = reactor_create();
	if (r)
		r->sim_now = now_ns;
	return r;
}

static void src_free(struct src *s)
{
	if (s->kind != SRC_FD && s->fd >= 0)
		close(s->fd);
	free(s);
}

static void gc(struct reactor *r)
{
	size_t j = 0;

	if (r->depth || !r->need_gc)
		return;
	for (size_t i = 0; i < r->n; i++) {
		if (r->srcs[i]->dead)
			src_free(r->srcs[i]);
		else
			r->srcs[j++] = r->srcs[i];
	}
	r->n = j;
	r->need_gc = false;
}

static void kill_src(struct reactor *r, struct src *s)
{
	s->dead = true;
	r->need_gc = true;
	gc(r);
}

void reactor_destroy(struct reactor *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		src_free(r->srcs[i]);
	free(r->srcs);
	if (r->have_sigmask)
		pthread_sigmask(SIG_SETMASK, &r->oldmask, NULL);
	free(r);
}

static struct src *src_add(struct reactor *r, enum src_kind kind, int fd, short events)
{
	struct src *s, **v;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 8;
		v = realloc(r->srcs, cap * sizeof(*v));
		if (!v)
			return NULL;
		r->srcs = v;
		r->cap = cap;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->r = r;
	s->kind = kind;
	s->fd = fd;
	s->events = events;
	r->srcs[r->n++] = s;
	return s;
}

static struct src *find_fd(struct reactor *r, int fd)
{
	for (size_t i = 0; i < r->n; i++)
		if (!r->srcs[i]->dead && r->srcs[i]->kind == SRC_FD && r->srcs[i]->fd == fd)
			return r->srcs[i];
	return NULL;
}

int reactor_add_fd(struct reactor *r, int fd, short events, reactor_fd_cb cb, void *arg)
{
	struct src *s;

	if (fd < 0 || !cb)
		return -EINVAL;
	if (find_fd(r, fd))
		return -EEXIST;
	s = src_add(r, SRC_FD, fd, events);
	if (!s)
		return -ENOMEM;
	s->fd_cb = cb;
	s->arg = arg;
	return 0;
}

int reactor_mod_fd(struct reactor *r, int fd, short events)
{
	struct src *s = find_fd(r, fd);

	if (!s)
		return -ENOENT;
	s->events = events;
	return 0;
}

int reactor_remove_fd(struct reactor *r, int fd)
{
	struct src *s = find_fd(r, fd);

	if (!s)
		return -ENOENT;
	kill_src(r, s);
	return 0;
}

struct reactor_timer *reactor_timer_create(struct reactor *r, reactor_timer_cb cb, void *arg)
{
	int fd = r->sim_now ? -1 : timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct src *s;

	if (fd < 0 && !r->sim_now)
		return NULL;
	s = src_add(r, SRC_TIMER, fd, POLLIN);
	if (!s) {
		if (fd >= 0)
			close(fd);
		errno = ENOMEM;
		return NULL;
	}
	s->timer_cb = cb;
	s->arg = arg;
	return s;
}

static int settime(struct reactor_timer *t, uint64_t delay_ns, uint64_t period_ns)
{
	struct itimerspec its = {.it_value = ns_to_ts(delay_ns),
	                         .it_interval = ns_to_ts(period_ns)};

	if (!t->r->sim_now && timerfd_settime(t->fd, 0, &its, NULL))
		return -errno;
	t->armed = delay_ns != 0;
	t->period_ns = period_ns;
	t->deadline_ns = reactor_now(t->r) + (int64_t)delay_ns;
	return 0;
}

int reactor_timer_arm(struct reactor_timer *t, uint64_t delay_ns, uint64_t period_ns)
{
	if (!delay_ns || t->dead)
		return -EINVAL;
	return settime(t, delay_ns, period_ns);
}

int reactor_timer_set_period(struct reactor_timer *t, uint64_t period_ns)
{
	int64_t left;

	if (t->dead)
		return -EINVAL;
	if (!t->armed)
		return period_ns ? settime(t, period_ns, period_ns) : 0;
	left = t->deadline_ns - reactor_now(t->r);
	return settime(t, left > 0 ? (uint64_t)left : 1, period_ns);
}

int reactor_timer_disarm(struct reactor_timer *t)
{
	return settime(t, 0, 0);
}

bool reactor_timer_armed(const struct reactor_timer *t)
{
	return t->armed && !t->dead;
}

void reactor_timer_destroy(struct reactor_timer *t)
{
	if (!t || t->dead)
		return;
	settime(t, 0, 0);
	kill_src(t->r, t);
}

int reactor_add_signals(struct reactor *r, const int *signals, int n, reactor_signal_cb cb,
                        void *arg)
{
	sigset_t set, old;
	struct src *s;
	int fd, rc;

	if (r->have_sigmask)
		return -EBUSY;
	if (!signals || n <= 0 || !cb)
		return -EINVAL;
	sigemptyset(&set);
	for (int i = 0; i < n; i++)
		if (sigaddset(&set, signals[i]))
			return -EINVAL;
	rc = pthread_sigmask(SIG_BLOCK, &set, &old);
	if (rc)
		return -rc;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto restore;
	}
	s = src_add(r, SRC_SIGNAL, fd, POLLIN);
	if (!s) {
		close(fd);
		rc = -ENOMEM;
		goto restore;
	}
	s->signal_cb = cb;
	s->arg = arg;
	r->oldmask = old;
	r->have_sigmask = true;
	return 0;
restore:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* One ready source: call it. Returns 1 if a callback ran. */
static int dispatch(struct reactor *r, struct src *s, short revents)
{
	struct signalfd_siginfo si;
	uint64_t exp;
	int ran = 0;

	switch (s->kind) {
	case SRC_FD:
		s->fd_cb(r, s->fd, revents, s->arg);
		return 1;
	case SRC_TIMER:
		if (r->sim_now) {
			int64_t late = *r->sim_now - s->deadline_ns;
			if (!s->armed || late < 0)
				return 0; /* re-armed or disarmed since the round began */
			exp = s->period_ns ? (uint64_t)late / s->period_ns + 1 : 1;
		} else if (read(s->fd, &exp, sizeof(exp)) != sizeof(exp) || !exp) {
			return 0; /* re-armed or disarmed since poll */
		}
		if (s->period_ns)
			s->deadline_ns += (int64_t)(exp * s->period_ns);
		else
			s->armed = false;
		if (s->timer_cb)
			s->timer_cb(r, s, exp, s->arg);
		return 1;
	case SRC_SIGNAL:
		while (!s->dead && read(s->fd, &si, sizeof(si)) == sizeof(si)) {
			s->signal_cb(r, (int)si.ssi_signo, s->arg);
			ran = 1;
		}
		return ran;
	}
	return 0;
}

/* Simulated time: mark the timers due now; when idle (nothing ready and allowed to wait), first
 * jump the clock to the earliest deadline. */
static void sim_due(struct reactor *r, struct src **snap, struct pollfd *pfd, size_t n, bool idle)
{
	int64_t next = INT64_MAX;
	bool due = false;

	for (size_t i = 0; i < n; i++) {
		if (snap[i]->kind != SRC_TIMER || !snap[i]->armed)
			continue;
		due |= snap[i]->deadline_ns <= *r->sim_now;
		if (snap[i]->deadline_ns < next)
			next = snap[i]->deadline_ns;
	}
	if (idle && !due && next != INT64_MAX)
		*r->sim_now = next;
	for (size_t i = 0; i < n; i++)
		if (snap[i]->kind == SRC_TIMER && snap[i]->armed &&
		    snap[i]->deadline_ns <= *r->sim_now)
			pfd[i].revents = POLLIN;
}

/* Dispatch order: timers by deadline, then the rest by position (see reactor.h). */
static bool before(const struct src *a, size_t ia, const struct src *b, size_t ib)
{
	bool ta = a->kind == SRC_TIMER, tb = b->kind == SRC_TIMER;

	if (ta != tb)
		return ta;
	if (ta && a->deadline_ns != b->deadline_ns)
		return a->deadline_ns < b->deadline_ns;
	return ia < ib;
}

int reactor_run_once(struct reactor *r, int timeout_ms)
{
	struct pollfd *pfd;
	struct src **snap;
	size_t *order, n, nready = 0;
	int rc, count = 0;

	if (r->depth)
		return -EBUSY;
	gc(r);
	n = r->n;
	pfd = calloc(n ? n : 1, sizeof(*pfd));
	snap = calloc(n ? n : 1, sizeof(*snap));
	order = calloc(n ? n : 1, sizeof(*order));
	if (!pfd || !snap || !order) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		snap[i] = r->srcs[i];
		pfd[i].fd = snap[i]->fd;
		pfd[i].events = snap[i]->events;
	}
	rc = poll(pfd, n, r->sim_now ? 0 : timeout_ms);
	if (rc < 0) {
		rc = errno == EINTR ? 0 : -errno;
		goto out;
	}
	if (r->sim_now)
		sim_due(r, snap, pfd, n, rc == 0 && timeout_ms != 0);
	for (size_t i = 0; i < n; i++) {
		size_t k = nready++;
		if (!pfd[i].revents) {
			nready--;
			continue;
		}
		while (k > 0 && before(snap[i], i, snap[order[k - 1]], order[k - 1])) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
	r->depth++;
	for (size_t k = 0; k < nready; k++) {
		size_t i = order[k];
		if (!snap[i]->dead)
			count += dispatch(r, snap[i], pfd[i].revents);
	}
	r->depth--;
	gc(r);
	rc = count;
out:
	free(pfd);
	free(snap);
	free(order);
	return rc;
}

int reactor_run(struct reactor *r)
{
	int rc;

	r->stop = false;
	while (!r->stop) {
		bool live = false;

		for (size_t i = 0; i < r->n && !live; i++) {
			const struct src *s = r->srcs[i];
			live = !s->dead && (s->kind != SRC_TIMER || s->armed);
		}
		if (!live)
			return 0;
		rc = reactor_run_once(r, -1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void reactor_stop(struct reactor *r)
{
	r->stop = true;
}
