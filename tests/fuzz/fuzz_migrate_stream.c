// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the tsvmm migration stream as the destination parses it
 * (vmm/migrate/stream.c record headers and page entries, compress.c page decompression;
 * the loop mirrors vmm/migrate/incoming.c receive() without a VM).
 * JOIN records are checked against a HELLO made from the limit bytes (connections, token).
 * Input: 8 bytes of limits (RAM pages, disk blocks, the DISK region's block size), then
 * records: struct tsmig_rec_hdr and its payload (REGION payloads go to tsmig_region_add).
 * The record check is computed but not required, so that the fuzzer gets past
 * it to the payload parsers (conn.c rejects a wrong check before they run).
 * Properties: every accepted entry lies inside RAM (or the disk) and inside its record;
 * decompression writes exactly one block (of the block size); a REGION accepted has a
 * block_size that is a power of two in 4 KiB .. 1 MiB (4 KiB for RAM) and a size a multiple
 * of it.
 */
#include <errno.h>
#include <string.h>

#include "migrate/compress.h"
#include "migrate/stream.h"
#include "util.h"

static void pages(const uint8_t *p, size_t len, const struct tsmig_limits *lim)
{
	static uint8_t page[TSMIG_BLOCK_MAX + 64];
	size_t bs = lim->block_size ? lim->block_size : TSMIG_PAGE_SIZE;
	struct tsmig_entry e;
	char err[160];
	size_t off = 0, prev = 0;
	int r;
	err[0] = '\0';
	while ((r = tsmig_entry_next(p, len, &off, lim, &e, err, sizeof(err))) == 1) {
		FUZZ_CHECK(off > prev && off <= len);
		FUZZ_CHECK(e.data >= p && e.data + e.len <= p + len);
		FUZZ_CHECK(e.count >= 1 && e.pfn < lim->npages && e.count <= lim->npages - e.pfn);
		if (e.kind == TSMIG_PAGE_DISK)
			FUZZ_CHECK(e.ref.ref < lim->disk_blocks);
		if (e.kind == TSMIG_PAGE_DUP)
			FUZZ_CHECK(e.ref.ref < lim->npages);
		if (e.kind == TSMIG_PAGE_RAM) /* a flim DISK region's reference to a RAM page */
			FUZZ_CHECK(lim->ram_pages && e.ref.ref < lim->ram_pages &&
			           bs == TSMIG_PAGE_SIZE);
		if (e.kind == TSMIG_PAGE_FULL)
			FUZZ_CHECK(e.len == bs);
		if (e.kind == TSMIG_PAGE_BLOCK) /* a RAM page's reference to a flim block */
			FUZZ_CHECK(lim->own_blocks && e.ref.ref < lim->own_blocks);
		if (e.kind == TSMIG_PAGE_LZ4 || e.kind == TSMIG_PAGE_ZSTD) {
			FUZZ_CHECK(e.len < bs);
			memset(page + bs, 0xa5, 64);
			(void)mig_decompress_block(e.kind, e.data, e.len, page, bs);
			for (int i = 0; i < 64; i++)
				FUZZ_CHECK(page[bs + i] == 0xa5);
		}
		prev = off;
	}
	FUZZ_CHECK(r == 0 || (r == -EBADMSG && err[0]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsmig_limits lim;
	struct tsmig_regions regs = {.n = 0};
	uint32_t a, b, seq = 0;
	char err[200];
	if (size < 8)
		return 0;
	memcpy(&a, data, 4);
	memcpy(&b, data + 4, 4);
	lim.npages = 1 + a % (1u << 20);                   /* up to 4 GiB of RAM */
	lim.block_size = TSMIG_PAGE_SIZE << (a >> 28) % 9; /* a DISK region's: 4 KiB .. 1 MiB */
	lim.disk_blocks = b % 4096;
	lim.ram_pages = b >> 31 ? b >> 12 & 0xfffff : 0;     /* a flim DISK region's RAM, or none */
	lim.own_blocks = b >> 30 & 1 ? b >> 16 & 0x3fff : 0; /* the flim image's blocks, or none */
	data += 8, size -= 8;
	while (size >= sizeof(struct tsmig_rec_hdr)) {
		struct tsmig_rec_hdr h;
		memcpy(&h, data, sizeof(h));
		data += sizeof(h), size -= sizeof(h);
		err[0] = '\0';
		int r = tsmig_hdr_validate(&h, seq, true, err, sizeof(err));
		(void)tsmig_rec_name(h.type);
		if (r) {
			FUZZ_CHECK((r == -EBADMSG || r == -EPROTO) && err[0]);
			break;
		}
		if (h.len > size)
			break; /* a truncated stream: conn.c waits for the rest */
		uint8_t *payload = malloc(h.len ? h.len : 1); /* exact size for ASan */
		if (!payload)
			break;
		memcpy(payload, data, h.len);
		(void)tsmig_rec_check(&h, payload);
		if (h.type == TSMIG_REC_PAGES)
			pages(payload, h.len, &lim);
		if (h.type == TSMIG_REC_REGION && h.len == sizeof(struct tsmig_region)) {
			struct tsmig_region rg;
			memcpy(&rg, payload, sizeof(rg));
			err[0] = '\0';
			r = tsmig_region_add(&regs, &rg, lim.npages * TSMIG_PAGE_SIZE, err,
			                     sizeof(err));
			FUZZ_CHECK(r == 0 || (r == -EBADMSG && err[0]));
			const struct tsmig_region *t = &regs.r[regs.n ? regs.n - 1 : 0];
			FUZZ_CHECK(r || (t->block_size >= TSMIG_BLOCK_MIN &&
			                 t->block_size <= TSMIG_BLOCK_MAX &&
			                 !(t->block_size & (t->block_size - 1)) &&
			                 t->size % t->block_size == 0 &&
			                 (t->kind != TSMIG_REGION_RAM ||
			                  t->block_size == TSMIG_PAGE_SIZE)));
		}
		if (h.type == TSMIG_REC_JOIN) { /* a data connection's first record */
			struct tsmig_join j;
			struct tsmig_hello hi = {.connections = 1 + a % TSMIG_CONN_MAX, .token = b};
			memcpy(&j, payload, sizeof(j));
			err[0] = '\0';
			int jr = tsmig_join_check(&j, &hi, err, sizeof(err));
			FUZZ_CHECK(jr == 0 ? j.index >= 1 && j.index < hi.connections
			                   : jr == -EPROTO && err[0]);
		}
		free(payload);
		data += h.len, size -= h.len;
		seq++;
	}
	return 0;
}
