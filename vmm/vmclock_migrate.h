/* SPDX-License-Identifier: MIT */
/* tsvmm <-> vmclockd across a live migration (see vmclock_migrate.c). */
#ifndef TSVMM_VMCLOCK_MIGRATE_H
#define TSVMM_VMCLOCK_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"

struct vmm;

/*
 * Destination, before the vCPU runs: if the source sent a vmclock stop record, ask this
 * host's vmclockd (--vmclockd, --vmclock-vm, --vmclock-policy) to migrate the VM's clock in
 * and map the page it names. 0 (also when there is nothing to do), or -errno (logged; the
 * guest may run on with this host's unmigrated page).
 */
int vmclock_migrate_in(struct vmm *m);

/*
 * A migration event, for this host's vmclockd: "migrating <vm> role=src|dst phase=P
 * [pages=N]" (vmclock/README.md): the source page gets DISRUPTION_SOON at start and
 * DISRUPTION_IMMINENT at the final pass (cleared at end or cancel); either host asks its
 * sync daemon for a burst in time for the expected switchover. Nothing without --vmclockd
 * and --vmclock-vm. Failures are logged (at most a 1 s wait); the migration goes on.
 */
void vmclock_migration_report(struct vmm *m, bool source, enum dev_mig_event ev, uint64_t pages);
/* The command line of that report (pure): bytes written like snprintf. */
int vmclock_migration_cmd(const char *vm, bool source, enum dev_mig_event ev, uint64_t pages,
                          char *buf, size_t len);

#endif
