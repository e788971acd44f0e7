/* SPDX-License-Identifier: MIT */
/*
 * tsvmm: score the guest's vmclock readings (TSVMM_REC_VMCLOCK) against the reference clock.
 *
 * The guest reads the raw host TSC, so each reading's counter converts to CLOCK_REALTIME
 * exactly up to a calibration: at every drain of the report ring the VMM reads a (TSC,
 * CLOCK_REALTIME) pair (the narrowest of 3), and a reading is placed by linear interpolation
 * between the pairs around it (the ring is drained every 20 ms). Statlog columns:
 *   t[s]        CLOCK_REALTIME of the reading (s since 1970; a time axis only)
 *   err[ns]     guest vmclock time - CLOCK_REALTIME (exact integer arithmetic)
 *   bound[ns]   the page's maxerror at that counter (-1: no bound)
 *   ok          1: |err| <= bound, 0: a bound violation, -1: no bound
 *   status      clock_status; marker: disruption_marker; est[ns]: esterror
 *   tsc         the counter (for gap analysis)
 * Readings that failed (vmclock_read error) are rows with err nan and status -errno.
 */
#ifndef TSVMM_VMCLOCK_LOG_H
#define TSVMM_VMCLOCK_LOG_H

#include <stdint.h>

struct tsvmm_boot_params;
struct tsvmm_report_rec;
struct vmclock_log;

/* NULL with errno (the statlog's). tsc_khz: fallback rate before two pairs exist. bp: the
 * guest's boot parameters (their TSC block makes the pairs' counter the guest's TSC, as the
 * guest reads it: vmm/vcpu_tsc.h), NULL: the raw TSC. */
struct vmclock_log *vmclock_log_open(const char *path, uint64_t tsc_khz,
                                     const volatile struct tsvmm_boot_params *bp);
/* The vCPU's rdtsc reads raw + off (KVM_VCPU_TSC_OFFSET, vmm/vcpu_tsc.h): the pairs' raw TSC
 * is shifted by it before the block. Pairs before it are another counter. */
void vmclock_log_kvm_offset(struct vmclock_log *l, uint64_t off);
/* Print the summary line (readings, violations, largest |err|) and close. */
void vmclock_log_close(struct vmclock_log *l);
/* A fresh (TSC, CLOCK_REALTIME) pair: call before reading the ring's head. */
void vmclock_log_pair(struct vmclock_log *l);
/* Score one TSVMM_REC_VMCLOCK record. */
void vmclock_log_rec(struct vmclock_log *l, const struct tsvmm_report_rec *rec);

#endif
