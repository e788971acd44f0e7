// SPDX-License-Identifier: MIT
/*
 * tsvmm <-> vmclockd across a live migration (vmclock/README.md, "For the VMM").
 *
 * Source: nothing to call. The vmclock device's saved state is the stop record of the page
 * the guest reads at the TSC when the vCPU parked (vmm_pause -> the device's pause op; the
 * devices are saved after the final RAM pass, milliseconds later), so it travels in the
 * DEVICES record and is covered by the switchover checksum.
 * Destination, after GO and before the vCPU runs: the vmclock device's migrate_in op
 * (devices_migrate_in(), vmm/devices/device.h) calls vmclock_migrate_in(), which sends
 * "migrate-in <vm> [policy=P] <record>" to this host's vmclockd, which writes a fresh page
 * from this host's clock (marker bumped, policy applied), and maps the page it names into
 * the guest's slot.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "devices/vmclock_dev.h"
#include "tsync/kv.h"
#include "tsync/log.h"
#include "tsync/vmclock.h"
#include "vcpu_tsc.h"
#include "vmclock_migrate.h"
#include "vmm.h"

int vmclock_migrate_in(struct vmm *m)
{
	const struct vmm_config *cfg = vmm_config(m);
	char rec[256], cmd[512], reply[1024];
	int r = vmclock_dev_take_record(vmm_devices(m), rec, sizeof(rec));
	if (r == -ENOENT)
		return 0; /* the source had no vmclock page */
	if (!cfg->vmclockd_sock || !cfg->vmclock_vm) {
		pr_warning("incoming: the guest had a vmclock page but there is no --vmclockd/"
		           "--vmclock-vm: its clock is not migrated");
		return 0;
	}
	uint64_t t0 = vmclock_rdtsc();
	/* the page maps the guest's TSC: this host's + the offset that kept it continuous */
	snprintf(cmd, sizeof(cmd), "migrate-in %s%s%s tsc_offset=%" PRId64 " %s", cfg->vmclock_vm,
	         cfg->vmclock_policy ? " policy=" : "",
	         cfg->vmclock_policy ? cfg->vmclock_policy : "", (int64_t)vmm_tsc_offset(m), rec);
	r = vmclock_ctl_request(cfg->vmclockd_sock, cmd, reply, sizeof(reply), 2000);
	if (r) {
		pr_err("incoming: vmclockd %s: %s: the guest keeps this host's page unmigrated",
		       cfg->vmclockd_sock, r == -EPROTO ? reply : strerror(-r));
		return r;
	}
	struct kv_in kv;
	const char *path = kv_parse(reply, &kv) ? NULL : kv_get(&kv, "page");
	if (!path) {
		pr_err("incoming: vmclockd reply names no page: %s", reply);
		return -EPROTO;
	}
	if ((r = vmclock_dev_map_file(vmm_devices(m), path, 0))) {
		pr_err("incoming: cannot map the vmclock page %s: %s", path, strerror(-r));
		return r;
	}
	pr_info("incoming: vmclock %s (%llu us): %s", rec,
	        (unsigned long long)((vmclock_rdtsc() - t0) / (vmm_tsc_khz(m) / 1000 + 1)), reply);
	return 0;
}

int vmclock_migration_cmd(const char *vm, bool source, enum dev_mig_event ev, uint64_t pages,
                          char *buf, size_t len)
{
	static const char *const phase[] = {"prepare", "start", "pass", "final", "end", "cancel"};
	if ((unsigned)ev >= sizeof(phase) / sizeof(phase[0]))
		return -EINVAL;
	if (ev == DEV_MIG_PASS)
		return snprintf(buf, len, "migrating %s role=%s phase=pass pages=%" PRIu64, vm,
		                source ? "src" : "dst", pages);
	return snprintf(buf, len, "migrating %s role=%s phase=%s", vm, source ? "src" : "dst",
	                phase[ev]);
}

void vmclock_migration_report(struct vmm *m, bool source, enum dev_mig_event ev, uint64_t pages)
{
	const struct vmm_config *cfg = vmm_config(m);
	char cmd[256], reply[512];
	if (!cfg->vmclockd_sock || !cfg->vmclock_vm)
		return;
	int n = vmclock_migration_cmd(cfg->vmclock_vm, source, ev, pages, cmd, sizeof(cmd));
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return;
	int r = vmclock_ctl_request(cfg->vmclockd_sock, cmd, reply, sizeof(reply), 1000);
	if (r)
		pr_warning("vmclock: vmclockd %s: %s: %s", cfg->vmclockd_sock, cmd,
		           r == -EPROTO ? reply : strerror(-r));
	else
		pr_info("vmclock: %s: %s", cmd, reply);
}
