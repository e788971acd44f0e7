/* SPDX-License-Identifier: MIT */
/*
 * Counter source internals: each implementation (tsc.c, fake.c) embeds struct counter first
 * and gets back to itself with container_of(); counter.c dispatches.
 */
#ifndef TSYNC_COUNTER_PRIVATE_H
#define TSYNC_COUNTER_PRIVATE_H

#include <stddef.h>
#include "tsync/counter.h"

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#endif

struct counter_ops {
	/* Required. Ticks in [0, 2^width). */
	uint64_t (*read)(struct counter *c);
	/* Required. Hz, > 0. */
	double (*nominal_hz)(const struct counter *c);
	/* Required. Static string. */
	const char *(*name)(const struct counter *c);
	/* Required. Frees the implementation. */
	void (*destroy)(struct counter *c);
};

struct counter {
	const struct counter_ops *ops;
	unsigned width; /* bits, 1..64 */
};

#endif
