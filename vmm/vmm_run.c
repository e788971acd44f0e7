// SPDX-License-Identifier: MIT
/* tsvmm: the vCPU thread, stop/continue, and turning guest exits into a state + message. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <x86intrin.h>

#include "devices/vmclock_dev.h"
#include "tsync/log.h"
#include "vcpu.h"
#include "vm.h"
#include "vmm_private.h"

static const char *const vector_names[32] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?",   "#TS",
        "#NP", "#SS", "#GP", "#PF", "?",   "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

/* The guest's exception handler stopped at its panic hypercall: describe the exception from
 * the frame on its ring-0 stack (vector, error code, RIP, CS, RFLAGS, RSP, SS). */
static void describe_panic(struct vmm *m, uint32_t vector, char *msg, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	uint64_t f[7] = {0};
	if (ioctl(vcpu_fd(m->vcpu), KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu_fd(m->vcpu), KVM_GET_SREGS, &s) < 0 || vm_read(m->vm, r.rsp, f, sizeof(f))) {
		snprintf(msg, len, "guest panic: exception %u (frame unreadable)", vector);
		return;
	}
	const char *name = vector < 32 && vector_names[vector] ? vector_names[vector] : "?";
	snprintf(msg, len, "guest panic: exception %u (%s) error 0x%llx at RIP 0x%llx in ring %llu",
	         vector, name, (unsigned long long)f[1], (unsigned long long)f[2],
	         (unsigned long long)(f[3] & 3));
	if (vector == 14) {
		size_t n = strlen(msg);
		snprintf(msg + n, len - n, ", CR2 0x%llx", (unsigned long long)s.cr2);
	}
}

/* The vCPU stopped for good: record why. Called in the vCPU thread, lock not held. */
static void finish(struct vmm *m, enum vcpu_stop why, const char *kvm_msg)
{
	char msg[sizeof(m->stop_msg)];
	enum vmm_state st = VMM_FAILED;
	if (why == VCPU_STOP_DEVICE && m->exit.kind == TSVMM_HC_DONE) {
		st = m->exit.arg == 0 ? VMM_SHUTDOWN : VMM_FAILED;
		snprintf(msg, sizeof(msg), "guest done (status %u)", m->exit.arg);
	} else if (why == VCPU_STOP_DEVICE && m->exit.kind == TSVMM_HC_PANIC) {
		describe_panic(m, m->exit.arg, msg, sizeof(msg));
	} else if (why == VCPU_STOP_DEVICE && m->exit.kind == TSVMM_HC_ABORT) {
		snprintf(msg, sizeof(msg), "guest abort (code %u)", m->exit.arg);
	} else {
		snprintf(msg, sizeof(msg), "%s", kvm_msg[0] ? kvm_msg : "vCPU stopped");
	}
	pthread_mutex_lock(&m->lock);
	m->state = st;
	memcpy(m->stop_msg, msg, sizeof(msg));
	pthread_mutex_unlock(&m->lock);
}

/* KVM_RUN's EFAULT: a mapped vmclock page file truncated under the guest is replaced by the
 * zero page (the guest reads "no page"), so the VM runs on instead of stopping. */
static int vcpu_fault(void *devs)
{
	return vmclock_dev_recover(devs);
}

static void *vcpu_thread(void *arg)
{
	struct vmm *m = arg;
	struct vcpu_io_ops ops = {
	        .pio = devices_pio, .mmio = devices_mmio, .fault = vcpu_fault, .arg = m->devs};
	char msg[256];
	for (;;) {
		pthread_mutex_lock(&m->lock);
		while (m->want_pause && !m->want_quit) {
			if (!m->parked)
				m->park_tsc = __rdtsc(); /* after the guest's last instruction */
			m->parked = true;
			pthread_cond_broadcast(&m->cv);
			pthread_cond_wait(&m->cv, &m->lock);
		}
		m->parked = false;
		bool quit = m->want_quit;
		pthread_mutex_unlock(&m->lock);
		if (quit)
			break;
		enum vcpu_stop why = vcpu_run(m->vcpu, &ops, msg, sizeof(msg));
		if (why == VCPU_STOP_KICKED)
			continue;
		finish(m, why, msg);
		break;
	}
	pthread_mutex_lock(&m->lock);
	m->finished = true;
	m->parked = true;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->lock);
	uint64_t one = 1;
	if (write(m->event_fd, &one, sizeof(one)) < 0)
		pr_err("eventfd: %m");
	return NULL;
}

