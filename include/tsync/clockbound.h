/* SPDX-License-Identifier: MIT */
/*
 * AWS ClockBound shared-memory segment, protocol version 2 (aws/clock-bound docs/PROTOCOL.md,
 * our own declaration of its layout): applications built on ClockBound's client
 * (`clockbound_now()` -> earliest, latest, status) read it, by default at
 * /var/run/clockbound/shm0. tsync publishes it from a vmclock page (tools/tsync-clockbound.c),
 * so those applications work unchanged on a tsync host or guest.
 *
 * What the segment says: at `as_of` (CLOCK_MONOTONIC_COARSE) the error of CLOCK_REALTIME
 * against true time was at most `bound_ns`, and grows at most `max_drift_ppb` from there; the
 * client takes CLOCK_REALTIME and CLOCK_MONOTONIC_COARSE, and
 *   earliest/latest = realtime -/+ (bound_ns + max_drift_ppb x (mono - as_of) / 1e9),
 * status Unknown once mono > void_after. Native byte order. Writer: generation odd during an
 * update, even after; a rollover skips 0 (goes to 2).
 */
#ifndef TSYNC_CLOCKBOUND_H
#define TSYNC_CLOCKBOUND_H

#include <stdint.h>

#include "tsync/vmclock.h"

#define CLOCKBOUND_MAGIC   0x000242434e5a4d41ull /* bytes 41 4d 5a 4e 43 42 02 00 */
#define CLOCKBOUND_VERSION 2
#define CLOCKBOUND_SIZE    80 /* sizeof(struct clockbound_shm) */
#define CLOCKBOUND_PATH    "/var/run/clockbound/shm0"

enum clockbound_status {
	CLOCKBOUND_UNKNOWN = 0,
	CLOCKBOUND_SYNCHRONIZED = 1,
	CLOCKBOUND_FREE_RUNNING = 2,
	CLOCKBOUND_DISRUPTED = 3,
};

struct clockbound_ts {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct clockbound_shm {
	uint64_t magic;                  /* 0  CLOCKBOUND_MAGIC */
	uint32_t segment_size;           /* 8  bytes of the segment (CLOCKBOUND_SIZE) */
	uint16_t version;                /* 12 CLOCKBOUND_VERSION */
	uint16_t generation;             /* 14 odd while an update is in progress */
	struct clockbound_ts as_of;      /* 16 CLOCK_MONOTONIC_COARSE when bound was computed */
	struct clockbound_ts void_after; /* 32 the bound is not to be trusted after this */
	int64_t bound_ns;                /* 48 |CLOCK_REALTIME - true| at as_of, ns */
	uint64_t disruption_marker;      /* 56 the vmclock page's */
	uint32_t max_drift_ppb;          /* 64 growth of the bound after as_of */
	int32_t clock_status;            /* 68 enum clockbound_status */
	uint8_t disruption_support;      /* 72 1: disruption_marker is maintained */
	uint8_t pad[7];
};

#define CLOCKBOUND_ASSERT(f, off)                                                                  \
	_Static_assert(__builtin_offsetof(struct clockbound_shm, f) == (off),                      \
	               "clockbound_shm." #f " at " #off " (ClockBound PROTOCOL.md v2)")
CLOCKBOUND_ASSERT(segment_size, 8);
CLOCKBOUND_ASSERT(version, 12);
CLOCKBOUND_ASSERT(generation, 14);
CLOCKBOUND_ASSERT(as_of, 16);
CLOCKBOUND_ASSERT(void_after, 32);
CLOCKBOUND_ASSERT(bound_ns, 48);
CLOCKBOUND_ASSERT(disruption_marker, 56);
CLOCKBOUND_ASSERT(max_drift_ppb, 64);
CLOCKBOUND_ASSERT(clock_status, 68);
CLOCKBOUND_ASSERT(disruption_support, 72);
_Static_assert(sizeof(struct clockbound_shm) == CLOCKBOUND_SIZE, "clockbound_shm is 80 bytes");
#undef CLOCKBOUND_ASSERT

/* One comparison of the system clock with a vmclock page. */
struct clockbound_sample {
	struct vmclock_reading r; /* the page's time and bound (vmclock_read) */
	int64_t rt_before_ns;     /* CLOCK_REALTIME just before and after the read */
	int64_t rt_after_ns;
	struct clockbound_ts mono; /* CLOCK_MONOTONIC_COARSE at the read */
};

/*
 * Pure: the segment's fields from a sample (the constant fields and generation untouched).
 * bound = |CLOCK_REALTIME - page time| over the read window + the page's maxerror, rounded
 * up; as_of = mono - one coarse tick (coarse_ns, the clock's resolution: as_of is never
 * later than the read); void_after = as_of + valid_ns; max_drift = the page's rate bound +
 * drift_ppb (the system clock's rate against the page between updates). Status: the page's
 * (SYNCHRONIZED -> Synchronized, FREERUNNING -> FreeRunning, UNRELIABLE -> Disrupted, no
 * bound -> Unknown); the marker is the page's, disruption support on.
 */
void clockbound_fill(const struct clockbound_sample *s, int64_t coarse_ns, int64_t valid_ns,
                     uint32_t drift_ppb, struct clockbound_shm *out);
/* Write the variable fields of src into the segment under its generation (odd, copy, even;
 * 65535 + 1 -> 2), the constant fields too. One writer. */
void clockbound_publish(volatile struct clockbound_shm *seg, const struct clockbound_shm *src);
/*
 * Create or take over the segment file at path (mode 0644, one 80-byte segment, an existing
 * file taken over only if it is a regular file owned by us), mapped read-write at *seg. 0 or
 * -errno; *fd_out gets the fd (close it with clockbound_close).
 */
int clockbound_open(const char *path, volatile struct clockbound_shm **seg, int *fd_out);
void clockbound_close(volatile struct clockbound_shm *seg, int fd);

#endif
