// SPDX-License-Identifier: MIT
/* tsvmm storage flim: hot-area scheduling (see hotarea.h). */
#include <errno.h>
#include <stdlib.h>

#include "migrate/hotarea.h"

int hotarea_init(struct hotarea *h, uint64_t n)
{
	h->n = n;
	h->w = calloc(n ? n : 1, sizeof(*h->w));
	h->r = calloc(n ? n : 1, sizeof(*h->r));
	h->ix = calloc(n ? n : 1, sizeof(*h->ix));
	if (h->w && h->r && h->ix)
		return 0;
	hotarea_free(h);
	return -ENOMEM;
}

void hotarea_free(struct hotarea *h)
{
	free(h->w);
	free(h->r);
	free(h->ix);
	h->w = NULL;
	h->r = NULL;
	h->ix = NULL;
}

void hotarea_written(struct hotarea *h, uint64_t first, uint64_t count)
{
	for (uint64_t b = first; b < first + count && b < h->n; b++)
		h->w[b] += h->w[b] < UINT16_MAX;
}

/* Sort key: class in the top 2 bits (0 read-hot, 1 plain, 2 write-hot), then within the
 * class what orders it (reads descending, writes ascending), then the block number (the
 * low 40 bits: 4 PiB of 4 KiB blocks). */
#define KEY_BLOCK_BITS 40
static uint64_t key(const struct hotarea *h, uint64_t b)
{
	uint64_t cls, mid;
	if (hotarea_write_hot(h, b)) {
		cls = 2;
		mid = h->w[b];
	} else if (h->r[b]) {
		cls = 0;
		uint32_t r = h->r[b] > 0x3fffff ? 0x3fffff : h->r[b];
		mid = 0x3fffff - r;
	} else {
		cls = 1;
		mid = 0;
	}
	return cls << 62 | (mid & 0x3fffff) << KEY_BLOCK_BITS | b;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

uint64_t hotarea_order(struct hotarea *h, uint64_t *bm, bool skip_write_hot, uint64_t *out)
{
	uint64_t k = 0;
	for (uint64_t w = 0; w < (h->n + 63) / 64; w++)
		for (uint64_t x = bm[w]; x; x &= x - 1) {
			uint64_t b = w * 64 + (uint64_t)__builtin_ctzll(x);
			if (b >= h->n || (skip_write_hot && hotarea_write_hot(h, b)))
				continue;
			bm[w] &= ~(1ULL << (b % 64));
			h->ix[k++] = key(h, b);
		}
	qsort(h->ix, k, sizeof(*h->ix), cmp_u64);
	for (uint64_t i = 0; i < k; i++)
		out[i] = h->ix[i] & ((1ULL << KEY_BLOCK_BITS) - 1);
	return k;
}
