// SPDX-License-Identifier: MIT
/* tsvmm: the guest's TSC across hosts with different TSCs (vcpu_tsc.h): the offset arithmetic
 * in the emulated hosts' TSC domain, the TSC record, and what a missing correction does. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "tsync/tsc_xform.h"
#include "vcpu_tsc.h"

static char err[256];

static struct vcpu_tsc host(const char *xform, uint64_t machine_khz)
{
	struct vcpu_tsc t = {0};
	cr_assert_eq(tsc_xform_parse(xform, &t.host, err, sizeof(err)), 0, "%s", err);
	t.host_khz = (uint64_t)((double)machine_khz * (1 + tsc_xform_ppm(&t.host) * 1e-6) + 0.5);
	return t;
}

Test(vmm_tsc, resume_offset_continues_the_guest_tsc)
{
	/* guest at 1000 at the stop, 2 ms down on a 2.6 GHz host whose TSC reads 7e12 now */
	uint64_t k = vcpu_tsc_resume_offset(1000, 2000000, 2600000, 7000000000000ULL);
	cr_assert_eq(1000 + 5200000 - 7000000000000ULL, k);
	cr_assert_eq(7000000000000ULL + k, 1000 + 5200000, "guest TSC = stop + downtime");
	/* a negative downtime (hosts' realtime clocks disagree) is no time, never backwards */
	k = vcpu_tsc_resume_offset(1000, -5000, 2600000, 50);
	cr_assert_eq(50 + k, 1000);
	/* wraps modulo 2^64 */
	k = vcpu_tsc_resume_offset(UINT64_MAX - 10, 0, 2600000, 5);
	cr_assert_eq(5 + k, UINT64_MAX - 10);
}

/* A -> B, hosts 10^12 ticks and 50 ppm apart: the guest's TSC at B's resume is its TSC at A's
 * stop + the downtime at B's rate, whatever raw values and transforms, and afterwards it runs
 * at B's rate. */
Test(vmm_tsc, migration_between_emulated_hosts)
{
	const uint64_t khz = 2600000;
	struct vcpu_tsc a = host("0,0", khz), b = host("1000000000000,50", khz);
	cr_assert_eq(b.host_khz, 2600130);
	uint64_t park = 82670131100026ULL; /* raw TSC when the vCPU parked on A */
	struct tsmig_tsc rec;
	vcpu_tsc_stop_record(&a, park, 1796314063632087222ULL, &rec);
	cr_assert_eq(rec.guest_tsc, vcpu_tsc_guest(&a, park));
	cr_assert_eq(rec.host_tsc, park, "A is the machine's TSC");
	cr_assert_eq(rec.host_khz, khz);
	cr_assert_eq(rec.flags, TSMIG_TSC_F_EMULATED);
	cr_assert_eq(vcpu_tsc_rec_check(&rec, err, sizeof(err)), 0, "%s", err);

	const int64_t down_ns = 18000000;                   /* 18 ms */
	uint64_t resume = park + (uint64_t)(down_ns * 2.6); /* raw at B's resume */
	b.offset = vcpu_tsc_resume_offset(rec.guest_tsc, down_ns, b.host_khz,
	                                  vcpu_tsc_host(&b, resume));
	uint64_t g = vcpu_tsc_guest(&b, resume);
	cr_assert_eq(g - rec.guest_tsc, (uint64_t)(18000000ULL * 2600130 / 1000000),
	             "the gap is the downtime in B's ticks");
	/* the block the guest payload applies gives the same counter */
	struct tsc_xform gx = vcpu_tsc_guest_xform(&b);
	cr_assert_eq(tsc_xform_apply(&gx, resume), g);
	cr_assert_eq(tsc_xform_apply(&gx, resume + 2600000000ULL) - g,
	             tsc_xform_apply(&b.host, resume + 2600000000ULL) -
	                     tsc_xform_apply(&b.host, resume),
	             "then it runs at B's rate");
	/* without the correction the guest's TSC jumps by B's offset and rate term: minutes */
	struct vcpu_tsc nocorr = b;
	nocorr.offset = 0;
	int64_t jump = (int64_t)(vcpu_tsc_guest(&nocorr, resume) - rec.guest_tsc);
	cr_assert_gt(jump, (int64_t)1000000000000LL);
	/* and back B -> A: continuous again */
	uint64_t park2 = resume + 26000000000ULL;
	vcpu_tsc_stop_record(&b, park2, 0, &rec);
	cr_assert_eq(rec.guest_offset, b.offset);
	cr_assert_eq(rec.host_ppb, 50000);
	a.offset =
	        vcpu_tsc_resume_offset(rec.guest_tsc, 0, a.host_khz, vcpu_tsc_host(&a, park2 + 10));
	cr_assert_eq(vcpu_tsc_guest(&a, park2 + 10), rec.guest_tsc);
}

