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
#include "exc_stubs.inc"
exc_common:				/* stack: vector, error code, exception frame */
	mov (%rsp), %eax
	shl $8, %eax
	or $TSVMM_HC_PANIC, %eax
	mov $TSVMM_PORT_HCALL, %edx
	outl %eax, %dx
1:	hlt
	jmp 1b

	.section .note.GNU-stack, "", @progbits
