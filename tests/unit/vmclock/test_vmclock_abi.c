// SPDX-License-Identifier: MIT
/* vmclock ABI: layout identical to Linux vmclock-abi.h (static and runtime), constants, and the
 * TAI/UTC convention (tai_offset_sec = UTC - TAI). */
#include <criterion/criterion.h>
#include <stddef.h>
#include <string.h>

#include "tsync/vmclock.h"

/* Offsets as Linux defines them (include/uapi/linux/vmclock-abi.h), checked at compile time. */
#define OFF(f, o) _Static_assert(offsetof(struct vmclock_abi, f) == (o), #f)
OFF(magic, 0);
OFF(size, 4);
OFF(version, 8);
OFF(counter_id, 10);
OFF(time_type, 11);
OFF(seq_count, 12);
OFF(disruption_marker, 16);
OFF(flags, 24);
OFF(pad, 32);
OFF(clock_status, 34);
OFF(leap_second_smearing_hint, 35);
OFF(tai_offset_sec, 36);
OFF(leap_indicator, 38);
OFF(counter_period_shift, 39);
OFF(counter_value, 40);
OFF(counter_period_frac_sec, 48);
OFF(counter_period_esterror_rate_frac_sec, 56);
OFF(counter_period_maxerror_rate_frac_sec, 64);
OFF(time_sec, 72);
OFF(time_frac_sec, 80);
OFF(time_esterror_nanosec, 88);
OFF(time_maxerror_nanosec, 96);
OFF(vm_generation_counter, 104);
_Static_assert(sizeof(struct vmclock_abi) == 112, "size");

