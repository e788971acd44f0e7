// SPDX-License-Identifier: MIT
/* tsvmm migration stream codec: headers, page entries, records over a socket, with
 * truncated, corrupted and hostile input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "migrate/compress.h"
#include "migrate/conn.h"
#include "migrate/stream.h"
#include "vcpu.h"

static char err[256];

static struct tsmig_rec_hdr hdr(unsigned type, uint32_t len, uint32_t seq)
{
	return (struct tsmig_rec_hdr){.type = (uint16_t)type, .len = len, .seq = seq};
}

Test(vmm_migrate_stream, header_rules)
{
	struct tsmig_rec_hdr h = hdr(TSMIG_REC_HELLO, sizeof(struct tsmig_hello), 0);
	cr_assert_eq(tsmig_hdr_validate(&h, 0, true, err, sizeof(err)), 0);
	cr_assert_eq(tsmig_hdr_validate(&h, 0, false, err, sizeof(err)), -EBADMSG); /* direction */
	cr_assert_eq(tsmig_hdr_validate(&h, 1, true, err, sizeof(err)), -EPROTO);   /* seq */
	cr_assert(strstr(err, "sequence"));
	h.len--;
	cr_assert_eq(tsmig_hdr_validate(&h, 0, true, err, sizeof(err)), -EBADMSG);
	h = hdr(TSMIG_REC_PAGES, TSMIG_REC_MAX + 1, 3);
	cr_assert_eq(tsmig_hdr_validate(&h, 3, true, err, sizeof(err)), -EBADMSG);
	h.len = 8; /* shorter than one entry */
	cr_assert_eq(tsmig_hdr_validate(&h, 3, true, err, sizeof(err)), -EBADMSG);
	h.len = TSMIG_REC_MAX;
	cr_assert_eq(tsmig_hdr_validate(&h, 3, true, err, sizeof(err)), 0);
	h.flags = 1; /* PAGES: flags is the region id */
	cr_assert_eq(tsmig_hdr_validate(&h, 3, true, err, sizeof(err)), 0);
	h.flags = TSMIG_REGIONS_MAX;
	cr_assert_eq(tsmig_hdr_validate(&h, 3, true, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "region"), "%s", err);
	h = hdr(TSMIG_REC_PASS_END, sizeof(struct tsmig_pass), 3);
	h.flags = 1; /* other records: reserved */
	cr_assert_eq(tsmig_hdr_validate(&h, 3, true, err, sizeof(err)), -EBADMSG);
	h = hdr(TSMIG_REC_REGION, sizeof(struct tsmig_region), 1);
	cr_assert_eq(tsmig_hdr_validate(&h, 1, true, err, sizeof(err)), 0);
	cr_assert_eq(tsmig_hdr_validate(&h, 1, false, err, sizeof(err)), -EBADMSG);
	h = hdr(TSMIG_REC_CPU, sizeof(struct vcpu_state), 0);
	cr_assert_eq(tsmig_hdr_validate(&h, 0, true, err, sizeof(err)), 0);
	h = hdr(TSMIG_REC_GO, 1, 0);
	cr_assert_eq(tsmig_hdr_validate(&h, 0, true, err, sizeof(err)), -EBADMSG);
	h = hdr(TSMIG_REC_RUNNING, sizeof(struct tsmig_status), 0);
	cr_assert_eq(tsmig_hdr_validate(&h, 0, false, err, sizeof(err)), 0);
	cr_assert_eq(tsmig_hdr_validate(&h, 0, true, err, sizeof(err)), -EBADMSG);
	for (unsigned t = 0; t < 65536; t += 7) { /* unknown types never pass */
		h = hdr(t, 0, 0);
		if (strcmp(tsmig_rec_name(t), "?") == 0) {
			cr_assert_eq(tsmig_hdr_validate(&h, 0, true, err, sizeof(err)), -EBADMSG);
			cr_assert_eq(tsmig_hdr_validate(&h, 0, false, err, sizeof(err)), -EBADMSG);
		}
	}
}

