// SPDX-License-Identifier: MIT
/* On-demand sync around a migration: the plan (flags, when to burst, for how long), the
 * `migrating` command on a daemon with a real page file, and tsvmm's report lines. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mig_plan.h"
#include "tsync/clock.h"
#include "vmclock_migrate.h"
#include "vmclockd.h"

#define SOON     VMCLOCK_FLAG_DISRUPTION_SOON
#define IMMINENT VMCLOCK_FLAG_DISRUPTION_IMMINENT

Test(vmclock_migplan, source_flags_follow_the_migration)
{
	struct mig_plan p;
	mig_plan_init(&p, 3, 2);
	cr_assert_eq(p.flags, 0);
	cr_assert_eq(mig_plan_event(&p, true, MIG_PHASE_START, 100, 0, -1), 0);
	cr_assert_eq(p.flags, SOON, "SOON when the migration starts");
	cr_assert_eq(mig_plan_event(&p, true, MIG_PHASE_PASS, 101, 1000, -1), 0);
	cr_assert_eq(p.flags, SOON);
	cr_assert_eq(mig_plan_event(&p, true, MIG_PHASE_FINAL, 102, 0, -1), 0);
	cr_assert_eq(p.flags, SOON | IMMINENT, "IMMINENT at the final pass");
	cr_assert_eq(mig_plan_event(&p, true, MIG_PHASE_END, 102.2, 0, -1), 0);
	cr_assert_eq(p.flags, 0, "cleared once the guest runs elsewhere");
	/* a failed migration clears them too */
	cr_assert_eq(mig_plan_event(&p, true, MIG_PHASE_START, 200, 0, -1), 0);
	cr_assert_eq(mig_plan_event(&p, true, MIG_PHASE_FINAL, 201, 0, -1), 0);
	cr_assert_eq(mig_plan_event(&p, true, MIG_PHASE_CANCEL, 201.5, 0, -1), 0);
	cr_assert_eq(p.flags, 0);
	/* the destination's plan never sets flags (its page's marker moves at migrate-in) */
	mig_plan_init(&p, 3, 2);
	cr_assert_eq(mig_plan_event(&p, false, MIG_PHASE_START, 100, 0, -1), 0);
	cr_assert_eq(mig_plan_event(&p, false, MIG_PHASE_FINAL, 101, 0, -1), 0);
	cr_assert_eq(p.flags, 0);
	/* out of order */
	mig_plan_init(&p, 3, 2);
	cr_assert_eq(mig_plan_event(&p, true, MIG_PHASE_PASS, 1, 5, -1), -EINVAL);
	cr_assert_eq(mig_plan_event(&p, true, MIG_PHASE_END, 1, 0, -1), -EINVAL);
	cr_assert_eq(mig_plan_event(&p, true, MIG_PHASE_CANCEL, 1, 0, -1), 0);
}

Test(vmclock_migplan, burst_starts_lead_before_the_switchover_and_ends_after_the_hold)
{
	struct mig_plan p;
	mig_plan_init(&p, 3, 2);
	cr_assert_eq(mig_plan_due(&p, 0), 0, "no migration, no burst");
	/* a long migration whose ETA the VMM gives: 60 s */
	cr_assert_eq(mig_plan_event(&p, false, MIG_PHASE_START, 1000, 0, 60), 0);
	cr_assert_eq(mig_plan_due(&p, 1000), 0, "too early: the burst would be over in vain");
	cr_assert_eq(mig_plan_due(&p, 1050), 0);
	double s = mig_plan_due(&p, 1057.5); /* 2.5 s before the switchover: within the lead */
	cr_assert_float_eq(s, 2.5 + 2, 1e-9, "until the switchover + hold: %f", s);
	cr_assert_eq(mig_plan_due(&p, 1058), 0, "asked once");
	/* the switchover comes later than expected: extended */
	cr_assert_eq(mig_plan_event(&p, false, MIG_PHASE_PASS, 1059, 100, 4), 0);
	s = mig_plan_due(&p, 1059);
	cr_assert_float_eq(s, 4 + 2, 1e-9);
	/* the guest runs: the burst lasts hold_s after, then the plan is over */
	cr_assert_eq(mig_plan_event(&p, false, MIG_PHASE_END, 1062, 0, -1), 0);
	cr_assert_eq(mig_plan_due(&p, 1062), 0, "already covered until 1065");
	cr_assert_eq(mig_plan_due(&p, 1064.9), 0);
	cr_assert_eq(mig_plan_due(&p, 1065), 0);
	cr_assert_not(p.active, "the rate is back to normal");
	cr_assert_eq(p.requests, 2);
}

