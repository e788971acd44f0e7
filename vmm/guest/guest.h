/* SPDX-License-Identifier: MIT */
/*
 * tsvmm guest payload: freestanding ring-3 helpers. Plain integer code only (built with
 * -mgeneral-regs-only): no SSE, no xsave, no cmpxchg16b (PVM KVM cannot emulate them).
 */
#ifndef TSVMM_GUEST_H
#define TSVMM_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/tsvmm-blk.h"
#include "uapi/tsvmm-boot.h"
#include "uapi/tsvmm-report.h"
#include "tsync/tsc_xform.h"

#define BOOT   ((const volatile struct tsvmm_boot_params *)TSVMM_BOOT_GPA)
#define REPORT ((volatile struct tsvmm_report_hdr *)TSVMM_REPORT_GPA)

/* The guest's TSC: the physical rdtsc through the VMM's TSC block (boot parameters
 * tsc_mult/tsc_add, vmm/vcpu_tsc.h): on this KVM the one point where the emulated hosts'
 * TSCs enter what the guest reads. The VMM changes the block only while the vCPU is stopped
 * (an incoming migration): a read whose block changed around its rdtsc (the vCPU stopped in
 * between) is taken again, so a raw value from before the stop never meets the block from
 * after it (that would step the guest's TSC back by up to the time the vCPU took to start). */
static inline uint64_t rdtsc(void)
{
	for (;;) {
		struct tsc_xform x = {.mult = BOOT->tsc_mult, .offset = BOOT->tsc_add};
		uint32_t lo, hi;
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
		if (BOOT->tsc_mult == x.mult && BOOT->tsc_add == x.offset)
			return tsc_xform_apply(&x, ((uint64_t)hi << 32) | lo);
	}
}

/* Port writes from ring 3: the one-byte encodings the ring-0 #GP handler re-executes. */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %%al, %%dx" : : "a"(v), "d"(port) : "memory");
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %%eax, %%dx" : : "a"(v), "d"(port) : "memory");
}

/* Console (serial port, one trapped port write per byte: keep it to a few lines). */
void con_puts(const char *s);
void con_putu(uint64_t v);
void con_putx(uint64_t v);

/* Append a record to the report ring; dropped (and counted) when the ring is full. */
void rep_init(void);
void rep_push(uint32_t type, uint64_t tsc, uint64_t v0, uint64_t v1, uint64_t v2, uint64_t v3,
              uint64_t v4);

/* Read count sectors from the block device into buf_gpa. 0, or -1 on an error status. */
int blk_read(uint64_t sector, uint64_t count, uint64_t buf_gpa);

/* splitmix64 step: advances *s, returns the next value. */
uint64_t mix64(uint64_t *s);

/* Fill the fill region per the boot parameters' profile; returns pages written. */
uint64_t guest_fill(void);

/* Read the vmclock page and push a TSVMM_REC_VMCLOCK record (nothing while no page was ever
 * seen; *seen is the caller's flag). */
void guest_vmclock_sample(int *seen);

/* The disk I/O workload (io.c): rates and hot sets from the boot parameters. */
struct guest_io {
	uint64_t blocks;          /* 4 KiB blocks of the disk (0: no disk, no I/O) */
	uint64_t wticks, rticks;  /* TSC ticks per block written / read (0: none) */
	uint64_t next_w, next_r;  /* TSC of the next block due */
	uint64_t late;            /* ticks behind after which the schedule restarts */
	uint64_t tick, next_step; /* batching period [ticks], TSC of the next batch */
	uint64_t rng, gen;
	uint64_t written, read, failed; /* blocks */
	/* page-cache writeback (io_cache_ms): writes wait in RAM pages of the fill region's
	 * random segment (a ring of cache_pages) for cache_ticks, then go out from there */
	uint64_t cache_ticks, cache_pages, head, tail;
};
void guest_io_init(struct guest_io *io, uint64_t khz, uint64_t now);
/* Issue the requests due at TSC now (at most one doorbell per direction). */
void guest_io_step(struct guest_io *io, uint64_t now);

/* Stop with an error code after printing msg. */
void guest_abort(const char *msg, uint32_t code) __attribute__((noreturn));

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

#endif
