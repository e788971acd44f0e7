/* SPDX-License-Identifier: MIT */
/*
 * tsvmm vCPU: creation, the KVM_RUN loop with port/MMIO dispatch, kicking a running vCPU out
 * of the guest from another thread, and (vcpu_state.c) the state interface for migration.
 *
 * Threads: one thread calls vcpu_run(); vcpu_kick() may be called from any thread.
 * After vcpu_run() returns (any reason), every port/MMIO exit it handled has been completed
 * inside KVM (it re-enters KVM_RUN with immediate_exit before returning on a kick), so the
 * state read by vcpu_state_get() is consistent.
 */
#ifndef TSVMM_VCPU_H
#define TSVMM_VCPU_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;

/* Exit handlers. Return 0 to go on running, > 0 to make vcpu_run() return VCPU_STOP_DEVICE
 * (the exit is still completed), -errno to make it return VCPU_STOP_ERROR. */
struct vcpu_io_ops {
	/* Port I/O; out: guest write. data: size bytes (1, 2 or 4); fill it on a read. */
	int (*pio)(void *arg, uint16_t port, bool out, uint8_t *data, unsigned size);
	/* MMIO (accesses outside any memslot, or writes to a read-only slot). */
	int (*mmio)(void *arg, uint64_t gpa, bool write, uint8_t *data, unsigned len);
	/* Optional: KVM_RUN failed with EFAULT (guest memory backed by a host mapping that is
	 * gone, e.g. a page file truncated by another process). 1: repaired, run again;
	 * 0 or -errno: stop with the error. */
	int (*fault)(void *arg);
	void *arg;
};

enum vcpu_stop {
	VCPU_STOP_KICKED = 1, /* vcpu_kick() */
	VCPU_STOP_DEVICE,     /* a handler returned > 0 */
	VCPU_STOP_HLT,        /* the guest halted (interrupts are off: for good) */
	VCPU_STOP_SHUTDOWN,   /* triple fault */
	VCPU_STOP_ERROR,      /* emulation failure, entry failure, unknown exit, ioctl error */
};

/* Create vCPU index of vm and map its kvm_run. NULL with errno. */
struct vcpu *vcpu_create(struct vm *vm, unsigned index);
void vcpu_destroy(struct vcpu *v);
int vcpu_fd(const struct vcpu *v);

/* Install the (empty) SIGUSR1 handler vcpu_kick() relies on. Once per process, from main().
 * 0 or -errno. */
int vcpu_signal_init(void);

/*
 * Run the guest until something stops it, handling port and MMIO exits through ops.
 * Returns the reason; for HLT, SHUTDOWN and ERROR, msg (msglen bytes) names the KVM exit
 * reason and the guest RIP, e.g. "KVM internal error: emulation failure at RIP 0x200123".
 * Call from the vCPU's own thread (the first call binds the thread for vcpu_kick()).
 */
enum vcpu_stop vcpu_run(struct vcpu *v, const struct vcpu_io_ops *ops, char *msg, size_t msglen);
/* Make the current or the next vcpu_run() return VCPU_STOP_KICKED soon. Any thread. */
void vcpu_kick(struct vcpu *v);

/* Guest TSC frequency in kHz (KVM_GET_TSC_KHZ), or -errno. */
long vcpu_tsc_khz(struct vcpu *v);

/* ---- state interface (vcpu_state.c) ---- */

#define VCPU_STATE_VERSION  1
#define VCPU_STATE_MAX_MSRS 32

/* Everything KVM keeps for one x86 vCPU that a migration must carry. Plain data. */
struct vcpu_state {
	uint32_t version; /* VCPU_STATE_VERSION */
	uint32_t flags;   /* VCPU_STATE_HAS_* */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_xsave xsave; /* when VCPU_STATE_HAS_XSAVE (4 KiB legacy layout) */
	struct kvm_xcrs xcrs;   /* when VCPU_STATE_HAS_XCRS */
	struct kvm_mp_state mp_state;
	struct kvm_vcpu_events events;
	uint32_t nmsrs;
	struct kvm_msr_entry msrs[VCPU_STATE_MAX_MSRS]; /* see vcpu_state_msr_list() */
};

enum {
	VCPU_STATE_HAS_XSAVE = 1,
	VCPU_STATE_HAS_XCRS = 2,
};

/* Flags of vcpu_state_set(). */
enum {
	/* Do not write IA32_TSC: the guest keeps reading the host's TSC (same-host restore,
	 * or when the caller handles TSC offsets itself). */
	VCPU_STATE_KEEP_TSC = 1,
};

/* Read the state of a stopped vCPU (vcpu_run() not running). 0 or -errno. */
int vcpu_state_get(struct vcpu *v, struct vcpu_state *st);
/* Load st into a stopped vCPU (MSRs last but one, vcpu events last). 0 or -errno
 * (-EINVAL: version mismatch). */
int vcpu_state_set(struct vcpu *v, const struct vcpu_state *st, unsigned flags);
/* The MSR indices this KVM supports out of tsvmm's list (TSC, kvmclock, SYSENTER, STAR...):
 * n entries into idx (capacity max). Returns n. */
size_t vcpu_state_msr_list(const struct vcpu *v, uint32_t *idx, size_t max);

#endif