Test(vmclock_migplan, eta_from_the_passes)
{
	struct mig_plan p;
	mig_plan_init(&p, 3, 2);
	/* unknown before the passes shrink: burst at once (the switchover may be near), and
	 * keep extending it while it stays unknown */
	cr_assert_eq(mig_plan_event(&p, false, MIG_PHASE_PREPARE, 0, 0, -1), 0);
	cr_assert_float_eq(mig_plan_due(&p, 0), 2, 1e-9);
	cr_assert_eq(mig_plan_event(&p, false, MIG_PHASE_START, 1, 0, -1), 0);
	cr_assert_float_eq(mig_plan_due(&p, 1.6), 2, 1e-9, "extended");
	/* pass 0: 10000 pages in 20 s; pass 1: 5000 in 10 s: ratio 1/2, 10 s left */
	cr_assert_eq(mig_plan_event(&p, false, MIG_PHASE_PASS, 21, 10000, -1), 0);
	cr_assert_eq(mig_plan_event(&p, false, MIG_PHASE_PASS, 31, 5000, -1), 0);
	cr_assert_float_eq(p.switch_t, 41, 1e-9, "switchover expected at %f", p.switch_t);
	cr_assert_eq(mig_plan_due(&p, 31), 0, "10 s away: not yet");
	cr_assert_float_eq(mig_plan_due(&p, 38.5), 41 + 2 - 38.5, 1e-9);
	/* passes that do not shrink: the switchover may come any time (max passes) */
	cr_assert_eq(mig_plan_event(&p, false, MIG_PHASE_PASS, 45, 6000, -1), 0);
	cr_assert_float_eq(p.switch_t, 45, 1e-9);
}

Test(vmclock_migplan, phase_names)
{
	enum mig_phase ph;
	static const char *const n[] = {"prepare", "start", "pass", "final", "end", "cancel"};
	for (unsigned i = 0; i < 6; i++) {
		cr_assert_eq(mig_phase_parse(n[i], &ph), 0);
		cr_assert_eq(ph, (enum mig_phase)i);
		cr_assert_str_eq(mig_phase_name(ph), n[i]);
	}
	cr_assert_eq(mig_phase_parse("soon", &ph), -EINVAL);
	cr_assert_eq(mig_phase_parse(NULL, &ph), -EINVAL);
	/* tsvmm's events are the same phases, in the same order */
	char buf[128];
	for (unsigned i = 0; i < 6; i++) {
		cr_assert_gt(vmclock_migration_cmd("vm1", i & 1, (enum dev_mig_event)i, 42, buf,
		                                   sizeof(buf)),
		             0);
		char want[64];
		snprintf(want, sizeof(want), "phase=%s", n[i]);
		cr_assert(strstr(buf, want), "%s", buf);
	}
	vmclock_migration_cmd("vm1", true, DEV_MIG_PASS, 42, buf, sizeof(buf));
	cr_assert_str_eq(buf, "migrating vm1 role=src phase=pass pages=42");
	cr_assert_lt(vmclock_migration_cmd("vm1", true, (enum dev_mig_event)9, 0, buf, sizeof(buf)),
	             0);
}

static char dir[64];

