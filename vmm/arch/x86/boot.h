/* SPDX-License-Identifier: MIT */
/*
 * x86 boot state for the tsvmm guest (no firmware): the in-memory GDT, TSS, IDT, the iretq
 * frame into ring 3 and the identity page tables, then the vCPU's CPUID, SREGS (64-bit long
 * mode, ring 0, paging on) and REGS. Layout: include/uapi/tsvmm-boot.h.
 */
#ifndef TSVMM_X86_BOOT_H
#define TSVMM_X86_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "uapi/tsvmm-boot.h"

/*
 * Write GDT, TSS, IDT (32 interrupt gates to hdr->idt_stubs), the iretq frame into ring 3
 * (to hdr->entry3) and the page tables (RAM read-write and user; the 2 MiB around
 * TSVMM_VMCLOCK_GPA read-only when vmclock) into ram, the host view of guest RAM from GPA 0
 * (mem_size bytes). Pure. 0, or -EINVAL (bad header or size) / -ENOSPC.
 */
int x86_boot_tables(uint8_t *ram, uint64_t mem_size, const struct tsvmm_payload_hdr *hdr,
                    bool vmclock);

/*
 * Program vCPU vcpu_fd for the tables above: CPUID (KVM_GET_SUPPORTED_CPUID from kvm_fd;
 * a failure there is only warned about), SREGS (CR0 PE|PG|WP|NE|ET|MP, CR4 PAE, EFER
 * LME|LMA, CR3 TSVMM_PT_GPA, CS/DS/SS ring 0, TR, GDTR, IDTR) and REGS (RIP payload entry,
 * RSP the iretq frame, RFLAGS 0x2). 0 or -errno.
 */
int x86_vcpu_boot(int kvm_fd, int vcpu_fd);

#endif
