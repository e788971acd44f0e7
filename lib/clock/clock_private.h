/* SPDX-License-Identifier: MIT */
/* Clock driver internals: the in-tree drivers' constructors (the ops are in clock_impl.h). */
#ifndef TSYNC_CLOCK_PRIVATE_H
#define TSYNC_CLOCK_PRIVATE_H

#include "tsync/clock_impl.h"

/* Driver constructors (NULL + errno on failure). */
struct tclock *tclock_sys_create(void);
struct tclock *tclock_phc_create(const char *dev);
struct tclock *tclock_vclock_create(const char *name);

#endif
