/* SPDX-License-Identifier: MIT */
/*
 * pr_* diagnostics. The logger configuration below is the one piece of global mutable state
 * in lib/ (see include/tsync/log.h for why).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsync/log.h"

static struct {
	char prog[64];
	int level;
	bool to_stderr, to_syslog, timestamps;
	FILE *sink; /* NULL = stderr */
	log_callback_t cb;
	void *cb_arg;
} lg = {
        .prog = "tsync",
        .level = LOG_INFO,
        .to_stderr = true,
        .timestamps = true,
};

static int clamp_level(int level)
{
	if (level < LOG_EMERG)
		return LOG_EMERG;
	if (level > LOG_DEBUG)
		return LOG_DEBUG;
	return level;
}

void log_init(const char *prog, int level, bool to_stderr, bool to_syslog)
{
	if (prog) {
		const char *base = strrchr(prog, '/');
		snprintf(lg.prog, sizeof(lg.prog), "%s", base ? base + 1 : prog);
	}
	lg.level = clamp_level(level);
	lg.to_stderr = to_stderr;
	if (lg.to_syslog && !to_syslog)
		closelog();
	lg.to_syslog = to_syslog;
	if (to_syslog)
		openlog(lg.prog, LOG_PID, LOG_DAEMON);
}

void log_set_level(int level)
{
	lg.level = clamp_level(level);
}

int log_get_level(void)
{
	return lg.level;
}

void log_set_timestamps(bool on)
{
	lg.timestamps = on;
}

void log_set_sink(FILE *f)
{
	lg.sink = f;
}

void log_set_callback(log_callback_t cb, void *arg)
{
	lg.cb = cb;
	lg.cb_arg = arg;
}

bool log_enabled(int level)
{
	return level <= lg.level;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void emit(int level, const char *msg)
{
	FILE *out = lg.sink ? lg.sink : stderr;

	if (lg.cb)
		lg.cb(level, msg, lg.cb_arg);
	if (lg.to_stderr) {
		if (lg.timestamps) {
			int64_t ns = mono_ns();
			fprintf(out, "%s[%lld.%03lld]: %s\n", lg.prog, (long long)(ns / 1000000000),
			        (long long)(ns / 1000000 % 1000), msg);
		} else {
			fprintf(out, "%s: %s\n", lg.prog, msg);
		}
		fflush(out);
	}
	if (lg.to_syslog)
		syslog(level, "%s", msg);
}

void log_vmsg(int level, const char *fmt, va_list ap)
{
	char small[512], *msg = small;
	va_list ap2;
	int len;

	if (!log_enabled(level))
		return;
	va_copy(ap2, ap);
	len = vsnprintf(small, sizeof(small), fmt, ap);
	if (len >= (int)sizeof(small)) {
		msg = malloc((size_t)len + 1);
		if (msg)
			vsnprintf(msg, (size_t)len + 1, fmt, ap2);
		else
			msg = small; /* out of memory: emit the truncated text */
	}
	va_end(ap2);
	if (len < 0)
		snprintf(small, sizeof(small), "(bad log format '%s')", fmt);
	emit(level, msg);
	if (msg != small)
		free(msg);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

bool log_msg_ratelimited(int level, struct log_ratelimit *rl, double interval_s, const char *fmt,
                         ...)
{
	int64_t now, interval_ns;
	uint64_t dropped;
	va_list ap;

	if (!log_enabled(level))
		return false;
	now = mono_ns();
	interval_ns = interval_s > 0 ? (int64_t)(interval_s * 1e9) : 0;
	if (rl->last_ns && now - rl->last_ns < interval_ns) {
		rl->suppressed++;
		return false;
	}
	rl->last_ns = now ? now : 1;
	dropped = rl->suppressed;
	rl->suppressed = 0;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
	if (dropped)
		log_msg(level, "(%llu similar messages suppressed)", (unsigned long long)dropped);
	return true;
}