Test(vmm_migrate_stream, record_check_covers_header_and_payload)
{
	uint8_t p[100];
	memset(p, 0x5a, sizeof(p));
	struct tsmig_rec_hdr h = hdr(TSMIG_REC_PAGES, sizeof(p), 9);
	uint32_t c = tsmig_rec_check(&h, p);
	p[50] ^= 1;
	cr_assert_neq(tsmig_rec_check(&h, p), c);
	p[50] ^= 1;
	h.seq = 10;
	cr_assert_neq(tsmig_rec_check(&h, p), c);
	h.seq = 9;
	h.type = TSMIG_REC_DEVICES;
	cr_assert_neq(tsmig_rec_check(&h, p), c);
}

static const struct tsmig_limits lim = {.npages = 1000, .disk_blocks = 10};

Test(vmm_migrate_stream, entries_round_trip)
{
	static uint8_t buf[3 * TSMIG_ENTRY_MAX], page[TSMIG_PAGE_SIZE];
	size_t off = 0;
	struct tsmig_ref ref = {.ref = 7};
	memset(page, 0xab, sizeof(page));
	cr_assert_eq(tsmig_entry_put(buf, sizeof(buf), &off, 5, TSMIG_PAGE_FULL, 1, page, 4096), 0);
	cr_assert_eq(tsmig_entry_put(buf, sizeof(buf), &off, 10, TSMIG_PAGE_ZERO, 990, NULL, 0), 0);
	cr_assert_eq(tsmig_entry_put(buf, sizeof(buf), &off, 6, TSMIG_PAGE_DUP, 1, &ref, 24), 0);
	cr_assert_eq(tsmig_entry_put(buf, sizeof(buf), &off, 7, TSMIG_PAGE_DISK, 1, &ref, 24), 0);
	cr_assert_eq(tsmig_entry_put(buf, sizeof(buf), &off, 8, TSMIG_PAGE_LZ4, 1, page, 100), 0);
	cr_assert_eq(tsmig_entry_put(buf, 10, &(size_t){0}, 0, TSMIG_PAGE_ZERO, 1, NULL, 0),
	             -ENOSPC);
	size_t len = off;
	off = 0;
	struct tsmig_entry e;
	unsigned kinds[] = {TSMIG_PAGE_FULL, TSMIG_PAGE_ZERO, TSMIG_PAGE_DUP, TSMIG_PAGE_DISK,
	                    TSMIG_PAGE_LZ4};
	for (int i = 0; i < 5; i++) {
		cr_assert_eq(tsmig_entry_next(buf, len, &off, &lim, &e, err, sizeof(err)), 1, "%s",
		             err);
		cr_assert_eq(e.kind, kinds[i]);
	}
	cr_assert_eq(tsmig_entry_next(buf, len, &off, &lim, &e, err, sizeof(err)), 0);
	cr_assert_eq(off, len);
}

/* One entry header followed by dlen bytes: what does the parser say? */
static int parse_one(uint64_t pfn, unsigned kind, unsigned count, uint32_t len, size_t dlen,
                     uint64_t ref, const struct tsmig_limits *l)
{
	static uint8_t buf[sizeof(struct tsmig_page_entry) + 2 * TSMIG_PAGE_SIZE];
	struct tsmig_page_entry h = {
	        .pfn = pfn, .kind = (uint16_t)kind, .count = (uint16_t)count, .len = len};
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	struct tsmig_ref r = {.ref = ref};
	memcpy(buf + sizeof(h), &r, sizeof(r));
	size_t off = 0;
	struct tsmig_entry e;
	return tsmig_entry_next(buf, sizeof(h) + dlen, &off, l, &e, err, sizeof(err));
}

