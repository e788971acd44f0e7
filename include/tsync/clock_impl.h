/* SPDX-License-Identifier: MIT */
/*
 * Clock driver implementation header: what a clock driver outside lib/ (a NIC's PHC through a
 * vendor API, a DTP counter, a simulator's clock) needs to plug into the tclock interface of
 * clock.h. A driver embeds struct tclock first, fills a static struct tclock_ops, calls
 * tclock_base_init() and hands out &its->base; tclock_destroy() calls ops->destroy.
 */
#ifndef TSYNC_CLOCK_IMPL_H
#define TSYNC_CLOCK_IMPL_H

#include <stddef.h>
#include "tsync/clock.h"

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#endif

struct tclock_ops {
	int (*gettime)(struct tclock *c, tmv_t *ns);   /* required */
	int (*adjfreq)(struct tclock *c, double ppb);  /* required */
	int (*getfreq)(struct tclock *c, double *ppb); /* optional: last adjfreq */
	int (*step)(struct tclock *c, tmv_t delta_ns); /* required */
	int (*getres)(struct tclock *c, tmv_t *ns);    /* optional: 1 ns */
	int (*read_pair)(struct tclock *c, tmv_t *clk, tmv_t *sys, tmv_t *win); /* optional */
	/* optional: map a system-clock stamp onto this clock (default: through read_pair) */
	int (*from_sys)(struct tclock *c, tmv_t sys, tmv_t *clk);
	void (*destroy)(struct tclock *c); /* required */
};

struct tclock {
	const struct tclock_ops *ops;
	enum tclock_type type;
	double max_adj_ppb;
	double last_ppb; /* for drivers without getfreq */
	char name[64];
};

/* Common init of the base part (name is copied, truncated to 63 characters). */
void tclock_base_init(struct tclock *c, const struct tclock_ops *ops, enum tclock_type type,
                      const char *name, double max_adj_ppb);

#endif
