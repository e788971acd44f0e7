// SPDX-License-Identifier: MIT
/*
 * vmclockd: the `migrating` command. The VMM reports where a live migration of one of its
 * VMs stands; the plan (mig_plan.c, pure) gives the source page its DISRUPTION_SOON/IMMINENT
 * flags and says when to ask the host's sync daemon for a burst (vmclock/README.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsync/cli.h"
#include "tsync/log.h"
#include "vmclockd.h"

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static struct vmclockd_mig *mig_find(struct vmclockd *d, const char *name, bool add)
{
	struct vmclockd_mig *free_slot = NULL;
	for (unsigned i = 0; i < VMCLOCKD_MAX_MIGS; i++) {
		struct vmclockd_mig *m = &d->migs[i];
		if (m->used && strcmp(m->name, name) == 0)
			return m;
		/* a slot whose migration and hold are over is free again */
		if (!free_slot && (!m->used || !m->plan.active))
			free_slot = m;
	}
	if (!add || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
	mig_plan_init(&free_slot->plan, d->burst_lead_s, d->burst_hold_s);
	return free_slot;
}

uint64_t vmclockd_mig_flags(const struct vmclockd *d, const char *name)
{
	for (unsigned i = 0; i < VMCLOCKD_MAX_MIGS; i++) {
		const struct vmclockd_mig *m = &d->migs[i];
		if (m->used && m->source && strcmp(m->name, name) == 0)
			return m->plan.flags;
	}
	return 0;
}

void vmclockd_mig_tick(struct vmclockd *d)
{
	double now = mono_s(), want = 0;
	for (unsigned i = 0; i < VMCLOCKD_MAX_MIGS; i++)
		if (d->migs[i].used) {
			double s = mig_plan_due(&d->migs[i].plan, now);
			want = s > want ? s : want;
		}
	if (want <= 0 || !d->ptpd.path || !d->mig_burst)
		return;
	d->bursts++;
	if (vmclockd_ptpd_burst_start(d, want, d->burst_log_sync))
		d->burst_errors++;
	else
		pr_info("vmclockd: migration: asked ptpd-wl for a %.1f s burst (Sync every 2^%d s)",
		        want, d->burst_log_sync);
}

int vmclockd_migrating(struct vmclockd *d, char **argv, int argc, char *reply, unsigned len)
{
	const char *role = vmclockd_arg(argv, argc, "role");
	const char *ph = vmclockd_arg(argv, argc, "phase");
	const char *pv = vmclockd_arg(argv, argc, "pages");
	const char *ev = vmclockd_arg(argv, argc, "eta");
	enum mig_phase phase;
	long pages = 0;
	double eta = -1;
	if (argc < 2 || strchr(argv[1], '=') || vmclock_name_check(argv[1]) || !role ||
	    (strcmp(role, "src") && strcmp(role, "dst")) || mig_phase_parse(ph, &phase) ||
	    (pv && cli_long(NULL, "pages", pv, 0, LONG_MAX, &pages)) ||
	    (ev && cli_double(NULL, "eta", ev, 0, 86400, &eta))) {
		snprintf(
		        reply, len,
		        "err migrating NAME role=src|dst phase=prepare|start|pass|final|end|cancel "
		        "[pages=N] [eta=S]");
		return -EINVAL;
	}
	bool src = strcmp(role, "src") == 0;
	struct vmclockd_mig *m = mig_find(d, argv[1], true);
	if (!m) {
		snprintf(reply, len, "err migrating: more than %d migrations at once",
		         VMCLOCKD_MAX_MIGS);
		return -ENOSPC;
	}
	m->source = src;
	double now = mono_s();
	uint64_t before = m->plan.flags;
	int err = mig_plan_event(&m->plan, src, phase, now, (uint64_t)pages, eta);
	if (err) {
		snprintf(reply, len, "err migrating %s: phase %s without a migration under way",
		         argv[1], ph);
		return err;
	}
	struct vmclockd_vm *vm = vmclockd_vm_find(d, argv[1]);
	if (vm && m->plan.flags != before && vmclockd_sample(d) == 0)
		vmclockd_publish_vm(d, vm, NULL); /* the flags show at once */
	vmclockd_mig_tick(d);
	snprintf(reply, len,
	         "ok vm=%s role=%s phase=%s flags=0x%" PRIx64
	         " switch_in_s=%.3f burst_left_s=%.3f bursts=%u",
	         m->name, role, mig_phase_name(phase), m->plan.flags,
	         m->plan.ended ? 0.0 : m->plan.switch_t - now,
	         m->plan.burst_until > now ? m->plan.burst_until - now : 0.0, m->plan.requests);
	return 0;
}
