/* SPDX-License-Identifier: MIT */
/*
 * tsvmm memory statistics: classify guest pages as zero, duplicate (same content as another
 * page in the range), disk (same content as some 4 KiB block of the disk image) or unique.
 * What a deduplicating migration could save; also how tests check the fill profile.
 * Pure; pages are compared by a 64-bit hash (a collision would miscount one page).
 */
#ifndef TSVMM_MEMSTATS_H
#define TSVMM_MEMSTATS_H

#include <stddef.h>
#include <stdint.h>

struct memstats {
	uint64_t pages;    /* pages examined */
	uint64_t zero;     /* all-zero pages */
	uint64_t dup;      /* non-zero pages whose content occurs more than once in the range
			    (every copy counts, and no disk block has that content) */
	uint64_t disk;     /* non-zero pages equal to a 4 KiB-aligned block of the disk */
	uint64_t unique;   /* the rest */
	uint64_t distinct; /* distinct non-zero contents */
};

/*
 * Classify npages pages at mem (4 KiB each). disk/disk_len: the disk image (may be NULL/0).
 * 0 or -ENOMEM.
 */
int memstats_count(const void *mem, uint64_t npages, const void *disk, size_t disk_len,
                   struct memstats *out);

/* 64-bit hash of one 4 KiB page (FNV-1a over 64-bit words, finalised). */
uint64_t memstats_page_hash(const void *page);

#endif
