/* SPDX-License-Identifier: MIT */
/*
 * Command-line number parsing shared by every tool: the whole string must be a number inside
 * [lo, hi]; otherwise the function prints "PROG: bad value 'S' for FLAG (expected ...)" on
 * stderr and returns -EINVAL (or -ERANGE when it is a number outside the range), so a bad flag
 * is always named and never silently read as 0 (as atof/atoi would).
 */
#ifndef TSYNC_CLI_H
#define TSYNC_CLI_H

#include "tsync/time.h"

int cli_double(const char *prog, const char *flag, const char *s, double lo, double hi,
               double *out);
/* Integers: decimal, or hex with 0x. */
int cli_long(const char *prog, const char *flag, const char *s, long lo, long hi, long *out);
/* Times with an optional unit: "1.5ms", "200us", "3" (seconds); out in ns. */
int cli_time(const char *prog, const char *flag, const char *s, tmv_t lo, tmv_t hi, tmv_t *out);

#endif
