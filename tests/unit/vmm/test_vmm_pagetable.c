// SPDX-License-Identifier: MIT
/* tsvmm: the x86 identity page-table builder and the boot tables. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/boot.h"
#include "arch/x86/pagetable.h"

#define PT_GPA 0x10000ULL
#define MIB    (1ULL << 20)
#define GIB    (1ULL << 30)

static uint8_t buf[64 * 4096];

Test(vmm_pagetable, identity_maps_ram)
{
	struct x86_pt_map m = {.gpa = 0, .len = 256 * MIB, .writable = true, .user = true};
	long used = x86_pt_build(buf, sizeof(buf), PT_GPA, &m, 1);
	cr_assert_eq(used, 3 * 4096); /* PML4, PDPT, one PD */
	uint64_t pa, fl;
	for (uint64_t va = 0; va < 256 * MIB; va += 0x1234567) {
		cr_assert_eq(x86_pt_walk(buf, sizeof(buf), PT_GPA, va, &pa, &fl), 0);
		cr_assert_eq(pa, va);
		cr_assert_eq(fl & (X86_PTE_P | X86_PTE_W | X86_PTE_U | X86_PTE_PS),
		             X86_PTE_P | X86_PTE_W | X86_PTE_U | X86_PTE_PS);
	}
	cr_assert_eq(x86_pt_walk(buf, sizeof(buf), PT_GPA, 256 * MIB, &pa, &fl), -ENOENT);
}

Test(vmm_pagetable, several_gib_and_a_readonly_page_far_away)
{
	struct x86_pt_map m[2] = {
	        {.gpa = 0, .len = 5 * GIB, .writable = true, .user = true},
	        {.gpa = 32 * GIB, .len = 2 * MIB, .writable = false, .user = true},
	};
	long used = x86_pt_build(buf, sizeof(buf), PT_GPA, m, 2);
	cr_assert_eq(used, (2 + 5 + 1) * 4096);
	uint64_t pa, fl;
	cr_assert_eq(x86_pt_walk(buf, sizeof(buf), PT_GPA, 5 * GIB - 1, &pa, &fl), 0);
	cr_assert_eq(pa, 5 * GIB - 1);
	cr_assert_eq(x86_pt_walk(buf, sizeof(buf), PT_GPA, 32 * GIB + 8, &pa, &fl), 0);
	cr_assert_eq(pa, 32 * GIB + 8);
	cr_assert_eq(fl & X86_PTE_W, 0);
	cr_assert_eq(x86_pt_walk(buf, sizeof(buf), PT_GPA, 6 * GIB, &pa, &fl), -ENOENT);
}

Test(vmm_pagetable, rejects_bad_maps)
{
	struct x86_pt_map m = {.gpa = 4096, .len = 2 * MIB};
	cr_assert_eq(x86_pt_build(buf, sizeof(buf), PT_GPA, &m, 1), -EINVAL);
	m = (struct x86_pt_map){.gpa = 0, .len = 3 * MIB};
	cr_assert_eq(x86_pt_build(buf, sizeof(buf), PT_GPA, &m, 1), -EINVAL);
	struct x86_pt_map two[2] = {{.gpa = 0, .len = 4 * MIB}, {.gpa = 2 * MIB, .len = 2 * MIB}};
	cr_assert_eq(x86_pt_build(buf, sizeof(buf), PT_GPA, two, 2), -EINVAL);
	m = (struct x86_pt_map){.gpa = 0, .len = 64 * GIB};
	cr_assert_eq(x86_pt_build(buf, 8 * 4096, PT_GPA, &m, 1), -ENOSPC);
	m = (struct x86_pt_map){.gpa = 1ULL << 47, .len = 2 * MIB};
	cr_assert_eq(x86_pt_build(buf, sizeof(buf), PT_GPA, &m, 1), -EINVAL);
}

Test(vmm_pagetable, boot_tables_layout)
{
	uint64_t mem = 64 * MIB;
	uint8_t *ram = calloc(1, mem);
	cr_assert(ram);
	struct tsvmm_payload_hdr h = {.magic = TSVMM_PAYLOAD_MAGIC,
	                              .version = 1,
	                              .entry3 = TSVMM_PAYLOAD_GPA + 0x40,
	                              .idt_stubs = TSVMM_PAYLOAD_GPA + 0x80};
	cr_assert_eq(x86_boot_tables(ram, mem, &h, true), 0);
	uint64_t frame[5];
	memcpy(frame, ram + TSVMM_IRET_FRAME_GPA, sizeof(frame));
	cr_assert_eq(frame[0], h.entry3);
	cr_assert_eq(frame[1], TSVMM_SEL_CODE3);
	cr_assert_eq(frame[3], TSVMM_RING3_STACK_TOP);
	cr_assert_eq(frame[4], TSVMM_SEL_DATA3);
	uint64_t gate[2];
	memcpy(gate, ram + TSVMM_IDT_GPA + 14 * 16, 16); /* #PF */
	uint64_t handler = (gate[0] & 0xffff) | ((gate[0] >> 32) & 0xffff0000) | (gate[1] << 32);
	cr_assert_eq(handler, h.idt_stubs + 14 * TSVMM_IDT_STUB_SIZE);
	uint64_t rsp0;
	memcpy(&rsp0, ram + TSVMM_TSS_GPA + 4, 8);
	cr_assert_eq(rsp0, TSVMM_RING0_STACK_TOP);
	uint64_t pa, fl;
	cr_assert_eq(x86_pt_walk(ram + TSVMM_PT_GPA, TSVMM_PT_END - TSVMM_PT_GPA, TSVMM_PT_GPA,
	                         TSVMM_VMCLOCK_GPA, &pa, &fl),
	             0);
	cr_assert_eq(fl & X86_PTE_W, 0);
	h.magic = 0;
	cr_assert_eq(x86_boot_tables(ram, mem, &h, true), -EINVAL);
	h.magic = TSVMM_PAYLOAD_MAGIC;
	h.entry3 = 0x1000;
	cr_assert_eq(x86_boot_tables(ram, mem, &h, true), -EINVAL);
	cr_assert_eq(x86_boot_tables(ram, 63 * MIB, &h, true), -EINVAL);
	free(ram);
}
