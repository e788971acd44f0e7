// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the storage flim post-copy records as the two ends parse them
 * (vmm/migrate/postcopy_rec.c): DISK_MISSING at the destination, BLOCK_REQ at the source.
 * Input: 1 byte selecting the record, 4 bytes of disk blocks, then the payload.
 * Properties: an accepted DISK_MISSING sets bits only inside the disk and counts them
 * exactly; an accepted BLOCK_REQ yields 1..TSMIG_REQ_MAX blocks inside the disk; a refusal
 * is -EBADMSG with a reason.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/postcopy_rec.h"
#include "uapi/tsvmm-migration.h"
#include "util.h"

#define MAX_BLOCKS (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[160];
	uint32_t n;
	if (size < 5 || size - 5 > TSMIG_REC_MAX)
		return 0;
	memcpy(&n, data + 1, 4);
	n = n % MAX_BLOCKS + 1;
	const uint8_t *p = data + 5;
	uint32_t len = (uint32_t)(size - 5);
	err[0] = 0;
	if (data[0] & 1) {
		uint64_t req[TSMIG_REQ_MAX];
		int k = pcrec_req_parse(p, len, n, req, err, sizeof(err));
		FUZZ_CHECK(k == -EBADMSG ? err[0] != 0 : k >= 1 && k <= TSMIG_REQ_MAX);
		for (int i = 0; i < k; i++)
			FUZZ_CHECK(req[i] < n);
		return 0;
	}
	size_t words = (n + 63) / 64;
	uint64_t *bm = calloc(words, 8), added;
	if (!bm)
		return 0;
	int r = pcrec_missing_parse(p, len, n, bm, &added, err, sizeof(err));
	FUZZ_CHECK(r == 0 || (r == -EBADMSG && err[0]));
	uint64_t set = 0;
	for (size_t w = 0; w < words; w++)
		set += (uint64_t)__builtin_popcountll(bm[w]);
	FUZZ_CHECK(set == (r ? 0 : added));
	if (n % 64)
		FUZZ_CHECK(!(bm[words - 1] >> (n % 64)));
	free(bm);
	return 0;
}
