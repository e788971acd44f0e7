/* SPDX-License-Identifier: MIT */
/* Clock driver internals: each driver embeds struct tclock first and fills its ops. */
#ifndef TSYNC_CLOCK_PRIVATE_H
#define TSYNC_CLOCK_PRIVATE_H

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
	void (*destroy)(struct tclock *c);                                      /* required */
};

struct tclock {
	const struct tclock_ops *ops;
	enum tclock_type type;
	double max_adj_ppb;
	double last_ppb; /* for drivers without getfreq */
	char name[64];
};

/* Driver constructors (NULL + errno on failure). */
struct tclock *tclock_sys_create(void);
struct tclock *tclock_phc_create(const char *dev);
struct tclock *tclock_vclock_create(const char *name);

/* Common init of the base part. */
void tclock_base_init(struct tclock *c, const struct tclock_ops *ops, enum tclock_type type,
                      const char *name, double max_adj_ppb);

#endif
