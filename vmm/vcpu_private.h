/* SPDX-License-Identifier: MIT */
/* tsvmm vCPU internals shared by vcpu.c and vcpu_state.c. */
#ifndef TSVMM_VCPU_PRIVATE_H
#define TSVMM_VCPU_PRIVATE_H

#include <pthread.h>

#include "vcpu.h"

struct vcpu {
	struct vm *vm;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread; /* the thread in vcpu_run(), valid once thread_bound */
	bool thread_bound;
	uint32_t nmsrs; /* supported MSRs out of the wanted list */
	uint32_t msr_idx[VCPU_STATE_MAX_MSRS];
	bool has_xsave, has_xcrs;
};

/* Fill msr_idx/nmsrs and the xsave/xcrs flags (KVM_GET_MSR_INDEX_LIST, caps). */
void vcpu_state_init_msrs(struct vcpu *v);

#endif
