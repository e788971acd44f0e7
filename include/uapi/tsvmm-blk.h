/* SPDX-License-Identifier: MIT */
/*
 * tsvmm guest <-> VMM ABI, part 3: the paravirtual block device (one page at TSVMM_BLK_GPA).
 *
 * A ring of TSVMM_BLK_SLOTS request descriptors plus two counters. The guest fills
 * desc[prod % SLOTS], increments prod, and writes anything to TSVMM_PORT_BLK (the doorbell,
 * one VM exit). The VMM handles every descriptor from cons to prod synchronously, inside the
 * port exit, sets each status and advances cons: when the doorbell write returns, the
 * requests are complete. Sectors are 512 bytes; one request moves at most
 * TSVMM_BLK_MAX_SECTORS into guest RAM at buf_gpa (which must lie in RAM).
 * Little endian; prod is written by the guest only, cons and status by the VMM only.
 */
#ifndef UAPI_TSVMM_BLK_H
#define UAPI_TSVMM_BLK_H

#include <stdint.h>

#define TSVMM_BLK_MAGIC       0x204b4c42 /* "BLK " */
#define TSVMM_BLK_SECTOR      512
#define TSVMM_BLK_SLOTS       64
#define TSVMM_BLK_MAX_SECTORS 2048 /* 1 MiB per request */

enum tsvmm_blk_op {
	TSVMM_BLK_READ = 1,
	TSVMM_BLK_WRITE = 2,
};

enum tsvmm_blk_status {
	TSVMM_BLK_PENDING = 0,
	TSVMM_BLK_OK = 1,
	TSVMM_BLK_EIO = 2,    /* host read/write failed */
	TSVMM_BLK_EINVAL = 3, /* bad op, range beyond the disk, or buffer outside RAM */
};

struct tsvmm_blk_desc {
	uint32_t op;      /* enum tsvmm_blk_op */
	uint32_t status;  /* enum tsvmm_blk_status, set by the VMM */
	uint64_t sector;  /* first 512-byte sector */
	uint64_t count;   /* sectors, 1 .. TSVMM_BLK_MAX_SECTORS */
	uint64_t buf_gpa; /* guest buffer, count * 512 bytes */
};

struct tsvmm_blk_page {
	uint32_t magic;   /* TSVMM_BLK_MAGIC, set by the VMM when a disk is attached */
	uint32_t slots;   /* TSVMM_BLK_SLOTS */
	uint64_t sectors; /* disk size in sectors */
	uint64_t prod;    /* requests posted (guest) */
	uint64_t cons;    /* requests completed (VMM) */
	struct tsvmm_blk_desc desc[TSVMM_BLK_SLOTS];
};

#endif
