// SPDX-License-Identifier: MIT
/* tsvmm VM: creation, guest RAM, memslots, guest-memory access and the KVM clock. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tsync/log.h"
#include "vm_private.h"

#define TWO_MIB (2ULL << 20)

int vm_ram_slot_update(struct vm *vm, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
	        .slot = VM_SLOT_RAM,
	        .flags = flags,
	        .guest_phys_addr = 0,
	        .memory_size = vm->mem_size,
	        .userspace_addr = (uintptr_t)vm->ram,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	return 0;
}

static void enable_manual_protect(struct vm *vm)
{
	int caps = vm_check_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);
	if (!(caps & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE))
		return;
	struct kvm_enable_cap cap = {
	        .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
	        .args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE,
	};
	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) == 0)
		vm->manual_protect = true;
	else
		pr_warning("KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 not enabled: %m");
}

struct vm *vm_create(uint64_t mem_size)
{
	int err;
	if (mem_size == 0 || mem_size % TWO_MIB) {
		errno = EINVAL;
		return NULL;
	}
	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return NULL;
	vm->vm_fd = -1;
	vm->mem_size = mem_size;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		goto fail;
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		errno = ENOTSUP;
		goto fail;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		goto fail;
	vm->ram = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		vm->ram = NULL;
		goto fail;
	}
	madvise(vm->ram, mem_size, MADV_MERGEABLE); /* best effort (KSM) */
	vm->bitmap_words = (mem_size >> VM_PAGE_SHIFT) / 64;
	vm->vmm_dirty = calloc(vm->bitmap_words, sizeof(uint64_t));
	if (!vm->vmm_dirty)
		goto fail;
	enable_manual_protect(vm);
	err = vm_ram_slot_update(vm, 0);
	if (err) {
		errno = -err;
		goto fail;
	}
	return vm;
fail:
	err = errno;
	vm_destroy(vm);
	errno = err;
	return NULL;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->ram)
		munmap(vm->ram, vm->mem_size);
	free(vm->vmm_dirty);
	free(vm);
}

int vm_fd(const struct vm *vm)
{
	return vm->vm_fd;
}

int vm_kvm_fd(const struct vm *vm)
{
	return vm->kvm_fd;
}

uint64_t vm_mem_size(const struct vm *vm)
{
	return vm->mem_size;
}

int vm_check_cap(const struct vm *vm, long cap)
{
	int r = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, cap);
	return r > 0 ? r : 0;
}

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa > vm->mem_size || len > vm->mem_size - gpa)
		return NULL;
	return vm->ram + gpa;
}

int vm_read(struct vm *vm, uint64_t gpa, void *dst, size_t len)
{
	const void *p = vm_gpa_to_hva(vm, gpa, len);
	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int vm_write(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	void *p = vm_gpa_to_hva(vm, gpa, len);
	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	vm_mark_dirty(vm, gpa, len);
	return 0;
}

void vm_mark_dirty(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (!len || gpa >= vm->mem_size)
		return;
	uint64_t last = gpa + len - 1;
	if (last >= vm->mem_size)
		last = vm->mem_size - 1;
	for (uint64_t pg = gpa >> VM_PAGE_SHIFT; pg <= last >> VM_PAGE_SHIFT; pg++)
		__atomic_fetch_or(&vm->vmm_dirty[pg / 64], 1ULL << (pg % 64), __ATOMIC_RELEASE);
}

int vm_slot_set(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *hva,
                uint32_t flags)
{
	if (slot == VM_SLOT_RAM || (size & 0xfff) || (gpa & 0xfff) || ((uintptr_t)hva & 0xfff))
		return -EINVAL;
	struct kvm_userspace_memory_region r = {.slot = slot, .guest_phys_addr = gpa};
	/* delete whatever is there (ENOENT-like failures of a delete are harmless) */
	ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
	if (!size)
		return 0;
	r.flags = flags;
	r.memory_size = size;
	r.userspace_addr = (uintptr_t)hva;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	return 0;
}

int vm_clock_get(struct vm *vm, struct kvm_clock_data *c)
{
	memset(c, 0, sizeof(*c));
	return ioctl(vm->vm_fd, KVM_GET_CLOCK, c) < 0 ? -errno : 0;
}

int vm_clock_set(struct vm *vm, const struct kvm_clock_data *c)
{
	struct kvm_clock_data d = {.clock = c->clock, .flags = c->flags & KVM_CLOCK_REALTIME};
	d.realtime = c->realtime;
	d.host_tsc = c->host_tsc;
	return ioctl(vm->vm_fd, KVM_SET_CLOCK, &d) < 0 ? -errno : 0;
}
