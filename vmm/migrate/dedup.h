/* SPDX-License-Identifier: MIT */
/*
 * tsvmm migration deduplication: page hashes (XXH3-128), the zero test, a hash -> value index
 * (open addressing; used for "which page already holds this content" and "which disk block
 * holds it"), and the disk block index, kept current from the block device's dirty tracking
 * (devices_dirty_blocks(): this module knows nothing of the device or its ring).
 * Not thread-safe: one index belongs to one migration thread.
 */
#ifndef TSVMM_MIGRATE_DEDUP_H
#define TSVMM_MIGRATE_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mig_hash {
	uint64_t lo, hi;
};

/* XXH3-128 of one 4 KiB page; of a block of size bytes. */
struct mig_hash mig_page_hash(const void *page);
struct mig_hash mig_block_hash(const void *blk, size_t size);
/* The hash as the stream carries it (16 canonical bytes) and back. */
void mig_hash_put(uint8_t out[16], struct mig_hash h);
struct mig_hash mig_hash_get(const uint8_t in[16]);
static inline bool mig_hash_eq(struct mig_hash a, struct mig_hash b)
{
	return a.lo == b.lo && a.hi == b.hi;
}
/* Is the 4 KiB page all zero? The block of size bytes (a multiple of 4096)? */
bool mig_page_is_zero(const void *page);
bool mig_block_is_zero(const void *blk, size_t size);

/* ---- hash index ---- */

struct hindex;

/* An index for about max_keys distinct keys (it forgets everything when it gets 3/4 full:
 * a lost entry only costs a missed reference). NULL with errno. */
struct hindex *hindex_create(uint64_t max_keys);
void hindex_destroy(struct hindex *x);
/* Insert or replace key -> val. */
void hindex_put(struct hindex *x, struct mig_hash key, uint64_t val);
/* true with *val when key is present. */
bool hindex_get(const struct hindex *x, struct mig_hash key, uint64_t *val);
uint64_t hindex_count(const struct hindex *x);
void hindex_clear(struct hindex *x);

/* storage flim, a disk block against RAM: the page of the destination's RAM that may stand
 * for block content page (hash h): the index's candidate, accepted only when holds(arg, q, h)
 * says the destination holds page q with that content now (the index may be stale), never
 * for a zero block (a ZERO run is shorter). true with *q. */
bool mig_ram_ref_find(const struct hindex *ram, const void *page, struct mig_hash h,
                      bool (*holds)(const void *arg, uint64_t q, struct mig_hash h),
                      const void *arg, uint64_t *q);

/* ---- disk block index ---- */

struct disk_index;

/* Map the disk image at path read-only (shared: the guest's writes show) and index every
 * 4 KiB block by hash. NULL with a reason in err. */
struct disk_index *disk_index_create(const char *path, char *err, size_t errlen);
void disk_index_destroy(struct disk_index *d);
uint64_t disk_index_blocks(const struct disk_index *d);
uint64_t disk_index_bytes(const struct disk_index *d);
/* The mapped image (disk_index_bytes() bytes; read-only, shows the guest's writes). */
const uint8_t *disk_index_map(const struct disk_index *d);

/* Block whose current content equals page (hash h; verified byte for byte): true with
 * *block. */
bool disk_index_lookup(const struct disk_index *d, const void *page, struct mig_hash h,
                       uint64_t *block);

/* Blocks [first, first + count) were written: index their new content (the part beyond
 * the disk is ignored). Returns the number of blocks re-indexed. */
uint64_t disk_index_update(struct disk_index *d, uint64_t first, uint64_t count);

#endif
