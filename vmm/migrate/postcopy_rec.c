// SPDX-License-Identifier: MIT
/* tsvmm storage flim post-copy records (see postcopy_rec.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "migrate/postcopy_rec.h"
#include "uapi/tsvmm-migration.h"

#define BAD(...)                                                                                   \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return -EBADMSG;                                                                   \
	} while (0)

int pcrec_missing_parse(const void *p, uint32_t len, uint64_t nblocks, uint64_t *bm,
                        uint64_t *added, char *err, size_t errlen)
{
	struct tsmig_disk_index h;
	*added = 0;
	if (len < sizeof(h))
		BAD("DISK_MISSING: %u bytes, shorter than its header", len);
	memcpy(&h, p, sizeof(h));
	if (h.reserved)
		BAD("DISK_MISSING: reserved field 0x%x set", h.reserved);
	if (!h.count || h.count > PCREC_MISSING_CHUNK)
		BAD("DISK_MISSING: %u blocks (1 .. %llu)", h.count,
		    (unsigned long long)PCREC_MISSING_CHUNK);
	if (h.first % 64)
		BAD("DISK_MISSING: first block %llu is not a multiple of 64",
		    (unsigned long long)h.first);
	if (h.first >= nblocks || h.count > nblocks - h.first)
		BAD("DISK_MISSING: blocks %llu + %u beyond the disk's %llu",
		    (unsigned long long)h.first, h.count, (unsigned long long)nblocks);
	uint64_t words = (h.count + 63) / 64;
	if (len != sizeof(h) + words * 8)
		BAD("DISK_MISSING: %u bytes for %u blocks (want %llu)", len, h.count,
		    (unsigned long long)(sizeof(h) + words * 8));
	const uint8_t *q = (const uint8_t *)p + sizeof(h);
	uint64_t x;
	memcpy(&x, q + (words - 1) * 8, 8); /* checked before any bit is taken */
	if (h.count % 64 && x >> (h.count % 64))
		BAD("DISK_MISSING: bits set past its %u blocks", h.count);
	for (uint64_t w = 0; w < words; w++) {
		memcpy(&x, q + w * 8, 8);
		uint64_t *dst = &bm[h.first / 64 + w];
		*added += (uint64_t)__builtin_popcountll(x & ~*dst);
		*dst |= x;
	}
	return 0;
}

uint32_t pcrec_missing_build(const uint64_t *bm, uint64_t first, uint64_t count, uint8_t *out)
{
	struct tsmig_disk_index h = {.first = first, .count = (uint32_t)count};
	memcpy(out, &h, sizeof(h));
	uint64_t words = (count + 63) / 64;
	for (uint64_t w = 0; w < words; w++) {
		uint64_t x = bm[first / 64 + w];
		if (w == words - 1 && count % 64)
			x &= (1ULL << (count % 64)) - 1;
		memcpy(out + sizeof(h) + w * 8, &x, 8);
	}
	return (uint32_t)(sizeof(h) + words * 8);
}

int pcrec_req_parse(const void *p, uint32_t len, uint64_t nblocks, uint64_t *out, char *err,
                    size_t errlen)
{
	if (!len || len % 8 || len / 8 > TSMIG_REQ_MAX)
		BAD("BLOCK_REQ: %u bytes, not 1 .. %u block numbers", len, TSMIG_REQ_MAX);
	for (uint32_t i = 0; i < len / 8; i++) {
		memcpy(&out[i], (const uint8_t *)p + i * 8, 8);
		if (out[i] >= nblocks)
			BAD("BLOCK_REQ: block %llu beyond the disk's %llu",
			    (unsigned long long)out[i], (unsigned long long)nblocks);
	}
	return (int)(len / 8);
}

uint64_t pcrec_digest(const uint64_t *bm, uint64_t n, const uint64_t *h, uint64_t *blocks)
{
	XXH3_state_t *st = XXH3_createState();
	*blocks = 0;
	if (!st)
		return 0; /* out of memory: a digest nobody matches */
	XXH3_64bits_reset(st);
	for (uint64_t w = 0; w < (n + 63) / 64; w++)
		for (uint64_t x = bm[w]; x; x &= x - 1) {
			uint64_t pair[2] = {w * 64 + (uint64_t)__builtin_ctzll(x), 0};
			if (pair[0] >= n)
				break;
			pair[1] = h[pair[0]];
			XXH3_64bits_update(st, pair, sizeof(pair));
			(*blocks)++;
		}
	uint64_t d = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return d;
}
