/* SPDX-License-Identifier: MIT */
/*
 * tsvmm storage flim post-copy records (include/uapi/tsvmm-migration.h): DISK_MISSING (which
 * blocks the destination lacks at the switchover), BLOCK_REQ (the blocks its guest waits
 * for) and the POSTCOPY_END digest. Pure parsers and builders: a hostile or truncated record
 * gets -EBADMSG with a reason naming what was wrong.
 */
#ifndef TSVMM_MIGRATE_POSTCOPY_REC_H
#define TSVMM_MIGRATE_POSTCOPY_REC_H

#include <stddef.h>
#include <stdint.h>

/* Largest DISK_MISSING chunk (bits), so that one record fits TSMIG_REC_MAX. */
#define PCREC_MISSING_CHUNK (1ULL << 22)

/* A DISK_MISSING payload (p, len) for a disk of nblocks: OR its bits into bm; *added = bits
 * newly set. 0 or -EBADMSG (err). */
int pcrec_missing_parse(const void *p, uint32_t len, uint64_t nblocks, uint64_t *bm,
                        uint64_t *added, char *err, size_t errlen);
/* Build the DISK_MISSING payload for bits [first, first + count) of bm (first a multiple of
 * 64, count <= PCREC_MISSING_CHUNK) into out (room for the header and the words). Length. */
uint32_t pcrec_missing_build(const uint64_t *bm, uint64_t first, uint64_t count, uint8_t *out);
/* A BLOCK_REQ payload: its block numbers into out (TSMIG_REQ_MAX room), each < nblocks.
 * Count, or -EBADMSG (err). */
int pcrec_req_parse(const void *p, uint32_t len, uint64_t nblocks, uint64_t *out, char *err,
                    size_t errlen);
/* The POSTCOPY_END digest over the blocks set in bm (n bits) with their hashes h[]. */
uint64_t pcrec_digest(const uint64_t *bm, uint64_t n, const uint64_t *h, uint64_t *blocks);

#endif
