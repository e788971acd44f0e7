// SPDX-License-Identifier: MIT
/* tsvmm vCPU state get/set for migration: regs, sregs, fpu, xsave, xcrs, MSRs, mp_state,
 * vcpu events. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vcpu_private.h"
#include "vm.h"

#define MSR_IA32_TSC 0x10

/* MSRs a migration carries, kept when this KVM lists them. */
static const uint32_t wanted_msrs[] = {
        MSR_IA32_TSC, 0x3b, /* IA32_TSC_ADJUST */
        0x174,              /* SYSENTER_CS */
        0x175,              /* SYSENTER_ESP */
        0x176,              /* SYSENTER_EIP */
        0x1a0,              /* IA32_MISC_ENABLE */
        0x277,              /* IA32_PAT */
        0xc0000081,         /* STAR */
        0xc0000082,         /* LSTAR */
        0xc0000083,         /* CSTAR */
        0xc0000084,         /* SFMASK */
        0xc0000102,         /* KERNEL_GS_BASE */
        0xc0000103,         /* TSC_AUX */
        0x11,               /* MSR_KVM_WALL_CLOCK */
        0x12,               /* MSR_KVM_SYSTEM_TIME */
        0x4b564d00,         /* MSR_KVM_WALL_CLOCK_NEW */
        0x4b564d01,         /* MSR_KVM_SYSTEM_TIME_NEW */
        0x4b564d02,         /* MSR_KVM_ASYNC_PF_EN */
        0x4b564d03,         /* MSR_KVM_STEAL_TIME */
        0x4b564d04,         /* MSR_KVM_PV_EOI_EN */
};

void vcpu_state_init_msrs(struct vcpu *v)
{
	struct kvm_msr_list probe = {.nmsrs = 0};
	ioctl(vm_kvm_fd(v->vm), KVM_GET_MSR_INDEX_LIST, &probe); /* E2BIG, sets nmsrs */
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + (probe.nmsrs + 1) * sizeof(uint32_t));
	v->nmsrs = 0;
	if (l) {
		l->nmsrs = probe.nmsrs;
		if (ioctl(vm_kvm_fd(v->vm), KVM_GET_MSR_INDEX_LIST, l) == 0) {
			for (size_t w = 0; w < sizeof(wanted_msrs) / sizeof(wanted_msrs[0]); w++)
				for (uint32_t i = 0; i < l->nmsrs; i++)
					if (l->indices[i] == wanted_msrs[w] &&
					    v->nmsrs < VCPU_STATE_MAX_MSRS)
						v->msr_idx[v->nmsrs++] = wanted_msrs[w];
		}
		free(l);
	}
	v->has_xsave = ioctl(vm_fd(v->vm), KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0;
	v->has_xcrs = ioctl(vm_fd(v->vm), KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0;
}

size_t vcpu_state_msr_list(const struct vcpu *v, uint32_t *idx, size_t max)
{
	size_t n = v->nmsrs < max ? v->nmsrs : max;
	memcpy(idx, v->msr_idx, n * sizeof(*idx));
	return n;
}

struct msr_buf {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e[VCPU_STATE_MAX_MSRS];
};

static int get_msrs(struct vcpu *v, struct vcpu_state *st)
{
	struct msr_buf b = {.hdr.nmsrs = v->nmsrs};
	for (uint32_t i = 0; i < v->nmsrs; i++)
		b.e[i].index = v->msr_idx[i];
	int n = ioctl(v->fd, KVM_GET_MSRS, &b);
	if (n < 0)
		return -errno;
	if ((uint32_t)n != v->nmsrs)
		return -EIO; /* KVM stops at the first MSR it cannot read */
	st->nmsrs = v->nmsrs;
	memcpy(st->msrs, b.e, v->nmsrs * sizeof(b.e[0]));
	return 0;
}

static int set_msrs(struct vcpu *v, const struct vcpu_state *st, unsigned flags)
{
	struct msr_buf b = {.hdr.nmsrs = 0};
	if (st->nmsrs > VCPU_STATE_MAX_MSRS)
		return -EINVAL;
	for (uint32_t i = 0; i < st->nmsrs; i++) {
		if ((flags & VCPU_STATE_KEEP_TSC) && st->msrs[i].index == MSR_IA32_TSC)
			continue;
		b.e[b.hdr.nmsrs++] = st->msrs[i];
	}
	int n = ioctl(v->fd, KVM_SET_MSRS, &b);
	if (n < 0)
		return -errno;
	return (uint32_t)n == b.hdr.nmsrs ? 0 : -EIO;
}

#define GET(req, p)                                                                                \
	do {                                                                                       \
		if (ioctl(v->fd, req, p) < 0)                                                      \
			return -errno;                                                             \
	} while (0)

int vcpu_state_get(struct vcpu *v, struct vcpu_state *st)
{
	memset(st, 0, sizeof(*st));
	st->version = VCPU_STATE_VERSION;
	GET(KVM_GET_REGS, &st->regs);
	GET(KVM_GET_SREGS, &st->sregs);
	GET(KVM_GET_FPU, &st->fpu);
	if (v->has_xsave && ioctl(v->fd, KVM_GET_XSAVE, &st->xsave) == 0)
		st->flags |= VCPU_STATE_HAS_XSAVE;
	if (v->has_xcrs && ioctl(v->fd, KVM_GET_XCRS, &st->xcrs) == 0)
		st->flags |= VCPU_STATE_HAS_XCRS;
	GET(KVM_GET_MP_STATE, &st->mp_state);
	GET(KVM_GET_VCPU_EVENTS, &st->events);
	return get_msrs(v, st);
}

int vcpu_state_set(struct vcpu *v, const struct vcpu_state *st, unsigned flags)
{
	if (st->version != VCPU_STATE_VERSION)
		return -EINVAL;
	GET(KVM_SET_SREGS, &st->sregs);
	GET(KVM_SET_REGS, &st->regs);
	if (st->flags & VCPU_STATE_HAS_XSAVE)
		GET(KVM_SET_XSAVE, &st->xsave);
	else
		GET(KVM_SET_FPU, &st->fpu);
	if (st->flags & VCPU_STATE_HAS_XCRS)
		GET(KVM_SET_XCRS, &st->xcrs);
	GET(KVM_SET_MP_STATE, &st->mp_state);
	int err = set_msrs(v, st, flags);
	if (err)
		return err;
	GET(KVM_SET_VCPU_EVENTS, &st->events);
	return 0;
}
