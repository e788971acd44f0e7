/* SPDX-License-Identifier: MIT */
/*
 * tsvmm control commands (the table behind the control socket):
 *   qmp_capabilities, query-status, stop, cont, quit,
 *   query-memory-stats                  zero/dup/disk/unique pages of the fill region
 *   x-dirty-log-sample {"ms": N}        pages dirtied during N ms (dirty logging on)
 *   x-vmclock-map {"path": FILE}        back the vmclock slot with FILE's first page
 *   x-state-roundtrip {"keep_tsc": B}   (paused) vCPU state get/set/get, device save/load,
 *                                       KVM_GET_CLOCK: checks the migration interfaces
 *   migrate {"uri": "tcp:ADDR:PORT"}, migrate-set-parameters {...}, query-migrate,
 *   migrate_cancel, x-memory-checksum   live migration (vmm/migrate/migrate.h)
 */
#ifndef TSVMM_CONTROL_CMDS_H
#define TSVMM_CONTROL_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control.h"

struct vmm;

/* The handlers' context, owned by main(). */
struct vmm_ctl {
	struct vmm *vmm;
	bool quit;             /* set by "quit" (and atomically by a completed migration) */
	struct migration *mig; /* source-side migration, created by the first migrate command */
};

/* The command table (static, read-only). */
const struct control_cmd *vmm_control_cmds(size_t *n);

/* Statistics of the fill region, optionally against the disk image (NULL: none), as used by
 * query-memory-stats and --memstats. 0 or -errno. */
struct memstats;
int vmm_memstats(struct vmm *m, struct memstats *st);

#endif
