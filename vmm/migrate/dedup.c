// SPDX-License-Identifier: MIT
/* tsvmm migration deduplication: page hashes, hash index, disk block index. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "migrate/dedup.h"
#include "uapi/tsvmm-migration.h"

struct mig_hash mig_block_hash(const void *blk, size_t size)
{
	XXH128_hash_t h = XXH3_128bits(blk, size);
	return (struct mig_hash){.lo = h.low64, .hi = h.high64};
}

struct mig_hash mig_page_hash(const void *page)
{
	return mig_block_hash(page, TSMIG_PAGE_SIZE);
}

void mig_hash_put(uint8_t out[16], struct mig_hash h)
{
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, (XXH128_hash_t){.low64 = h.lo, .high64 = h.hi});
	memcpy(out, c.digest, 16);
}

struct mig_hash mig_hash_get(const uint8_t in[16])
{
	XXH128_canonical_t c;
	memcpy(c.digest, in, 16);
	XXH128_hash_t h = XXH128_hashFromCanonical(&c);
	return (struct mig_hash){.lo = h.low64, .hi = h.high64};
}

bool mig_page_is_zero(const void *page)
{
	const uint64_t *w = page;
	for (size_t i = 0; i < TSMIG_PAGE_SIZE / 8; i += 8) {
		uint64_t x = w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] |
		             w[i + 6] | w[i + 7];
		if (x)
			return false;
	}
	return true;
}

bool mig_block_is_zero(const void *blk, size_t size)
{
	for (size_t o = 0; o < size; o += TSMIG_PAGE_SIZE)
		if (!mig_page_is_zero((const uint8_t *)blk + o))
			return false;
	return true;
}

/* ---- hash index: open addressing, linear probing; val UINT64_MAX marks a free slot ---- */

struct hslot {
	struct mig_hash key;
	uint64_t val;
};

struct hindex {
	struct hslot *slots;
	uint64_t mask, count, limit;
};

struct hindex *hindex_create(uint64_t max_keys)
{
	struct hindex *x = calloc(1, sizeof(*x));
	uint64_t cap = 64;
	while (cap < 2 * max_keys)
		cap <<= 1;
	if (!x || !(x->slots = malloc(cap * sizeof(*x->slots)))) {
		free(x);
		errno = ENOMEM;
		return NULL;
	}
	x->mask = cap - 1;
	x->limit = cap / 4 * 3;
	hindex_clear(x);
	return x;
}

void hindex_destroy(struct hindex *x)
{
	if (x)
		free(x->slots);
	free(x);
}

void hindex_clear(struct hindex *x)
{
	for (uint64_t i = 0; i <= x->mask; i++)
		x->slots[i].val = UINT64_MAX;
	x->count = 0;
}

uint64_t hindex_count(const struct hindex *x)
{
	return x->count;
}

void hindex_put(struct hindex *x, struct mig_hash key, uint64_t val)
{
	if (x->count >= x->limit)
		hindex_clear(x);
	for (uint64_t i = key.lo & x->mask;; i = (i + 1) & x->mask) {
		struct hslot *s = &x->slots[i];
		if (s->val == UINT64_MAX || mig_hash_eq(s->key, key)) {
			x->count += s->val == UINT64_MAX;
			s->key = key;
			s->val = val;
			return;
		}
	}
}

bool hindex_get(const struct hindex *x, struct mig_hash key, uint64_t *val)
{
	for (uint64_t i = key.lo & x->mask;; i = (i + 1) & x->mask) {
		const struct hslot *s = &x->slots[i];
		if (s->val == UINT64_MAX)
			return false;
		if (mig_hash_eq(s->key, key)) {
			*val = s->val;
			return true;
		}
	}
}

bool mig_ram_ref_find(const struct hindex *ram, const void *page, struct mig_hash h,
                      bool (*holds)(const void *arg, uint64_t q, struct mig_hash h),
                      const void *arg, uint64_t *q)
{
	uint64_t c;
	if (!ram || !hindex_get(ram, h, &c) || !holds(arg, c, h) || mig_page_is_zero(page))
		return false;
	*q = c;
	return true;
}

/* ---- disk block index ---- */

struct disk_index {
	const uint8_t *map;
	uint64_t bytes, blocks;
	struct hindex *idx;
};

struct disk_index *disk_index_create(const char *path, char *err, size_t errlen)
{
	struct disk_index *d = calloc(1, sizeof(*d));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (!d || fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "disk %s: %s", path, strerror(errno));
		goto fail;
	}
	d->bytes = (uint64_t)st.st_size;
	d->blocks = d->bytes / TSMIG_PAGE_SIZE;
	if (!d->blocks) {
		snprintf(err, errlen, "disk %s: smaller than one 4 KiB block", path);
		goto fail;
	}
	d->map = mmap(NULL, d->blocks * TSMIG_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (d->map == MAP_FAILED) {
		d->map = NULL;
		snprintf(err, errlen, "disk %s: mmap: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	fd = -1;
	d->idx = hindex_create(d->blocks);
	if (!d->idx) {
		snprintf(err, errlen, "disk index: out of memory");
		goto fail;
	}
	disk_index_update(d, 0, d->blocks);
	return d;
fail:
	if (fd >= 0)
		close(fd);
	disk_index_destroy(d);
	return NULL;
}

void disk_index_destroy(struct disk_index *d)
{
	if (!d)
		return;
	if (d->map)
		munmap((void *)d->map, d->blocks * TSMIG_PAGE_SIZE);
	hindex_destroy(d->idx);
	free(d);
}

uint64_t disk_index_blocks(const struct disk_index *d)
{
	return d->blocks;
}

uint64_t disk_index_bytes(const struct disk_index *d)
{
	return d->bytes;
}

const uint8_t *disk_index_map(const struct disk_index *d)
{
	return d->map;
}

uint64_t disk_index_update(struct disk_index *d, uint64_t first, uint64_t count)
{
	if (first >= d->blocks)
		return 0;
	if (count > d->blocks - first)
		count = d->blocks - first;
	for (uint64_t b = first; b < first + count; b++)
		hindex_put(d->idx, mig_page_hash(d->map + b * TSMIG_PAGE_SIZE), b);
	return count;
}

bool disk_index_lookup(const struct disk_index *d, const void *page, struct mig_hash h,
                       uint64_t *block)
{
	uint64_t b;
	if (!hindex_get(d->idx, h, &b) || b >= d->blocks)
		return false;
	if (memcmp(d->map + b * TSMIG_PAGE_SIZE, page, TSMIG_PAGE_SIZE))
		return false; /* written since it was indexed */
	*block = b;
	return true;
}
