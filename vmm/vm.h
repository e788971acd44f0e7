/* SPDX-License-Identifier: MIT */
/*
 * tsvmm VM: a KVM VM with guest RAM as one memslot at GPA 0, extra memslots (e.g. the
 * read-only vmclock page), guest-memory access with dirty marking, dirty logging and the
 * KVM clock. Portable: nothing here knows about x86 page tables or the guest payload.
 *
 * Threads: vm_read/vm_write/vm_mark_dirty/vm_gpa_to_hva may be called from any thread
 * (the dirty marks are atomic); the rest from one controlling thread.
 */
#ifndef TSVMM_VM_H
#define TSVMM_VM_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#define VM_SLOT_RAM     0
#define VM_SLOT_VMCLOCK 1
#define VM_PAGE_SHIFT   12

struct vm;

/*
 * Open /dev/kvm, create a VM with mem_size bytes of RAM at GPA 0 (anonymous mmap,
 * MAP_NORESERVE: untouched pages cost nothing and read as zero). mem_size: a multiple of
 * 2 MiB. Enables KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 where available.
 * NULL with errno (ENOENT: no /dev/kvm, EINVAL: bad size, or the failing ioctl's errno).
 */
struct vm *vm_create(uint64_t mem_size);
void vm_destroy(struct vm *vm);

int vm_fd(const struct vm *vm);     /* the VM fd (KVM_CREATE_VM) */
int vm_kvm_fd(const struct vm *vm); /* the /dev/kvm fd */
uint64_t vm_mem_size(const struct vm *vm);
/* KVM_CHECK_EXTENSION on the VM fd: > 0 when cap is present (its value), 0 when absent. */
int vm_check_cap(const struct vm *vm, long cap);

/*
 * Host address of guest RAM [gpa, gpa + len), NULL if the range is not inside RAM. Stores
 * through it are invisible to KVM's dirty log: follow them with vm_mark_dirty().
 */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);
/* Copy out of / into guest RAM; vm_write also marks the pages dirty. 0 or -EFAULT. */
int vm_read(struct vm *vm, uint64_t gpa, void *dst, size_t len);
int vm_write(struct vm *vm, uint64_t gpa, const void *src, size_t len);
/* "The VMM wrote these pages": reported by the next vm_dirty_log_fetch(). */
void vm_mark_dirty(struct vm *vm, uint64_t gpa, uint64_t len);

/*
 * Add, replace or (size 0) delete memslot slot >= 1 at gpa, backed by host memory hva
 * (page aligned, size a multiple of 4 KiB); flags: KVM_MEM_READONLY and/or
 * KVM_MEM_LOG_DIRTY_PAGES. Replacing deletes first (KVM cannot move a slot), so a vCPU may
 * briefly see the range as MMIO. 0 or -errno.
 */
int vm_slot_set(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *hva,
                uint32_t flags);

/* ---- dirty logging of RAM (vm_dirty.c) ---- */

/* Words of a RAM bitmap: bit i of word i / 64 is the page at GPA i * 4096. */
size_t vm_dirty_bitmap_words(const struct vm *vm);
/* Start logging (KVM_MEM_LOG_DIRTY_PAGES on the RAM slot) and forget earlier VMM marks.
 * 0 or -errno. Idempotent. */
int vm_dirty_log_start(struct vm *vm);
/* Stop logging. 0 or -errno. */
int vm_dirty_log_stop(struct vm *vm);
/*
 * Pages written since the previous fetch (or the start), by the guest (KVM_GET_DIRTY_LOG,
 * then KVM_CLEAR_DIRTY_LOG re-protects them when manual protect is on) or marked by the VMM
 * (vm_mark_dirty). Fetch *before* copying the pages: writes after the fetch show up in the
 * next one. bitmap: vm_dirty_bitmap_words() words, overwritten. Returns the number of dirty
 * pages, or -errno (-EINVAL if logging is off).
 */
long vm_dirty_log_fetch(struct vm *vm, uint64_t *bitmap);
/* Is dirty logging on? */
int vm_dirty_log_active(const struct vm *vm);
/* Is KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 in use? */
int vm_dirty_log_manual(const struct vm *vm);

/* ---- KVM clock (kvmclock base of the VM) ---- */

/* KVM_GET_CLOCK / KVM_SET_CLOCK. 0 or -errno. */
int vm_clock_get(struct vm *vm, struct kvm_clock_data *c);
int vm_clock_set(struct vm *vm, const struct kvm_clock_data *c);

#endif
