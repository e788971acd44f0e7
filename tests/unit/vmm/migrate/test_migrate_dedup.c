// SPDX-License-Identifier: MIT
/* tsvmm migration dedup: page hashes, the hash index, the disk block index and its tracking
 * of guest disk writes, and the switchover checksum. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "migrate/checksum.h"
#include "migrate/dedup.h"
#include "uapi/tsvmm-migration.h"

static uint8_t pages[8][TSMIG_PAGE_SIZE];

static void fill(uint8_t *p, unsigned seed)
{
	for (size_t i = 0; i < TSMIG_PAGE_SIZE; i++)
		p[i] = (uint8_t)((i * 31 + seed * 7) ^ (seed >> 3) ^ (i >> 8));
}

Test(vmm_migrate_dedup, hashes_and_zero_test)
{
	static uint8_t z[TSMIG_PAGE_SIZE];
	cr_assert(mig_page_is_zero(z));
	z[4095] = 1;
	cr_assert_not(mig_page_is_zero(z));
	z[4095] = 0;
	z[0] = 1;
	cr_assert_not(mig_page_is_zero(z));
	fill(pages[0], 1);
	fill(pages[1], 1);
	fill(pages[2], 2);
	cr_assert(mig_hash_eq(mig_page_hash(pages[0]), mig_page_hash(pages[1])));
	cr_assert_not(mig_hash_eq(mig_page_hash(pages[0]), mig_page_hash(pages[2])));
	uint8_t wire[16];
	struct mig_hash h = mig_page_hash(pages[2]);
	mig_hash_put(wire, h);
	cr_assert(mig_hash_eq(mig_hash_get(wire), h));
}

Test(vmm_migrate_dedup, hash_index_put_get_replace_forget)
{
	struct hindex *x = hindex_create(100);
	cr_assert_not_null(x);
	uint64_t v;
	for (uint64_t i = 0; i < 100; i++)
		hindex_put(x, (struct mig_hash){.lo = i * 0x9e3779b97f4a7c15ULL, .hi = i}, i);
	cr_assert_eq(hindex_count(x), 100);
	for (uint64_t i = 0; i < 100; i++) {
		cr_assert(hindex_get(x, (struct mig_hash){.lo = i * 0x9e3779b97f4a7c15ULL, .hi = i},
		                     &v));
		cr_assert_eq(v, i);
	}
	/* same low word, different high word: distinct keys (full 128-bit compare) */
	cr_assert_not(hindex_get(x, (struct mig_hash){.lo = 0, .hi = 99}, &v));
	hindex_put(x, (struct mig_hash){.lo = 0, .hi = 0}, 777); /* replace */
	cr_assert(hindex_get(x, (struct mig_hash){.lo = 0, .hi = 0}, &v));
	cr_assert_eq(v, 777);
	cr_assert_eq(hindex_count(x), 100);
	/* colliding buckets */
	for (uint64_t i = 0; i < 50; i++)
		hindex_put(x, (struct mig_hash){.lo = 5, .hi = 1000 + i}, i);
	for (uint64_t i = 0; i < 50; i++) {
		cr_assert(hindex_get(x, (struct mig_hash){.lo = 5, .hi = 1000 + i}, &v));
		cr_assert_eq(v, i);
	}
	/* overfilling forgets instead of failing */
	for (uint64_t i = 0; i < 10000; i++)
		hindex_put(x, (struct mig_hash){.lo = i * 7 + 3, .hi = ~i}, i);
	cr_assert_leq(hindex_count(x), 256);
	cr_assert(hindex_get(x, (struct mig_hash){.lo = 9999 * 7 + 3, .hi = ~9999ULL}, &v));
	hindex_clear(x);
	cr_assert_eq(hindex_count(x), 0);
	hindex_destroy(x);
}

Test(vmm_migrate_dedup, disk_index_lookup_and_write_tracking)
{
	char path[] = "/tmp/tsvmm-mig-disk-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	for (unsigned b = 0; b < 8; b++) {
		fill(pages[b], 100 + b);
		cr_assert_eq(write(fd, pages[b], TSMIG_PAGE_SIZE), TSMIG_PAGE_SIZE);
	}
	char err[256];
	struct disk_index *d = disk_index_create(path, err, sizeof(err));
	cr_assert_not_null(d, "%s", err);
	cr_assert_eq(disk_index_blocks(d), 8);
	uint64_t b;
	cr_assert(disk_index_lookup(d, pages[3], mig_page_hash(pages[3]), &b));
	cr_assert_eq(b, 3);
	static uint8_t other[TSMIG_PAGE_SIZE];
	fill(other, 55);
	cr_assert_not(disk_index_lookup(d, other, mig_page_hash(other), &b));
	/* the guest writes block 5 with other's content */
	cr_assert_eq(pwrite(fd, other, TSMIG_PAGE_SIZE, 5 * TSMIG_PAGE_SIZE), TSMIG_PAGE_SIZE);
	/* before the update, the stale entry is caught by the byte compare */
	cr_assert_not(disk_index_lookup(d, pages[5], mig_page_hash(pages[5]), &b));
	cr_assert_not(disk_index_lookup(d, other, mig_page_hash(other), &b));
	cr_assert_eq(disk_index_update(d, 5, 1), 1);
	cr_assert(disk_index_lookup(d, other, mig_page_hash(other), &b));
	cr_assert_eq(b, 5);
	cr_assert_eq(memcmp(disk_index_map(d) + 5 * TSMIG_PAGE_SIZE, other, TSMIG_PAGE_SIZE), 0);
	/* ranges beyond the disk: clamped or ignored */
	cr_assert_eq(disk_index_update(d, 7, 100), 1);
	cr_assert_eq(disk_index_update(d, 8, 1), 0);
	cr_assert_eq(disk_index_update(d, UINT64_MAX, 2), 0);
	disk_index_destroy(d);
	close(fd);
	unlink(path);
	cr_assert_null(disk_index_create("/nonexistent/disk", err, sizeof(err)));
	cr_assert(strstr(err, "/nonexistent/disk"));
}

