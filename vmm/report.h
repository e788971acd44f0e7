/* SPDX-License-Identifier: MIT */
/*
 * tsvmm report-ring reader: drains the guest's records (include/uapi/tsvmm-report.h) from
 * the controlling thread, keeps running statistics and writes a statlog:
 *   # columns: t[s] rec gap[ns] max_gap[ns] dirtied loops vmclock
 * t: guest TSC time since ring-3 entry; rec: enum tsvmm_rec_type. SAMPLE: gap = largest gap
 * in the period, max_gap = since boot, dirtied = working-set pages dirtied so far, loops =
 * time-loop iterations in the period, vmclock = first 8 bytes of the vmclock page. GAP: gap.
 * FILL: gap = fill time, dirtied = pages filled. DONE: max_gap, dirtied.
 */
#ifndef TSVMM_REPORT_H
#define TSVMM_REPORT_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct report;

struct report_stats {
	uint64_t records;     /* records drained */
	uint64_t samples;     /* SAMPLE records */
	uint64_t gaps;        /* GAP records */
	uint64_t dropped;     /* records the guest dropped (ring full) */
	uint64_t max_gap_ns;  /* largest TSC gap since boot */
	uint64_t last_gap_ns; /* the most recent GAP record */
	uint64_t dirtied;     /* working-set pages dirtied */
	uint64_t fill_pages;  /* pages the guest filled */
	uint64_t fill_ns;     /* how long the fill took (guest TSC) */
	uint64_t vmclock;     /* first 8 bytes of the vmclock page, last sample */
	uint64_t loops;       /* time-loop iterations in the last sample period */
	uint64_t tsc_boot;    /* guest TSC at ring-3 entry (0: not yet) */
	uint64_t io_written, io_read, io_failed; /* disk workload blocks (TSVMM_REC_IO) */
	int phase; /* enum tsvmm_guest_phase from the ring's status block */
	bool done; /* a DONE record arrived */
};

/* Reader of vm's ring; tsc_khz converts ticks; statlog_path NULL: no statlog. NULL with
 * errno (the statlog's). */
struct report *report_create(struct vm *vm, uint64_t tsc_khz, const char *statlog_path);
void report_destroy(struct report *r);
/* Drain the records the guest appended since the last call. Returns how many, or -EPROTO
 * when the ring header is corrupt (the guest scribbled on it). */
int report_drain(struct report *r);
const struct report_stats *report_stats(const struct report *r);
/* Score the guest's vmclock readings into a statlog at path (vmclock_log.h). 0 or -errno. */
int report_vmclock_log(struct report *r, const char *path);
/* The vCPU reads raw + off (KVM_VCPU_TSC_OFFSET): the vmclock log converts with it. */
void report_tsc_kvm_offset(struct report *r, uint64_t off);
/* TSC ticks to ns with this reader's tsc_khz. */
uint64_t report_ticks_to_ns(const struct report *r, uint64_t ticks);

#endif