Test(vmm_tsc, record_check_names_what_is_wrong)
{
	struct tsmig_tsc rec = {.host_khz = 2600000};
	cr_assert_eq(vcpu_tsc_rec_check(&rec, err, sizeof(err)), 0);
	rec.flags = 0x80;
	cr_assert_eq(vcpu_tsc_rec_check(&rec, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "flags 0x80"), "%s", err);
	rec.flags = 0;
	rec.reserved = 1;
	cr_assert_eq(vcpu_tsc_rec_check(&rec, err, sizeof(err)), -EBADMSG);
	rec.reserved = 0;
	rec.host_khz = 0;
	cr_assert_eq(vcpu_tsc_rec_check(&rec, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "0 kHz"), "%s", err);
	rec.host_khz = 2600000;
	rec.host_ppb = 2000000;
	cr_assert_eq(vcpu_tsc_rec_check(&rec, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "2000000 ppb"), "%s", err);
}

Test(vmm_tsc, describe_says_what_is_used)
{
	struct vcpu_tsc_caps c = {.set_khz = true, .offset_attr = true, .msr_adjust = true};
	char line[640];
	vcpu_tsc_describe(&c, false, line, sizeof(line));
	cr_assert(strstr(line, "KVM_CAP_TSC_CONTROL no (no scaling)"), "%s", line);
	cr_assert(strstr(line, "KVM_VCPU_TSC_OFFSET refused"), "%s", line);
	cr_assert(strstr(line, "continued by tsvmm's TSC block"), "%s", line);
	/* this machine's PVM KVM: set returns 0, the read back is another value */
	c.offset_attr_set = true;
	vcpu_tsc_describe(&c, false, line, sizeof(line));
	cr_assert(strstr(line, "KVM_VCPU_TSC_OFFSET not kept (KVM_SET_DEVICE_ATTR returns 0, "
	                       "KVM_GET_DEVICE_ATTR reads back another value)"),
	          "%s", line);
	c.offset_attr_kept = true;
	cr_assert_str_eq(vcpu_tsc_attr_word(&c), "not applied");
	c.offset_attr_works = true;
	vcpu_tsc_describe(&c, true, line, sizeof(line));
	cr_assert(strstr(line, "KVM_VCPU_TSC_OFFSET applied, "), "%s", line);
	cr_assert(strstr(line, "continued by KVM_VCPU_TSC_OFFSET"), "%s", line);
	c.offset_attr = false;
	vcpu_tsc_describe(&c, false, line, sizeof(line));
	cr_assert(strstr(line, "KVM_VCPU_TSC_OFFSET absent"), "%s", line);
}

/* Through KVM's offset (the vCPU reads raw + kvm_offset, the block keeps B's transform): the
 * guest's TSC at B's resume is the target exactly, the remainder in the block is below two
 * ticks, the page offset (guest - host) stays within a tick of the resume's, and the TSC
 * record says KVM. */
Test(vmm_tsc, resume_through_kvm_offset)
{
	const uint64_t khz = 2600000;
	struct vcpu_tsc a = host("0,0", khz);
	const char *hosts[] = {"1000000000000,50", "-77,-999.5", "0,0", "5,1000"};
	for (unsigned h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
		struct vcpu_tsc b = host(hosts[h], khz);
		uint64_t park = 82670131100026ULL;
		struct tsmig_tsc rec;
		vcpu_tsc_stop_record(&a, park, 0, &rec);
		uint64_t resume = park + 46800000; /* 18 ms later */
		uint64_t target = rec.guest_tsc + 18000000ULL * b.host_khz / 1000000;
		vcpu_tsc_resume_kvm(&b, target, resume);
		cr_assert(b.via_kvm);
		cr_assert_eq(vcpu_tsc_guest(&b, resume), target, "%s", hosts[h]);
		cr_assert_lt(b.offset, 2, "%s: remainder %lu", hosts[h], b.offset);
		/* what the guest computes: its rdtsc (raw + kvm_offset) through the block */
		struct tsc_xform gx = vcpu_tsc_guest_xform(&b);
		for (uint64_t d = 0; d < 1000000000000ULL; d = d * 7 + 1013) {
			uint64_t g = vcpu_tsc_guest(&b, resume + d);
			cr_assert_eq(tsc_xform_apply(&gx, resume + d + b.kvm_offset), g);
			int64_t drift = (int64_t)(vcpu_tsc_page_offset(&b, resume + d) -
			                          vcpu_tsc_page_offset(&b, resume));
			cr_assert(drift >= -1 && drift <= 1, "%s: page offset moved %ld", hosts[h],
			          drift);
		}
		vcpu_tsc_stop_record(&b, resume + 2600000000ULL, 0, &rec);
		cr_assert_eq(rec.flags, TSMIG_TSC_F_EMULATED | TSMIG_TSC_F_KVM);
		cr_assert_eq(rec.guest_tsc - rec.host_tsc, rec.guest_offset);
		cr_assert_eq(rec.guest_tsc, vcpu_tsc_guest(&b, resume + 2600000000ULL));
		cr_assert_eq(vcpu_tsc_rec_check(&rec, err, sizeof(err)), 0, "%s", err);
	}
}
