// SPDX-License-Identifier: MIT
/* tsvmm storage flim post-copy records: DISK_MISSING, BLOCK_REQ, the POSTCOPY_END digest;
 * hostile and truncated records are refused by name. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "migrate/postcopy_rec.h"
#include "uapi/tsvmm-migration.h"

static uint8_t rec[4096];
static char err[200];

Test(vmm_migrate_postcopy_rec, missing_roundtrip)
{
	uint64_t bm[4] = {0x5, 0, 1ULL << 63, 0x3}, out[4] = {0}, added;
	uint32_t len = pcrec_missing_build(bm, 0, 200, rec);
	cr_assert_eq(len, 16 + 4 * 8);
	cr_assert_eq(pcrec_missing_parse(rec, len, 200, out, &added, err, sizeof(err)), 0, "%s",
	             err);
	cr_assert_eq(added, 5);
	cr_assert_eq(memcmp(bm, out, sizeof(bm)), 0);
	/* the same record again adds nothing */
	cr_assert_eq(pcrec_missing_parse(rec, len, 200, out, &added, err, sizeof(err)), 0);
	cr_assert_eq(added, 0);
	/* a chunk from block 64 on: blocks 64 .. 199 */
	uint64_t out2[4] = {0};
	len = pcrec_missing_build(bm, 64, 136, rec);
	cr_assert_eq(len, 16 + 3 * 8);
	cr_assert_eq(pcrec_missing_parse(rec, len, 200, out2, &added, err, sizeof(err)), 0, "%s",
	             err);
	cr_assert_eq(out2[0], 0, "nothing before the chunk");
	cr_assert_eq(out2[2], 1ULL << 63);
	cr_assert_eq(out2[3], 0x3);
	cr_assert_eq(added, 3);
	/* a chunk that ends inside a word masks the bits past it */
	uint64_t out3[4] = {0};
	len = pcrec_missing_build(bm, 64, 100, rec);
	cr_assert_eq(pcrec_missing_parse(rec, len, 200, out3, &added, err, sizeof(err)), 0);
	cr_assert_eq(added, 0, "block 191 lies past blocks 64 .. 163");
}

static void refused(uint32_t len, uint64_t nblocks, const char *what)
{
	uint64_t out[8] = {0}, added;
	cr_assert_eq(pcrec_missing_parse(rec, len, nblocks, out, &added, err, sizeof(err)),
	             -EBADMSG, "%s accepted", what);
	cr_assert(strstr(err, what), "error '%s' does not name '%s'", err, what);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(out[i], 0, "a refused record set bits");
}

Test(vmm_migrate_postcopy_rec, missing_hostile)
{
	uint64_t bm[8] = {~0ULL, ~0ULL, ~0ULL, ~0ULL};
	uint32_t len = pcrec_missing_build(bm, 0, 256, rec);
	refused(10, 256, "shorter than its header");
	refused(len - 3, 256, "bytes for 256 blocks");
	refused(len, 255, "beyond the disk");
	struct tsmig_disk_index h = {.first = 3, .count = 10};
	memcpy(rec, &h, sizeof(h));
	refused(24, 256, "not a multiple of 64");
	h = (struct tsmig_disk_index){.first = 0, .count = 0};
	memcpy(rec, &h, sizeof(h));
	refused(16, 256, "0 blocks");
	h = (struct tsmig_disk_index){.first = 0, .count = 10, .reserved = 7};
	memcpy(rec, &h, sizeof(h));
	refused(24, 256, "reserved");
	h = (struct tsmig_disk_index){.first = 0, .count = 10};
	memcpy(rec, &h, sizeof(h));
	uint64_t w = 1ULL << 12;
	memcpy(rec + 16, &w, 8);
	refused(24, 256, "bits set past");
}

Test(vmm_migrate_postcopy_rec, requests)
{
	uint64_t req[TSMIG_REQ_MAX], in[3] = {7, 0, 99};
	cr_assert_eq(pcrec_req_parse(in, sizeof(in), 100, req, err, sizeof(err)), 3);
	cr_assert_eq(req[2], 99);
	cr_assert_eq(pcrec_req_parse(in, sizeof(in), 99, req, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "block 99 beyond the disk"), "%s", err);
	cr_assert_eq(pcrec_req_parse(in, 12, 100, req, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "12 bytes"), "%s", err);
	cr_assert_eq(pcrec_req_parse(in, 0, 100, req, err, sizeof(err)), -EBADMSG);
}

Test(vmm_migrate_postcopy_rec, digest_covers_blocks_and_hashes)
{
	uint64_t bm[2] = {0x11, 0x1}, h[128] = {0}, blocks;
	h[0] = 1;
	h[4] = 2;
	h[64] = 3;
	uint64_t d = pcrec_digest(bm, 128, h, &blocks);
	cr_assert_eq(blocks, 3);
	h[4] = 5;
	cr_assert_neq(pcrec_digest(bm, 128, h, &blocks), d, "a changed hash changes it");
	h[4] = 2;
	cr_assert_eq(pcrec_digest(bm, 128, h, &blocks), d);
	bm[0] = 0x21; /* block 5 instead of 4, same hashes there */
	h[5] = 2;
	cr_assert_neq(pcrec_digest(bm, 128, h, &blocks), d, "the block numbers count too");
}
