// SPDX-License-Identifier: MIT
/* tsvmm storage migration with a configurable block size (issue 15): the DISK region's
 * block_size rules, page entries of a region of 64 KiB blocks, block compression, block
 * hashes (one and in parallel) and the "block-size" parameter. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/checksum.h"
#include "migrate/compress.h"
#include "migrate/dedup.h"
#include "migrate/mig_metrics.h"
#include "migrate/stream.h"

static char err[256];

#define BS (64u * 1024)

static int add(struct tsmig_regions *t, uint16_t kind, uint64_t size, uint32_t bs)
{
	struct tsmig_region rg = {.id = t->n, .kind = kind, .size = size, .block_size = bs};
	err[0] = 0;
	return tsmig_region_add(t, &rg, 1 << 20, err, sizeof(err));
}

Test(vmm_migrate_blocksize, region_block_size)
{
	struct tsmig_regions t = {0};
	/* RAM stays at 4 KiB pages */
	cr_assert_eq(add(&t, TSMIG_REGION_RAM, 1 << 20, BS), -EBADMSG);
	cr_assert(strstr(err, "RAM block_size is not 4096 (65536)"), "%s", err);
	cr_assert_eq(add(&t, TSMIG_REGION_RAM, 1 << 20, TSMIG_PAGE_SIZE), 0, "%s", err);
	/* a DISK region: powers of two from 4 KiB to 1 MiB, named in the error otherwise */
	static const uint32_t bad[] = {0, 512, 2048, 12288, 65535, 3u << 16, 2u << 20, 1u << 31};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(add(&t, TSMIG_REGION_DISK, 8u << 20, bad[i]), -EBADMSG, "%u", bad[i]);
		cr_assert(strstr(err, "REGION 1: block_size is not a power of two"), "%s", err);
	}
	/* the size must be a multiple of the block */
	cr_assert_eq(add(&t, TSMIG_REGION_DISK, BS + TSMIG_PAGE_SIZE, BS), -EBADMSG);
	cr_assert(strstr(err, "size not a non-zero multiple of the block"), "%s", err);
	cr_assert_eq(add(&t, TSMIG_REGION_DISK, 8u << 20, TSMIG_BLOCK_MAX), 0, "%s", err);
	cr_assert_eq(add(&t, TSMIG_REGION_DISK, 8u << 20, BS), 0, "%s", err);
	cr_assert_eq(t.r[2].block_size, BS);
}

