// SPDX-License-Identifier: MIT
/* tsvmm memory statistics: zero / duplicate / disk / unique pages by content hash. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "memstats.h"

#define PAGE  4096
#define WORDS (PAGE / 8)

uint64_t memstats_page_hash(const void *page)
{
	const uint64_t *w = page;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < WORDS; i++) {
		h ^= w[i];
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

static bool page_is_zero(const uint64_t *w)
{
	for (size_t i = 0; i < WORDS; i++)
		if (w[i])
			return false;
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool in_sorted(const uint64_t *v, size_t n, uint64_t key)
{
	return n && bsearch(&key, v, n, sizeof(*v), cmp_u64) != NULL;
}

int memstats_count(const void *mem, uint64_t npages, const void *disk, size_t disk_len,
                   struct memstats *out)
{
	memset(out, 0, sizeof(*out));
	out->pages = npages;
	size_t dpages = disk ? disk_len / PAGE : 0;
	uint64_t *h = malloc((npages + 1) * sizeof(*h));
	uint64_t *dh = malloc((dpages + 1) * sizeof(*dh));
	if (!h || !dh) {
		free(h);
		free(dh);
		return -ENOMEM;
	}
	for (size_t i = 0; i < dpages; i++)
		dh[i] = memstats_page_hash((const uint8_t *)disk + i * PAGE);
	qsort(dh, dpages, sizeof(*dh), cmp_u64);

	size_t n = 0;
	for (uint64_t i = 0; i < npages; i++) {
		const uint64_t *p = (const uint64_t *)((const uint8_t *)mem + i * PAGE);
		if (page_is_zero(p))
			out->zero++;
		else
			h[n++] = memstats_page_hash(p);
	}
	qsort(h, n, sizeof(*h), cmp_u64);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && h[j] == h[i])
			j++;
		out->distinct++;
		if (in_sorted(dh, dpages, h[i]))
			out->disk += j - i;
		else if (j - i > 1)
			out->dup += j - i;
		else
			out->unique++;
		i = j;
	}
	free(h);
	free(dh);
	return 0;
}