/* Runtime: write each field through the struct, find it at the Linux byte offset. */
Test(vmclock_abi, every_field_sits_at_the_linux_offset_little_endian)
{
	union {
		struct vmclock_abi a;
		uint8_t b[112];
	} u;
	memset(&u, 0, sizeof(u));
	u.a.magic = VMCLOCK_MAGIC;
	cr_assert_eq(memcmp(u.b, "VCLK", 4), 0, "magic reads VCLK in memory");
	size_t covered = 0;
	/* set one field through the struct; exactly its bytes at the Linux offset change */
#define F(field, o)                                                                                \
	do {                                                                                       \
		memset(&u, 0, sizeof(u));                                                          \
		memset(&u.a.field, 0xa5, sizeof(u.a.field));                                       \
		for (size_t k = 0; k < 112; k++) {                                                 \
			bool in = k + 1 > (o) && k < (o) + sizeof(u.a.field);                      \
			cr_assert_eq(u.b[k], in ? 0xa5 : 0, #field " byte %zu", k);                \
		}                                                                                  \
		covered += sizeof(u.a.field);                                                      \
	} while (0)
	F(magic, 0x00);
	F(size, 0x04);
	F(version, 0x08);
	F(counter_id, 0x0a);
	F(time_type, 0x0b);
	F(seq_count, 0x0c);
	F(disruption_marker, 0x10);
	F(flags, 0x18);
	F(pad, 0x20);
	F(clock_status, 0x22);
	F(leap_second_smearing_hint, 0x23);
	F(tai_offset_sec, 0x24);
	F(leap_indicator, 0x26);
	F(counter_period_shift, 0x27);
	F(counter_value, 0x28);
	F(counter_period_frac_sec, 0x30);
	F(counter_period_esterror_rate_frac_sec, 0x38);
	F(counter_period_maxerror_rate_frac_sec, 0x40);
	F(time_sec, 0x48);
	F(time_frac_sec, 0x50);
	F(time_esterror_nanosec, 0x58);
	F(time_maxerror_nanosec, 0x60);
	F(vm_generation_counter, 0x68);
#undef F
	cr_assert_eq(covered, 112, "the fields cover all 112 bytes, no hidden padding");
	/* little endian: the low byte of a u64 comes first */
	memset(&u, 0, sizeof(u));
	u.a.counter_value = 0x0102030405060708ull;
	cr_assert_eq(u.b[0x28], 0x08);
	cr_assert_eq(u.b[0x2f], 0x01);
}

Test(vmclock_abi, constants_match_linux)
{
	cr_assert_eq(VMCLOCK_MAGIC, 0x4b4c4356);
	cr_assert_eq(VMCLOCK_VERSION, 1);
	cr_assert_eq(VMCLOCK_COUNTER_ARM_VCNT, 0);
	cr_assert_eq(VMCLOCK_COUNTER_X86_TSC, 1);
	cr_assert_eq(VMCLOCK_COUNTER_INVALID, 0xff);
	cr_assert_eq(VMCLOCK_TIME_UTC, 0);
	cr_assert_eq(VMCLOCK_TIME_TAI, 1);
	cr_assert_eq(VMCLOCK_TIME_MONOTONIC, 2);
	cr_assert_eq(VMCLOCK_FLAG_TAI_OFFSET_VALID, 1 << 0);
	cr_assert_eq(VMCLOCK_FLAG_DISRUPTION_SOON, 1 << 1);
	cr_assert_eq(VMCLOCK_FLAG_DISRUPTION_IMMINENT, 1 << 2);
	cr_assert_eq(VMCLOCK_FLAG_PERIOD_ESTERROR_VALID, 1 << 3);
	cr_assert_eq(VMCLOCK_FLAG_PERIOD_MAXERROR_VALID, 1 << 4);
	cr_assert_eq(VMCLOCK_FLAG_TIME_ESTERROR_VALID, 1 << 5);
	cr_assert_eq(VMCLOCK_FLAG_TIME_MAXERROR_VALID, 1 << 6);
	cr_assert_eq(VMCLOCK_FLAG_TIME_MONOTONIC, 1 << 7);
	cr_assert_eq(VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT, 1 << 8);
	cr_assert_eq(VMCLOCK_STATUS_UNKNOWN, 0);
	cr_assert_eq(VMCLOCK_STATUS_INITIALIZING, 1);
	cr_assert_eq(VMCLOCK_STATUS_SYNCHRONIZED, 2);
	cr_assert_eq(VMCLOCK_STATUS_FREERUNNING, 3);
	cr_assert_eq(VMCLOCK_STATUS_UNRELIABLE, 4);
	cr_assert_eq(VMCLOCK_LEAP_NONE, 0);
	cr_assert_eq(VMCLOCK_LEAP_POS, 3);
	cr_assert_eq(VMCLOCK_LEAP_POST_NEG, 5);
	cr_assert_eq(VMCLOCK_SMEARING_UTC_SLS, 2);
}

/* A page at 2024-01-01T00:00:00Z = 1704067200 UTC, i.e. 1704067237 TAI (TAI - UTC = 37 s). */
static void tai_page(struct vmclock_abi *p, uint8_t type, uint64_t sec, bool valid)
{
	vmclock_page_init(p, VMCLOCK_PAGE_SIZE, VMCLOCK_COUNTER_X86_TSC, type);
	p->time_sec = sec;
	p->tai_offset_sec = -37; /* UTC - TAI */
	p->flags = VMCLOCK_FLAG_TIME_MAXERROR_VALID | (valid ? VMCLOCK_FLAG_TAI_OFFSET_VALID : 0);
	p->time_maxerror_nanosec = 1000;
}

Test(vmclock_tai, offset_is_utc_minus_tai_both_ways)
{
	struct vmclock_abi p;
	struct vmclock_reading r;
	/* a UTC page read as TAI: TAI = UTC - tai_offset_sec = UTC + 37 */
	tai_page(&p, VMCLOCK_TIME_UTC, 1704067200, true);
	cr_assert_eq(vmclock_eval(&p, 0, &r), 0);
	cr_assert_eq(r.time_ns, 1704067200LL * 1000000000);
	cr_assert_eq(vmclock_reading_convert(&r, VMCLOCK_TIME_TAI), 0);
	cr_assert_eq(r.time_type, VMCLOCK_TIME_TAI);
	cr_assert_eq(r.sec, 1704067237);
	cr_assert_eq(r.time_ns, 1704067237LL * 1000000000);
	cr_assert_eq(r.earliest_ns, 1704067237LL * 1000000000 - 1000);
	cr_assert_eq(r.latest_ns, 1704067237LL * 1000000000 + 1000);
	/* a TAI page read as UTC (what Linux's ptp_vmclock tai_adjust does: sec += offset) */
	tai_page(&p, VMCLOCK_TIME_TAI, 1704067237, true);
	cr_assert_eq(vmclock_eval(&p, 0, &r), 0);
	cr_assert_eq(vmclock_reading_convert(&r, VMCLOCK_TIME_UTC), 0);
	cr_assert_eq(r.sec, 1704067200);
	cr_assert_eq(r.time_ns, 1704067200LL * 1000000000);
	/* same scale: no change, offset validity irrelevant */
	tai_page(&p, VMCLOCK_TIME_UTC, 1704067200, false);
	cr_assert_eq(vmclock_eval(&p, 0, &r), 0);
	cr_assert_eq(vmclock_reading_convert(&r, VMCLOCK_TIME_UTC), 0);
	cr_assert_eq(r.sec, 1704067200);
}

Test(vmclock_tai, conversion_needs_a_valid_offset)
{
	struct vmclock_abi p;
	struct vmclock_reading r;
	tai_page(&p, VMCLOCK_TIME_TAI, 1704067237, false);
	cr_assert_eq(vmclock_eval(&p, 0, &r), 0);
	cr_assert_eq(vmclock_reading_convert(&r, VMCLOCK_TIME_UTC), -VMCLOCK_EINVAL);
	cr_assert_eq(r.time_type, VMCLOCK_TIME_TAI, "unchanged on failure");
	tai_page(&p, VMCLOCK_TIME_MONOTONIC, 5, true);
	cr_assert_eq(vmclock_eval(&p, 0, &r), 0);
	cr_assert_eq(vmclock_reading_convert(&r, VMCLOCK_TIME_UTC), -VMCLOCK_EINVAL);
}