Test(vmm_migrate_checksum, covers_memory_devices_and_regs)
{
	enum { N = 64 };
	uint8_t *ram = calloc(N, TSMIG_PAGE_SIZE);
	for (int i = 0; i < N; i += 3)
		fill(ram + i * TSMIG_PAGE_SIZE, (unsigned)i);
	uint8_t dev[40] = "TSDV device blob";
	struct kvm_regs regs = {.rip = 0x200000, .rsp = 0x1000};
	uint8_t a[16], b[16];
	cr_assert_eq(mig_checksum(ram, N, NULL, NULL, dev, sizeof(dev), &regs, a), 0);
	cr_assert_eq(mig_checksum(ram, N, NULL, NULL, dev, sizeof(dev), &regs, b), 0);
	cr_assert_eq(memcmp(a, b, 16), 0);
	ram[17 * TSMIG_PAGE_SIZE + 100] ^= 4; /* one bit of RAM */
	cr_assert_eq(mig_checksum(ram, N, NULL, NULL, dev, sizeof(dev), &regs, b), 0);
	cr_assert_neq(memcmp(a, b, 16), 0);
	ram[17 * TSMIG_PAGE_SIZE + 100] ^= 4;
	dev[3] ^= 1;
	cr_assert_eq(mig_checksum(ram, N, NULL, NULL, dev, sizeof(dev), &regs, b), 0);
	cr_assert_neq(memcmp(a, b, 16), 0);
	dev[3] ^= 1;
	regs.rip++;
	cr_assert_eq(mig_checksum(ram, N, NULL, NULL, dev, sizeof(dev), &regs, b), 0);
	cr_assert_neq(memcmp(a, b, 16), 0);
	regs.rip--;
	/* known hashes stand in for pages: equal hashes, equal digest, whatever RAM holds */
	uint64_t known[N] = {0}, bm[1] = {0};
	for (int i = 0; i < N; i += 2) {
		known[i] = mig_page_hash64(ram + i * TSMIG_PAGE_SIZE);
		bm[0] |= 1ULL << i;
	}
	memset(ram + 2 * TSMIG_PAGE_SIZE, 0x77, 64); /* touched after the copy */
	cr_assert_eq(mig_checksum(ram, N, known, bm, dev, sizeof(dev), &regs, b), 0);
	cr_assert_eq(memcmp(a, b, 16), 0);
	char hex[33];
	cr_assert_eq(strlen(mig_digest_hex(a, hex)), 32);
	free(ram);
}

/* migrate-disk: the disk's block hashes are leaves after the pages': no disk is the plain
 * root, and one changed block changes the digest. */
Test(vmm_migrate_checksum, disk_leaves_follow_the_pages)
{
	uint64_t h[8], dh[4];
	for (int i = 0; i < 8; i++)
		h[i] = 0x1000u + (unsigned)i;
	for (int i = 0; i < 4; i++)
		dh[i] = 0x2000u + (unsigned)i;
	uint8_t dev[8] = "TSDV", a[16], b[16], c[16];
	cr_assert_eq(mig_checksum_root(h, 8, dev, sizeof(dev), NULL, a), 0);
	cr_assert_eq(mig_checksum_leaves(h, 8, dh, 0, dev, sizeof(dev), NULL, b), 0);
	cr_assert_eq(memcmp(a, b, 16), 0);
	cr_assert_eq(mig_checksum_leaves(h, 8, dh, 4, dev, sizeof(dev), NULL, b), 0);
	cr_assert_neq(memcmp(a, b, 16), 0);
	dh[3] ^= 1;
	cr_assert_eq(mig_checksum_leaves(h, 8, dh, 4, dev, sizeof(dev), NULL, c), 0);
	cr_assert_neq(memcmp(b, c, 16), 0);
	/* the leaves are one sequence: pages then blocks */
	uint64_t all[12];
	memcpy(all, h, sizeof(h));
	memcpy(all + 8, dh, sizeof(dh));
	cr_assert_eq(mig_checksum_root(all, 12, dev, sizeof(dev), NULL, b), 0);
	cr_assert_eq(memcmp(b, c, 16), 0);
}

