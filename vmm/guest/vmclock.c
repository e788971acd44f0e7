// SPDX-License-Identifier: MIT
/*
 * tsvmm guest: read the vmclock page (lib/refclock/vmclock_read.c, compiled here with the
 * guest's freestanding flags) and report the reading through the ring: the VMM converts the
 * counter to the reference clock and scores time and bound (TSVMM_REC_VMCLOCK).
 */
#include "guest.h"

#include "../../lib/refclock/vmclock_read.c"

/* the page maps the guest's TSC (guest.h rdtsc: the VMM's TSC block applied) */
static uint64_t guest_counter(void *ctx)
{
	(void)ctx;
	return rdtsc();
}

void guest_vmclock_sample(int *seen)
{
	if (!BOOT->vmclock_gpa)
		return;
	const volatile struct vmclock_abi *p =
	        (const volatile struct vmclock_abi *)BOOT->vmclock_gpa;
	if (!*seen && p->magic != VMCLOCK_MAGIC)
		return; /* no page mapped (yet): nothing to report */
	*seen = 1;
	struct vmclock_reading r;
	int err = vmclock_read(p, guest_counter, NULL, 100000, &r);
	if (err) {
		rep_push(TSVMM_REC_VMCLOCK, rdtsc(), 0, VMCLOCK_NO_BOUND,
		         (uint64_t)(-err & 0xffff) << 16, 0, 0);
		return;
	}
	rep_push(TSVMM_REC_VMCLOCK, r.counter, (uint64_t)r.time_ns,
	         r.bounded ? r.maxerror_ns : VMCLOCK_NO_BOUND,
	         r.clock_status | (uint64_t)r.bounded << 8 | (uint64_t)(r.tries & 0xff) << 32,
	         r.disruption_marker, r.esterror_ns);
}
