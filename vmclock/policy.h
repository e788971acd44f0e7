/* SPDX-License-Identifier: MIT */
/*
 * vmclockd publishing and migration policies: pure functions, no I/O, no clock reads.
 *
 * Input: what the host knows at one instant (struct vmclock_host: its disciplined clock read
 * against the counter, the sync daemon's error bounds). Output: the vmclock page to publish at
 * an anchor counter value (read by the caller right after vmclock_write_begin()). The published
 * bound is honest by construction: if |host clock - true| <= host.maxerror_ns at host.counter
 * and the host clock's rate error is <= host.rate_maxerror, then for every counter c >= anchor
 * the page's [earliest, latest] at c contains true time (tests/unit/vmclock/test_policy.c).
 *
 * Policies (what the guest's time does across a migration; all bump disruption_marker):
 *   STEP    guest time = host time at once (a jump forward by the pause, +- the hosts' offset).
 *   SLEW    guest time continues from the frozen value and converges to host time at a rate of
 *           at most slew_max; TIME_MONOTONIC is set (and kept true across every later update:
 *           each update is anchored at the value the previous page gives at the anchor).
 *   FREEZE  today's QEMU behaviour: guest time continues from the frozen value and keeps the
 *           lag for ever (host time + a constant offset); the bound includes |offset|.
 * Outside migrations: STEP and FREEZE re-anchor on the host clock at each update; SLEW steers.
 *
 * Status: h->status is the page's clock_status. INITIALIZING and UNKNOWN pages carry the time
 * but none of the *_ERROR_VALID flags (and zero error fields): there is no bound to give yet.
 */
#ifndef VMCLOCK_POLICY_H
#define VMCLOCK_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "tsync/vmclock.h"

enum vmclock_policy {
	VMCLOCK_POLICY_STEP,
	VMCLOCK_POLICY_SLEW,
	VMCLOCK_POLICY_FREEZE,
};
/* "step" "slew" "freeze" -> policy; 0 or -EINVAL. */
int vmclock_policy_parse(const char *s, enum vmclock_policy *out);
const char *vmclock_policy_name(enum vmclock_policy p);

/* The host's view at one instant. */
struct vmclock_host {
	uint64_t counter;       /* counter (TSC) at the clock reading */
	int64_t time_ns;        /* host clock at that counter, ns since 1970, UTC */
	uint64_t maxerror_ns;   /* bound on |host clock - true| there (sync estimate + pairing) */
	uint64_t esterror_ns;   /* estimate of the same */
	double ns_per_tick;     /* host-clock ns per counter tick (measured, tsc_rate) */
	double rate_maxerror;   /* bound on |ns_per_tick / true ns per tick - 1| (fraction) */
	double rate_esterror;   /* estimate of the same */
	uint8_t status;         /* VMCLOCK_STATUS_* from the sync daemon's state */
	bool tai_valid;         /* tai_offset_sec is known */
	int16_t tai_offset_sec; /* UTC - TAI, s (-37 since 2017) */
	uint8_t leap;           /* VMCLOCK_LEAP_* */
};

/* Per-VM publisher state; the caller owns it, the functions update it. */
struct vmclock_pub {
	enum vmclock_policy policy;
	double slew_max;   /* max |slew rate| (fraction, 1e-3 = 1000 ppm), 0 < slew_max < 0.5 */
	double horizon_s;  /* SLEW: a small offset is removed over this time (the update period) */
	int64_t offset_ns; /* FREEZE: guest minus host time, fixed at migrate-in */
	double slew;       /* SLEW: rate applied by the last page (+ = guest runs fast) */
	int64_t slew_offset_ns; /* SLEW: guest minus host at the last anchor */
	bool have_prev;
	struct vmclock_abi prev; /* the last page computed */
	uint64_t disruption_marker;
	uint64_t vm_generation_counter;
	bool gen_present; /* publish VM_GEN_COUNTER_PRESENT */
	/* Each page's counter_value is this many ticks before the anchor (the same line through
	 * (anchor, time), its bound grown by the rate bound over the distance): a reader on a
	 * CPU whose TSC is a little behind the writer's never reads a counter before it (the
	 * Linux driver would compute a time ~2^64 ticks ahead). 0: counter_value = anchor. */
	uint64_t anchor_back_ticks;
	/* VMCLOCK_FLAG_DISRUPTION_SOON/IMMINENT to publish (a migration of this VM is under way,
	 * mig_plan.h); cleared by vmclock_pub_migrate_in (the destination's page is fresh). */
	uint64_t disruption_flags;
	unsigned updates, migrations;
};

/* Fresh state: marker 1, nothing published yet. slew_max/horizon_s as above (clamped). */
void vmclock_pub_init(struct vmclock_pub *s, enum vmclock_policy policy, double slew_max,
                      double horizon_s);

/*
 * Regular update: the page to publish, anchored at counter `anchor` (>= h->counter - a little;
 * read after vmclock_write_begin so that SLEW's monotonic guarantee covers the switch).
 * out gets a full page (constant fields for a TSC/UTC page of VMCLOCK_PAGE_SIZE). 0, -EINVAL
 * (bad host data), -ERANGE (time out of range).
 */
int vmclock_pub_update(struct vmclock_pub *s, const struct vmclock_host *h, uint64_t anchor,
                       struct vmclock_abi *out);

/*
 * Destination side of a migration, before the vCPU runs: rec is what the source recorded at
 * stop (vmclock_stop_record). Sets the state for the policy, bumps disruption_marker past
 * max(rec's, ours), keeps rec's vm_generation_counter, and computes the first page as
 * vmclock_pub_update does. 0, -EINVAL (rec in another time scale), -ERANGE.
 */
int vmclock_pub_migrate_in(struct vmclock_pub *s, const struct vmclock_stop_record *rec,
                           const struct vmclock_host *h, uint64_t anchor, struct vmclock_abi *out);

/* Move p's counter_value k ticks back along the same line (time at the old counter_value is
 * unchanged to the 2^-64 s), growing its time bounds by k x the period's error rates, so that
 * every bound p gave for a counter >= the old counter_value still holds and counters in
 * [new, old) get an honest one. No-op for k = 0 or when it would go below 0. */
void vmclock_page_rebase(struct vmclock_abi *p, uint64_t k);

/* SLEW schedule after the last update: the current rate (+ = guest fast) and the time left
 * until guest time meets host time at the maximum rate, s (0 when converged or not SLEW). */
double vmclock_pub_slew_remaining_s(const struct vmclock_pub *s);

#endif
