/* SPDX-License-Identifier: MIT */
/* tsvmm <-> vmclockd across a live migration (see vmclock_migrate.c). */
#ifndef TSVMM_VMCLOCK_MIGRATE_H
#define TSVMM_VMCLOCK_MIGRATE_H

struct vmm;

/*
 * Destination, before the vCPU runs: if the source sent a vmclock stop record, ask this
 * host's vmclockd (--vmclockd, --vmclock-vm, --vmclock-policy) to migrate the VM's clock in
 * and map the page it names. 0 (also when there is nothing to do), or -errno (logged; the
 * guest may run on with this host's unmigrated page).
 */
int vmclock_migrate_in(struct vmm *m);

#endif
