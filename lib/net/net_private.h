/* SPDX-License-Identifier: MIT */
/* Helpers shared by lib/net/ files (not part of the public API). */
#ifndef TSYNC_NET_PRIVATE_H
#define TSYNC_NET_PRIVATE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include "tsync/timestamping.h"

/* Format a message into err (if err && errlen) and return rc (a -errno), so that callers can
 * write `return net_err(err, errlen, -EINVAL, "...", ...);`. */
static inline int net_err(char *err, size_t errlen, int rc, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static inline int net_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* The PHC index of iface when mode is TS_HARDWARE and it has one (for tagging), else -1. */
int ts_phc_of(const char *iface, enum ts_mode mode);

/* Discard every queued error queue entry of fd (stale TX timestamps), without blocking. */
void ts_drain_errqueue(int fd);

/* Set an integer socket option; on failure format "IF: what: strerror" into err, return -errno. */
int net_sockopt(int fd, int level, int name, int val, const char *iface, const char *what,
                char *err, size_t errlen);

#endif
