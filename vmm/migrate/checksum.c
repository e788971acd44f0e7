// SPDX-License-Identifier: MIT
/* tsvmm migration switchover checksum. */
#include <errno.h>
#include <stdio.h>
#include <xxhash.h>

#include "migrate/checksum.h"
#include "uapi/tsvmm-migration.h"

#define BATCH 512 /* page hashes fed to the digest at once */

uint64_t mig_page_hash64(const void *page)
{
	return XXH3_64bits(page, TSMIG_PAGE_SIZE);
}

int mig_checksum(const uint8_t *ram, uint64_t npages, const uint64_t *known,
                 const uint64_t *known_bm, const void *dev, size_t devlen,
                 const struct kvm_regs *regs, uint8_t digest[16])
{
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		return -ENOMEM;
	XXH3_128bits_reset(st);
	uint64_t h[BATCH];
	for (uint64_t p = 0; p < npages;) {
		size_t n = 0;
		for (; n < BATCH && p < npages; n++, p++) {
			if (known_bm && (known_bm[p / 64] >> (p % 64) & 1))
				h[n] = known[p];
			else
				h[n] = XXH3_64bits(ram + p * TSMIG_PAGE_SIZE, TSMIG_PAGE_SIZE);
		}
		XXH3_128bits_update(st, h, n * sizeof(h[0]));
	}
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

char *mig_digest_hex(const uint8_t digest[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
	return out;
}
