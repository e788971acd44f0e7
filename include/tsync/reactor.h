/* SPDX-License-Identifier: MIT */
/*
 * Single-threaded event loop: poll(2) over fd watchers, timerfd timers (CLOCK_MONOTONIC) and
 * an optional signalfd. No global state; one reactor per thread.
 *
 * Dispatch: each round polls once, then calls the callbacks of everything that was ready.
 * Ready timers run first, in the order of their deadlines (so two timers that both expired
 * while the loop was busy still fire in order), then fd watchers and signals in the order they
 * were added. Inside any callback it is safe to add, remove or re-arm any watcher or timer,
 * including the one running, and to call reactor_stop(): a removed watcher or destroyed timer
 * gets no further callback, not even one already pending in the same round.
 * The reactor never closes watched fds; it owns the timerfds and the signalfd.
 *
 * Time source: reactor_create() runs on CLOCK_MONOTONIC; reactor_create_sim() on a simulated
 * clock the caller owns (e.g. &sim_time.now_ns, sim.h): timers need no timerfd, fds are polled
 * without blocking, and a round with nothing ready jumps the clock to the earliest timer
 * deadline and fires it, so hours of daemon time run in wall milliseconds. Code that runs on
 * a reactor takes its monotonic time from reactor_now(), never from clock_gettime().
 */
#ifndef TSYNC_REACTOR_H
#define TSYNC_REACTOR_H

#include <stdbool.h>
#include <stdint.h>

struct reactor;
struct reactor_timer;

/* revents: poll(2) bits (POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL). */
typedef void (*reactor_fd_cb)(struct reactor *r, int fd, short revents, void *arg);
/* expirations: periods elapsed since the last callback (>= 1; > 1 means we ran late). */
typedef void (*reactor_timer_cb)(struct reactor *r, struct reactor_timer *t, uint64_t expirations,
                                 void *arg);
/* signo: the signal received through the signalfd. */
typedef void (*reactor_signal_cb)(struct reactor *r, int signo, void *arg);

/* NULL (errno ENOMEM) on failure. */
struct reactor *reactor_create(void);
/* A reactor in simulated time: *now_ns (ns) is its clock, advanced by reactor_run_once. NULL
 * (errno EINVAL, ENOMEM) on failure. */
struct reactor *reactor_create_sim(int64_t *now_ns);
/* The reactor's monotonic time now, ns (CLOCK_MONOTONIC, or the simulated clock). */
int64_t reactor_now(const struct reactor *r);
/* Frees every watcher and timer (closing timerfds and the signalfd, restoring the signal
 * mask). Not from inside a callback. */
void reactor_destroy(struct reactor *r);

/* Watch fd for events (POLLIN | POLLOUT ...). 0, -EEXIST (fd already watched), -EINVAL,
 * -ENOMEM. */
int reactor_add_fd(struct reactor *r, int fd, short events, reactor_fd_cb cb, void *arg);
/* Change the events of a watched fd. 0 or -ENOENT. */
int reactor_mod_fd(struct reactor *r, int fd, short events);
/* Stop watching fd (does not close it). 0 or -ENOENT. */
int reactor_remove_fd(struct reactor *r, int fd);

/* A disarmed timer. NULL with errno (timerfd_create's, or ENOMEM). */
struct reactor_timer *reactor_timer_create(struct reactor *r, reactor_timer_cb cb, void *arg);
/*
 * (Re)arm: first expiry after delay_ns (> 0) from now, then every period_ns (0 = one-shot).
 * Re-arming replaces the previous schedule and discards unreported expirations.
 * 0, -EINVAL (delay_ns == 0), or timerfd_settime's -errno.
 */
int reactor_timer_arm(struct reactor_timer *t, uint64_t delay_ns, uint64_t period_ns);
/* Change the period keeping the phase: next expiry at the pending deadline (or now + period
 * when disarmed), then every period_ns. 0 or -errno. */
int reactor_timer_set_period(struct reactor_timer *t, uint64_t period_ns);
/* Cancel; the timer can be armed again. 0 or -errno. */
int reactor_timer_disarm(struct reactor_timer *t);
bool reactor_timer_armed(const struct reactor_timer *t);
/* Disarm and free (deferred to the end of the round when called from a callback). */
void reactor_timer_destroy(struct reactor_timer *t);

/*
 * Receive signals (e.g. SIGINT, SIGTERM) through a signalfd: blocks them for the calling
 * thread (the previous mask is restored by reactor_destroy) and calls cb for each delivery.
 * One set per reactor: a second call returns -EBUSY. 0 or -errno.
 */
int reactor_add_signals(struct reactor *r, const int *signals, int n, reactor_signal_cb cb,
                        void *arg);

/* Poll once, waiting at most timeout_ms (-1 = forever, 0 = do not block), and dispatch.
 * Returns the number of callbacks made (0 on timeout or EINTR), -EBUSY when called from a
 * callback (no nesting), or -errno from poll. */
int reactor_run_once(struct reactor *r, int timeout_ms);
/* Dispatch until reactor_stop() or until nothing is left to wait for (no fd watcher, no
 * signalfd, no armed timer). 0 or -errno. */
int reactor_run(struct reactor *r);
/* Make reactor_run() return after the current round (safe from callbacks). */
void reactor_stop(struct reactor *r);

#endif
