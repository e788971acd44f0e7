/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics: pr_emerg() .. pr_debug() and rate-limited pl_*() variants.
 *
 * Levels are syslog's (LOG_EMERG 0 .. LOG_DEBUG 7); a message is emitted when its level is
 * <= the configured level (default LOG_INFO). The level is checked *before* the arguments are
 * formatted, so a disabled pr_debug() costs one function call and a compare.
 *
 * Output (configured once by main() with log_init()):
 *   stderr  "prog[1234.567]: message\n", the bracket being CLOCK_MONOTONIC seconds
 *           (ptp4l's style); log_set_timestamps(false) drops the bracket: "prog: message".
 *   syslog  openlog(prog, LOG_PID, LOG_DAEMON), message at its level, no prefix.
 *   a callback (log_set_callback) receives every emitted message, before the other sinks;
 *   log_set_sink(FILE *) sends the stderr output elsewhere (tests: a tmpfile or open_memstream).
 * One message is one write: it is formatted into a buffer first, then written with a newline.
 *
 * GLOBAL STATE: DESIGN.md forbids global mutable state in lib/; the logger's sink and level
 * are the one allowed exception (every module logs, and threading a logger handle through
 * every call would buy nothing for single-threaded daemons). Configure it from main() or a
 * test's setup only; the rate-limit state of pl_*() lives in a static at each call site, i.e.
 * in the caller, not here. Emitting from several threads is safe (each message is one stdio
 * call); reconfiguring while other threads log is not.
 */
#ifndef TSYNC_LOG_H
#define TSYNC_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <syslog.h>

/* prog: name in the prefix and for syslog (copied; NULL keeps "tsync"); level: LOG_*. */
void log_init(const char *prog, int level, bool to_stderr, bool to_syslog);
void log_set_level(int level); /* clamped to [LOG_EMERG, LOG_DEBUG] */
int log_get_level(void);
void log_set_timestamps(bool on); /* the [monotonic seconds] prefix on the stream, default on */
/* Stream for "stderr" output: NULL restores stderr. The stream is not closed by the logger. */
void log_set_sink(FILE *f);
/* Called with each emitted message (no prefix, no newline); NULL removes it. */
typedef void (*log_callback_t)(int level, const char *msg, void *arg);
void log_set_callback(log_callback_t cb, void *arg);

/* Would a message at level be emitted? */
bool log_enabled(int level);

/* Emit unconditionally with respect to rate limits; still level-checked. */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Rate-limit state of one call site (zero-initialised static). */
struct log_ratelimit {
	int64_t last_ns;     /* CLOCK_MONOTONIC of the last emitted message, 0 = never */
	uint64_t suppressed; /* messages dropped since then */
};
/*
 * Emit at most one message per interval_s seconds through rl; when a message goes out after
 * some were dropped, it is followed by "(N similar messages suppressed)". Returns true if the
 * message was emitted.
 */
bool log_msg_ratelimited(int level, struct log_ratelimit *rl, double interval_s, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));

#define pr_log(level, ...)                                                                         \
	do {                                                                                       \
		if (log_enabled(level))                                                            \
			log_msg(level, __VA_ARGS__);                                               \
	} while (0)

#define pr_emerg(...)   pr_log(LOG_EMERG, __VA_ARGS__)
#define pr_alert(...)   pr_log(LOG_ALERT, __VA_ARGS__)
#define pr_crit(...)    pr_log(LOG_CRIT, __VA_ARGS__)
#define pr_err(...)     pr_log(LOG_ERR, __VA_ARGS__)
#define pr_warning(...) pr_log(LOG_WARNING, __VA_ARGS__)
#define pr_warn(...)    pr_log(LOG_WARNING, __VA_ARGS__)
#define pr_notice(...)  pr_log(LOG_NOTICE, __VA_ARGS__)
#define pr_info(...)    pr_log(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)   pr_log(LOG_DEBUG, __VA_ARGS__)

/* Rate-limited: at most one message per interval_s from this call site. */
#define pl_log(level, interval_s, ...)                                                             \
	do {                                                                                       \
		static struct log_ratelimit pl_rl_;                                                \
		if (log_enabled(level))                                                            \
			log_msg_ratelimited(level, &pl_rl_, interval_s, __VA_ARGS__);              \
	} while (0)

#define pl_emerg(interval_s, ...)   pl_log(LOG_EMERG, interval_s, __VA_ARGS__)
#define pl_alert(interval_s, ...)   pl_log(LOG_ALERT, interval_s, __VA_ARGS__)
#define pl_crit(interval_s, ...)    pl_log(LOG_CRIT, interval_s, __VA_ARGS__)
#define pl_err(interval_s, ...)     pl_log(LOG_ERR, interval_s, __VA_ARGS__)
#define pl_warning(interval_s, ...) pl_log(LOG_WARNING, interval_s, __VA_ARGS__)
#define pl_notice(interval_s, ...)  pl_log(LOG_NOTICE, interval_s, __VA_ARGS__)
#define pl_info(interval_s, ...)    pl_log(LOG_INFO, interval_s, __VA_ARGS__)
#define pl_debug(interval_s, ...)   pl_log(LOG_DEBUG, interval_s, __VA_ARGS__)

#endif
