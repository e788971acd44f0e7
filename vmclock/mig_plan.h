/* SPDX-License-Identifier: MIT */
/*
 * On-demand synchronization around a live migration (pure: no I/O, times are given).
 *
 * The VMM tells vmclockd where a migration of one of its VMs stands (`migrating NAME role=src|dst
 * phase=...`, vmclock/README.md); from that this module decides
 *   - the source page's disruption flags: DISRUPTION_SOON from `start` until the migration
 *     ends, DISRUPTION_IMMINENT from `final` (the stop-and-copy pass); none after `end` or
 *     `cancel` (the destination page's disruption_marker moves at migrate-in: policy.c);
 *   - when to ask the host's sync daemon for a burst of fast exchanges, and for how long:
 *     it should start `lead_s` (the time the servo needs to converge at the burst rate) before
 *     the expected switchover and last until `hold_s` after the migration ends, then the rate
 *     returns to normal (ptpd-wl restores its initial rate when the burst's seconds are over).
 *
 * Expected switchover: the VMM's own estimate when it gives one (`eta=S`), else one made from
 * the pre-copy passes it reports (`phase=pass pages=P`): each pass takes about as long as
 * its page count allows at the rate the last pass ran, and the pages shrink geometrically by
 * the ratio of the last two passes, so what is left is the sum of that series (unknown while
 * the ratio is >= 1: assume the switchover is near, i.e. burst now). Before any pass:
 * unknown, burst now.
 */
#ifndef VMCLOCK_MIG_PLAN_H
#define VMCLOCK_MIG_PLAN_H

#include <stdbool.h>
#include <stdint.h>

enum mig_phase {
	MIG_PHASE_PREPARE, /* dst: the VMM waits for an incoming migration */
	MIG_PHASE_START,   /* src: migrate command; dst: the stream began (HELLO) */
	MIG_PHASE_PASS,    /* a pre-copy pass ended (pages: its page count) */
	MIG_PHASE_FINAL,   /* src: the vCPU stopped, stop-and-copy */
	MIG_PHASE_END,     /* the guest runs on the destination (both roles) */
	MIG_PHASE_CANCEL,  /* failed or cancelled: the guest runs on at the source */
};
/* "prepare" "start" "pass" "final" "end" "cancel" -> phase: 0 or -EINVAL. */
int mig_phase_parse(const char *s, enum mig_phase *out);
const char *mig_phase_name(enum mig_phase p);

struct mig_plan {
	/* configuration */
	double lead_s; /* the servo's convergence time at the burst rate */
	double hold_s; /* keep the burst this long after the migration ends */
	/* state */
	bool active;         /* a migration is under way (prepare/start .. end/cancel) */
	bool ended;          /* end or cancel came: only the hold remains */
	double start_t;      /* when it began, s (the caller's monotonic time) */
	double switch_t;     /* expected switchover time, s (<= now: unknown or near) */
	double end_t;        /* end/cancel time */
	double burst_until;  /* the sync daemon was asked for a burst until then (0: none) */
	double last_pass_t;  /* previous pass (or start) */
	uint64_t last_pages; /* pages of the previous pass (0: none yet) */
	unsigned passes;     /* passes reported */
	unsigned requests;   /* bursts asked for */
	uint64_t flags;      /* VMCLOCK_FLAG_DISRUPTION_* for the source page */
};

void mig_plan_init(struct mig_plan *p, double lead_s, double hold_s);
/* A phase report at now (s). pages: for PASS; eta_s: the VMM's estimate of the time to the
 * switchover (< 0: none). Source role: sets flags. 0 or -EINVAL (a report out of order is
 * taken anyway, except a PASS, FINAL or END without a migration: -EINVAL). */
int mig_plan_event(struct mig_plan *p, bool source, enum mig_phase ph, double now, uint64_t pages,
                   double eta_s);
/* Whether to ask the sync daemon for a burst now: the seconds to ask for (> 0), or 0. Asks
 * when the expected switchover is within lead_s (or unknown), or the burst asked for so far
 * is still on when the lead begins, and it ends more than 0.5 s before it should
 * (switchover + hold_s, or end + hold_s); records it. */
double mig_plan_due(struct mig_plan *p, double now);

#endif
