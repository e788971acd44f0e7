/* SPDX-License-Identifier: MIT */
/*
 * x86-64 identity-mapped page tables from 2 MiB pages (4-level paging), built into a buffer
 * that is guest memory at pt_gpa. Pure: no KVM, unit-tested by walking the result.
 */
#ifndef TSVMM_X86_PAGETABLE_H
#define TSVMM_X86_PAGETABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X86_PTE_P      (1ULL << 0)
#define X86_PTE_W      (1ULL << 1)
#define X86_PTE_U      (1ULL << 2)
#define X86_PTE_PS     (1ULL << 7)
#define X86_LARGE_PAGE (2ULL << 20)

struct x86_pt_map {
	uint64_t gpa;  /* start, 2 MiB aligned */
	uint64_t len;  /* bytes, a multiple of 2 MiB */
	bool writable; /* clear: read-only mapping */
	bool user;     /* ring 3 may access it */
};

/*
 * Identity-map every range in maps (gpa -> gpa) into buf, the host view of guest memory at
 * pt_gpa (4 KiB aligned), buf_size bytes. The PML4 is the first page (CR3 = pt_gpa); PDPTs
 * and PDs follow as needed. Returns the bytes of buf used, or -EINVAL (misaligned range,
 * beyond 48 bits, overlapping ranges) or -ENOSPC (buf too small).
 */
long x86_pt_build(void *buf, size_t buf_size, uint64_t pt_gpa, const struct x86_pt_map *maps,
                  size_t n);

/*
 * Translate va through tables built by x86_pt_build (buf at pt_gpa): sets *pa and *flags (the
 * leaf entry's low 12 bits) and returns 0, or -ENOENT when unmapped. For tests and debugging.
 */
int x86_pt_walk(const void *buf, size_t buf_size, uint64_t pt_gpa, uint64_t va, uint64_t *pa,
                uint64_t *flags);

#endif
