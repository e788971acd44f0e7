/* SPDX-License-Identifier: MIT */
/*
 * How lib/ reports failure (one convention for every library module):
 *
 *   - A constructor that returns an object (foo_create, foo_open) returns it, or NULL with
 *     errno set to a positive E* code. It never logs: the caller knows what the object was
 *     for and says so. Example: reactor_create, config_create, servo_create, transport_create.
 *   - Where a constructor also takes an `int *err` (chrony_shm_open, chrony_sock_open,
 *     vclock_create, vclock_open: older API), *err gets the same code negated, err may be
 *     NULL, and errno is set as well, so every constructor can be checked the same way.
 *   - Where a constructor can explain more than a code (a parse error with a line number), it
 *     takes an optional out structure for the text (statlog_read_open's statlog_error) and
 *     still sets errno.
 *   - Anything else that can fail, including what fills caller-owned storage
 *     (vmclock_page_open) or makes an fd (ipc_listen), returns 0 (or the fd, a count) on
 *     success and -errno on failure; errno is then unspecified.
 *
 * tsync_fail_null(-E) sets errno from a negative code and returns NULL, for the last line of
 * a constructor's failure path.
 */
#ifndef TSYNC_ERRORS_H
#define TSYNC_ERRORS_H

#include <errno.h>
#include <stddef.h>

static inline void *tsync_fail_null(int neg_err)
{
	errno = neg_err < 0 ? -neg_err : EIO;
	return NULL;
}

#endif
