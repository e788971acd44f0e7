/* SPDX-License-Identifier: MIT */
/*
 * tsvmm: one VM with one vCPU running the tsvmm guest payload, its devices and the report
 * ring. vmm.c builds it (RAM, payload, x86 boot state, boot parameters, devices);
 * vmm_run.c runs the vCPU in its own thread and stops/continues it.
 *
 * Threads: the vCPU thread only runs the guest and its exits (devices); everything else,
 * including every function below, belongs to the controlling (main) thread.
 */
#ifndef TSVMM_VMM_H
#define TSVMM_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io_profile.h"
#include "profile.h"

struct vm;
struct vcpu;
struct devices;
struct report;

struct vmm_config {
	uint64_t mem_size;          /* bytes, multiple of 2 MiB, TSVMM_MEM_MIN .. TSVMM_MEM_MAX */
	const char *guest_path;     /* flat payload binary */
	const char *disk_path;      /* block device image, NULL: none */
	const char *incoming;       /* ADDR:PORT: receive a migration instead of booting (main) */
	const char *control_path;   /* control socket, NULL: none (used by main) */
	const char *serial_path;    /* console output file, NULL: stdout */
	const char *report_path;    /* report statlog, NULL: none */
	const char *vmclock_path;   /* file whose first page backs the vmclock slot, NULL: zeros */
	const char *vmclockd_sock;  /* this host's vmclockd: migrate-in before an incoming runs */
	const char *vmclock_vm;     /* the VM's name at that vmclockd */
	const char *vmclock_policy; /* step|slew|freeze for migrate-in, NULL: vmclockd's default */
	const char *vmclock_log;    /* statlog of the guest's vmclock samples vs CLOCK_REALTIME */
	struct vmm_profile profile; /* memory fill */
	struct vmm_io_profile io;   /* guest disk I/O workload (rates 0: none) */
	uint64_t dirty_rate;        /* working-set pages dirtied per second */
	uint64_t wss_pages;         /* working-set pages */
	uint64_t duration_ms;       /* guest time loop length, 0 = until quit */
	uint64_t sample_ms;         /* SAMPLE period, 0 = 100 */
	uint64_t gap_report_ns;     /* GAP record threshold, 0 = 1 ms */
	uint64_t seed;              /* random/pattern page seed */
	bool memstats;              /* print page statistics of the fill region at exit */
	const char *tsc_transform;  /* OFFSET,PPM: this host's emulated TSC (vcpu_tsc.h) */
	bool tsc_no_continuity;     /* incoming: no TSC offset (a negative control) */
	const char *tsc_via;        /* auto|kvm|block: KVM_VCPU_TSC_OFFSET or the block only */
	/* migration credentials (vmm/migrate/tls.h), both directions: a TLS 1.3 pre-shared key
	 * file, or X.509 cert + key + CA; or plaintext, only when asked for */
	const char *tls_psk, *tls_cert, *tls_key, *tls_ca;
	bool migrate_plaintext;
};

enum vmm_state {
	VMM_CREATED, /* built, vCPU not started */
	VMM_RUNNING,
	VMM_PAUSED,   /* stopped by vmm_pause(); vCPU state is consistent and can be read */
	VMM_SHUTDOWN, /* the guest finished (TSVMM_HC_DONE) */
	VMM_FAILED,   /* guest panic/abort, KVM error: see vmm_stop_message() */
};

struct vmm;

/* Build the VM from cfg (copied; strings must outlive the vmm). NULL on failure, with a
 * reason in err (errlen bytes). */
struct vmm *vmm_create(const struct vmm_config *cfg, char *err, size_t errlen);
/* Stop the vCPU thread if running, free everything. */
void vmm_destroy(struct vmm *m);

/* Start the vCPU thread. 0 or -errno. */
int vmm_start(struct vmm *m);
/* Stop the vCPU: returns once it is out of KVM_RUN and parked (its exits completed).
 * 0, or -ESRCH when the guest already finished. Idempotent. */
int vmm_pause(struct vmm *m);
/* Let a paused vCPU run again. 0 or -ESRCH. */
int vmm_resume(struct vmm *m);
/* Readable (eventfd) once the vCPU thread has stopped for good (guest done or failed). */
int vmm_event_fd(const struct vmm *m);

enum vmm_state vmm_get_state(struct vmm *m);
const char *vmm_state_name(enum vmm_state s);
/* Why the guest stopped for good ("" while it runs). */
const char *vmm_stop_message(struct vmm *m);
/* Exit status for main(): 0 after a clean guest exit (or while running), 1 otherwise. */
int vmm_exit_status(struct vmm *m);

/* Durations of the last completed pause (stop .. cont) and of all pauses, ns. */
uint64_t vmm_last_pause_ns(struct vmm *m);
uint64_t vmm_total_pause_ns(struct vmm *m);
/* Host CLOCK_MONOTONIC ns when the vCPU started, and the guest TSC at that instant
 * (host rdtsc: on this KVM the guest reads the raw host TSC). */
uint64_t vmm_start_tsc(const struct vmm *m);

/* CLOCK_MONOTONIC in ns. */
uint64_t vmm_now_ns(void);

const struct vmm_config *vmm_config(const struct vmm *m);
uint64_t vmm_tsc_khz(const struct vmm *m);
struct vm *vmm_vm(struct vmm *m);
struct vcpu *vmm_vcpu(struct vmm *m);
struct devices *vmm_devices(struct vmm *m);
struct report *vmm_report(struct vmm *m);
/* First GPA and page count of the fill region / the working set. */
uint64_t vmm_fill_gpa(const struct vmm *m, uint64_t *npages);
uint64_t vmm_wss_gpa(const struct vmm *m, uint64_t *npages);

#endif
