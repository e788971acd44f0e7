/* SPDX-License-Identifier: MIT */
/* tsvmm VM internals shared by vm.c and vm_dirty.c. */
#ifndef TSVMM_VM_PRIVATE_H
#define TSVMM_VM_PRIVATE_H

#include <stdbool.h>

#include "vm.h"

struct vm {
	int kvm_fd;
	int vm_fd;
	uint8_t *ram;        /* host mapping of guest RAM */
	uint64_t mem_size;   /* bytes */
	uint64_t *vmm_dirty; /* pages written by the VMM (atomic OR / exchange) */
	size_t bitmap_words;
	bool logging;        /* KVM_MEM_LOG_DIRTY_PAGES set on the RAM slot */
	bool manual_protect; /* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 enabled */
};

/* (Re)register the RAM slot with flags. 0 or -errno. */
int vm_ram_slot_update(struct vm *vm, uint32_t flags);

#endif
