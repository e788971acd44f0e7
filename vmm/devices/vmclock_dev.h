/* SPDX-License-Identifier: MIT */
/*
 * tsvmm vmclock slot: one read-only guest page at TSVMM_VMCLOCK_GPA, its own memslot
 * (KVM_MEM_READONLY), initially backed by a zero page the VMM owns. The host fills it later
 * (a vmclock page writer, include/uapi/ and lib/refclock/) by mapping its own page there.
 * The guest page tables map it read-only; a guest write exits as MMIO and is ignored.
 */
#ifndef TSVMM_DEV_VMCLOCK_H
#define TSVMM_DEV_VMCLOCK_H

#include <stddef.h>
#include <sys/types.h>

struct devices;

/*
 * Back the guest's vmclock page with the host page at hva (4 KiB aligned; must stay mapped
 * until replaced or the VM is destroyed); NULL restores the VMM's zero page. The slot is
 * re-registered: a guest read during the switch sees zeros. 0 or -errno.
 */
int vmclock_dev_map(struct devices *d, void *hva);
/* Map the first 4 KiB of the page file fd (or at path; offset must be 0), read-only and MAP_SHARED so that the
 * host's later updates of the file show in the guest at once. Only a real vmclock page is
 * mapped (vmclock_page_validate(): a regular file, VCLK magic, version 1, size; otherwise
 * -EINVAL/-EBADMSG/-ENODEV/-EPROTO, logged with the reason). The device keeps its own fd and
 * reads the page on the host side (stop records) with pread, so a page file truncated by
 * another process costs a warning, not a SIGBUS. 0 or -errno. */
int vmclock_dev_map_fd(struct devices *d, int fd);
int vmclock_dev_map_file(struct devices *d, const char *path, off_t offset);
/*
 * A page file truncated by another process under the guest: KVM cannot fault the page in and
 * KVM_RUN fails with EFAULT ("Bad address") at the guest's next read of it. The vCPU loop
 * calls this on EFAULT: 1 if the vmclock file was truncated, in which case the slot is back on
 * the zero page (the guest sees no vmclock page, logged) and KVM_RUN may be retried; 0 if the
 * fault is not ours; -errno if the slot could not be switched.
 */
int vmclock_dev_recover(struct devices *d);
/* Migration: the device state is the vmclock stop record of the mapped page (text, see
 * tsync/vmclock.h) at the host TSC when the vCPU parked (the pause op, vmm_pause), however
 * much later the source saves its devices. On the destination, the loaded record (once): 0
 * with the text in buf, -ENOENT when none came. */
int vmclock_dev_take_record(struct devices *d, char *buf, size_t len);

#endif
