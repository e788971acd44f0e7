/* SPDX-License-Identifier: MIT */
/*
 * tsvmm guest <-> VMM ABI, part 2: the report ring at TSVMM_REPORT_GPA.
 *
 * The guest logs events and timestamps from ring 3 without any VM exit: it appends fixed-size
 * records to a single-producer single-consumer ring in guest RAM; the VMM drains it from its
 * main thread (every few tens of ms) and turns records into a statlog. Rare events (done,
 * panic) additionally use the hypercall port (tsvmm-boot.h), which costs a VM exit.
 *
 * Layout: one header page (struct tsvmm_report_hdr), then TSVMM_REPORT_ENTRIES records of 64
 * bytes. Little endian. Protocol (x86 is TSO, so plain stores keep their order):
 *   guest (producer): if head - tail == entries: dropped++, give up; else write
 *                     rec[head % entries] completely, then store head + 1.
 *   VMM (consumer):   load head, read records tail .. head - 1, then store tail = head.
 * head and tail are free-running 64-bit counters, so head - tail is the fill level.
 * Timestamps are raw guest TSC ticks; tsc_khz in the boot parameters converts them.
 * The status block is rewritten by the guest at every SAMPLE (not seqlocked: it is advisory).
 */
#ifndef UAPI_TSVMM_REPORT_H
#define UAPI_TSVMM_REPORT_H

#include <stdint.h>

#define TSVMM_REPORT_MAGIC   0x54525052 /* "RPRT" */
#define TSVMM_REPORT_VERSION 1
#define TSVMM_REPORT_ENTRIES 4096
#define TSVMM_REPORT_SIZE    (4096 + TSVMM_REPORT_ENTRIES * 64)

enum tsvmm_rec_type {
	TSVMM_REC_BOOT = 1,    /* v[0] = payload end GPA */
	TSVMM_REC_FILL = 2,    /* v[0] = pages filled, v[1] = fill time [ticks],
				 v[2..5] = pages per kind (random, dup, disk, zero) */
	TSVMM_REC_SAMPLE = 3,  /* v[0] = largest gap since the last sample [ticks],
				 v[1] = working-set pages dirtied in total, v[2] = loop iterations
				 since the last sample, v[3] = first 8 bytes of the vmclock page,
				 v[4] = largest gap since boot [ticks] */
	TSVMM_REC_GAP = 4,     /* tsc = read after the gap, v[0] = gap [ticks] */
	TSVMM_REC_DONE = 5,    /* v[0] = largest gap since boot [ticks], v[1] = pages dirtied */
	TSVMM_REC_VMCLOCK = 6, /* a vmclock page reading (every TSVMM_VMCLOCK_SAMPLE_MS and at
				  once after a GAP): tsc = the counter the time is for,
				  v[0] = time [ns since 1970, int64], v[1] = maxerror [ns] or
				  UINT64_MAX (no bound), v[2] = clock_status | bounded << 8 |
				  (-error & 0xffff) << 16 | seqlock tries << 32 (error: vmclock_read
				  failed, the rest is 0), v[3] = disruption_marker,
				  v[4] = esterror [ns] */
	TSVMM_REC_IO = 7,      /* disk workload, with every SAMPLE when it is on: v[0] = blocks
				  written, v[1] = blocks read (totals since boot), v[2] = requests
				  that failed */
};

#define TSVMM_VMCLOCK_SAMPLE_MS 10

enum tsvmm_guest_phase {
	TSVMM_PHASE_BOOT = 0,
	TSVMM_PHASE_FILL = 1,
	TSVMM_PHASE_RUN = 2,
	TSVMM_PHASE_DONE = 3,
};

struct tsvmm_report_rec {
	uint32_t type; /* enum tsvmm_rec_type */
	uint32_t seq;  /* low 32 bits of the record's head index (gaps show drops) */
	uint64_t tsc;  /* guest TSC when the record was made */
	uint64_t v[6];
};

struct tsvmm_report_hdr {
	uint32_t magic;    /* TSVMM_REPORT_MAGIC, written by the guest at boot */
	uint32_t version;  /* TSVMM_REPORT_VERSION */
	uint32_t entries;  /* TSVMM_REPORT_ENTRIES */
	uint32_t rec_size; /* sizeof(struct tsvmm_report_rec) = 64 */
	uint64_t head;     /* written by the guest only */
	uint64_t dropped;  /* written by the guest only: records lost to a full ring */
	uint8_t pad0[32];
	uint64_t tail; /* written by the VMM only (own cache line) */
	uint8_t pad1[56];
	/* status, guest-written */
	uint64_t phase;    /* enum tsvmm_guest_phase */
	uint64_t tsc_boot; /* TSC at ring-3 entry */
	uint64_t max_gap;  /* largest TSC gap since boot [ticks] */
	uint64_t dirtied;  /* working-set pages dirtied */
	uint64_t loops;    /* time-loop iterations */
};

#endif
