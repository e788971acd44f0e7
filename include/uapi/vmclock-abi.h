/* SPDX-License-Identifier: MIT */
/*
 * vmclock shared-memory page: the host tells a guest how its CPU counter (the TSC) maps to real
 * time, how wrong that mapping may be, and when it was disrupted (live migration).
 *
 * Our own header, written to match the Linux UAPI <linux/vmclock-abi.h> byte for byte (struct
 * vmclock_abi, 112 bytes, version 1), so a Linux guest's ptp_vmclock driver and /dev/vmclock0
 * users read the pages tsync's vmclockd writes, and our reader reads pages written by any other
 * VMM. Every offset is static-asserted below.
 *
 * Byte order: little endian, always (the fields are __le* in Linux). tsync runs on x86 only and
 * stores host-order integers; the static assert on __BYTE_ORDER__ keeps that honest.
 *
 * Placement: the structure sits at offset 0 of a 4 KiB page; `size` is the size of the region
 * (4096 for tsync pages, so a Linux guest offers it to user space as /dev/vmclock0).
 *
 * Seqlock: magic, size, version, counter_id and time_type are constant. Every other field is
 * protected by seq_count: the writer makes it odd, barrier, updates, barrier, makes it even; a
 * reader reads seq_count (retries while odd), barrier, reads, barrier, and retries if seq_count
 * changed.
 *
 * Time at a counter reading c (exact rational arithmetic, the reader does it in 128 bits):
 *   delta = c - counter_value                                     (ticks, mod 2^64)
 *   time  = time_sec + time_frac_sec / 2^64
 *         + delta * counter_period_frac_sec / 2^(64 + counter_period_shift)      seconds
 *   maxerror(c) = time_maxerror_nanosec * 1e-9
 *         + |delta| * counter_period_maxerror_rate_frac_sec / 2^(64 + shift)     seconds
 * (esterror likewise, with the esterror fields: a 1-sigma style estimate, not a bound).
 *
 * TAI/UTC convention (the one Linux implements; see tsync's vmclock/README.md):
 *   time_type UTC: time_sec counts UTC seconds since 1970-01-01 (POSIX, like CLOCK_REALTIME).
 *   time_type TAI: time_sec counts TAI seconds since 1970-01-01 TAI (like CLOCK_TAI).
 *   tai_offset_sec = UTC - TAI, signed: -37 since 2017-01-01 (NOT the usual "+37" TAI-UTC).
 *   So UTC = TAI + tai_offset_sec and TAI = UTC - tai_offset_sec, valid only when
 *   VMCLOCK_FLAG_TAI_OFFSET_VALID is set. tsync's vmclockd publishes time_type UTC.
 */
#ifndef TSYNC_UAPI_VMCLOCK_ABI_H
#define TSYNC_UAPI_VMCLOCK_ABI_H

#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vmclock-abi.h: the vmclock page is little endian; this header stores host-order fields"
#endif

#define VMCLOCK_MAGIC     0x4b4c4356u /* "VCLK" in little-endian memory */
#define VMCLOCK_VERSION   1
#define VMCLOCK_ABI_SIZE  112 /* sizeof(struct vmclock_abi) */
#define VMCLOCK_PAGE_SIZE 4096u

/* counter_id (matches VIRTIO_RTC_COUNTER_*) */
#define VMCLOCK_COUNTER_ARM_VCNT 0
#define VMCLOCK_COUNTER_X86_TSC  1
#define VMCLOCK_COUNTER_INVALID  0xff

/* time_type (matches VIRTIO_RTC_TYPE_*) */
#define VMCLOCK_TIME_UTC                   0 /* since 1970-01-01 00:00:00Z */
#define VMCLOCK_TIME_TAI                   1 /* since 1970-01-01 00:00:00 TAI */
#define VMCLOCK_TIME_MONOTONIC             2 /* since an undefined epoch */
#define VMCLOCK_TIME_INVALID_SMEARED       3 /* not supported */
#define VMCLOCK_TIME_INVALID_MAYBE_SMEARED 4 /* not supported */

/* flags */
#define VMCLOCK_FLAG_TAI_OFFSET_VALID      (1ull << 0)
#define VMCLOCK_FLAG_DISRUPTION_SOON       (1ull << 1) /* a disruption in about a day */
#define VMCLOCK_FLAG_DISRUPTION_IMMINENT   (1ull << 2) /* ... in about an hour */
#define VMCLOCK_FLAG_PERIOD_ESTERROR_VALID (1ull << 3)
#define VMCLOCK_FLAG_PERIOD_MAXERROR_VALID (1ull << 4)
#define VMCLOCK_FLAG_TIME_ESTERROR_VALID   (1ull << 5)
#define VMCLOCK_FLAG_TIME_MAXERROR_VALID   (1ull << 6)
/* Time computed from the page at any moment is never later than time computed at any later
 * moment, across updates too (leap seconds aside). */
#define VMCLOCK_FLAG_TIME_MONOTONIC (1ull << 7)
/* vm_generation_counter is maintained (newer kernels; Linux: VM_GEN_COUNTER_PRESENT). */
#define VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT      (1ull << 8)
#define VMCLOCK_FLAG_VM_GENERATION_COUNTER_VALID VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT

/* clock_status */
#define VMCLOCK_STATUS_UNKNOWN      0
#define VMCLOCK_STATUS_INITIALIZING 1
#define VMCLOCK_STATUS_SYNCHRONIZED 2
#define VMCLOCK_STATUS_FREERUNNING  3
#define VMCLOCK_STATUS_UNRELIABLE   4

