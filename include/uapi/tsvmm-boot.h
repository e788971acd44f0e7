/* SPDX-License-Identifier: MIT */
/*
 * tsvmm guest <-> VMM ABI, part 1: the guest-physical memory map, the I/O ports and the
 * boot-parameters page. Shared by the VMM (vmm/) and the freestanding guest (vmm/guest/).
 * Little endian (x86 only), fixed-size fields, no pointers: every address is a guest-physical
 * address (GPA). The guest runs identity mapped, so a GPA is also its virtual address.
 *
 * Memory map (RAM is one memslot from GPA 0; size a multiple of 2 MiB, 64 MiB .. 32 GiB):
 *   0x000000  null page (mapped, left zero)
 *   0x001000  GDT (null, code0, data0, data3, code3, TSS descriptor)
 *   0x002000  IDT (vectors 0-31, ring-0 handlers in the payload)
 *   0x003000  TSS (rsp0 = TSVMM_RING0_STACK_TOP)
 *   0x004000  boot parameters (struct tsvmm_boot_params; VMM writes, guest reads)
 *   0x005000  block device request ring (include/uapi/tsvmm-blk.h)
 *   0x006000  ring-0 exception stack, top at 0x8000 (the first iretq frame sits there)
 *   0x010000  page tables (built by the VMM: PML4, PDPT, 2 MiB-page PDs)
 *   0x100000  report ring (include/uapi/tsvmm-report.h), TSVMM_REPORT_SIZE bytes
 *   0x180000  ring-3 stack, top at 0x200000
 *   0x200000  payload (flat binary, <= 2 MiB); byte 0 is the ring-0 entry point
 *   0x400000  guest work memory: the working set (wss_pages), then the fill region to the end
 *   TSVMM_VMCLOCK_GPA  one read-only page (own memslot, KVM_MEM_READONLY) for a vmclock page
 *
 * Start state (set by the VMM through KVM_SET_SREGS/KVM_SET_REGS, no firmware): 64-bit long
 * mode, ring 0, paging on (CR3 = page tables), interrupts off, RIP = TSVMM_PAYLOAD_GPA,
 * RSP = TSVMM_IRET_FRAME_GPA which holds an iretq frame into ring 3 (RIP = payload entry3
 * from the payload header, CS = TSVMM_SEL_CODE3, RSP = TSVMM_RING3_STACK_TOP, SS =
 * TSVMM_SEL_DATA3). The payload's first instruction is that iretq.
 *
 * Ports: the guest does all its work in ring 3, where port I/O faults (#GP). The payload's
 * ring-0 #GP handler re-executes a faulting one-byte "out %al,%dx" (0xEE) or
 * "out %eax,%dx" (0xEF) in ring 0 and skips it: ring-3 port writes work at ~70-90 us each,
 * so they are used only for rare events (console lines, doorbells, done/panic).
 */
#ifndef UAPI_TSVMM_BOOT_H
#define UAPI_TSVMM_BOOT_H

/* Only the #defines below are visible to assembler sources (__ASSEMBLER__). */
#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define TSVMM_PAGE_SIZE 4096ULL

#define TSVMM_GDT_GPA         0x001000ULL
#define TSVMM_IDT_GPA         0x002000ULL
#define TSVMM_TSS_GPA         0x003000ULL
#define TSVMM_BOOT_GPA        0x004000ULL
#define TSVMM_BLK_GPA         0x005000ULL
#define TSVMM_RING0_STACK_TOP 0x008000ULL
#define TSVMM_IRET_FRAME_GPA  (TSVMM_RING0_STACK_TOP - 5 * 8)
#define TSVMM_PT_GPA          0x010000ULL
#define TSVMM_PT_END          0x100000ULL
#define TSVMM_REPORT_GPA      0x100000ULL
#define TSVMM_RING3_STACK_TOP 0x200000ULL
#define TSVMM_PAYLOAD_GPA     0x200000ULL
#define TSVMM_PAYLOAD_MAX     0x200000ULL
#define TSVMM_WORK_GPA        0x400000ULL
#define TSVMM_VMCLOCK_GPA     0x800000000ULL /* 32 GiB, above the largest RAM */
#define TSVMM_MEM_MIN         (64ULL << 20)
#define TSVMM_MEM_MAX         (32ULL << 30)

/* GDT selectors (ring-3 selectors carry RPL 3). */
#define TSVMM_SEL_CODE0 0x08
#define TSVMM_SEL_DATA0 0x10
#define TSVMM_SEL_DATA3 0x1b
#define TSVMM_SEL_CODE3 0x23
#define TSVMM_SEL_TSS   0x28

/* I/O ports. */
#define TSVMM_PORT_SERIAL 0x3f8 /* 8250 THR (write a byte), LSR at +5 reads 0x60 */
#define TSVMM_PORT_HCALL  0x500 /* 32-bit writes: TSVMM_HC_* in bits 0-7, argument in 8-31 */
#define TSVMM_PORT_BLK    0x510 /* 32-bit write of anything: doorbell, see tsvmm-blk.h */

