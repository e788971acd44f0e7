/* SPDX-License-Identifier: MIT */
/*
 * chrony reference-clock wire ABIs: the NTP SHM segment and the SOCK datagram.
 *
 * Written from the documented layouts (ntpd's SHM driver "refclock_shm", chrony's
 * refclock_shm.c and refclock_sock.c, chrony 4.3). Both are host ABIs: native byte order,
 * native `int` / `time_t` / `struct timeval` (the sizes asserted below are those of LP64,
 * x86_64), never sent across machines.
 *
 * Sign convention (both drivers): the sample says "at system time T_sys the true time was
 * T_ref"; chrony's raw offset is  T_ref - T_sys  (positive: the system clock is behind the
 * reference). chrony 4.3 logs exactly this value in refclocks.log's raw-offset column
 * (RCL_AddSample: raw_offset = ref_time - sample_time).
 *
 * ---- SHM (System V shared memory, key CHRONY_SHM_KEY(unit), size 96, perm 0600 by default) ----
 * The reader (chronyd, ntpd) creates the segment with IPC_CREAT; a writer (gpsd, tsync) may
 * create it too. The reader polls it every `dpoll`: it copies the struct, and accepts the
 * copy if  mode is 0 or 1, valid != 0, and (mode 1 only) the copy's count equals the live
 * count read after the copy; then it clears `valid`. A mode-1 writer therefore does:
 *     valid = 0; count++; barrier; write the time fields; barrier; count++; valid = 1;
 * so a copy taken during the write either sees valid == 0 or a count that has moved on.
 * The nanosecond fields are used only if  NSec / 1000 == USec  for both timestamps (else the
 * reader falls back to the microsecond fields); a writer sets both consistently.
 * leap: 0 none, 1 insert second at the end of the day, 2 delete, 3 not synchronised (chrony
 * drops samples with leap 3). precision: log2 of the clock's precision in seconds (e.g. -20).
 *
 * ---- SOCK (Unix datagram socket, bound by chronyd at the path given in `refclock SOCK`) ----
 * One datagram per sample, exactly sizeof(struct sock_sample) == 40 bytes, magic last.
 * tv = system time of the measurement (µs resolution), offset = true time minus system time,
 * seconds. pulse != 0 marks a PPS sample (only the sub-second part is meaningful).
 */
#ifndef TSYNC_UAPI_CHRONY_REFCLOCK_H
#define TSYNC_UAPI_CHRONY_REFCLOCK_H

#include <assert.h>
#include <stddef.h>
#include <time.h>
#include <sys/time.h>

/* ---------------- SHM ---------------- */
#define CHRONY_SHM_KEY_BASE    0x4e545030 /* "NTP0" */
#define CHRONY_SHM_KEY(unit)   (CHRONY_SHM_KEY_BASE + (unit))
#define CHRONY_SHM_MODE_SIMPLE 0 /* valid flag only */
#define CHRONY_SHM_MODE_COUNT  1 /* valid flag plus count check (what tsync writes) */

#define CHRONY_LEAP_NONE   0
#define CHRONY_LEAP_INSERT 1
#define CHRONY_LEAP_DELETE 2
#define CHRONY_LEAP_UNSYNC 3 /* SHM only; chrony ignores such samples */

struct shmTime {
	int mode;                   /* CHRONY_SHM_MODE_*: the protocol the writer follows */
	volatile int count;         /* mode 1: incremented before and after each write */
	time_t clockTimeStampSec;   /* reference (true) time, seconds */
	int clockTimeStampUSec;     /* reference time, microseconds [0, 1e6) */
	time_t receiveTimeStampSec; /* local system time of the same instant, seconds */
	int receiveTimeStampUSec;   /* local system time, microseconds [0, 1e6) */
	int leap;                   /* CHRONY_LEAP_* */
	int precision;              /* log2(seconds) */
	int nsamples;               /* unused by chrony */
	volatile int valid;         /* set by the writer, cleared by the reader */
	int clockTimeStampNSec;     /* reference time, nanoseconds [0, 1e9) */
	int receiveTimeStampNSec;   /* local system time, nanoseconds [0, 1e9) */
	int dummy[8];               /* reserved, 0 */
};

#if defined(__x86_64__) || (defined(__LP64__) && defined(__linux__))
static_assert(sizeof(struct shmTime) == 96, "struct shmTime is 96 bytes on LP64");
static_assert(offsetof(struct shmTime, count) == 4, "shmTime.count");
static_assert(offsetof(struct shmTime, clockTimeStampSec) == 8, "shmTime.clockTimeStampSec");
static_assert(offsetof(struct shmTime, clockTimeStampUSec) == 16, "shmTime.clockTimeStampUSec");
static_assert(offsetof(struct shmTime, receiveTimeStampSec) == 24, "shmTime.receiveTimeStampSec");
static_assert(offsetof(struct shmTime, receiveTimeStampUSec) == 32, "shmTime.receiveTimeStampUSec");
static_assert(offsetof(struct shmTime, leap) == 36, "shmTime.leap");
static_assert(offsetof(struct shmTime, precision) == 40, "shmTime.precision");
static_assert(offsetof(struct shmTime, nsamples) == 44, "shmTime.nsamples");
static_assert(offsetof(struct shmTime, valid) == 48, "shmTime.valid");
static_assert(offsetof(struct shmTime, clockTimeStampNSec) == 52, "shmTime.clockTimeStampNSec");
static_assert(offsetof(struct shmTime, receiveTimeStampNSec) == 56, "shmTime.receiveTimeStampNSec");
static_assert(offsetof(struct shmTime, dummy) == 60, "shmTime.dummy");
#endif

/* ---------------- SOCK ---------------- */
#define CHRONY_SOCK_MAGIC 0x534f434b /* "SOCK" */

struct sock_sample {
	struct timeval tv; /* system time of the measurement */
	double offset;     /* true time minus system time, seconds */
	int pulse;         /* non-zero: PPS sample, only the fraction of a second matters */
	int leap;          /* CHRONY_LEAP_NONE / _INSERT / _DELETE */
	int _pad;          /* 0, ignored */
	int magic;         /* CHRONY_SOCK_MAGIC */
};

#if defined(__x86_64__) || (defined(__LP64__) && defined(__linux__))
static_assert(sizeof(struct sock_sample) == 40, "SOCK sample is 40 bytes on LP64");
static_assert(offsetof(struct sock_sample, offset) == 16, "sock_sample.offset");
static_assert(offsetof(struct sock_sample, pulse) == 24, "sock_sample.pulse");
static_assert(offsetof(struct sock_sample, leap) == 28, "sock_sample.leap");
static_assert(offsetof(struct sock_sample, magic) == 36, "sock_sample.magic");
#endif

#endif
