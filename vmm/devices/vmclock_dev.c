// SPDX-License-Identifier: MIT
/* tsvmm vmclock slot: a read-only memslot at TSVMM_VMCLOCK_GPA (see vmclock.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device.h"
#include "tsync/log.h"
#include "tsync/vmclock.h"
#include "uapi/tsvmm-boot.h"
#include "vm.h"
#include "vmclock_dev.h"
#include "vmclock_migrate.h"

#define PAGE         4096
#define MAPPED_RANGE (2ULL << 20) /* the guest maps a 2 MiB page there */

struct vmclock {
	struct vm *vm;
	void *zero_page; /* ours */
	void *file_map;  /* a mapped file page, or NULL */
	int file_fd;     /* its file (host-side reads go through pread), -1 */
	/* migration: the source's stop record (text), loaded and not yet taken */
	bool pending;
	char rec[256];
	/* the stop record taken when the vCPU parked (vmm_pause), saved until it runs again */
	bool stopped;
	char stop_rec[256];
};

/* Back the guest slot with hva; nothing without a VM (unit tests: page and records only). */
static int slot_set(struct vmclock *c, void *hva)
{
	if (!c->vm)
		return 0;
	return vm_slot_set(c->vm, VM_SLOT_VMCLOCK, TSVMM_VMCLOCK_GPA, hva ? PAGE : 0, hva,
	                   hva ? KVM_MEM_READONLY : 0);
}

static int vmclock_create(const struct dev_env *env, void **priv)
{
	struct vmclock *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->vm = env->vm;
	c->file_fd = -1;
	c->zero_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err = c->zero_page == MAP_FAILED ? -errno : 0;
	if (!err)
		err = slot_set(c, c->zero_page);
	if (err) {
		if (c->zero_page != MAP_FAILED)
			munmap(c->zero_page, PAGE);
		free(c);
		return err;
	}
	*priv = c;
	return 0;
}

static void vmclock_destroy(void *priv)
{
	struct vmclock *c = priv;
	if (!c)
		return;
	slot_set(c, NULL);
	munmap(c->zero_page, PAGE);
	if (c->file_map)
		munmap(c->file_map, PAGE);
	if (c->file_fd >= 0)
		close(c->file_fd);
	free(c);
}

static int vmclock_mmio(void *priv, uint64_t gpa, bool write, uint8_t *data, unsigned len)
{
	(void)priv;
	if (write)
		pl_warning(10, "guest wrote to the read-only vmclock range at 0x%llx",
		           (unsigned long long)gpa);
	else
		memset(data, 0, len); /* mid-remap, or beyond the one page: zeros */
	return 0;
}

int vmclock_dev_map(struct devices *d, void *hva)
{
	struct vmclock *c = devices_priv(d, "vmclock");
	if (!c)
		return -ENODEV;
	if ((uintptr_t)hva & (PAGE - 1))
		return -EINVAL;
	int err = slot_set(c, hva ? hva : c->zero_page);
	if (!err && c->file_map && hva != c->file_map) {
		munmap(c->file_map, PAGE);
		c->file_map = NULL;
		close(c->file_fd);
		c->file_fd = -1;
	}
	return err;
}

int vmclock_dev_map_fd(struct devices *d, int fd)
{
	struct vmclock *c = devices_priv(d, "vmclock");
	if (!c)
		return -ENODEV;
	const char *why;
	int err = vmclock_page_validate(fd, &why);
	if (err) {
		pr_err("vmclock: refusing to map the page: %s", why);
		return err;
	}
	int keep = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (keep < 0)
		return -errno;
	void *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		close(keep);
		return err;
	}
	void *old = c->file_map;
	int old_fd = c->file_fd;
	c->file_map = NULL;
	err = vmclock_dev_map(d, p);
	if (err) {
		munmap(p, PAGE);
		close(keep);
		c->file_map = old;
		return err;
	}
	if (old) {
		munmap(old, PAGE);
		close(old_fd);
	}
	c->file_map = p;
	c->file_fd = keep;
	return 0;
}

int vmclock_dev_map_file(struct devices *d, const char *path, off_t offset)
{
	if (offset != 0)
		return -EINVAL; /* the structure is at offset 0 of a page file */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = vmclock_dev_map_fd(d, fd);
	close(fd);
	return err;
}

int vmclock_dev_recover(struct devices *d)
{
	struct vmclock *c = devices_priv(d, "vmclock");
	struct stat st;
	if (!c || !c->file_map || fstat(c->file_fd, &st) || st.st_size >= PAGE)
		return 0;
	pr_err("vmclock: the page file was truncated by another process under the guest: the "
	       "guest now reads no page (zeros) until one is mapped again");
	int err = vmclock_dev_map(d, NULL);
	return err ? err : 1;
}

/* The stop record of the mapped page at counter tsc, as text in buf. 0 (nothing: *n = 0
 * when the page is not valid) or -EOVERFLOW. */
