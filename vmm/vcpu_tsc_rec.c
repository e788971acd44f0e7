// SPDX-License-Identifier: MIT
/* tsvmm: the guest's TSC across hosts, the pure part (vcpu_tsc.h): offset arithmetic in the
 * emulated hosts' TSC domain and the migration stream's TSC record. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vcpu_tsc.h"

uint64_t vcpu_tsc_host(const struct vcpu_tsc *t, uint64_t raw)
{
	return tsc_xform_apply(&t->host, raw);
}

uint64_t vcpu_tsc_guest(const struct vcpu_tsc *t, uint64_t raw)
{
	return vcpu_tsc_host(t, raw + t->kvm_offset) + t->offset;
}

uint64_t vcpu_tsc_page_offset(const struct vcpu_tsc *t, uint64_t raw)
{
	return vcpu_tsc_guest(t, raw) - vcpu_tsc_host(t, raw);
}

struct tsc_xform vcpu_tsc_guest_xform(const struct vcpu_tsc *t)
{
	return (struct tsc_xform){.mult = t->host.mult, .offset = t->host.offset + t->offset};
}

void vcpu_tsc_resume_kvm(struct vcpu_tsc *t, uint64_t target, uint64_t raw_now)
{
	/* the largest raw value r with T(r) <= target: T(r) is target or a tick below */
	uint64_t r = tsc_xform_invert(&t->host, target);
	t->kvm_offset = r - raw_now;
	t->offset = target - vcpu_tsc_host(t, r);
	t->via_kvm = true;
}

uint64_t vcpu_tsc_resume_offset(uint64_t guest_at_stop, int64_t downtime_ns, uint64_t host_khz,
                                uint64_t host_now)
{
	uint64_t d = downtime_ns > 0
	                     ? (uint64_t)((unsigned __int128)downtime_ns * host_khz / 1000000)
	                     : 0;
	return guest_at_stop + d - host_now;
}

void vcpu_tsc_stop_record(const struct vcpu_tsc *t, uint64_t park_raw, uint64_t park_rt,
                          struct tsmig_tsc *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->host_tsc = vcpu_tsc_host(t, park_raw);
	rec->guest_tsc = vcpu_tsc_guest(t, park_raw);
	rec->guest_offset = rec->guest_tsc - rec->host_tsc;
	rec->host_khz = t->host_khz;
	rec->stop_realtime_ns = park_rt;
	rec->host_ppb = (int64_t)llround(tsc_xform_ppm(&t->host) * 1e3);
	rec->flags = TSMIG_TSC_F_EMULATED | (t->via_kvm ? TSMIG_TSC_F_KVM : 0u);
}

int vcpu_tsc_rec_check(const struct tsmig_tsc *rec, char *err, size_t errlen)
{
	if (rec->flags & ~(uint32_t)(TSMIG_TSC_F_EMULATED | TSMIG_TSC_F_KVM) || rec->reserved) {
		snprintf(err, errlen, "TSC record: unknown flags 0x%x or reserved %u", rec->flags,
		         rec->reserved);
		return -EBADMSG;
	}
	if (rec->host_khz == 0 || rec->host_khz > 100000000) {
		snprintf(err, errlen, "TSC record: source host rate %" PRIu64 " kHz",
		         rec->host_khz);
		return -EBADMSG;
	}
	if (llabs(rec->host_ppb) > (long long)(TSC_XFORM_MAX_PPM * 1e3)) {
		snprintf(err, errlen, "TSC record: source host rate term %" PRId64 " ppb",
		         rec->host_ppb);
		return -EBADMSG;
	}
	return 0;
}