Test(vmm_migrate_stream, hostile_entries_rejected)
{
	cr_assert_eq(parse_one(0, TSMIG_PAGE_FULL, 1, 4096, 4096, 0, &lim), 1);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_FULL, 1, 4096, 4095, 0, &lim), -EBADMSG); /* short */
	cr_assert_eq(parse_one(0, TSMIG_PAGE_FULL, 1, 4095, 4095, 0, &lim), -EBADMSG);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_FULL, 2, 4096, 4096, 0, &lim), -EBADMSG); /* count */
	cr_assert_eq(parse_one(0, TSMIG_PAGE_FULL, 0, 4096, 4096, 0, &lim), -EBADMSG);
	cr_assert_eq(parse_one(1000, TSMIG_PAGE_FULL, 1, 4096, 4096, 0, &lim), -EBADMSG);
	cr_assert_eq(parse_one(UINT64_MAX, TSMIG_PAGE_ZERO, 2, 0, 0, 0, &lim), -EBADMSG);
	cr_assert_eq(parse_one(999, TSMIG_PAGE_ZERO, 2, 0, 0, 0, &lim), -EBADMSG); /* past end */
	cr_assert_eq(parse_one(998, TSMIG_PAGE_ZERO, 2, 0, 0, 0, &lim), 1);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_ZERO, 1, 8, 8, 0, &lim), -EBADMSG);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_DUP, 1, 24, 24, 999, &lim), 1);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_DUP, 1, 24, 24, 1000, &lim), -EBADMSG);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_DUP, 1, 16, 16, 0, &lim), -EBADMSG);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_DISK, 1, 24, 24, 9, &lim), 1);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_DISK, 1, 24, 24, 10, &lim), -EBADMSG);
	struct tsmig_limits nodisk = {.npages = 1000};
	cr_assert_eq(parse_one(0, TSMIG_PAGE_DISK, 1, 24, 24, 0, &nodisk), -EBADMSG);
	cr_assert(strstr(err, "no disk"));
	cr_assert_eq(parse_one(0, TSMIG_PAGE_LZ4, 1, 0, 0, 0, &lim), -EBADMSG);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_ZSTD, 1, 4096, 4096, 0, &lim), -EBADMSG);
	cr_assert_eq(parse_one(0, 0, 1, 0, 0, 0, &lim), -EBADMSG);
	cr_assert_eq(parse_one(0, 77, 1, 0, 0, 0, &lim), -EBADMSG);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_FULL, 1, UINT32_MAX, 4096, 0, &lim), -EBADMSG);
	/* a truncated entry header */
	uint8_t b[8] = {0};
	size_t off = 0;
	struct tsmig_entry e;
	cr_assert_eq(tsmig_entry_next(b, sizeof(b), &off, &lim, &e, err, sizeof(err)), -EBADMSG);
}

/* RAM entries (storage flim: a disk block naming a RAM page received): only where the limits
 * allow them (a flim DISK region), bounded by the RAM's pages, a 24-byte reference. */
Test(vmm_migrate_stream, ram_entries_bounded)
{
	struct tsmig_limits dlim = {.npages = 100, .ram_pages = 1000};
	cr_assert_eq(parse_one(0, TSMIG_PAGE_RAM, 1, 24, 24, 999, &dlim), 1);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_RAM, 1, 24, 24, 1000, &dlim), -EBADMSG);
	cr_assert(strstr(err, "RAM reference beyond RAM"), "%s", err);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_RAM, 1, 24, 24, UINT64_MAX, &dlim), -EBADMSG);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_RAM, 1, 16, 16, 0, &dlim), -EBADMSG);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_RAM, 2, 24, 24, 0, &dlim), -EBADMSG);
	cr_assert_eq(parse_one(100, TSMIG_PAGE_RAM, 1, 24, 24, 0, &dlim), -EBADMSG);
	/* the RAM region (and a DISK region without the index) allows none */
	cr_assert_eq(parse_one(0, TSMIG_PAGE_RAM, 1, 24, 24, 0, &lim), -EBADMSG);
	cr_assert(strstr(err, "RAM reference where none is allowed"), "%s", err);
}

/* BLOCK entries (storage flim: a RAM page naming a block of the destination's own image):
 * only once a flim DISK region is declared (own_blocks), bounded by its blocks. */
Test(vmm_migrate_stream, block_entries_bounded)
{
	struct tsmig_limits rlim = {.npages = 1000, .own_blocks = 50};
	cr_assert_eq(parse_one(999, TSMIG_PAGE_BLOCK, 1, 24, 24, 49, &rlim), 1);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_BLOCK, 1, 24, 24, 50, &rlim), -EBADMSG);
	cr_assert(strstr(err, "BLOCK reference beyond the disk"), "%s", err);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_BLOCK, 1, 24, 24, UINT64_MAX, &rlim), -EBADMSG);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_BLOCK, 1, 4096, 4096, 0, &rlim), -EBADMSG);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_BLOCK, 3, 24, 24, 0, &rlim), -EBADMSG);
	cr_assert_eq(parse_one(0, TSMIG_PAGE_BLOCK, 1, 24, 24, 0, &lim), -EBADMSG);
	cr_assert(strstr(err, "BLOCK reference where none is allowed"), "%s", err);
	cr_assert_eq(parse_one(0, 9, 1, 24, 24, 0, &rlim), -EBADMSG); /* the next kind: unknown */
}