#define TSVMM_HC_DONE 1 /* arg: guest exit status (0 = success); the guest then spins */
#define TSVMM_HC_PANIC                                                                             \
	2                /* arg: exception vector; the ring-0 stack holds vector, error code
			  * and the exception frame (RIP, CS, RFLAGS, RSP, SS) at RSP */
#define TSVMM_HC_ABORT 3 /* arg: guest-detected error code; the reason went to the console */

#define TSVMM_PAYLOAD_MAGIC 0x31475653 /* "SVG1" little endian */
#define TSVMM_IDT_STUB_SIZE 16

#ifndef __ASSEMBLER__
/* Payload header: the first 64 bytes of the flat binary (byte 0 is the entry code). */
struct tsvmm_payload_hdr {
	uint8_t entry[16];  /* ring-0 entry: "iretq" and padding */
	uint32_t magic;     /* TSVMM_PAYLOAD_MAGIC */
	uint32_t version;   /* 1 */
	uint64_t entry3;    /* GPA of the ring-3 entry */
	uint64_t idt_stubs; /* GPA of 32 exception stubs, TSVMM_IDT_STUB_SIZE bytes apart */
	uint64_t end;       /* GPA just past the payload's bss */
	uint8_t reserved[16];
};

/* Fill profile kinds, in the order their segments appear in the fill region. */
enum tsvmm_fill_kind {
	TSVMM_FILL_RANDOM = 0, /* unique pseudo-random pages */
	TSVMM_FILL_DUP = 1,    /* copies of a few distinct pattern pages */
	TSVMM_FILL_DISK = 2,   /* pages read from the block device (wrapping around the disk) */
	TSVMM_FILL_ZERO = 3,   /* left untouched: zero */
	TSVMM_FILL_KINDS = 4,
};

#define TSVMM_BOOT_MAGIC   0x544f4f42 /* "BOOT" */
#define TSVMM_BOOT_VERSION 1

/* The boot-parameters page at TSVMM_BOOT_GPA. Written by the VMM before the vCPU starts;
 * read-only for the guest (apart from nothing: the guest reports through the report ring). */
struct tsvmm_boot_params {
	uint32_t magic;         /* TSVMM_BOOT_MAGIC */
	uint32_t version;       /* TSVMM_BOOT_VERSION */
	uint64_t mem_size;      /* bytes of RAM from GPA 0 */
	uint64_t tsc_khz;       /* guest TSC frequency (KVM_GET_TSC_KHZ) */
	uint64_t seed;          /* seeds the random and pattern pages */
	uint64_t wss_pages;     /* working set: pages from TSVMM_WORK_GPA */
	uint64_t dirty_rate;    /* working-set pages dirtied per second (0 = none) */
	uint64_t duration_ms;   /* time loop length in guest TSC time; 0 = until stopped */
	uint64_t sample_ms;     /* period of SAMPLE records (0 -> 100) */
	uint64_t gap_report_ns; /* a TSC gap above this is reported as a GAP record (0 -> 1 ms) */
	uint64_t fill_start;    /* GPA of the fill region (after the working set) */
	uint64_t fill_pages[TSVMM_FILL_KINDS]; /* pages of each kind, segments in kind order */
	uint64_t disk_sectors; /* 512-byte sectors of the block device; 0 = no disk */
	uint64_t vmclock_gpa;  /* TSVMM_VMCLOCK_GPA, 0 if the slot is absent */
	/* disk I/O workload (vmm/io_profile.h; 0 rates = none): 4 KiB blocks written / read per
	 * second at random, a share of them (ppm) inside a hot set of the disk (ppm of its
	 * blocks): the write hot set starts at the disk's middle block, the read hot set at
	 * block 0 (both wrap around) */
	uint64_t io_write_bps;       /* bytes written per second */
	uint64_t io_read_bps;        /* bytes read per second */
	uint32_t io_write_hot_ppm;   /* write hot set, ppm of the disk's blocks */
	uint32_t io_write_share_ppm; /* ppm of writes that go to it */
	uint32_t io_read_hot_ppm;    /* read hot set, ppm of the disk's blocks */
	uint32_t io_read_share_ppm;  /* ppm of reads that go to it */
	/* the virtual CPU's TSC (vmm/vcpu_tsc.h): the guest's TSC is its physical rdtsc r
	 * transformed, r + floor(r x tsc_mult / 2^64) + tsc_add (mod 2^64; tsync/tsc_xform.h);
	 * both 0: r. Written by the VMM while the vCPU is stopped (boot, incoming migration). */
	int64_t tsc_mult;
	uint64_t tsc_add;
	/* page-cache writeback (0: off): each write fills a page of a RAM page cache (a ring in
	 * the fill region's random segment) and the block is written from that page this many
	 * ms later, as a page cache flush does (the disk block then equals a RAM page) */
	uint32_t io_cache_ms;
	uint32_t io_reserved;
	uint64_t reserved[9];
};

#endif /* __ASSEMBLER__ */

#endif