/* leap_second_smearing_hint (matches VIRTIO_RTC_SUBTYPE_*); the time itself is never smeared */
#define VMCLOCK_SMEARING_STRICT      0
#define VMCLOCK_SMEARING_NOON_LINEAR 1
#define VMCLOCK_SMEARING_UTC_SLS     2

/* leap_indicator */
#define VMCLOCK_LEAP_NONE     0x00 /* no known nearby leap second */
#define VMCLOCK_LEAP_PRE_POS  0x01 /* positive leap second at the end of the month */
#define VMCLOCK_LEAP_PRE_NEG  0x02 /* negative leap second at the end of the month */
#define VMCLOCK_LEAP_POS      0x03 /* set during 23:59:60 */
#define VMCLOCK_LEAP_POST_POS 0x04
#define VMCLOCK_LEAP_POST_NEG 0x05

struct vmclock_abi {
	/* constant fields */
	uint32_t magic;     /* 0x00 VMCLOCK_MAGIC */
	uint32_t size;      /* 0x04 size of the region holding this structure, bytes */
	uint16_t version;   /* 0x08 VMCLOCK_VERSION */
	uint8_t counter_id; /* 0x0a VMCLOCK_COUNTER_* */
	uint8_t time_type;  /* 0x0b VMCLOCK_TIME_* */

	/* seqlock-protected fields */
	uint32_t seq_count;         /* 0x0c odd while an update is in progress */
	uint64_t disruption_marker; /* 0x10 changes (never repeats) when the counter is disrupted */
	uint64_t flags;             /* 0x18 VMCLOCK_FLAG_* */
	uint8_t pad[2];             /* 0x20 zero */
	uint8_t clock_status;       /* 0x22 VMCLOCK_STATUS_* */
	uint8_t leap_second_smearing_hint; /* 0x23 VMCLOCK_SMEARING_* */
	int16_t tai_offset_sec;            /* 0x24 UTC - TAI, s (-37 in 2017..) */
	uint8_t leap_indicator;            /* 0x26 VMCLOCK_LEAP_* */
	uint8_t counter_period_shift;      /* 0x27 extra shift of the period fields */
	uint64_t counter_value;            /* 0x28 counter at the instant time_* describes */
	/* period of the counter and its error rates, units of 2^-(64 + counter_period_shift) s */
	uint64_t counter_period_frac_sec;               /* 0x30 */
	uint64_t counter_period_esterror_rate_frac_sec; /* 0x38 */
	uint64_t counter_period_maxerror_rate_frac_sec; /* 0x40 */
	/* time at counter_value, in the time_type scale */
	uint64_t time_sec;              /* 0x48 s since the time_type epoch */
	uint64_t time_frac_sec;         /* 0x50 units of 2^-64 s */
	uint64_t time_esterror_nanosec; /* 0x58 estimated error at counter_value, ns */
	uint64_t time_maxerror_nanosec; /* 0x60 bound on |error| at counter_value, ns */
	uint64_t vm_generation_counter; /* 0x68 changes when the VM is restored from a snapshot */
};

#define VMCLOCK_ABI_ASSERT(f, off)                                                                 \
	_Static_assert(__builtin_offsetof(struct vmclock_abi, f) == (off),                         \
	               "vmclock_abi." #f " must sit at offset " #off " (Linux vmclock-abi.h)")
VMCLOCK_ABI_ASSERT(magic, 0x00);
VMCLOCK_ABI_ASSERT(size, 0x04);
VMCLOCK_ABI_ASSERT(version, 0x08);
VMCLOCK_ABI_ASSERT(counter_id, 0x0a);
VMCLOCK_ABI_ASSERT(time_type, 0x0b);
VMCLOCK_ABI_ASSERT(seq_count, 0x0c);
VMCLOCK_ABI_ASSERT(disruption_marker, 0x10);
VMCLOCK_ABI_ASSERT(flags, 0x18);
VMCLOCK_ABI_ASSERT(pad, 0x20);
VMCLOCK_ABI_ASSERT(clock_status, 0x22);
VMCLOCK_ABI_ASSERT(leap_second_smearing_hint, 0x23);
VMCLOCK_ABI_ASSERT(tai_offset_sec, 0x24);
VMCLOCK_ABI_ASSERT(leap_indicator, 0x26);
VMCLOCK_ABI_ASSERT(counter_period_shift, 0x27);
VMCLOCK_ABI_ASSERT(counter_value, 0x28);
VMCLOCK_ABI_ASSERT(counter_period_frac_sec, 0x30);
VMCLOCK_ABI_ASSERT(counter_period_esterror_rate_frac_sec, 0x38);
VMCLOCK_ABI_ASSERT(counter_period_maxerror_rate_frac_sec, 0x40);
VMCLOCK_ABI_ASSERT(time_sec, 0x48);
VMCLOCK_ABI_ASSERT(time_frac_sec, 0x50);
VMCLOCK_ABI_ASSERT(time_esterror_nanosec, 0x58);
VMCLOCK_ABI_ASSERT(time_maxerror_nanosec, 0x60);
VMCLOCK_ABI_ASSERT(vm_generation_counter, 0x68);
_Static_assert(sizeof(struct vmclock_abi) == VMCLOCK_ABI_SIZE, "vmclock_abi is 112 bytes");
#undef VMCLOCK_ABI_ASSERT

#endif
