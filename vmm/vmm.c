// SPDX-License-Identifier: MIT
/* tsvmm: building the VM (RAM, payload, x86 boot state, boot parameters, devices). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86/boot.h"
#include "devices/vmclock_dev.h"
#include "report.h"
#include "uapi/tsvmm-blk.h"
#include "vcpu.h"
#include "vm.h"
#include "vmm_private.h"

uint64_t vmm_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int load_payload(struct vmm *m, char *err, size_t errlen)
{
	int fd = open(m->cfg.guest_path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "guest payload %s: %s", m->cfg.guest_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	uint8_t *dst = vm_gpa_to_hva(m->vm, TSVMM_PAYLOAD_GPA, TSVMM_PAYLOAD_MAX);
	ssize_t n =
	        st.st_size <= (off_t)TSVMM_PAYLOAD_MAX ? pread(fd, dst, (size_t)st.st_size, 0) : -1;
	close(fd);
	const struct tsvmm_payload_hdr *h = (const void *)dst;
	if (n != st.st_size || n < (ssize_t)sizeof(*h) || h->magic != TSVMM_PAYLOAD_MAGIC) {
		snprintf(err, errlen, "guest payload %s: not a tsvmm payload (%s)",
		         m->cfg.guest_path, n < 0 ? "larger than 2 MiB" : "no SVG1 header");
		return -1;
	}
	vm_mark_dirty(m->vm, TSVMM_PAYLOAD_GPA, (uint64_t)n);
	if (x86_boot_tables(vm_gpa_to_hva(m->vm, 0, m->cfg.mem_size), m->cfg.mem_size, h, true)) {
		snprintf(err, errlen, "guest payload %s: bad header addresses", m->cfg.guest_path);
		return -1;
	}
	vm_mark_dirty(m->vm, 0, TSVMM_PT_END);
	return 0;
}

static uint64_t disk_sectors(const char *path)
{
	struct stat st;
	return path && stat(path, &st) == 0 ? (uint64_t)st.st_size / TSVMM_BLK_SECTOR : 0;
}

static int write_boot_params(struct vmm *m, char *err, size_t errlen)
{
	const struct vmm_config *c = &m->cfg;
	struct tsvmm_boot_params bp = {
	        .magic = TSVMM_BOOT_MAGIC,
	        .version = TSVMM_BOOT_VERSION,
	        .mem_size = c->mem_size,
	        .tsc_khz = m->tsc_khz,
	        .seed = c->seed,
	        .wss_pages = c->wss_pages,
	        .dirty_rate = c->dirty_rate,
	        .duration_ms = c->duration_ms,
	        .sample_ms = c->sample_ms,
	        .gap_report_ns = c->gap_report_ns,
	        .disk_sectors = disk_sectors(c->disk_path),
	        .vmclock_gpa = TSVMM_VMCLOCK_GPA,
	        .tsc_mult = vmm_tsc_guest_xform(m).mult,
	        .tsc_add = vmm_tsc_guest_xform(m).offset,
	};
	m->fill_gpa = TSVMM_WORK_GPA + c->wss_pages * TSVMM_PAGE_SIZE;
	if (c->wss_pages > (c->mem_size - TSVMM_WORK_GPA) / TSVMM_PAGE_SIZE) {
		snprintf(err, errlen, "--wss %llu pages does not fit in %llu MiB of RAM",
		         (unsigned long long)c->wss_pages, (unsigned long long)(c->mem_size >> 20));
		return -1;
	}
	m->fill_pages = (c->mem_size - m->fill_gpa) / TSVMM_PAGE_SIZE;
	bp.fill_start = m->fill_gpa;
	vmm_profile_pages(&c->profile, m->fill_pages, bp.fill_pages);
	vmm_io_boot(&c->io, &bp);
	if (bp.fill_pages[TSVMM_FILL_DISK] &&
	    bp.disk_sectors < TSVMM_PAGE_SIZE / TSVMM_BLK_SECTOR) {
		snprintf(err, errlen, "--profile has disk pages but %s",
		         c->disk_path ? "the disk is smaller than 4 KiB" : "there is no --disk");
		return -1;
	}
	return vm_write(m->vm, TSVMM_BOOT_GPA, &bp, sizeof(bp));
}

static int open_serial(struct vmm *m, char *err, size_t errlen)
{
	if (!m->cfg.serial_path) {
		m->serial = stdout;
		return 0;
	}
	m->serial = fopen(m->cfg.serial_path, "we");
	if (!m->serial) {
		snprintf(err, errlen, "--serial %s: %s", m->cfg.serial_path, strerror(errno));
		return -1;
	}
	return 0;
}

struct vmm *vmm_create(const struct vmm_config *cfg, char *err, size_t errlen)
{
	struct vmm *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->cfg = *cfg;
	m->event_fd = -1;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cv, NULL);
	if (cfg->mem_size < TSVMM_MEM_MIN || cfg->mem_size > TSVMM_MEM_MAX ||
	    cfg->mem_size % (2ULL << 20)) {
		snprintf(err, errlen, "--mem must be a multiple of 2 MiB from 64M to 32G");
		goto fail;
	}
	m->vm = vm_create(cfg->mem_size);
	if (!m->vm) {
		snprintf(err, errlen, "cannot create a KVM VM: %s%s", strerror(errno),
		         errno == ENOENT ? " (no /dev/kvm)" : "");
		goto fail;
	}
	if (load_payload(m, err, errlen))
		goto fail;
	m->vcpu = vcpu_create(m->vm, 0);
	int r = m->vcpu ? x86_vcpu_boot(vm_kvm_fd(m->vm), vcpu_fd(m->vcpu)) : -errno;
	if (r) {
		snprintf(err, errlen, "cannot set up the vCPU: %s", strerror(-r));
		goto fail;
	}
	long khz = vcpu_tsc_khz(m->vcpu);
	m->tsc_khz = khz > 0 ? (uint64_t)khz : 0;
	if (!m->tsc_khz) {
		snprintf(err, errlen, "KVM_GET_TSC_KHZ failed: %s", strerror((int)-khz));
		goto fail;
	}
	if (vmm_tsc_setup(m, err, errlen) || open_serial(m, err, errlen) ||
	    write_boot_params(m, err, errlen))
		goto fail;
	struct dev_env env = {.vm = m->vm,
	                      .serial_out = m->serial,
	                      .disk_path = cfg->disk_path,
	                      .exit = &m->exit};
	m->devs = devices_create(&env);
	if (!m->devs) {
		snprintf(err, errlen, "cannot create devices: %s", strerror(errno));
		goto fail;
	}
	if (cfg->vmclock_path && (r = vmclock_dev_map_file(m->devs, cfg->vmclock_path, 0))) {
		snprintf(err, errlen, "--vmclock %s: %s", cfg->vmclock_path, strerror(-r));
		goto fail;
	}
	m->report = report_create(m->vm, m->tsc_khz, cfg->report_path);
	if (!m->report) {
		snprintf(err, errlen, "--report %s: %s", cfg->report_path, strerror(errno));
		goto fail;
	}
	if (cfg->vmclock_log && (r = report_vmclock_log(m->report, cfg->vmclock_log))) {
		snprintf(err, errlen, "--vmclock-log %s: %s", cfg->vmclock_log, strerror(-r));
		goto fail;
	}
	m->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->event_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	m->state = VMM_CREATED;
	return m;
fail:
	vmm_destroy(m);
	return NULL;
}

void vmm_destroy(struct vmm *m)
{
	if (!m)
		return;
	if (m->thread_started) {
		pthread_mutex_lock(&m->lock);
		m->want_quit = true;
		pthread_cond_broadcast(&m->cv);
		pthread_mutex_unlock(&m->lock);
		vcpu_kick(m->vcpu);
		pthread_join(m->thread, NULL);
	}
	report_destroy(m->report);
	devices_destroy(m->devs);
	vcpu_destroy(m->vcpu);
	vm_destroy(m->vm);
	if (m->serial && m->serial != stdout)
		fclose(m->serial);
	if (m->event_fd >= 0)
		close(m->event_fd);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

const struct vmm_config *vmm_config(const struct vmm *m)
{
	return &m->cfg;
}

uint64_t vmm_tsc_khz(const struct vmm *m)
{
	return m->tsc_khz;
}

struct vm *vmm_vm(struct vmm *m)
{
	return m->vm;
}

struct vcpu *vmm_vcpu(struct vmm *m)
{
	return m->vcpu;
}

struct devices *vmm_devices(struct vmm *m)
{
	return m->devs;
}

struct report *vmm_report(struct vmm *m)
{
	return m->report;
}

uint64_t vmm_fill_gpa(const struct vmm *m, uint64_t *npages)
{
	*npages = m->fill_pages;
	return m->fill_gpa;
}

uint64_t vmm_wss_gpa(const struct vmm *m, uint64_t *npages)
{
	*npages = m->cfg.wss_pages;
	return TSVMM_WORK_GPA;
}

int vmm_event_fd(const struct vmm *m)
{
	return m->event_fd;
}