Test(vmm_migrate_stream, random_payloads_stay_in_bounds)
{
	unsigned seed = 12345;
	srand(seed);
	static uint8_t buf[8192];
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)rand() % sizeof(buf);
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand();
		if (iter % 2) { /* plausible headers so that deeper checks are reached */
			struct tsmig_page_entry h = {.pfn = (uint64_t)rand() % 1200,
			                             .kind = (uint16_t)(rand() % 8),
			                             .count = (uint16_t)(rand() % 3),
			                             .len = (uint32_t)rand() % 5000};
			if (len >= sizeof(h))
				memcpy(buf, &h, sizeof(h));
		}
		size_t off = 0;
		struct tsmig_entry e;
		int r;
		while ((r = tsmig_entry_next(buf, len, &off, &lim, &e, err, sizeof(err))) == 1) {
			cr_assert_leq(off, len, "seed %u", seed);
			cr_assert_leq(e.data + e.len, buf + len, "seed %u", seed);
			cr_assert_leq(e.pfn + e.count, lim.npages, "seed %u", seed);
		}
		cr_assert(r == 0 || r == -EBADMSG, "seed %u", seed);
	}
}

Test(vmm_migrate_stream, compression_round_trip_and_hostile_data)
{
	static uint8_t page[TSMIG_PAGE_SIZE], out[TSMIG_PAGE_SIZE], back[TSMIG_PAGE_SIZE];
	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)(i / 64);
	for (int t = MIG_COMPRESS_LZ4; t <= MIG_COMPRESS_ZSTD; t++) {
		struct mig_compressor *c = mig_compressor_create(t);
		cr_assert_not_null(c);
		unsigned kind;
		size_t n = mig_compress_page(c, page, out, &kind);
		cr_assert_gt(n, 0);
		cr_assert_lt(n, 1024);
		cr_assert_eq(mig_decompress_page(kind, out, n, back), 0);
		cr_assert_eq(memcmp(page, back, sizeof(page)), 0);
		cr_assert_eq(mig_decompress_page(kind, out, n - 1, back), -EBADMSG); /* truncated */
		out[n / 2] ^= 0xff;
		int r = mig_decompress_page(kind, out, n, back); /* corrupt: an error or a page */
		cr_assert(r == 0 || r == -EBADMSG);
		uint8_t rnd[4096];
		for (size_t i = 0; i < sizeof(rnd); i++)
			rnd[i] = (uint8_t)(i * 7919 >> 3);
		(void)mig_compress_page(c, rnd, out, &kind); /* incompressible: 0 or a size */
		for (int k = 0; k < 500; k++) { /* random garbage never overruns the page */
			size_t len = 1 + (size_t)rand() % 4000;
			for (size_t i = 0; i < len; i++)
				rnd[i] = (uint8_t)rand();
			r = mig_decompress_page(kind, rnd, len, back);
			cr_assert(r == 0 || r == -EBADMSG);
		}
		mig_compressor_destroy(c);
	}
	cr_assert_eq(mig_decompress_page(TSMIG_PAGE_FULL, out, 10, back), -EBADMSG);
	cr_assert_eq(mig_compress_parse("zstd"), MIG_COMPRESS_ZSTD);
	cr_assert_eq(mig_compress_parse("gzip"), -EINVAL);
}

/* ---- records over a socket pair ---- */

static void pair(struct mig_conn *src, struct mig_conn *dst)
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	mig_conn_init(src, sv[0], true, 300, -1);
	mig_conn_init(dst, sv[1], false, 300, -1);
}

