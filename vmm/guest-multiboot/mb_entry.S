/* SPDX-License-Identifier: MIT */
/*
 * tsvmm guest payload, multiboot v1 build (for QEMU -kernel): the 32-bit entry that switches
 * to long mode and drops to ring 3, where the same workload code as the tsvmm payload runs.
 *
 * Ring-0 and 32-bit code run through KVM's instruction emulator on this host (~1 us per
 * instruction), so every table is static data at a fixed address (mb.ld) and the entry is
 * ~30 instructions: lgdt, PAE, CR3, EFER.LME, paging, far jump, ltr, lidt, iretq. The IDT
 * gates (whose handler addresses are split in fields) are written from ring 3 by mb_main.c
 * before anything can fault. Selectors, the #GP port-write trampoline and the ring-3 stack
 * follow include/uapi/tsvmm-boot.h, so lib.c and fill.c of vmm/guest run unchanged.
 */
#include "uapi/tsvmm-boot.h"

#define MB_MAGIC  0x1badb002
#define MB_FLAGS  0x00000002 /* memory information wanted */
#define GDT_ADDR  0x201000
#define TSS_ADDR  0x201100
#define PML4_ADDR 0x202000
#define PDPT_ADDR 0x203000
#define PD_ADDR   0x204000 /* 4 PDs: identity map of 4 GiB in 2 MiB pages */
#define PT_USER   0x7      /* present, writable, user */
#define PD_LARGE  0x87     /* + 2 MiB page */

	.section .mb.head, "ax"
	.code32
	.balign 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.globl mb_entry32
mb_entry32:				/* EAX = 0x2badb002, EBX = multiboot info, paging off */
	mov %ebx, mb_info
	lgdt gdt_ptr
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov $PML4_ADDR, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax		/* PG, PE */
	mov %eax, %cr0
	ljmp $TSVMM_SEL_CODE0, $mb_entry64

	.code64
mb_entry64:
	mov $TSVMM_SEL_DATA0, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $TSVMM_SEL_TSS, %eax
	ltr %ax
	lidt idt_ptr
	mov $mb_ring0_stack_top, %rsp
	pushq $TSVMM_SEL_DATA3
	pushq $TSVMM_RING3_STACK_TOP
	pushq $0x2			/* RFLAGS: interrupts off, IOPL 0 */
	pushq $TSVMM_SEL_CODE3
	pushq $mb_start3
	iretq

	.balign 8
gdt_ptr:
	.word 7 * 8 - 1
	.long GDT_ADDR
idt_ptr:
	.word 32 * 16 - 1
	.quad mb_idt

	.section .mb.tables, "a"
	.balign 4096
	.globl mb_gdt
mb_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08 code0, 64-bit */
	.quad 0x00cf92000000ffff	/* 0x10 data0 */
	.quad 0x00cff2000000ffff	/* 0x18 data3 (selector 0x1b) */
	.quad 0x00affa000000ffff	/* 0x20 code3, 64-bit (selector 0x23) */
	/* 0x28 TSS: limit 0x67, base TSS_ADDR, type 0x89 (available 64-bit TSS) */
	.quad 0x67 | ((TSS_ADDR & 0xffff) << 16) | (((TSS_ADDR >> 16) & 0xff) << 32) | (0x89 << 40) | (((TSS_ADDR >> 24) & 0xff) << 56)
	.quad 0
	.balign 256
	.globl mb_tss
mb_tss:
	.long 0
	.quad mb_ring0_stack_top	/* rsp0 */
	.fill 102 - 12, 1, 0
	.word 104			/* I/O bitmap base: none (every ring-3 port access faults) */
	.balign 4096
	.globl mb_pml4
mb_pml4:
	.quad PDPT_ADDR | PT_USER
	.fill 511, 8, 0
mb_pdpt:
	.quad PD_ADDR + 0x0000 + PT_USER
	.quad PD_ADDR + 0x1000 + PT_USER
	.quad PD_ADDR + 0x2000 + PT_USER
	.quad PD_ADDR + 0x3000 + PT_USER
	.fill 508, 8, 0
mb_pd:
	.set i, 0
	.rept 2048
	.quad (i << 21) | PD_LARGE
	.set i, i + 1
	.endr

	.text
	.globl mb_start3
mb_start3:				/* ring 3, RSP = TSVMM_RING3_STACK_TOP */
	xor %ebp, %ebp
	call mb_main
1:	pause
	jmp 1b

/* 32 exception stubs, 16 bytes apart: stack = vector, error code, frame (as vmm/guest). */
	.balign 16
	.globl mb_idt_stubs
mb_idt_stubs:
#include "../guest/exc_stubs.inc"
exc_common:				/* report on the console port: "!EXC nn" and stop */
	mov $0x3f8, %dx
	mov $'!', %al
	outb %al, %dx
	mov (%rsp), %eax
	add $'A', %al			/* vector as a letter: A = 0, N = 13, O = 14 */
	outb %al, %dx
	mov $'\n', %al
	outb %al, %dx
1:	hlt
	jmp 1b

	.bss
	.balign 4096
	.globl mb_idt
mb_idt:
	.fill 32 * 16, 1, 0
	.balign 16
	.fill 8192, 1, 0
mb_ring0_stack_top:
	.globl mb_info
mb_info:
	.quad 0

	.section .note.GNU-stack, "", @progbits
