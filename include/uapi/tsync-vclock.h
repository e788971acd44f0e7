/* SPDX-License-Identifier: MIT */
/*
 * tsync virtual clock: the shared-memory page every process of a test bench maps.
 *
 * File: /dev/shm/tsync-vclock.<name> (or any path containing '/'), exactly
 * sizeof(struct tsync_vclock_page) bytes or more, host byte order (it never leaves the host).
 *
 * The clock is defined over CLOCK_MONOTONIC_RAW (raw, ns). For raw >= base_raw_ns:
 *
 *   vclock(raw) = base_ns + e + round(e * (adj_ppb + 1000 * nat_ppm) / 1e9)
 *                 + W(raw) - W(base_raw_ns)       e = raw - base_raw_ns; W(base_raw_ns) is
 *                                                  cached in base_wander_ns
 *   W(raw)      = sum_i amp_ppb[i] / omega[i] * (sin(omega[i] * tau + phase[i]) - sin(phase[i]))
 *                 tau = (raw - t0_raw_ns) / 1e9 seconds               (ns of phase)
 *
 * i.e. the oscillator runs at rate 1 + nat_ppm*1e-6 + sum_i amp_ppb[i]*1e-9*cos(omega[i]*tau+phase[i])
 * plus the discipline adj_ppb. Everything below `seq` is written only with seq odd (seqlock:
 * a writer CASes seq from even to odd, writes, then stores seq+1; a reader retries while seq is
 * odd or changed). The model fields are fixed at creation and may be read without the lock.
 */
#ifndef TSYNC_UAPI_VCLOCK_H
#define TSYNC_UAPI_VCLOCK_H

#include <stdint.h>

#define TSYNC_VCLOCK_MAGIC   0x43565354u /* "TSVC" in little-endian memory */
#define TSYNC_VCLOCK_VERSION 1
#define TSYNC_VCLOCK_WANDER  4 /* sinusoids in the wander model */
#define TSYNC_VCLOCK_NAMELEN 48

struct tsync_vclock_wander {
	double amp_ppb; /* amplitude of the frequency term, ppb */
	double omega;   /* angular frequency, rad/s */
	double phase;   /* rad */
};

struct tsync_vclock_page {
	uint32_t magic;   /* TSYNC_VCLOCK_MAGIC */
	uint16_t version; /* TSYNC_VCLOCK_VERSION */
	uint16_t size;    /* sizeof(struct tsync_vclock_page) at creation */
	uint32_t seq;     /* seqlock counter, odd while written */
	uint32_t flags;   /* reserved, 0 */

	/* oscillator model: fixed at creation */
	int64_t t0_raw_ns;         /* CLOCK_MONOTONIC_RAW at creation */
	int64_t initial_offset_ns; /* vclock minus CLOCK_REALTIME at creation */
	double nat_ppm;            /* natural frequency error, + = fast */
	double wander_ppb;         /* requested RMS of the frequency wander */
	uint64_t seed;             /* seed the wander terms were drawn from */
	struct tsync_vclock_wander wander[TSYNC_VCLOCK_WANDER];

	/* discipline state: seqlock-protected */
	int64_t base_raw_ns;   /* raw time of the last adjustment */
	int64_t base_ns;       /* vclock time at base_raw_ns */
	double adj_ppb;        /* frequency adjustment set by adjfreq, + = faster */
	double base_wander_ns; /* W(base_raw_ns), cached at each rebase (saves half the sin()s) */
	uint64_t n_adjfreq;    /* counters, for show */
	uint64_t n_step;
	char name[TSYNC_VCLOCK_NAMELEN];
};

#endif
