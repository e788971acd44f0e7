/* SPDX-License-Identifier: MIT */
/* Unit tests: poll + timerfd reactor. Timing bounds are generous on purpose. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "tsync/reactor.h"

#define MS 1000000ULL

static struct reactor *r;

static void setup(void)
{
	r = reactor_create();
	cr_assert_not_null(r);
}

static void teardown(void)
{
	reactor_destroy(r);
}

TestSuite(reactor, .init = setup, .fini = teardown, .timeout = 20);

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Run rounds until *done or the time limit (seconds) passes. */
static void run_until(const int *done, int want, double limit_s)
{
	double end = mono_s() + limit_s;
	while (*done < want && mono_s() < end)
		cr_assert_geq(reactor_run_once(r, 100), 0);
}

Test(reactor, empty_run_returns)
{
	cr_assert_eq(reactor_run(r), 0);
	cr_assert_eq(reactor_run_once(r, 0), 0);
}

struct fdrec {
	int calls;
	short revents;
	int other_fd; /* to remove from the callback, or -1 */
	bool remove_self;
};

static void on_fd(struct reactor *re, int fd, short revents, void *arg)
{
	struct fdrec *rec = arg;
	char c;

	rec->calls++;
	rec->revents = revents;
	if (revents & POLLIN)
		(void)!read(fd, &c, 1);
	if (rec->other_fd >= 0)
		cr_assert_eq(reactor_remove_fd(re, rec->other_fd), 0);
	if (rec->remove_self)
		cr_assert_eq(reactor_remove_fd(re, fd), 0);
}

Test(reactor, fd_watcher_and_errors)
{
	struct fdrec rec = {.other_fd = -1};
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(reactor_add_fd(r, p[0], POLLIN, on_fd, &rec), 0);
	cr_assert_eq(reactor_add_fd(r, p[0], POLLIN, on_fd, &rec), -EEXIST);
	cr_assert_eq(reactor_add_fd(r, -1, POLLIN, on_fd, &rec), -EINVAL);
	cr_assert_eq(reactor_add_fd(r, p[1], POLLOUT, NULL, &rec), -EINVAL);
	cr_assert_eq(reactor_mod_fd(r, 999, POLLIN), -ENOENT);
	cr_assert_eq(reactor_remove_fd(r, 999), -ENOENT);

	cr_assert_eq(reactor_run_once(r, 0), 0, "nothing readable yet");
	cr_assert_eq(write(p[1], "x", 1), 1);
	cr_assert_eq(reactor_run_once(r, 1000), 1);
	cr_assert_eq(rec.calls, 1);
	cr_assert(rec.revents & POLLIN);

	cr_assert_eq(reactor_mod_fd(r, p[0], 0), 0);
	cr_assert_eq(write(p[1], "y", 1), 1);
	cr_assert_eq(reactor_run_once(r, 50), 0, "events masked by mod_fd");
	cr_assert_eq(reactor_mod_fd(r, p[0], POLLIN), 0);
	cr_assert_eq(reactor_run_once(r, 1000), 1);

	close(p[1]);
	cr_assert_eq(reactor_run_once(r, 1000), 1);
	cr_assert(rec.revents & POLLHUP, "revents 0x%x", rec.revents);
	cr_assert_eq(reactor_remove_fd(r, p[0]), 0);
	cr_assert_eq(reactor_remove_fd(r, p[0]), -ENOENT);
	close(p[0]);
	cr_assert_eq(rec.calls, 3);
}

