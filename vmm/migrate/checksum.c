// SPDX-License-Identifier: MIT
/* tsvmm migration switchover checksum and the parallel RAM hasher. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <xxhash.h>

#include "migrate/checksum.h"
#include "migrate/dedup.h"
#include "uapi/tsvmm-migration.h"

#define CHUNK_BYTES (1U << 20) /* handed to a hashing thread at once */
#define MAX_THREADS 8

static uint64_t hash64_default(const void *page)
{
	return XXH3_64bits(page, TSMIG_PAGE_SIZE);
}

static uint64_t (*hash64_fn)(const void *page);

uint64_t mig_page_hash64(const void *page)
{
	uint64_t (*fn)(const void *) = __atomic_load_n(&hash64_fn, __ATOMIC_RELAXED);
	if (!fn) {
		__builtin_cpu_init();
		fn = __builtin_cpu_supports("avx2") ? mig_page_hash64_avx2 : hash64_default;
		__atomic_store_n(&hash64_fn, fn, __ATOMIC_RELAXED);
	}
	return fn(page);
}

uint64_t mig_block_hash64(const void *blk, size_t size)
{
	return size == TSMIG_PAGE_SIZE ? mig_page_hash64(blk) : XXH3_64bits(blk, size);
}

int mig_checksum_root(const uint64_t *h, uint64_t npages, const void *dev, size_t devlen,
                      const struct kvm_regs *regs, uint8_t digest[16])
{
	return mig_checksum_leaves(h, npages, NULL, 0, dev, devlen, regs, digest);
}

int mig_checksum_leaves(const uint64_t *h, uint64_t npages, const uint64_t *dh, uint64_t nblocks,
                        const void *dev, size_t devlen, const struct kvm_regs *regs,
                        uint8_t digest[16])
{
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		return -ENOMEM;
	XXH3_128bits_reset(st);
	if (npages)
		XXH3_128bits_update(st, h, npages * sizeof(h[0]));
	if (nblocks)
		XXH3_128bits_update(st, dh, nblocks * sizeof(dh[0]));
	if (devlen)
		XXH3_128bits_update(st, dev, devlen);
	if (regs)
		XXH3_128bits_update(st, regs, sizeof(*regs));
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(st));
	XXH3_freeState(st);
	for (int i = 0; i < 16; i++)
		digest[i] = c.digest[i];
	return 0;
}

int mig_checksum(const uint8_t *ram, uint64_t npages, const uint64_t *known,
                 const uint64_t *known_bm, const void *dev, size_t devlen,
                 const struct kvm_regs *regs, uint8_t digest[16])
{
	uint64_t *h = malloc((npages ? npages : 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	struct mig_ramhash *rh = mig_ramhash_start(ram, npages, h, mig_ramhash_threads() - 1);
	if (!rh) {
		free(h);
		return -ENOMEM;
	}
	mig_ramhash_finish(rh, false);
	for (uint64_t p = 0; known_bm && p < npages; p++)
		if (known_bm[p / 64] >> (p % 64) & 1)
			h[p] = known[p];
	int r = mig_checksum_root(h, npages, dev, devlen, regs, digest);
	free(h);
	return r;
}

/* ---- parallel RAM hashing ---- */

struct mig_ramhash {
	const uint8_t *ram;
	uint64_t npages, nchunks, chunk; /* chunk: blocks per chunk */
	size_t bsize;                    /* bytes per block */
	uint64_t *h;
	uint64_t zero_h64;
	uint64_t next; /* next chunk to hand out (atomic) */
	uint64_t done; /* chunks hashed (atomic) */
	bool cancel;   /* atomic */
	unsigned nthreads;
	pthread_t threads[MAX_THREADS];
};

unsigned mig_ramhash_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

void mig_ramhash_help(struct mig_ramhash *rh)
{
	for (;;) {
		if (__atomic_load_n(&rh->cancel, __ATOMIC_RELAXED))
			return;
		uint64_t c = __atomic_fetch_add(&rh->next, 1, __ATOMIC_RELAXED);
		if (c >= rh->nchunks)
			return;
		uint64_t p = c * rh->chunk;
		uint64_t end = p + rh->chunk < rh->npages ? p + rh->chunk : rh->npages;
		for (; p < end; p++) {
			const uint8_t *pg = rh->ram + p * rh->bsize;
			/* the zero test reads a zero page about twice as fast as hashing it */
			rh->h[p] = mig_block_is_zero(pg, rh->bsize)
			                   ? rh->zero_h64
			                   : mig_block_hash64(pg, rh->bsize);
		}
		__atomic_fetch_add(&rh->done, 1, __ATOMIC_RELEASE);
	}
}

static void *worker(void *arg)
{
	mig_ramhash_help(arg);
	return NULL;
}

struct mig_ramhash *mig_ramhash_start(const uint8_t *ram, uint64_t npages, uint64_t *h,
                                      unsigned threads)
{
	return mig_ramhash_start_bs(ram, npages, TSMIG_PAGE_SIZE, h, threads);
}

struct mig_ramhash *mig_ramhash_start_bs(const uint8_t *ram, uint64_t npages, size_t bsize,
                                         uint64_t *h, unsigned threads)
{
	struct mig_ramhash *rh = calloc(1, sizeof(*rh));
	uint8_t *zero = calloc(1, bsize);
	if (!rh || !zero) {
		free(rh);
		free(zero);
		return NULL;
	}
	rh->ram = ram;
	rh->npages = npages;
	rh->bsize = bsize;
	rh->chunk = bsize < CHUNK_BYTES ? CHUNK_BYTES / bsize : 1;
	rh->nchunks = (npages + rh->chunk - 1) / rh->chunk;
	rh->h = h;
	rh->zero_h64 = mig_block_hash64(zero, bsize);
	free(zero);
	threads = threads > MAX_THREADS ? MAX_THREADS : threads;
	for (; rh->nthreads < threads; rh->nthreads++)
		if (pthread_create(&rh->threads[rh->nthreads], NULL, worker, rh))
			break; /* fewer workers: the caller's help makes up for it */
	return rh;
}

int mig_ramhash_finish(struct mig_ramhash *rh, bool cancel)
{
	if (!rh)
		return 0;
	if (cancel)
		__atomic_store_n(&rh->cancel, true, __ATOMIC_RELAXED);
	else
		mig_ramhash_help(rh); /* whatever no worker took yet */
	for (unsigned i = 0; i < rh->nthreads; i++)
		pthread_join(rh->threads[i], NULL);
	int r = __atomic_load_n(&rh->done, __ATOMIC_ACQUIRE) == rh->nchunks ? 0 : -ECANCELED;
	free(rh);
	return r;
}

char *mig_digest_hex(const uint8_t digest[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
	return out;
}
