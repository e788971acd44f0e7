// SPDX-License-Identifier: MIT
/*
 * tsvmm VM dirty logging: KVM_MEM_LOG_DIRTY_PAGES on the RAM slot, KVM_GET_DIRTY_LOG, and
 * KVM_CLEAR_DIRTY_LOG when KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 is on; merged with the pages the
 * VMM itself wrote (vm_mark_dirty), which KVM cannot see.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vm_private.h"

size_t vm_dirty_bitmap_words(const struct vm *vm)
{
	return vm->bitmap_words;
}

int vm_dirty_log_active(const struct vm *vm)
{
	return vm->logging;
}

int vm_dirty_log_manual(const struct vm *vm)
{
	return vm->manual_protect;
}

int vm_dirty_log_start(struct vm *vm)
{
	if (vm->logging)
		return 0;
	int err = vm_ram_slot_update(vm, KVM_MEM_LOG_DIRTY_PAGES);
	if (err)
		return err;
	for (size_t i = 0; i < vm->bitmap_words; i++)
		__atomic_store_n(&vm->vmm_dirty[i], 0, __ATOMIC_RELAXED);
	vm->logging = true;
	return 0;
}

int vm_dirty_log_stop(struct vm *vm)
{
	if (!vm->logging)
		return 0;
	int err = vm_ram_slot_update(vm, 0);
	if (err)
		return err;
	vm->logging = false;
	return 0;
}

/* Re-protect the fetched pages, in runs of non-zero words (first_page multiple of 64). */
static int clear_log(struct vm *vm, uint64_t *bitmap)
{
	size_t i = 0, n = vm->bitmap_words;
	while (i < n) {
		if (!bitmap[i]) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && bitmap[j])
			j++;
		struct kvm_clear_dirty_log c = {
		        .slot = VM_SLOT_RAM,
		        .num_pages = (uint32_t)((j - i) * 64),
		        .first_page = i * 64,
		        .dirty_bitmap = &bitmap[i],
		};
		if (ioctl(vm->vm_fd, KVM_CLEAR_DIRTY_LOG, &c) < 0)
			return -errno;
		i = j;
	}
	return 0;
}

long vm_dirty_log_fetch(struct vm *vm, uint64_t *bitmap)
{
	if (!vm->logging)
		return -EINVAL;
	memset(bitmap, 0, vm->bitmap_words * sizeof(*bitmap));
	struct kvm_dirty_log log = {.slot = VM_SLOT_RAM, .dirty_bitmap = bitmap};
	if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
		return -errno;
	if (vm->manual_protect) {
		int err = clear_log(vm, bitmap);
		if (err)
			return err;
	}
	long count = 0;
	for (size_t i = 0; i < vm->bitmap_words; i++) {
		bitmap[i] |= __atomic_exchange_n(&vm->vmm_dirty[i], 0, __ATOMIC_ACQ_REL);
		count += __builtin_popcountll(bitmap[i]);
	}
	return count;
}
