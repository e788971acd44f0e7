// SPDX-License-Identifier: MIT
/*
 * tsvmm guest payload: the memory fill profile, done in ring 3 (native speed; each first
 * write to a fresh page still costs a shadow-paging fault, ~12 us on PVM).
 * Segments in the fill region, in order: random (unique), dup (copies of a few patterns),
 * disk (read through the block device), zero (left untouched).
 */
#include "guest.h"

#define WORDS            (TSVMM_PAGE_SIZE / 8)
#define DUP_PATTERNS_MAX 16
#define DISK_CHUNK_PAGES 256 /* 1 MiB per block request */

static void fill_page(uint64_t gpa, uint64_t key)
{
	uint64_t *p = (uint64_t *)gpa;
	uint64_t s = key;
	for (uint64_t i = 0; i < WORDS; i++)
		p[i] = mix64(&s);
}

static uint64_t fill_disk(uint64_t gpa, uint64_t pages)
{
	uint64_t disk_pages = BOOT->disk_sectors / (TSVMM_PAGE_SIZE / TSVMM_BLK_SECTOR);
	uint64_t off = 0, done = 0;
	if (!disk_pages)
		guest_abort("disk pages in the profile but no disk", 1);
	while (done < pages) {
		uint64_t n = pages - done;
		if (n > DISK_CHUNK_PAGES)
			n = DISK_CHUNK_PAGES;
		if (n > disk_pages - off)
			n = disk_pages - off;
		if (blk_read(off * 8, n * 8, gpa + done * TSVMM_PAGE_SIZE))
			guest_abort("block read failed", 2);
		done += n;
		off = (off + n) % disk_pages;
	}
	return done;
}

uint64_t guest_fill(void)
{
	uint64_t gpa = BOOT->fill_start, seed = BOOT->seed, written = 0;
	uint64_t n = BOOT->fill_pages[TSVMM_FILL_RANDOM];
	for (uint64_t i = 0; i < n; i++, gpa += TSVMM_PAGE_SIZE)
		fill_page(gpa, seed ^ (gpa * 0x2545f4914f6cdd1dULL));
	written += n;

	n = BOOT->fill_pages[TSVMM_FILL_DUP];
	uint64_t k = n / 2 < DUP_PATTERNS_MAX ? n / 2 : DUP_PATTERNS_MAX;
	if (k == 0)
		k = 1;
	for (uint64_t i = 0; i < n; i++, gpa += TSVMM_PAGE_SIZE)
		fill_page(gpa, ~seed ^ ((i % k + 1) * 0x9e3779b97f4a7c15ULL));
	written += n;

	n = BOOT->fill_pages[TSVMM_FILL_DISK];
	if (n)
		written += fill_disk(gpa, n);
	return written;
}