Test(vmm_migrate_stream, conn_round_trip_and_sequence)
{
	struct mig_conn s, d;
	pair(&s, &d);
	static uint8_t buf[TSMIG_REC_MAX];
	struct tsmig_hello hi = {.magic = TSMIG_MAGIC, .version = TSMIG_VERSION};
	struct tsmig_rec_hdr h;
	cr_assert_eq(mig_send(&s, TSMIG_REC_HELLO, &hi, sizeof(hi)), 0);
	cr_assert_eq(mig_send(&s, TSMIG_REC_GO, NULL, 0), 0);
	cr_assert_eq(mig_recv(&d, &h, buf, sizeof(buf)), 0, "%s", d.err);
	cr_assert_eq(h.type, TSMIG_REC_HELLO);
	cr_assert_eq(memcmp(buf, &hi, sizeof(hi)), 0);
	cr_assert_eq(mig_recv(&d, &h, buf, sizeof(buf)), 0, "%s", d.err);
	cr_assert_eq(h.type, TSMIG_REC_GO);
	cr_assert_eq(d.bytes_rx, s.bytes_tx);
	/* nothing more: a timeout, with a clear message */
	cr_assert_eq(mig_recv(&d, &h, buf, sizeof(buf)), -ETIMEDOUT);
	cr_assert(strstr(d.err, "silent"));
	/* the other direction */
	struct tsmig_status st = {.err = -5};
	cr_assert_eq(mig_send(&d, TSMIG_REC_ERROR, &st, sizeof(st)), 0);
	cr_assert_eq(mig_recv(&s, &h, buf, sizeof(buf)), 0, "%s", s.err);
	cr_assert_eq(h.type, TSMIG_REC_ERROR);
	mig_conn_close(&s);
	mig_conn_close(&d);
}

/* Raw bytes into the destination end: what does mig_recv return? */
static int recv_raw(const void *bytes, size_t n, bool close_after, char *why)
{
	struct mig_conn s, d;
	pair(&s, &d);
	cr_assert_eq(write(s.fd, bytes, n), (ssize_t)n);
	if (close_after)
		mig_conn_close(&s);
	static uint8_t buf[TSMIG_REC_MAX];
	struct tsmig_rec_hdr h;
	int r = mig_recv(&d, &h, buf, sizeof(buf));
	snprintf(why, 256, "%s", d.err);
	mig_conn_close(&s);
	mig_conn_close(&d);
	return r;
}