Test(reactor, remove_watchers_inside_callback)
{
	struct fdrec a = {.other_fd = -1}, b = {.other_fd = -1};
	int pa[2], pb[2];

	cr_assert_eq(pipe(pa), 0);
	cr_assert_eq(pipe(pb), 0);
	a.other_fd = pb[0]; /* a removes b: b must not run though it is ready in this round */
	a.remove_self = true;
	cr_assert_eq(reactor_add_fd(r, pa[0], POLLIN, on_fd, &a), 0);
	cr_assert_eq(reactor_add_fd(r, pb[0], POLLIN, on_fd, &b), 0);
	cr_assert_eq(write(pa[1], "x", 1), 1);
	cr_assert_eq(write(pb[1], "x", 1), 1);
	cr_assert_eq(write(pa[1], "x", 1), 1);
	cr_assert_eq(reactor_run_once(r, 1000), 1);
	cr_assert_eq(a.calls, 1);
	cr_assert_eq(b.calls, 0);
	cr_assert_eq(reactor_run_once(r, 50), 0, "both removed");
	/* the fd can be watched again once removed */
	b.other_fd = -1;
	cr_assert_eq(reactor_add_fd(r, pb[0], POLLIN, on_fd, &b), 0);
	cr_assert_eq(reactor_run_once(r, 1000), 1);
	cr_assert_eq(b.calls, 1);
	for (int i = 0; i < 2; i++) {
		close(pa[i]);
		close(pb[i]);
	}
}

struct order {
	int seq[8];
	int n;
	struct reactor_timer *kill; /* destroy this one from the callback */
};

struct tag {
	struct order *o;
	int id;
};

static void on_tag(struct reactor *re, struct reactor_timer *t, uint64_t exp, void *arg)
{
	struct tag *tg = arg;

	(void)re;
	(void)t;
	cr_assert_geq(exp, 1);
	if (tg->o->n < 8)
		tg->o->seq[tg->o->n++] = tg->id;
	if (tg->o->kill) {
		reactor_timer_destroy(tg->o->kill);
		tg->o->kill = NULL;
	}
}

Test(reactor, one_shot_timers_fire_in_deadline_order)
{
	struct order o = {0};
	struct tag tags[3] = {{&o, 30}, {&o, 10}, {&o, 20}};
	struct reactor_timer *t[3];

	for (int i = 0; i < 3; i++) {
		t[i] = reactor_timer_create(r, on_tag, &tags[i]);
		cr_assert_not_null(t[i]);
		cr_assert_not(reactor_timer_armed(t[i]));
		cr_assert_eq(reactor_timer_arm(t[i], tags[i].id * MS, 0), 0);
		cr_assert(reactor_timer_armed(t[i]));
	}
	/* reactor_run returns by itself once no armed timer is left */
	cr_assert_eq(reactor_run(r), 0);
	cr_assert_eq(o.n, 3);
	cr_assert_eq(o.seq[0], 10);
	cr_assert_eq(o.seq[1], 20);
	cr_assert_eq(o.seq[2], 30);
	for (int i = 0; i < 3; i++)
		cr_assert_not(reactor_timer_armed(t[i]));
	cr_assert_eq(reactor_run_once(r, 50), 0, "one-shots fire once");
}

Test(reactor, timers_expired_together_dispatch_by_deadline)
{
	struct order o = {0};
	struct tag late = {&o, 2}, early = {&o, 1};
	struct reactor_timer *tl = reactor_timer_create(r, on_tag, &late);
	struct reactor_timer *te = reactor_timer_create(r, on_tag, &early);

	cr_assert_eq(reactor_timer_arm(tl, 20 * MS, 0), 0); /* created first, expires last */
	cr_assert_eq(reactor_timer_arm(te, 5 * MS, 0), 0);
	sleep_ms(150); /* both expire while the loop is "busy" */
	cr_assert_eq(reactor_run_once(r, 0), 2);
	cr_assert_eq(o.n, 2);
	cr_assert_eq(o.seq[0], 1);
	cr_assert_eq(o.seq[1], 2);
}

Test(reactor, timer_destroyed_by_earlier_callback_does_not_run)
{
	struct order o = {0};
	struct tag a = {&o, 1}, b = {&o, 2};
	struct reactor_timer *ta = reactor_timer_create(r, on_tag, &a);
	struct reactor_timer *tb = reactor_timer_create(r, on_tag, &b);

	cr_assert_eq(reactor_timer_arm(ta, 5 * MS, 0), 0);
	cr_assert_eq(reactor_timer_arm(tb, 20 * MS, 0), 0);
	o.kill = tb;
	sleep_ms(150);
	cr_assert_eq(reactor_run_once(r, 0), 1);
	cr_assert_eq(o.n, 1);
	cr_assert_eq(o.seq[0], 1);
}