/* The command on a daemon publishing one page (no sync daemon: the flags only). */
Test(vmclock_migplan, migrating_command_sets_the_source_page_flags)
{
	static struct vmclockd d;
	char reply[512];
	bool quit = false;
	struct vmclock_reading r;
	snprintf(dir, sizeof(dir), "/tmp/vmclock-migplan-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	memset(&d, 0, sizeof(d));
	d.page_dir = dir;
	d.slew_max = 1e-3;
	d.interval_s = 1;
	d.burst_lead_s = 3;
	d.burst_hold_s = 2;
	d.est.maxerror_ns = 1000000;
	d.est.freq_maxerror = 100e-6;
	d.est.status = VMCLOCK_STATUS_SYNCHRONIZED;
	d.clock = tclock_create(TCLOCK_SYS, NULL);
	d.tsc = counter_tsc_create(0);
	cr_assert_not_null(d.clock);
	cr_assert_not_null(d.tsc);
	counter_rate_init(&d.rate, counter_width(d.tsc), 1.0, 10, d.est.freq_maxerror);
	cr_assert_eq(vmclockd_sample(&d), 0);
	usleep(20000);
	cr_assert_eq(vmclockd_sample(&d), 0);
	int err;
	struct vmclockd_vm *vm = vmclockd_vm_add(&d, "m1", VMCLOCK_POLICY_STEP, &err);
	cr_assert_not_null(vm, "%d", err);
	cr_assert_eq(vmclock_read(vm->map.abi, vmclock_counter_tsc, NULL, 100, &r), 0);
	cr_assert_eq(r.flags & (SOON | IMMINENT), 0);
	cr_assert_eq(vmclockd_command(&d, "migrating m1 role=src phase=start", reply, sizeof(reply),
	                              &quit),
	             0, "%s", reply);
	cr_assert(strstr(reply, "flags=0x2 "), "%s", reply);
	cr_assert_eq(vmclock_read(vm->map.abi, vmclock_counter_tsc, NULL, 100, &r), 0);
	cr_assert_eq(r.flags & (SOON | IMMINENT), SOON, "at once: %#llx",
	             (unsigned long long)r.flags);
	/* regular updates keep it */
	cr_assert_eq(vmclockd_sample(&d), 0);
	cr_assert_eq(vmclockd_publish_all(&d), 0);
	cr_assert_eq(vmclock_read(vm->map.abi, vmclock_counter_tsc, NULL, 100, &r), 0);
	cr_assert_eq(r.flags & (SOON | IMMINENT), SOON);
	cr_assert_eq(vmclockd_command(&d, "migrating m1 role=src phase=pass pages=100", reply,
	                              sizeof(reply), &quit),
	             0, "%s", reply);
	cr_assert_eq(vmclockd_command(&d, "migrating m1 role=src phase=final", reply, sizeof(reply),
	                              &quit),
	             0, "%s", reply);
	cr_assert_eq(vmclock_read(vm->map.abi, vmclock_counter_tsc, NULL, 100, &r), 0);
	cr_assert_eq(r.flags & (SOON | IMMINENT), SOON | IMMINENT);
	cr_assert_eq(vmclockd_command(&d, "migrating m1 role=src phase=cancel", reply,
	                              sizeof(reply), &quit),
	             0, "%s", reply);
	cr_assert_eq(vmclock_read(vm->map.abi, vmclock_counter_tsc, NULL, 100, &r), 0);
	cr_assert_eq(r.flags & (SOON | IMMINENT), 0, "cleared: the migration failed");
	/* bad lines are refused and change nothing */
	cr_assert_neq(vmclockd_command(&d, "migrating m1 role=x phase=start", reply, sizeof(reply),
	                               &quit),
	              0);
	cr_assert_neq(vmclockd_command(&d, "migrating ../m1 role=src phase=start", reply,
	                               sizeof(reply), &quit),
	              0);
	cr_assert_neq(vmclockd_command(&d, "migrating m1 role=src phase=pass", reply, sizeof(reply),
	                               &quit),
	              0, "a pass without a migration");
	cr_assert(vmclockd_command_mutates("migrating m1 role=src phase=start"));
	/* the destination page: the plan never flags it */
	cr_assert_eq(vmclockd_command(&d, "migrating m2 role=dst phase=start", reply, sizeof(reply),
	                              &quit),
	             0, "%s", reply);
	cr_assert_eq(vmclockd_mig_flags(&d, "m2"), 0);
	vmclockd_vm_del(&d, vm);
	char p[128];
	snprintf(p, sizeof(p), "%s/tsync-vmclock.m1", dir);
	unlink(p);
	rmdir(dir);
	tclock_destroy(d.clock);
	counter_destroy(d.tsc);
}
