// SPDX-License-Identifier: MIT
/* tsvmm vCPU: creation, KVM_RUN loop with exit dispatch, kicks. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vcpu_private.h"
#include "vm.h"

#define KICK_SIGNAL SIGUSR1

static void kick_handler(int sig)
{
	(void)sig;
}

int vcpu_signal_init(void)
{
	struct sigaction sa = {.sa_handler = kick_handler}; /* no SA_RESTART: KVM_RUN -> EINTR */
	sigemptyset(&sa.sa_mask);
	return sigaction(KICK_SIGNAL, &sa, NULL) < 0 ? -errno : 0;
}

struct vcpu *vcpu_create(struct vm *vm, unsigned index)
{
	int err;
	struct vcpu *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->vm = vm;
	v->fd = ioctl(vm_fd(vm), KVM_CREATE_VCPU, index);
	if (v->fd < 0)
		goto fail;
	long sz = ioctl(vm_kvm_fd(vm), KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (long)sizeof(struct kvm_run)) {
		errno = sz < 0 ? errno : EINVAL;
		goto fail;
	}
	v->run_size = (size_t)sz;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		goto fail;
	}
	vcpu_state_init_msrs(v);
	return v;
fail:
	err = errno;
	vcpu_destroy(v);
	errno = err;
	return NULL;
}

void vcpu_destroy(struct vcpu *v)
{
	if (!v)
		return;
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd > 0)
		close(v->fd);
	free(v);
}

int vcpu_fd(const struct vcpu *v)
{
	return v->fd;
}

long vcpu_tsc_khz(struct vcpu *v)
{
	long khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
	return khz < 0 ? -errno : khz;
}

void vcpu_kick(struct vcpu *v)
{
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&v->thread_bound, __ATOMIC_ACQUIRE))
		pthread_kill(v->thread, KICK_SIGNAL);
}

static uint64_t guest_rip(struct vcpu *v)
{
	struct kvm_regs r;
	return ioctl(v->fd, KVM_GET_REGS, &r) == 0 ? r.rip : ~0ULL;
}

static const char *internal_error_name(uint32_t sub)
{
	switch (sub) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "emulation failure";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "event delivery failure";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "unexpected exit reason";
	default:
		return "internal error";
	}
}

static enum vcpu_stop handle_pio(struct vcpu *v, const struct vcpu_io_ops *ops, char *msg,
                                 size_t msglen)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	int stop = 0;
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		int r = ops->pio(ops->arg, run->io.port, out, data, run->io.size);
		if (r < 0) {
			snprintf(msg, msglen, "port %s 0x%x failed: %s at RIP 0x%llx",
			         out ? "write" : "read", run->io.port, strerror(-r),
			         (unsigned long long)guest_rip(v));
			return VCPU_STOP_ERROR;
		}
		stop |= r;
	}
	return stop ? VCPU_STOP_DEVICE : 0;
}

/* One exit: 0 to re-enter, else the stop reason. */
static enum vcpu_stop handle_exit(struct vcpu *v, const struct vcpu_io_ops *ops, char *msg,
                                  size_t msglen)
{
	struct kvm_run *run = v->run;
	int r;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return handle_pio(v, ops, msg, msglen);
	case KVM_EXIT_MMIO:
		r = ops->mmio ? ops->mmio(ops->arg, run->mmio.phys_addr, run->mmio.is_write,
		                          run->mmio.data, run->mmio.len)
		              : -EFAULT;
		if (r < 0) {
			snprintf(msg, msglen,
			         "MMIO %s at GPA 0x%llx (%u bytes) failed at RIP 0x%llx",
			         run->mmio.is_write ? "write" : "read",
			         (unsigned long long)run->mmio.phys_addr, run->mmio.len,
			         (unsigned long long)guest_rip(v));
			return VCPU_STOP_ERROR;
		}
		return r ? VCPU_STOP_DEVICE : 0;
	case KVM_EXIT_HLT:
		snprintf(msg, msglen, "guest halted (KVM_EXIT_HLT) at RIP 0x%llx",
		         (unsigned long long)guest_rip(v));
		return VCPU_STOP_HLT;
	case KVM_EXIT_SHUTDOWN:
		snprintf(msg, msglen,
		         "guest shutdown (KVM_EXIT_SHUTDOWN, triple fault) at RIP 0x%llx",
		         (unsigned long long)guest_rip(v));
		return VCPU_STOP_SHUTDOWN;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(msg, msglen,
		         "KVM internal error: %s (KVM_EXIT_INTERNAL_ERROR suberror %u) at RIP "
		         "0x%llx",
		         internal_error_name(run->internal.suberror), run->internal.suberror,
		         (unsigned long long)guest_rip(v));
		return VCPU_STOP_ERROR;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(msg, msglen, "KVM_EXIT_FAIL_ENTRY (reason 0x%llx) at RIP 0x%llx",
		         (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
		         (unsigned long long)guest_rip(v));
		return VCPU_STOP_ERROR;
	case KVM_EXIT_INTR:
		return 0;
	default:
		snprintf(msg, msglen, "unhandled KVM exit reason %u at RIP 0x%llx",
		         run->exit_reason, (unsigned long long)guest_rip(v));
		return VCPU_STOP_ERROR;
	}
}

enum vcpu_stop vcpu_run(struct vcpu *v, const struct vcpu_io_ops *ops, char *msg, size_t msglen)
{
	if (!v->thread_bound) {
		v->thread = pthread_self();
		__atomic_store_n(&v->thread_bound, true, __ATOMIC_RELEASE);
	}
	msg[0] = 0;
	enum vcpu_stop pending = 0;
	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				/* Kicked: pending exits are completed now (KVM finishes them
				 * before it honours immediate_exit). */
				__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
				return pending ? pending : VCPU_STOP_KICKED;
			}
			int e = errno;
			if (e == EFAULT && ops->fault && ops->fault(ops->arg) == 1)
				continue;
			snprintf(msg, msglen, "KVM_RUN failed: %s", strerror(e));
			return VCPU_STOP_ERROR;
		}
		if (pending) /* immediate_exit raced with a real exit: report the first stop */
			return pending;
		enum vcpu_stop s = handle_exit(v, ops, msg, msglen);
		if (s == VCPU_STOP_DEVICE) {
			/* complete the exit inside KVM before returning */
			pending = s;
			__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		if (s)
			return s;
	}
}