struct periodic {
	int calls;
	uint64_t expirations;
	int stop_at;
	bool destroy_self;
	bool rearm;
};

static void on_periodic(struct reactor *re, struct reactor_timer *t, uint64_t exp, void *arg)
{
	struct periodic *p = arg;

	p->calls++;
	p->expirations += exp;
	if (p->rearm)
		cr_assert_eq(reactor_timer_arm(t, 2 * MS, 0), 0);
	if (p->calls == p->stop_at) {
		if (p->destroy_self)
			reactor_timer_destroy(t);
		else
			reactor_stop(re);
	}
}

Test(reactor, periodic_timer_and_stop_from_callback)
{
	struct periodic p = {.stop_at = 5};
	struct reactor_timer *t = reactor_timer_create(r, on_periodic, &p);
	double t0 = mono_s(), dt;

	cr_assert_eq(reactor_timer_arm(t, 10 * MS, 10 * MS), 0);
	cr_assert_eq(reactor_run(r), 0);
	dt = mono_s() - t0;
	cr_assert_eq(p.calls, 5);
	cr_assert_geq(p.expirations, 5);
	cr_assert_geq(dt, 0.045, "5 periods of 10 ms took %.3f s", dt);
	cr_assert_lt(dt, 5.0);
	cr_assert(reactor_timer_armed(t), "periodic stays armed");
	/* run again: stop was consumed */
	p.stop_at = 7;
	cr_assert_eq(reactor_run(r), 0);
	cr_assert_eq(p.calls, 7);
}

Test(reactor, periodic_timer_destroys_itself)
{
	struct periodic p = {.stop_at = 3, .destroy_self = true};
	struct reactor_timer *t = reactor_timer_create(r, on_periodic, &p);

	cr_assert_eq(reactor_timer_arm(t, 2 * MS, 2 * MS), 0);
	cr_assert_eq(reactor_run(r), 0, "returns when the last timer is gone");
	cr_assert_eq(p.calls, 3);
	cr_assert_eq(reactor_run_once(r, 50), 0);
}

Test(reactor, one_shot_rearmed_from_callback)
{
	struct periodic p = {.stop_at = 4, .rearm = true};
	struct reactor_timer *t = reactor_timer_create(r, on_periodic, &p);

	cr_assert_eq(reactor_timer_arm(t, 2 * MS, 0), 0);
	cr_assert_eq(reactor_run(r), 0);
	cr_assert_eq(p.calls, 4);
}

Test(reactor, disarm_and_change_period)
{
	struct periodic p = {0};
	struct reactor_timer *t = reactor_timer_create(r, on_periodic, &p);

	cr_assert_eq(reactor_timer_arm(t, 0, 0), -EINVAL);
	cr_assert_eq(reactor_timer_arm(t, 20 * MS, 20 * MS), 0);
	cr_assert_eq(reactor_timer_disarm(t), 0);
	cr_assert_not(reactor_timer_armed(t));
	cr_assert_eq(reactor_run_once(r, 100), 0, "disarmed timer is silent");

	/* long period shortened while disarmed: starts now + period */
	cr_assert_eq(reactor_timer_set_period(t, 5 * MS), 0);
	cr_assert(reactor_timer_armed(t));
	run_until(&p.calls, 3, 5.0);
	cr_assert_geq(p.calls, 3);

	/* 1 s period changed to one-shot at the pending deadline: exactly one more call */
	cr_assert_eq(reactor_timer_arm(t, 10 * MS, 1000 * MS), 0);
	cr_assert_eq(reactor_timer_set_period(t, 0), 0);
	p.calls = 0;
	run_until(&p.calls, 1, 5.0);
	cr_assert_eq(p.calls, 1);
	cr_assert_not(reactor_timer_armed(t));
	cr_assert_eq(reactor_run_once(r, 100), 0);
	reactor_timer_destroy(t);
	reactor_timer_destroy(NULL);
}

static void nested(struct reactor *re, struct reactor_timer *t, uint64_t exp, void *arg)
{
	(void)t;
	(void)exp;
	*(int *)arg = reactor_run_once(re, 0);
}

