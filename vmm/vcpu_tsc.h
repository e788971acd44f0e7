/* SPDX-License-Identifier: MIT */
/*
 * tsvmm: the guest's TSC across hosts (issue 14 item 3).
 *
 * Real hosts have different TSCs. KVM keeps a guest's TSC continuous across a migration with
 * a per-vCPU TSC offset (guest = host x scale + offset; scaling needs KVM_CAP_TSC_CONTROL):
 * the destination sets guest TSC at resume = guest TSC at the stop + the downtime (what Linux
 * and QEMU do), and the guest's TSC then runs at the destination host's rate unless scaled.
 * vcpu_tsc_probe() asks this KVM what it offers (KVM_CAP_TSC_CONTROL, KVM_SET_TSC_KHZ, the
 * KVM_VCPU_TSC_OFFSET attribute, IA32_TSC through KVM_SET_MSRS, IA32_TSC_ADJUST) and checks
 * whether an offset is applied (KVM's guest TSC read back through KVM_GET_MSRS).
 *
 * One machine emulates several hosts (tsvmm --tsc-transform, vmclockd --tsc-transform; the
 * same transform for the two on one "host"): host TSC = T(raw TSC) (tsync/tsc_xform.h). All
 * of tsvmm's offset arithmetic runs in that host TSC domain: guest TSC = host TSC + offset,
 * the offset computed at resume from the source's TSC record, the destination host's own
 * TSC and rate. The guest's physical rdtsc reads the machine's raw TSC (PVM KVM applies no
 * offset), so the one point where it enters is the guest payload's rdtsc(): it applies the
 * TSC block tsvmm writes in the boot parameters (tsc_mult, tsc_add: raw -> host TSC +
 * offset, the virtual CPU's TSC). The destination's vmclockd publishes the VM's page in
 * that counter (migrate-in tsc_offset=). No scaling here: the guest's TSC runs at the
 * destination host's rate and the destination's page describes exactly that rate.
 *
 * Where KVM applies KVM_VCPU_TSC_OFFSET (the probe sets it, reads it back and sees KVM's
 * guest TSC move), tsvmm continues the guest's TSC through it (--tsc-via auto|kvm|block):
 * the vCPU's rdtsc then reads raw + kvm_offset, and the guest's counter is
 *   guest TSC = T(raw + kvm_offset) + offset
 * with kvm_offset chosen at resume so that T(raw + kvm_offset) is the target to within one
 * host tick and offset the remainder (0 or 1 tick, in the block). At setup the KVM offset is
 * set to 0 (the guest starts on this host's TSC, as the block path assumes). PVM KVM here:
 * the attribute exists and KVM_SET_DEVICE_ATTR returns 0, but a read back gives 0 and KVM's
 * guest TSC does not move, so auto keeps the block (and says so).
 */
#ifndef TSVMM_VCPU_TSC_H
#define TSVMM_VCPU_TSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/tsc_xform.h"
#include "uapi/tsvmm-migration.h"

struct vcpu;
struct vmm;

/* What this KVM offers for the guest's TSC. */
struct vcpu_tsc_caps {
	bool tsc_control;       /* KVM_CAP_TSC_CONTROL: KVM_SET_TSC_KHZ scales the guest TSC */
	bool set_khz;           /* KVM_SET_TSC_KHZ accepted (its own rate: a no-op) */
	bool offset_attr;       /* KVM_VCPU_TSC_CTRL/KVM_VCPU_TSC_OFFSET attribute present */
	bool offset_attr_set;   /* KVM_SET_DEVICE_ATTR of it returned 0 */
	bool offset_attr_kept;  /* KVM_GET_DEVICE_ATTR read back the value set */
	bool offset_attr_works; /* setting it moved KVM's guest TSC (KVM_GET_MSRS) */
	bool msr_tsc_works;     /* a KVM_SET_MSRS of IA32_TSC moved KVM's guest TSC */
	bool msr_adjust;        /* IA32_TSC_ADJUST readable */
};

/* Probe v (a fresh vCPU: whatever it changes it puts back). Fills c; 0 or -errno. */
int vcpu_tsc_probe(struct vcpu *v, struct vcpu_tsc_caps *c);
/* One line naming each mechanism and what tsvmm uses (via_kvm: the KVM offset). */
void vcpu_tsc_describe(const struct vcpu_tsc_caps *c, bool via_kvm, char *buf, size_t len);
/* The attribute's state in a word: absent, "refused", "not kept" (set returns 0, reads
 * back otherwise), "not applied" (kept, KVM's guest TSC did not move), applied. */
