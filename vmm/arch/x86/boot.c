// SPDX-License-Identifier: MIT
/* x86 boot state for the tsvmm guest: descriptor tables, page tables, CPUID, SREGS, REGS. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "boot.h"
#include "pagetable.h"
#include "tsync/log.h"

#define GDT_ENTRIES 7 /* null, code0, data0, data3, code3, TSS (2 slots) */
#define TSS_LIMIT   0x67
#define IDT_VECTORS 32

static void set_gdt(uint64_t *gdt)
{
	gdt[0] = 0;
	gdt[1] = 0x00209a0000000000ULL; /* code, ring 0, 64-bit */
	gdt[2] = 0x0000920000000000ULL; /* data, ring 0 */
	gdt[3] = 0x0000f20000000000ULL; /* data, ring 3 */
	gdt[4] = 0x0020fa0000000000ULL; /* code, ring 3, 64-bit */
	uint64_t b = TSVMM_TSS_GPA;
	gdt[5] = TSS_LIMIT | ((b & 0xffffff) << 16) | (0x89ULL << 40) | (((b >> 24) & 0xff) << 56);
	gdt[6] = b >> 32;
}

static void set_gate(uint64_t *idt, unsigned vec, uint64_t handler)
{
	idt[2 * vec] = (handler & 0xffff) | ((uint64_t)TSVMM_SEL_CODE0 << 16) |
	               (0x8eULL << 40) /* present, DPL 0, interrupt gate */ |
	               (((handler >> 16) & 0xffff) << 48);
	idt[2 * vec + 1] = handler >> 32;
}

int x86_boot_tables(uint8_t *ram, uint64_t mem_size, const struct tsvmm_payload_hdr *hdr,
                    bool vmclock)
{
	if (mem_size < TSVMM_MEM_MIN || mem_size > TSVMM_MEM_MAX || mem_size % X86_LARGE_PAGE ||
	    hdr->magic != TSVMM_PAYLOAD_MAGIC || hdr->entry3 < TSVMM_PAYLOAD_GPA ||
	    hdr->entry3 >= TSVMM_PAYLOAD_GPA + TSVMM_PAYLOAD_MAX ||
	    hdr->idt_stubs < TSVMM_PAYLOAD_GPA ||
	    hdr->idt_stubs + IDT_VECTORS * TSVMM_IDT_STUB_SIZE >
	            TSVMM_PAYLOAD_GPA + TSVMM_PAYLOAD_MAX)
		return -EINVAL;
	set_gdt((uint64_t *)(ram + TSVMM_GDT_GPA));

	uint8_t *tss = ram + TSVMM_TSS_GPA;
	memset(tss, 0, TSS_LIMIT + 1);
	uint64_t rsp0 = TSVMM_RING0_STACK_TOP;
	memcpy(tss + 4, &rsp0, 8);      /* RSP0 */
	uint16_t iomap = TSS_LIMIT + 1; /* no I/O bitmap */
	memcpy(tss + 0x66, &iomap, 2);

	uint64_t *idt = (uint64_t *)(ram + TSVMM_IDT_GPA);
	memset(idt, 0, 4096);
	for (unsigned v = 0; v < IDT_VECTORS; v++)
		set_gate(idt, v, hdr->idt_stubs + v * TSVMM_IDT_STUB_SIZE);

	uint64_t frame[5] = {hdr->entry3, TSVMM_SEL_CODE3, 0x2 /* RFLAGS: IF=0, IOPL 0 */,
	                     TSVMM_RING3_STACK_TOP, TSVMM_SEL_DATA3};
	memcpy(ram + TSVMM_IRET_FRAME_GPA, frame, sizeof(frame));

	struct x86_pt_map maps[2] = {
	        {.gpa = 0, .len = mem_size, .writable = true, .user = true},
	        {.gpa = TSVMM_VMCLOCK_GPA, .len = X86_LARGE_PAGE, .writable = false, .user = true},
	};
	long used = x86_pt_build(ram + TSVMM_PT_GPA, TSVMM_PT_END - TSVMM_PT_GPA, TSVMM_PT_GPA,
	                         maps, vmclock ? 2 : 1);
	return used < 0 ? (int)used : 0;
}

static void set_cpuid(int kvm_fd, int vcpu_fd)
{
	int n = 128;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
	if (!c)
		return;
	c->nent = n;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0 || ioctl(vcpu_fd, KVM_SET_CPUID2, c) < 0)
		pr_warning("CPUID setup failed (%m); the guest sees KVM's defaults");
	free(c);
}

static struct kvm_segment seg(uint16_t sel, uint8_t type, bool code, uint8_t dpl)
{
	return (struct kvm_segment){
	        .base = 0,
	        .limit = 0xffffffff,
	        .selector = sel,
	        .type = type,
	        .present = 1,
	        .dpl = dpl,
	        .db = code ? 0 : 1,
	        .s = 1,
	        .l = code ? 1 : 0,
	        .g = 1,
	};
}

int x86_vcpu_boot(int kvm_fd, int vcpu_fd)
{
	set_cpuid(kvm_fd, vcpu_fd);
	struct kvm_sregs s;
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	s.cs = seg(TSVMM_SEL_CODE0, 11, true, 0);
	s.ds = s.es = s.fs = s.gs = s.ss = seg(TSVMM_SEL_DATA0, 3, false, 0);
	s.tr = (struct kvm_segment){.base = TSVMM_TSS_GPA,
	                            .limit = TSS_LIMIT,
	                            .selector = TSVMM_SEL_TSS,
	                            .type = 11, /* busy 64-bit TSS */
	                            .present = 1};
	s.ldt = (struct kvm_segment){.type = 2, .present = 1, .unusable = 0};
	s.gdt.base = TSVMM_GDT_GPA;
	s.gdt.limit = GDT_ENTRIES * 8 - 1;
	s.idt.base = TSVMM_IDT_GPA;
	s.idt.limit = IDT_VECTORS * 16 - 1;
	s.cr0 = 0x80050033; /* PG WP NE ET MP PE */
	s.cr3 = TSVMM_PT_GPA;
	s.cr4 = 0x20;   /* PAE; TSD clear: rdtsc works in ring 3 */
	s.efer = 0x500; /* LMA LME */
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &s) < 0)
		return -errno;
	struct kvm_regs r = {.rip = TSVMM_PAYLOAD_GPA, .rsp = TSVMM_IRET_FRAME_GPA, .rflags = 0x2};
	if (ioctl(vcpu_fd, KVM_SET_REGS, &r) < 0)
		return -errno;
	return 0;
}
