/* SPDX-License-Identifier: MIT */
/*
 * The vmclock-specific part of the TSC for vmclockd: the calibrated period expressed as vmclock
 * page fields (counter_period_frac_sec, counter_period_shift). Pairs, calibration and the rate
 * tracker are lib/counter (include/tsync/counter.h).
 */
#ifndef VMCLOCK_TSC_H
#define VMCLOCK_TSC_H

#include <stdint.h>

#include <stdbool.h>
#include <stddef.h>

#include "tsync/counter.h"

struct vmclock_abi;

struct tsc_cal {
	double ns_per_tick; /* TSC period in CLOCK_MONOTONIC_RAW ns */
	double rel_err;     /* bound on |ns_per_tick / true - 1| (measurement only) */
	uint64_t frac;      /* the same period as vmclock fields: units of 2^-(64 + shift) s */
	uint8_t shift;
};

/* Calibrate tsc (a counter source) over duration_ms (>= 10) of CLOCK_MONOTONIC_RAW. 0 or
 * -errno. */
int tsc_calibrate(struct counter *tsc, unsigned duration_ms, struct tsc_cal *out);

/* vmclock period fields for a period of ns_per_tick ns (> 0, < 1e9): the largest shift that
 * keeps frac < 2^64, frac rounded to nearest. 0 or -EINVAL. */
int tsc_period_fields(double ns_per_tick, uint64_t *frac, uint8_t *shift);

/* This host's TSC now: tsc's read (tsc_host_counter), the machine's TSC when tsc is NULL. */
uint64_t tsc_host_now(struct counter *tsc);

/*
 * A VM's tsc_offset kept in its page file, past the vmclock structure (the last 16 bytes of
 * the page: "TSCOFFS1" and the offset, native order), written under the page's seqlock with
 * every update, so that a restarted vmclockd that takes the page over (vmclockd_vm_add)
 * publishes in the guest's counter again. load: true and *off when the page carries one.
 */
void tsc_page_offset_store(struct vmclock_abi *abi, uint64_t off);
bool tsc_page_offset_load(const struct vmclock_abi *abi, uint64_t *off);

/* A signed decimal tick count ("-1000000") as a 64-bit offset (two's complement). 0 or
 * -EINVAL. */
int tsc_offset_parse(const char *s, uint64_t *off);

/* --tsc-transform OFFSET,PPM (tsync/tsc_xform.h): 0, or -EINVAL with "bad --tsc-transform
 * ..." naming the bad part in err. */
int tsc_host_counter_check(const char *spec, char *err, size_t len);
/* This host's TSC as vmclockd sees it: the machine's TSC, or with spec (checked) the
 * machine's TSC through that transform (an emulated host: vmclockd calibrates, anchors and
 * publishes in its terms). NULL with errno. */
struct counter *tsc_host_counter(const char *spec);

#endif
