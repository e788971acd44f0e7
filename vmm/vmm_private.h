/* SPDX-License-Identifier: MIT */
/* tsvmm internals shared by vmm.c and vmm_run.c. */
#ifndef TSVMM_VMM_PRIVATE_H
#define TSVMM_VMM_PRIVATE_H

#include <pthread.h>
#include <stdio.h>

#include "devices/device.h"
#include "vcpu_tsc.h"
#include "vmm.h"

struct vmm {
	struct vmm_config cfg;
	struct vm *vm;
	struct vcpu *vcpu;
	struct devices *devs;
	struct report *report;
	FILE *serial; /* console sink (owned unless stdout) */
	uint64_t tsc_khz;
	uint64_t fill_gpa, fill_pages;
	struct guest_exit exit; /* written by the hcall device in the vCPU thread */
	int event_fd;

	/* vCPU thread control, under lock */
	pthread_mutex_t lock;
	pthread_cond_t cv;
	pthread_t thread;
	bool thread_started;
	bool want_pause, want_quit, parked, finished;
	enum vmm_state state;
	char stop_msg[256];
	uint64_t pause_start_ns, last_pause_ns, total_pause_ns;
	uint64_t start_tsc;
	uint64_t park_tsc;   /* host TSC when the vCPU thread parked for the current pause */
	struct vcpu_tsc tsc; /* the guest's TSC on this host (vcpu_tsc.c) */
	struct vcpu_tsc_caps tsc_caps; /* what this KVM offers for it (probe at setup) */
};

#endif