Test(vmm_migrate_blocksize, entries_of_64k_blocks)
{
	static uint8_t rec[TSMIG_REC_MAX], blk[BS], out[BS];
	struct tsmig_limits lim = {.npages = 16, .block_size = BS, .ram_pages = 256};
	struct tsmig_entry e;
	size_t off = 0, eo = 0;
	for (size_t i = 0; i < BS; i++)
		blk[i] = (uint8_t)(i % 251);
	/* a FULL entry carries a whole block: 4096 bytes is now short */
	cr_assert_eq(tsmig_entry_put(rec, sizeof(rec), &off, 2, TSMIG_PAGE_FULL, 1, blk, 4096), 0);
	cr_assert_eq(tsmig_entry_next(rec, off, &eo, &lim, &e, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "bad data length for the kind"), "%s", err);
	off = eo = 0;
	cr_assert_eq(tsmig_entry_put(rec, sizeof(rec), &off, 2, TSMIG_PAGE_FULL, 1, blk, BS), 0);
	cr_assert_eq(tsmig_entry_next(rec, off, &eo, &lim, &e, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(e.len, BS);
	cr_assert_eq(e.pfn, 2);
	/* beyond the region's 16 blocks */
	off = eo = 0;
	cr_assert_eq(tsmig_entry_put(rec, sizeof(rec), &off, 16, TSMIG_PAGE_FULL, 1, blk, BS), 0);
	cr_assert_eq(tsmig_entry_next(rec, off, &eo, &lim, &e, err, sizeof(err)), -EBADMSG);
	/* a RAM reference: a 64 KiB block cannot be a 4 KiB page */
	struct tsmig_ref ref = {.ref = 1};
	off = eo = 0;
	cr_assert_eq(
	        tsmig_entry_put(rec, sizeof(rec), &off, 1, TSMIG_PAGE_RAM, 1, &ref, sizeof(ref)),
	        0);
	cr_assert_eq(tsmig_entry_next(rec, off, &eo, &lim, &e, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "RAM reference in a region whose block size is not 4096"), "%s", err);
	lim.block_size = TSMIG_PAGE_SIZE; /* the same entry at 4 KiB is fine */
	eo = 0;
	cr_assert_eq(tsmig_entry_next(rec, off, &eo, &lim, &e, err, sizeof(err)), 1, "%s", err);
	lim.block_size = BS;
	/* compressed: at most a block less one byte, decompressing to exactly one block */
	struct mig_compressor *c = mig_compressor_create(MIG_COMPRESS_ZSTD);
	cr_assert_not_null(c);
	unsigned kind = 0;
	size_t n = mig_compress_block(c, blk, BS, out, &kind);
	cr_assert(n > 0 && n < BS - BS / 16, "%zu", n);
	off = eo = 0;
	cr_assert_eq(tsmig_entry_put(rec, sizeof(rec), &off, 5, kind, 1, out, (uint32_t)n), 0);
	cr_assert_eq(tsmig_entry_next(rec, off, &eo, &lim, &e, err, sizeof(err)), 1, "%s", err);
	static uint8_t back[BS];
	cr_assert_eq(mig_decompress_block(e.kind, e.data, e.len, back, BS), 0);
	cr_assert_eq(memcmp(back, blk, BS), 0);
	/* a 64 KiB frame is not a 4 KiB page, nor a 128 KiB block */
	cr_assert_eq(mig_decompress_page(e.kind, e.data, e.len, back), -EBADMSG);
	static uint8_t twice[2 * BS];
	cr_assert_eq(mig_decompress_block(e.kind, e.data, e.len, twice, 2 * BS), -EBADMSG);
	mig_compressor_destroy(c);
	/* random data does not compress: 0, send it whole */
	for (size_t i = 0; i < BS; i++)
		blk[i] = (uint8_t)(rand() >> 7);
	c = mig_compressor_create(MIG_COMPRESS_LZ4);
	cr_assert_eq(mig_compress_block(c, blk, BS, out, &kind), 0);
	mig_compressor_destroy(c);
}

Test(vmm_migrate_blocksize, a_1mib_block_fits_a_record)
{
	static uint8_t rec[TSMIG_REC_MAX], blk[TSMIG_BLOCK_MAX];
	struct tsmig_limits lim = {.npages = 4, .block_size = TSMIG_BLOCK_MAX};
	struct tsmig_entry e;
	size_t off = 0, eo = 0;
	cr_assert_eq(tsmig_entry_put(rec, sizeof(rec), &off, 3, TSMIG_PAGE_FULL, 1, blk,
	                             TSMIG_BLOCK_MAX),
	             0);
	cr_assert_eq(tsmig_entry_next(rec, off, &eo, &lim, &e, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(e.len, TSMIG_BLOCK_MAX);
	struct tsmig_rec_hdr h = {.type = TSMIG_REC_PAGES, .len = (uint32_t)off};
	cr_assert_eq(tsmig_hdr_validate(&h, 0, true, err, sizeof(err)), 0, "%s", err);
}

Test(vmm_migrate_blocksize, block_hashes)
{
	enum { N = 40 };
	uint8_t *img = calloc(N, BS);
	uint64_t h[N];
	cr_assert_not_null(img);
	for (size_t i = 0; i < N * BS; i += 97)
		img[i] = (uint8_t)(i >> 3);
	memset(img + 7 * BS, 0, BS); /* a zero block */
	/* a block's hash is over all of it: one changed byte anywhere changes it */
	uint64_t h0 = mig_block_hash64(img, BS);
	img[BS - 1] ^= 1;
	cr_assert_neq(mig_block_hash64(img, BS), h0);
	cr_assert_neq(mig_block_hash(img, BS).lo, mig_page_hash(img).lo);
	cr_assert_eq(mig_block_hash64(img, TSMIG_PAGE_SIZE), mig_page_hash64(img));
	cr_assert(mig_block_is_zero(img + 7 * BS, BS));
	cr_assert_not(mig_block_is_zero(img + 6 * BS, BS));
	/* the parallel hasher over blocks of 64 KiB (16 a chunk: several chunks, 2 threads) */
	struct mig_ramhash *rh = mig_ramhash_start_bs(img, N, BS, h, 2);
	cr_assert_not_null(rh);
	cr_assert_eq(mig_ramhash_finish(rh, false), 0);
	for (size_t b = 0; b < N; b++)
		cr_assert_eq(h[b], mig_block_hash64(img + b * BS, BS), "block %zu", b);
	free(img);
}

Test(vmm_migrate_blocksize, parameter)
{
	struct mig_params p;
	mig_params_default(&p);
	cr_assert_eq(p.block_size, TSMIG_PAGE_SIZE);
	json_t *j = json_loads("{\"block-size\": 65536}", 0, NULL);
	cr_assert_eq(mig_params_parse(&p, j, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.block_size, BS);
	json_decref(j);
	static const char *const bad[] = {"{\"block-size\": 12288}", "{\"block-size\": 2048}",
	                                  "{\"block-size\": 2097152}", "{\"block-size\": \"64k\"}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_loads(bad[i], 0, NULL);
		cr_assert_eq(mig_params_parse(&p, j, err, sizeof(err)), -EINVAL, "%s", bad[i]);
		cr_assert(strstr(err, "\"block-size\" must be a power of two from 4096 to 1048576"),
		          "%s", err);
		json_decref(j);
	}
	cr_assert_eq(p.block_size, BS); /* a refused change leaves the parameters alone */
}