static int record_at(struct vmclock *c, uint64_t tsc, char *buf, size_t len, int *n)
{
	struct vmclock_stop_record rec;
	struct vmclock_abi page;
	*n = 0;
	/* read through the file, not the mapping: a page file truncated by another process
	 * would make a read of the mapping raise SIGBUS here */
	int err = vmclock_page_pread(c->file_fd, VMCLOCK_READ_TRIES, &page);
	if (!err)
		err = vmclock_stop_record(&page, tsc, &rec);
	if (err) {
		pl_warning(10, "vmclock: no stop record (%d): %s", err,
		           err == -EBADMSG ? "the page file was truncated"
		                           : "the page is not valid");
		return 0;
	}
	*n = vmclock_stop_record_format(&rec, buf, len);
	return *n >= 0 && (size_t)*n < len ? 0 : -EOVERFLOW;
}

/*
 * The vCPU stopped: its last vmclock reading was at a TSC before tsc (the vCPU thread reads
 * it when it parks). The stop record is taken now, from the page the guest was reading, at
 * that TSC: the source saves its devices only after the final RAM pass (milliseconds later,
 * more under load), and a record at the save's TSC would move the frozen guest time forward
 * by that much (FREEZE then keeps less lag than the pause, SLEW starts from a later value).
 */
static void vmclock_pause(void *priv, uint64_t tsc)
{
	struct vmclock *c = priv;
	if (!c)
		return;
	c->stopped = false;
	if (c->pending || !c->file_map)
		return;
	int n;
	if (record_at(c, tsc, c->stop_rec, sizeof(c->stop_rec), &n) == 0 && n > 0)
		c->stopped = true;
}

static void vmclock_resume(void *priv)
{
	struct vmclock *c = priv;
	if (c)
		c->stopped = false;
}

/*
 * Device state = the vmclock stop record (vmclock_stop_record_format text) of the mapped page
 * at the TSC when the vCPU parked (vmclock_pause: the source saves its devices after the vCPU
 * parked, so this is the guest's last (counter, time, bound, marker)); at the TSC of the save
 * when the vCPU was not paused. Nothing when no page is mapped. A loaded record is saved back
 * unchanged until vmclock_dev_take_record() (the switchover checksum compares the
 * destination's save with the source's).
 */
static int vmclock_save(void *priv, struct dev_buf *b)
{
	struct vmclock *c = priv;
	if (!c)
		return 0;
	if (c->pending)
		return dev_buf_put(b, c->rec, strlen(c->rec));
	if (c->stopped)
		return dev_buf_put(b, c->stop_rec, strlen(c->stop_rec));
	if (!c->file_map)
		return 0;
	char buf[256];
	int n, err = record_at(c, vmclock_rdtsc(), buf, sizeof(buf), &n);
	return err ? err : dev_buf_put(b, buf, (size_t)n);
}

static int vmclock_load(void *priv, const void *data, size_t len)
{
	struct vmclock *c = priv;
	if (!c || len == 0)
		return 0;
	struct vmclock_stop_record rec;
	if (len >= sizeof(c->rec))
		return -EINVAL;
	memcpy(c->rec, data, len);
	c->rec[len] = 0;
	if (vmclock_stop_record_parse(c->rec, &rec))
		return -EINVAL;
	c->pending = true;
	return 0;
}

int vmclock_dev_take_record(struct devices *d, char *buf, size_t len)
{
	struct vmclock *c = devices_priv(d, "vmclock");
	if (!c || !c->pending)
		return -ENOENT;
	snprintf(buf, len, "%s", c->rec);
	c->pending = false;
	return 0;
}

/* The loaded stop record goes to this host's vmclockd (vmm/vmclock_migrate.c). */
static int vmclock_migrate_in_op(void *priv, struct vmm *m)
{
	(void)priv;
	return m ? vmclock_migrate_in(m) : -EINVAL; /* no VMM: no vmclockd to ask */
}

/* Migration events go to this host's vmclockd (vmm/vmclock_migrate.c). */
static void vmclock_migration_op(void *priv, struct vmm *m, bool source, enum dev_mig_event ev,
                                 uint64_t pages)
{
	(void)priv;
	if (m)
		vmclock_migration_report(m, source, ev, pages);
}

static const struct device_ops vmclock_ops = {
        .name = "vmclock",
        .mmio_gpa = TSVMM_VMCLOCK_GPA,
        .mmio_len = MAPPED_RANGE,
        .create = vmclock_create,
        .destroy = vmclock_destroy,
        .mmio = vmclock_mmio,
        .save = vmclock_save,
        .load = vmclock_load,
        .pause = vmclock_pause,
        .resume = vmclock_resume,
        .migrate_in = vmclock_migrate_in_op,
        .migration = vmclock_migration_op,
};
DEVICE_REGISTER(vmclock_ops);