Test(vmm_migrate_stream, truncated_corrupted_hostile_records)
{
	uint8_t rec[sizeof(struct tsmig_rec_hdr) + sizeof(struct tsmig_hello)];
	struct tsmig_hello hi = {.magic = TSMIG_MAGIC, .version = TSMIG_VERSION};
	struct tsmig_rec_hdr h = hdr(TSMIG_REC_HELLO, sizeof(hi), 0);
	h.check = tsmig_rec_check(&h, &hi);
	memcpy(rec, &h, sizeof(h));
	memcpy(rec + sizeof(h), &hi, sizeof(hi));
	char why[256];
	cr_assert_eq(recv_raw(rec, sizeof(rec), true, why), 0, "%s", why);
	/* truncated inside the header and inside the payload */
	cr_assert_eq(recv_raw(rec, 7, true, why), -ECONNRESET);
	cr_assert(strstr(why, "truncated"), "%s", why);
	cr_assert_eq(recv_raw(rec, sizeof(rec) - 1, true, why), -ECONNRESET);
	cr_assert(strstr(why, "truncated"), "%s", why);
	/* every single bit flip is caught */
	for (size_t bit = 0; bit < sizeof(rec) * 8; bit++) {
		uint8_t bad[sizeof(rec)];
		memcpy(bad, rec, sizeof(rec));
		bad[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		int r = recv_raw(bad, sizeof(bad), true, why);
		cr_assert(r == -EBADMSG || r == -EPROTO || r == -ECONNRESET, "bit %zu: %d", bit, r);
	}
	/* hostile: a huge length, a record from the wrong direction */
	struct tsmig_rec_hdr big = hdr(TSMIG_REC_PAGES, UINT32_MAX, 0);
	cr_assert_eq(recv_raw(&big, sizeof(big), true, why), -EBADMSG);
	struct tsmig_rec_hdr wrong = hdr(TSMIG_REC_READY, sizeof(struct tsmig_status), 0);
	cr_assert_eq(recv_raw(&wrong, sizeof(wrong), true, why), -EBADMSG);
	cr_assert(strstr(why, "unexpected type"), "%s", why);
}

Test(vmm_migrate_stream, addresses)
{
	char host[64], port[16];
	cr_assert_eq(mig_parse_addr("tcp:10.0.0.2:4444", host, 64, port, 16), 0);
	cr_assert_str_eq(host, "10.0.0.2");
	cr_assert_str_eq(port, "4444");
	cr_assert_eq(mig_parse_addr("[fd00::1]:5", host, 64, port, 16), 0);
	cr_assert_str_eq(host, "fd00::1");
	cr_assert_eq(mig_parse_addr("nohost", host, 64, port, 16), -EINVAL);
	cr_assert_eq(mig_parse_addr(":4444", host, 64, port, 16), -EINVAL);
	cr_assert_eq(mig_parse_addr("1.2.3.4:", host, 64, port, 16), -EINVAL);
}

/* The incoming listener: the peer's address, and a handshake deadline that a slow-drip
 * peer (one byte at a time, each within the per-wait timeout) cannot stretch. */
Test(vmm_migrate_stream, listener_peer_and_handshake_deadline)
{
	char errbuf[256], peer[80];
	int lfd = mig_listen("127.0.0.1:0", errbuf, sizeof(errbuf));
	cr_assert_geq(lfd, 0, "%s", errbuf);
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(connect(c, (struct sockaddr *)&sa, sl), 0);
	int fd = mig_accept(lfd, -1, peer, sizeof(peer), errbuf, sizeof(errbuf));
	cr_assert_geq(fd, 0, "%s", errbuf);
	cr_assert(!strncmp(peer, "127.0.0.1:", 10), "%s", peer);
	struct mig_conn d;
	mig_conn_init(&d, fd, false, 2000, -1);
	mig_conn_set_deadline(&d, 200);
	uint64_t t0 = mig_mono_ns();
	struct tsmig_rec_hdr h = hdr(TSMIG_REC_HELLO, sizeof(struct tsmig_hello), 0);
	static uint8_t buf[TSMIG_REC_MAX];
	/* half a header, then nothing: the wait ends at the deadline (200 ms), not after the
	 * per-wait timeout (2 s) that a byte now and then would renew */
	cr_assert_eq(write(c, &h, 8), 8);
	cr_assert_eq(mig_recv(&d, &h, buf, sizeof(buf)), -ETIMEDOUT);
	uint64_t dt = (mig_mono_ns() - t0) / 1000000;
	cr_assert(strstr(d.err, "handshake timeout"), "%s", d.err);
	cr_assert(dt >= 190 && dt < 1500, "%llu ms", (unsigned long long)dt);
	cr_assert(!mig_conn_readable(&d));
	mig_conn_close(&d);
	close(c);
	close(lfd);
}

/* A v2 stream as bytes: records (header + payload) appended to one buffer. */
struct wire {
	uint8_t b[1 << 16];
	size_t len;
	uint32_t seq;
};

static void wire_put(struct wire *w, unsigned type, unsigned flags, const void *p, uint32_t len)
{
	struct tsmig_rec_hdr h = {
	        .type = (uint16_t)type, .flags = (uint16_t)flags, .len = len, .seq = w->seq++};
	h.check = tsmig_rec_check(&h, p);
	cr_assert_leq(w->len + sizeof(h) + len, sizeof(w->b));
	memcpy(w->b + w->len, &h, sizeof(h));
	memcpy(w->b + w->len + sizeof(h), p, len);
	w->len += sizeof(h) + len;
}

Test(vmm_migrate_stream, v2_two_regions_round_trip)
{
	enum { RAM_PAGES = 64, DISK_BLOCKS = 8 };
	static struct wire w;
	w.len = 0;
	w.seq = 0;
	struct tsmig_hello hi = {.magic = TSMIG_MAGIC,
	                         .version = TSMIG_VERSION,
	                         .mem_size = RAM_PAGES * TSMIG_PAGE_SIZE,
	                         .page_size = TSMIG_PAGE_SIZE};
	struct tsmig_region ram = {.id = 0,
	                           .kind = TSMIG_REGION_RAM,
	                           .size = hi.mem_size,
	                           .block_size = TSMIG_PAGE_SIZE};
	struct tsmig_region disk = {.id = 1,
	                            .kind = TSMIG_REGION_DISK,
	                            .size = DISK_BLOCKS * TSMIG_PAGE_SIZE,
	                            .block_size = TSMIG_PAGE_SIZE};
	wire_put(&w, TSMIG_REC_HELLO, 0, &hi, sizeof(hi));
	wire_put(&w, TSMIG_REC_REGION, 0, &ram, sizeof(ram));
	wire_put(&w, TSMIG_REC_REGION, 0, &disk, sizeof(disk));
	/* RAM: page 5 full of 0x11, a zero run 10..19; disk: block 7 full of 0x22. */
	static uint8_t rec[3 * TSMIG_ENTRY_MAX], page[TSMIG_PAGE_SIZE];
	size_t off = 0;
	memset(page, 0x11, sizeof(page));
	cr_assert_eq(tsmig_entry_put(rec, sizeof(rec), &off, 5, TSMIG_PAGE_FULL, 1, page,
	                             TSMIG_PAGE_SIZE),
	             0);
	cr_assert_eq(tsmig_entry_put(rec, sizeof(rec), &off, 10, TSMIG_PAGE_ZERO, 10, NULL, 0), 0);
	wire_put(&w, TSMIG_REC_PAGES, 0, rec, (uint32_t)off);
	off = 0;
	memset(page, 0x22, sizeof(page));
	cr_assert_eq(tsmig_entry_put(rec, sizeof(rec), &off, DISK_BLOCKS - 1, TSMIG_PAGE_FULL, 1,
	                             page, TSMIG_PAGE_SIZE),
	             0);
	wire_put(&w, TSMIG_REC_PAGES, 1, rec, (uint32_t)off);

	/* Read it back as a destination would. */
	struct tsmig_regions t = {0};
	uint8_t ram_img[RAM_PAGES] = {0}, disk_img[DISK_BLOCKS] = {0}; /* first byte per block */
	unsigned zero_pages = 0, records = 0;
	for (size_t o = 0; o < w.len; records++) {
		struct tsmig_rec_hdr h;
		memcpy(&h, w.b + o, sizeof(h));
		const uint8_t *p = w.b + o + sizeof(h);
		cr_assert_eq(tsmig_hdr_validate(&h, records, true, err, sizeof(err)), 0, "%s", err);
		cr_assert_eq(tsmig_rec_check(&h, p), h.check);
		o += sizeof(h) + h.len;
		if (h.type == TSMIG_REC_HELLO) {
			struct tsmig_hello got;
			memcpy(&got, p, sizeof(got));
			cr_assert_eq(tsmig_hello_check(&got, err, sizeof(err)), 0, "%s", err);
		} else if (h.type == TSMIG_REC_REGION) {
			struct tsmig_region rg;
			memcpy(&rg, p, sizeof(rg));
			cr_assert_eq(tsmig_region_add(&t, &rg, hi.mem_size, err, sizeof(err)), 0,
			             "%s", err);
		} else {
			cr_assert_eq(h.type, TSMIG_REC_PAGES);
			const struct tsmig_region *rg = tsmig_region_of(&t, &h, err, sizeof(err));
			cr_assert_not_null(rg, "%s", err);
			struct tsmig_limits lim = {.npages = rg->size / rg->block_size};
			uint8_t *img = rg->kind == TSMIG_REGION_RAM ? ram_img : disk_img;
			struct tsmig_entry e;
			size_t eo = 0;
			int r;
			while ((r = tsmig_entry_next(p, h.len, &eo, &lim, &e, err, sizeof(err))) ==
			       1) {
				if (e.kind == TSMIG_PAGE_ZERO)
					zero_pages += e.count;
				else
					img[e.pfn] = e.data[0];
			}
			cr_assert_eq(r, 0, "%s", err);
		}
	}
	cr_assert_eq(records, 5);
	cr_assert_eq(t.n, 2);
	cr_assert_eq(t.r[1].kind, TSMIG_REGION_DISK);
	cr_assert_eq(t.r[1].size, DISK_BLOCKS * TSMIG_PAGE_SIZE);
	cr_assert_eq(ram_img[5], 0x11);
	cr_assert_eq(disk_img[DISK_BLOCKS - 1], 0x22);
	cr_assert_eq(zero_pages, 10);
	for (unsigned i = 0; i < RAM_PAGES; i++)
		cr_assert_eq(ram_img[i], i == 5 ? 0x11 : 0, "RAM page %u", i);

	/* A disk block beyond its region is refused by that region's limits. */
	struct tsmig_limits dl = {.npages = DISK_BLOCKS};
	struct tsmig_entry e;
	off = 0;
	cr_assert_eq(
	        tsmig_entry_put(rec, sizeof(rec), &off, DISK_BLOCKS, TSMIG_PAGE_ZERO, 1, NULL, 0),
	        0);
	size_t eo = 0;
	cr_assert_eq(tsmig_entry_next(rec, off, &eo, &dl, &e, err, sizeof(err)), -EBADMSG);
	/* PAGES naming an undeclared region. */
	struct tsmig_rec_hdr h = hdr(TSMIG_REC_PAGES, 16, 9);
	h.flags = 2;
	cr_assert_null(tsmig_region_of(&t, &h, err, sizeof(err)));
	cr_assert(strstr(err, "region 2 was not declared"), "%s", err);
}

Test(vmm_migrate_stream, region_rules)
{
	struct tsmig_regions t = {0};
	uint64_t ram = 1 << 20;
	struct tsmig_region rg = {
	        .id = 0, .kind = TSMIG_REGION_DISK, .size = ram, .block_size = TSMIG_PAGE_SIZE};
	cr_assert_eq(tsmig_region_add(&t, &rg, ram, err, sizeof(err)), -EBADMSG); /* 0 not RAM */
	rg.kind = TSMIG_REGION_RAM;
	rg.size = ram / 2;
	cr_assert_eq(tsmig_region_add(&t, &rg, ram, err, sizeof(err)), -EBADMSG); /* size */
	rg.size = ram;
	rg.block_size = 512;
	cr_assert_eq(tsmig_region_add(&t, &rg, ram, err, sizeof(err)), -EBADMSG);
	rg.block_size = TSMIG_PAGE_SIZE;
	rg.kind = 7;
	cr_assert_eq(tsmig_region_add(&t, &rg, ram, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "unknown kind"), "%s", err);
	rg.kind = TSMIG_REGION_RAM;
	rg.flags = TSMIG_REGION_F_INDEX; /* a DISK region's flag only */
	cr_assert_eq(tsmig_region_add(&t, &rg, ram, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "reserved fields set"), "%s", err);
	rg.flags = 0;
	cr_assert_eq(tsmig_region_add(&t, &rg, ram, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(tsmig_region_add(&t, &rg, ram, err, sizeof(err)), -EBADMSG); /* id 0 again */
	cr_assert(strstr(err, "out of order"), "%s", err);
	rg.id = 1;
	rg.kind = TSMIG_REGION_DISK;
	rg.size = TSMIG_PAGE_SIZE + 1;
	cr_assert_eq(tsmig_region_add(&t, &rg, ram, err, sizeof(err)), -EBADMSG);
	rg.size = TSMIG_PAGE_SIZE;
	rg.flags = TSMIG_REGION_F_INDEX | 0x2; /* an unknown flag */
	cr_assert_eq(tsmig_region_add(&t, &rg, ram, err, sizeof(err)), -EBADMSG);
	rg.flags = TSMIG_REGION_F_INDEX; /* storage flim asks for the DISK_INDEX */
	cr_assert_eq(tsmig_region_add(&t, &rg, ram, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(t.n, 2);
	cr_assert_str_eq(tsmig_rec_name(TSMIG_REC_DISK_INDEX), "DISK_INDEX");
}

Test(vmm_migrate_stream, v1_refused_naming_both_versions)
{
	struct tsmig_hello hi = {.magic = TSMIG_MAGIC, .version = 1, .page_size = TSMIG_PAGE_SIZE};
	cr_assert_eq(tsmig_hello_check(&hi, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "stream v1"), "%s", err);
	cr_assert(strstr(err, "only v2"), "%s", err);
	hi.version = TSMIG_VERSION;
	cr_assert_eq(tsmig_hello_check(&hi, err, sizeof(err)), 0, "%s", err);
	hi.magic ^= 1;
	cr_assert_eq(tsmig_hello_check(&hi, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "magic"), "%s", err);
}