Test(vmm_migrate_checksum, ramhash_parallel_equals_sequential_and_root)
{
	enum { N = 1000 }; /* not a multiple of the 256-page chunk */
	uint8_t *ram = calloc(N, TSMIG_PAGE_SIZE);
	uint64_t *h = calloc(N, sizeof(uint64_t)), *h0 = calloc(N, sizeof(uint64_t));
	for (int i = 0; i < N; i += 7)
		fill(ram + i * TSMIG_PAGE_SIZE, (unsigned)i);
	for (int i = 0; i < N; i++) {
		/* the AVX2 build and the dispatcher give libxxhash's XXH3-64 */
		h0[i] = XXH3_64bits(ram + i * TSMIG_PAGE_SIZE, TSMIG_PAGE_SIZE);
		cr_assert_eq(mig_page_hash64(ram + i * TSMIG_PAGE_SIZE), h0[i]);
		if (__builtin_cpu_supports("avx2"))
			cr_assert_eq(mig_page_hash64_avx2(ram + i * TSMIG_PAGE_SIZE), h0[i]);
	}
	for (unsigned threads = 0; threads <= 3; threads++) {
		memset(h, 0, N * sizeof(uint64_t));
		struct mig_ramhash *rh = mig_ramhash_start(ram, N, h, threads);
		cr_assert_not_null(rh);
		cr_assert_eq(mig_ramhash_finish(rh, false), 0);
		cr_assert_eq(memcmp(h, h0, N * sizeof(uint64_t)), 0, "threads %u", threads);
	}
	/* the root over page hashes is the checksum over RAM */
	uint8_t dev[8] = "TSDV", a[16], b[16];
	struct kvm_regs regs = {.rip = 1};
	cr_assert_eq(mig_checksum(ram, N, NULL, NULL, dev, sizeof(dev), &regs, a), 0);
	cr_assert_eq(mig_checksum_root(h0, N, dev, sizeof(dev), &regs, b), 0);
	cr_assert_eq(memcmp(a, b, 16), 0);
	h0[N - 1] ^= 1; /* one wrong leaf */
	cr_assert_eq(mig_checksum_root(h0, N, dev, sizeof(dev), &regs, b), 0);
	cr_assert_neq(memcmp(a, b, 16), 0);
	/* cancelled with no worker and no helper: nothing hashed, reported */
	struct mig_ramhash *rh = mig_ramhash_start(ram, N, h, 0);
	cr_assert_eq(mig_ramhash_finish(rh, true), -ECANCELED);
	cr_assert_eq(mig_ramhash_finish(NULL, true), 0);
	free(ram);
	free(h);
	free(h0);
}

/* storage flim, disk block -> RAM page: the index's candidate only while the destination holds
 * it with that content, never for a zero block. */
struct held {
	uint64_t page;
	struct mig_hash h;
	unsigned asked;
};

static bool held_fn(const void *arg, uint64_t q, struct mig_hash h)
{
	struct held *x = (struct held *)arg;
	x->asked++;
	return q == x->page && mig_hash_eq(h, x->h);
}

Test(vmm_migrate_dedup, ram_ref_matching)
{
	struct hindex *ram = hindex_create(64);
	cr_assert_not_null(ram);
	static uint8_t blk[TSMIG_PAGE_SIZE], zero[TSMIG_PAGE_SIZE];
	fill(blk, 9);
	struct mig_hash h = mig_page_hash(blk), hz = mig_page_hash(zero);
	struct held x = {.page = 17, .h = h};
	uint64_t q = 0;
	/* not indexed: no reference, the holder is not even asked */
	cr_assert_not(mig_ram_ref_find(ram, blk, h, held_fn, &x, &q));
	cr_assert_eq(x.asked, 0);
	cr_assert_not(mig_ram_ref_find(NULL, blk, h, held_fn, &x, &q));
	/* indexed and held: page 17 */
	hindex_put(ram, h, 17);
	cr_assert(mig_ram_ref_find(ram, blk, h, held_fn, &x, &q));
	cr_assert_eq(q, 17);
	/* the page was re-sent with other content (the index is stale): no reference */
	fill(pages[3], 10);
	x.h = mig_page_hash(pages[3]);
	q = 5;
	cr_assert_not(mig_ram_ref_find(ram, blk, h, held_fn, &x, &q));
	cr_assert_eq(q, 5);
	/* the index names another page than the one held */
	x.h = h;
	x.page = 18;
	cr_assert_not(mig_ram_ref_find(ram, blk, h, held_fn, &x, &q));
	/* a zero block never goes as a RAM reference, even with a zero page held */
	hindex_put(ram, hz, 3);
	x = (struct held){.page = 3, .h = hz};
	cr_assert_not(mig_ram_ref_find(ram, zero, hz, held_fn, &x, &q));
	hindex_destroy(ram);
}
