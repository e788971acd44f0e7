/* SPDX-License-Identifier: MIT */
/*
 * tsvmm guest payload: ring-0 entry, payload header, exception stubs and the #GP handler.
 * Ring-0 code runs through KVM's instruction emulator on PVM (~1 us per instruction), so it is
 * kept to a handful of instructions: the entry is a single iretq into ring 3 (the VMM built
 * the frame, the GDT, IDT, TSS and page tables), and the only ring-0 work afterwards is the
 * #GP handler that re-executes a ring-3 "out" (see include/uapi/tsvmm-boot.h).
 */
#include "uapi/tsvmm-boot.h"

	.section .text.head, "ax"
	.code64
	.globl _head
_head:
	iretq				/* the VMM points RSP at the frame into ring 3 */
	.fill 16 - (. - _head), 1, 0xf4	/* hlt padding */
	.long TSVMM_PAYLOAD_MAGIC
	.long 1
	.quad _start3
	.quad idt_stubs
	.quad _end
	.fill 16, 1, 0

	.text
	.globl _start3
_start3:				/* ring 3, RSP = TSVMM_RING3_STACK_TOP */
	xor %ebp, %ebp
	call guest_main
	shl $8, %eax
	or $TSVMM_HC_DONE, %eax
	mov $TSVMM_PORT_HCALL, %edx
	outl %eax, %dx			/* traps to gp_handler, which performs it */
1:	pause
	jmp 1b

/* 32 exception stubs, TSVMM_IDT_STUB_SIZE bytes each: stack = vector, error code, frame. */
	.balign 16
idt_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign 16
	.if \v == 13
	jmp gp_handler
	.else
	.if !(\v == 8 || \v == 10 || \v == 11 || \v == 12 || \v == 14 || \v == 17 || \v == 21 || \v == 29 || \v == 30)
	pushq $0
	.endif
	pushq $\v
	jmp exc_common
	.endif
	.endr
	.balign 16

/* #GP: if ring 3 faulted on "out %al,%dx" (0xee) or "out %eax,%dx" (0xef), do it here and
 * return past it; anything else is a panic. Stack: error code, RIP, CS, RFLAGS, RSP, SS. */
gp_handler:
	testb $3, 16(%rsp)
	jz 3f
	push %rcx
	mov 16(%rsp), %rcx
	cmpb $0xee, (%rcx)
	je 1f
	cmpb $0xef, (%rcx)
	jne 2f
	outl %eax, %dx
	jmp 4f
1:	outb %al, %dx
4:	incq 16(%rsp)
	pop %rcx
	add $8, %rsp
	iretq
2:	pop %rcx
3:	pushq $13
exc_common:				/* stack: vector, error code, exception frame */
	mov (%rsp), %eax
	shl $8, %eax
	or $TSVMM_HC_PANIC, %eax
	mov $TSVMM_PORT_HCALL, %edx
	outl %eax, %dx
1:	hlt
	jmp 1b

	.section .note.GNU-stack, "", @progbits