Test(reactor, no_nested_run_once)
{
	int rc = 0;
	struct reactor_timer *t = reactor_timer_create(r, nested, &rc);

	cr_assert_eq(reactor_timer_arm(t, 1 * MS, 0), 0);
	cr_assert_eq(reactor_run(r), 0);
	cr_assert_eq(rc, -EBUSY);
}

static void on_signal(struct reactor *re, int signo, void *arg)
{
	*(int *)arg = signo;
	reactor_stop(re);
}

Test(reactor, signalfd_delivers_and_mask_restored)
{
	const int sigs[] = {SIGUSR1, SIGTERM};
	sigset_t cur;
	int got = 0;

	cr_assert_eq(reactor_add_signals(r, sigs, 2, on_signal, &got), 0);
	cr_assert_eq(reactor_add_signals(r, sigs, 2, on_signal, &got), -EBUSY);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	cr_assert(sigismember(&cur, SIGUSR1));
	cr_assert_eq(raise(SIGUSR1), 0);
	cr_assert_eq(reactor_run(r), 0);
	cr_assert_eq(got, SIGUSR1);
	reactor_destroy(r);
	r = NULL;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	cr_assert_not(sigismember(&cur, SIGUSR1));
}

Test(reactor, bad_signal_arguments)
{
	const int bad[] = {9999};
	int got = 0;

	cr_assert_eq(reactor_add_signals(r, bad, 1, on_signal, &got), -EINVAL);
	cr_assert_eq(reactor_add_signals(r, NULL, 0, on_signal, &got), -EINVAL);
}

/* ---- simulated time ---- */
struct sim_tick {
	int64_t *now;
	int64_t at[8];
	uint64_t exp[8];
	int n;
};

static void sim_tick_cb(struct reactor *r, struct reactor_timer *t, uint64_t n, void *arg)
{
	struct sim_tick *k = arg;
	(void)t;
	if (k->n < 8) {
		k->at[k->n] = reactor_now(r);
		k->exp[k->n] = n;
	}
	k->n++;
}

Test(reactor, simulated_time_jumps_to_the_next_deadline)
{
	int64_t now = 5 * 1000000000LL;
	struct reactor *r = reactor_create_sim(&now);
	struct sim_tick a = {.now = &now}, b = {.now = &now};
	struct timespec w0, w1;

	cr_assert_not_null(r);
	cr_assert_eq(reactor_now(r), now);
	struct reactor_timer *ta = reactor_timer_create(r, sim_tick_cb, &a);
	struct reactor_timer *tb = reactor_timer_create(r, sim_tick_cb, &b);
	cr_assert(ta && tb);
	clock_gettime(CLOCK_MONOTONIC, &w0);
	reactor_timer_arm(ta, 1000000000ULL, 1000000000ULL); /* every s */
	reactor_timer_arm(tb, 3600000000000ULL, 0);          /* once, after an hour */
	cr_assert_eq(reactor_run_once(r, 0), 0, "timeout 0: no jump, nothing due");
	cr_assert_eq(now, 5 * 1000000000LL);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(reactor_run_once(r, -1), 1);
	cr_assert_eq(a.n, 4);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(a.at[i], (6 + i) * 1000000000LL);
		cr_assert_eq(a.exp[i], 1);
	}
	reactor_timer_disarm(ta);
	cr_assert_eq(reactor_run_once(r, -1), 1);
	cr_assert_eq(b.n, 1);
	cr_assert_eq(now, 5 * 1000000000LL + 3600000000000LL);
	cr_assert_eq(reactor_run(r), 0, "nothing armed: run returns");
	clock_gettime(CLOCK_MONOTONIC, &w1);
	cr_assert_lt(w1.tv_sec - w0.tv_sec, 2, "an hour of simulated time in no wall time");
	/* a periodic timer that the clock jumped past reports the missed periods */
	reactor_timer_arm(ta, 1000000000ULL, 1000000000ULL);
	now += 3500000000LL;
	cr_assert_eq(reactor_run_once(r, 0), 1);
	cr_assert_eq(a.exp[4], 3);
	reactor_destroy(r);
	cr_assert_null(reactor_create_sim(NULL));
}