const char *vcpu_tsc_attr_word(const struct vcpu_tsc_caps *c);

/* The guest's TSC on this host. Plain data. */
struct vcpu_tsc {
	struct tsc_xform host; /* this host's TSC from the machine's (--tsc-transform) */
	uint64_t offset;       /* guest TSC = T(raw + kvm_offset) + offset (mod 2^64) */
	uint64_t kvm_offset;   /* what KVM adds to the raw TSC the vCPU reads (0 unless via_kvm) */
	bool via_kvm;          /* continued through KVM_VCPU_TSC_OFFSET, not only the block */
	uint64_t host_khz;     /* this host's TSC rate, kHz (KVM's tsc_khz x (1 + ppm e-6)) */
	bool resumed;          /* offset set from a source's TSC record */
};

/* Pure. This host's TSC at raw machine TSC raw. */
uint64_t vcpu_tsc_host(const struct vcpu_tsc *t, uint64_t raw);
/* Pure. The guest's TSC at raw. */
uint64_t vcpu_tsc_guest(const struct vcpu_tsc *t, uint64_t raw);
/* Pure. The guest's TSC minus this host's at raw: the VM's page offset (migrate-in
 * tsc_offset=). t->offset when kvm_offset is 0; else it may move by a tick with raw. */
uint64_t vcpu_tsc_page_offset(const struct vcpu_tsc *t, uint64_t raw);
/* Pure. The block the guest payload applies to its rdtsc (raw + kvm_offset) -> guest TSC. */
struct tsc_xform vcpu_tsc_guest_xform(const struct vcpu_tsc *t);
/* Pure. Continue through KVM: kvm_offset and the block's remainder such that
 * vcpu_tsc_guest(t, raw_now) == target exactly. */
void vcpu_tsc_resume_kvm(struct vcpu_tsc *t, uint64_t target, uint64_t raw_now);
/*
 * Pure. The offset that continues the guest's TSC on this host: guest TSC at host_now =
 * guest_at_stop + downtime_ns at this host's rate (host_khz; a negative downtime counts 0),
 * so offset = that - host_now (mod 2^64).
 */
uint64_t vcpu_tsc_resume_offset(uint64_t guest_at_stop, int64_t downtime_ns, uint64_t host_khz,
                                uint64_t host_now);
/* Pure. The source's record at the park: raw TSC park_raw, CLOCK_REALTIME park_rt. */
void vcpu_tsc_stop_record(const struct vcpu_tsc *t, uint64_t park_raw, uint64_t park_rt,
                          struct tsmig_tsc *rec);
/* Pure. A received record: flags known, reserved 0, a rate. 0 or -EBADMSG with a reason. */
int vcpu_tsc_rec_check(const struct tsmig_tsc *rec, char *err, size_t errlen);

/* ---- tsvmm glue (vcpu_tsc.c) ---- */
/* At create: probe, log what this KVM offers, set up the host transform (cfg) and khz,
 * choose the path (cfg tsc_via: auto, kvm, block). */
int vmm_tsc_setup(struct vmm *m, char *err, size_t errlen);
/* JSON object for query-migrate's "tsc": the path used, the attribute's state, the
 * offsets. Returns the length (snprintf). */
int vmm_tsc_json(const struct vmm *m, char *buf, size_t len);
/* The guest's TSC at raw (devices, the vmclock log) and its offset (vmclockd migrate-in). */
uint64_t vmm_guest_tsc(const struct vmm *m, uint64_t raw);
uint64_t vmm_tsc_offset(const struct vmm *m);
/* The guest TSC block for the boot parameters. */
struct tsc_xform vmm_tsc_guest_xform(const struct vmm *m);
/* Source, stopped: the TSC record at the park. */
void vmm_tsc_stop_record(const struct vmm *m, struct tsmig_tsc *rec);
/* Destination, after GO and before the vCPU runs: continue the guest's TSC from rec (NULL:
 * none came; the guest reads this host's TSC) and write the guest's TSC block. Logs what
 * it did. 0 or -errno. */
int vmm_tsc_resume(struct vmm *m, const struct tsmig_tsc *rec);

#endif
