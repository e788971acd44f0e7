/* SPDX-License-Identifier: MIT */
/*
 * vmclockd's configuration table (include/tsync/config.h): every daemon flag is a key, given
 * as --key-with-dashes VALUE (the historical flags), --key_with_underscores=VALUE, or as
 * "key value" in the file of -f. Times take units (1ms), rates ppm/ppb (20ppm) or a fraction.
 */
#ifndef VMCLOCK_CONFIG_TABLE_H
#define VMCLOCK_CONFIG_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tsync/config.h"

struct vmclockd;

/* What main() needs beyond struct vmclockd. */
struct vmclockd_opts {
	const char *clock_spec;    /* --clock (NULL: not given) */
	const char *sock;          /* --socket (NULL: none) */
	gid_t sock_gid;            /* --socket-group ((gid_t)-1: none) */
	unsigned cal_ms;           /* --calibrate-ms */
	double baseline_s;         /* --baseline */
	const char *tsc_transform; /* --tsc-transform OFFSET,PPM (NULL: the machine's TSC) */
	bool verbose;
};

/* The table and its size. */
const struct config_item *vmclockd_config_table(size_t *n);
/* A config over the table. NULL with errno. */
struct config *vmclockd_config_create(void);
/*
 * Fill d (estimate, policy, slew, interval, ptpd, page_dir, gen_present) and o from cfg. Strings
 * in d and o point into cfg: keep it until exit. 0, or -EINVAL with "bad --key 'value' ..." in
 * err (len bytes).
 */
int vmclockd_config_apply(const struct config *cfg, struct vmclockd *d, struct vmclockd_opts *o,
                          char *err, size_t len);

#endif