int vmm_start(struct vmm *m)
{
	if (m->thread_started)
		return -EALREADY;
	m->state = VMM_RUNNING;
	m->start_tsc = __rdtsc();
	int err = pthread_create(&m->thread, NULL, vcpu_thread, m);
	if (err) {
		m->state = VMM_FAILED;
		return -err;
	}
	m->thread_started = true;
	return 0;
}

int vmm_pause(struct vmm *m)
{
	pthread_mutex_lock(&m->lock);
	if (m->finished || !m->thread_started) {
		pthread_mutex_unlock(&m->lock);
		return -ESRCH;
	}
	if (m->want_pause) {
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	m->want_pause = true;
	pthread_mutex_unlock(&m->lock);
	devices_kick(m->devs); /* a device may hold the vCPU thread (post-copy block wait) */
	vcpu_kick(m->vcpu);
	pthread_mutex_lock(&m->lock);
	while (!m->parked)
		pthread_cond_wait(&m->cv, &m->lock);
	m->pause_start_ns = vmm_now_ns();
	if (!m->finished) {
		m->state = VMM_PAUSED;
		/* device state saved from now on is that of the instant the vCPU stopped */
		devices_pause(m->devs, vmm_guest_tsc(m, m->park_tsc)); /* the guest's TSC */
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int vmm_resume(struct vmm *m)
{
	pthread_mutex_lock(&m->lock);
	int err = m->finished || !m->thread_started ? -ESRCH : 0;
	if (!err && m->want_pause) {
		devices_resume(m->devs);
		m->want_pause = false;
		m->last_pause_ns = vmm_now_ns() - m->pause_start_ns;
		m->total_pause_ns += m->last_pause_ns;
		m->state = VMM_RUNNING;
		pthread_cond_broadcast(&m->cv);
	}
	pthread_mutex_unlock(&m->lock);
	return err;
}

enum vmm_state vmm_get_state(struct vmm *m)
{
	pthread_mutex_lock(&m->lock);
	enum vmm_state s = m->state;
	pthread_mutex_unlock(&m->lock);
	return s;
}

const char *vmm_state_name(enum vmm_state s)
{
	switch (s) {
	case VMM_CREATED:
		return "prelaunch";
	case VMM_RUNNING:
		return "running";
	case VMM_PAUSED:
		return "paused";
	case VMM_SHUTDOWN:
		return "shutdown";
	case VMM_FAILED:
		return "internal-error";
	}
	return "?";
}

const char *vmm_stop_message(struct vmm *m)
{
	return m->stop_msg; /* written once, before finished is set */
}

int vmm_exit_status(struct vmm *m)
{
	return vmm_get_state(m) == VMM_FAILED ? 1 : 0;
}

uint64_t vmm_last_pause_ns(struct vmm *m)
{
	pthread_mutex_lock(&m->lock);
	uint64_t v = m->last_pause_ns;
	pthread_mutex_unlock(&m->lock);
	return v;
}

uint64_t vmm_total_pause_ns(struct vmm *m)
{
	pthread_mutex_lock(&m->lock);
	uint64_t v = m->total_pause_ns;
	pthread_mutex_unlock(&m->lock);
	return v;
}

uint64_t vmm_start_tsc(const struct vmm *m)
{
	return m->start_tsc;
}
