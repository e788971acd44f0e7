/* SPDX-License-Identifier: MIT */
/*
 * tsvmm migration switchover checksum (defined in include/uapi/tsvmm-migration.h): XXH3-128
 * over the XXH3-64 of every RAM page, the device-state blob and the vCPU's kvm_regs.
 * The page hashes form the leaves: a side that already knows them (the destination keeps one
 * per page as it writes it) only combines npages * 8 bytes at switchover; a side that must
 * read its RAM (the source) hashes it with mig_ramhash, in parallel and overlapped with other
 * work.
 */
#ifndef TSVMM_MIGRATE_CHECKSUM_H
#define TSVMM_MIGRATE_CHECKSUM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* XXH3-64 of one 4 KiB page (the AVX2 build of it when the CPU has AVX2). */
uint64_t mig_page_hash64(const void *page);
/* XXH3-64 of a block of size bytes (a multiple of 4096; 4096 is mig_page_hash64). */
uint64_t mig_block_hash64(const void *blk, size_t size);
/* The AVX2 build (hash_avx2.c): call only where the CPU has AVX2. */
uint64_t mig_page_hash64_avx2(const void *page);

/*
 * The checksum from the page hashes h[0 .. npages) (page 0 first), the device blob (dev,
 * devlen bytes) and regs (may be NULL) into digest (16 canonical bytes). 0 or -ENOMEM.
 */
int mig_checksum_root(const uint64_t *h, uint64_t npages, const void *dev, size_t devlen,
                      const struct kvm_regs *regs, uint8_t digest[16]);

/* The same with a disk's block hashes dh[0 .. nblocks) as leaves after the pages' (a stream
 * with a DISK region, migrate-disk); nblocks 0 is mig_checksum_root. */
int mig_checksum_leaves(const uint64_t *h, uint64_t npages, const uint64_t *dh, uint64_t nblocks,
                        const void *dev, size_t devlen, const struct kvm_regs *regs,
                        uint8_t digest[16]);

/*
 * Checksum of ram (npages pages) into digest. known/known_bm (both NULL, or npages hashes
 * and a bitmap of npages bits): pages whose bit is set contribute known[i] instead of a hash
 * of ram. dev/devlen: device blob; regs may be NULL. 0 or -ENOMEM. Hashes RAM in parallel.
 */
int mig_checksum(const uint8_t *ram, uint64_t npages, const uint64_t *known,
                 const uint64_t *known_bm, const void *dev, size_t devlen,
                 const struct kvm_regs *regs, uint8_t digest[16]);

/* ---- parallel RAM hashing: h[p] = mig_page_hash64(ram + p * 4096) for every page ---- */

struct mig_ramhash;

/* Threads to use for hashing all of RAM: the online CPUs, 1 .. 8. */
unsigned mig_ramhash_threads(void);
/*
 * Start hashing ram (npages pages) into h with threads worker threads (0: only callers of
 * mig_ramhash_help work). Work is handed out in 1 MiB chunks. NULL with errno.
 */
struct mig_ramhash *mig_ramhash_start(const uint8_t *ram, uint64_t npages, uint64_t *h,
                                      unsigned threads);
/* The same over n blocks of bsize bytes each (a disk image of a DISK region's block size):
 * h[b] = mig_block_hash64(base + b * bsize, bsize). */
struct mig_ramhash *mig_ramhash_start_bs(const uint8_t *base, uint64_t n, size_t bsize, uint64_t *h,
                                         unsigned threads);
/* Hash chunks in the calling thread until none is left to hand out. */
void mig_ramhash_help(struct mig_ramhash *rh);
/*
 * Hash what is left in the calling thread, join the workers and free rh (NULL: no-op, 0).
 * cancel: stop at the next chunk instead (h is then incomplete). 0 when every page was
 * hashed, -ECANCELED otherwise.
 */
int mig_ramhash_finish(struct mig_ramhash *rh, bool cancel);

/* Hex of a digest (33 bytes with the NUL) into out. Returns out. */
char *mig_digest_hex(const uint8_t digest[16], char out[33]);

#endif
