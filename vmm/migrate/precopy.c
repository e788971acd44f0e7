// SPDX-License-Identifier: MIT
/*
 * tsvmm migration source: pre-copy passes over the KVM dirty log, then stop-and-copy.
 *
 *   setup     connect, HELLO, indexes (hash, disk), dirty logging on
 *   pass 0    every page; then while the expected downtime exceeds the limit and passes
 *             remain: fetch the dirty log, send those pages (PAGES ... PASS_END)
 *   stop      pause the vCPU, start hashing all of RAM in worker threads (the checksum),
 *             fetch the dirty log once more, send those pages, the vCPU (CPU), the KVM clock
 *             (CLOCK), devices (DEVICES), DATA_END; help the hashing finish, then CHECKSUM
 *   switch    wait for READY, send GO, wait for RUNNING: the source quits
 * Every failure resumes the source vCPU: source memory is only ever read.
 * Each page is copied out of guest RAM before it is classified, so its hash, its zero test
 * and the bytes sent always describe one consistent snapshot.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "devices/blk.h"
#include "devices/device.h"
#include "migrate/checksum.h"
#include "migrate/compress.h"
#include "migrate/conn.h"
#include "migrate/dedup.h"
#include "migrate/migrate_private.h"
#include "migrate/precopy_private.h"
#include "tsync/log.h"
#include "uapi/tsvmm-boot.h"
#include "vcpu.h"
#include "vcpu_tsc.h"
#include "vm.h"
#include "vmm.h"

#define REPORT_PFN (TSVMM_REPORT_GPA / TSMIG_PAGE_SIZE)

static void publish(struct src *s)
{
	s->met.bytes_wire = s->bytes_base + multi_bytes_tx(s);
	pthread_mutex_lock(&s->g->lock);
	s->met.total_ns = mig_mono_ns() - s->g->start_ns;
	s->g->met = s->met;
	pthread_mutex_unlock(&s->g->lock);
}

static bool cancelled(const struct src *s)
{
	struct pollfd p = {.fd = s->g->cancel_fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

static int wait_status(struct src *s, unsigned want, struct tsmig_status *out);

/* The destination talks only to refuse: if it sent something, fail with its reason. */
static int peer_refused(struct src *s)
{
	if (!mig_conn_readable(&s->conn))
		return 0;
	struct tsmig_status st;
	int r = wait_status(s, TSMIG_REC_ERROR, &st);
	return r ? r : -EPROTO;
}

static int flush(struct src *s)
{
	if (!s->rec_len)
		return 0;
	if (cancelled(s)) {
		snprintf(s->conn.err, sizeof(s->conn.err), "cancelled");
		return -ECANCELED;
	}
	struct mig_conn *c = multi_conn(s); /* connection 0 unless there are several */
	int r = mig_send_flags(c, TSMIG_REC_PAGES, s->region, s->rec, (uint32_t)s->rec_len);
	s->rec_len = 0;
	if (r && c != &s->conn)
		snprintf(s->conn.err, sizeof(s->conn.err), "data connection %u: %.200s", s->cur,
		         c->err);
	multi_next(s);
	publish(s);
	if (!s->pc_running && (r == -EPIPE || r == -ECONNRESET || !r)) {
		/* (in post-copy the destination talks: postcopy_src.c reads it) */
		int e = peer_refused(s); /* its reason beats "connection lost" */
		r = e ? e : r;
	}
	return r;
}

static int put(struct src *s, uint64_t pfn, unsigned kind, unsigned count, const void *data,
               uint32_t len)
{
	if (tsmig_entry_put(s->rec, TSMIG_REC_MAX, &s->rec_len, pfn, kind, count, data, len)) {
		int r = flush(s);
		if (r)
			return r;
		tsmig_entry_put(s->rec, TSMIG_REC_MAX, &s->rec_len, pfn, kind, count, data, len);
	}
	s->met.pages_sent += count;
	s->cpages[s->cur] += count;
	return 0;
}

static int zero_flush(struct src *s)
{
	if (!s->run_len)
		return 0;
	int r = put(s, s->run_start, TSMIG_PAGE_ZERO, (unsigned)s->run_len, NULL, 0);
	if (s->region == 0)
		s->met.zero += s->run_len;
	s->run_len = 0;
	return r;
}

/* Page or block pfn is zero: extend the pending ZERO run or start one. */
static int zero_add(struct src *s, uint64_t pfn)
{
	if (s->run_len && s->run_start + s->run_len == pfn && s->run_len < TSMIG_ZERO_RUN) {
		s->run_len++;
		return 0;
	}
	int r = zero_flush(s);
	s->run_start = pfn;
	s->run_len = 1;
	return r;
}

/* The checksum takes the hash of what was sent for final-pass pages and for the report-ring
 * header: main() drains the ring and stores its tail there at any moment, and marks the page
 * dirty only after the store, so the store can miss the final dirty-log fetch. */
static void set_known(struct src *s, uint64_t pfn, uint64_t h64)
{
	s->known[pfn] = h64;
	s->known_bm[pfn / 64] |= 1ULL << (pfn % 64);
}

static int put_ref(struct src *s, uint64_t pfn, unsigned kind, struct mig_hash h, uint64_t ref)
{
	struct tsmig_ref r = {.ref = ref};
	mig_hash_put(r.hash, h);
	return put(s, pfn, kind, 1, &r, sizeof(r));
}

/* Parallel connections: does the destination apply q's copy before an entry that goes on
 * the current connection, and keep it until then? Yes when q's copy of this pass went on this
 * connection (records apply in order there), or when it came in an earlier pass (the barrier)
 * and q is not sent again in this pass (its new copy, on another connection, could be applied
 * first and the reference would find the new content: refused by hash, a failed migration). */
static bool multi_ref_ok(const struct src *s, uint64_t q)
{
	if (!s->where || s->where[q] == s->cur)
		return true;
	return s->where[q] == MULTI_EARLIER && !(s->pass_bm && s->pass_bm[q / 64] >> (q % 64) & 1);
}

/* Can the destination's page q serve as the content h? */
static bool dup_valid(const struct src *s, uint64_t q, struct mig_hash h)
{
	return q < s->npages && (s->kind[q] == SENT_FULL || s->kind[q] == SENT_DUP) &&
	       mig_hash_eq(s->hash[q], h) && multi_ref_ok(s, q);
}

/* Parallel connections: the record being built goes on one connection; start a new record
 * before a page when the page (and a pending ZERO run) might not fit, so that the
 * connection chosen for the page's references is the one it goes on. Records stay short
 * (MULTI_REC): one blocking write must not hold the others idle for long. 0 or -errno. */
static int room(struct src *s)
{
	if (s->nconn < 2 || s->rec_len + 2 * TSMIG_ENTRY_MAX <= MULTI_REC)
		return 0;
	int r = zero_flush(s);
	return r ? r : flush(s);
}

static bool holds_page(const void *arg, uint64_t q, struct mig_hash h)
{
	return dup_valid(arg, q, h);
}

static int send_page(struct src *s, uint64_t pfn)
{
	const uint8_t *live = s->ram + pfn * TSMIG_PAGE_SIZE;
	int r = room(s);
	if (r)
		return r;
	if (s->where) /* its copy of this pass goes on this connection (a ZERO run: anywhere) */
		s->where[pfn] = (uint8_t)s->cur;
	if (s->p.zero && mig_page_is_zero(live)) {
		if ((r = zero_add(s, pfn)))
			return r;
		s->kind[pfn] = SENT_ZERO;
		if (s->final || pfn == REPORT_PFN)
			set_known(s, pfn, s->zero_h64);
		if (s->p.checksum_early)
			s->rehash[pfn] = s->zero_h64;
		return 0;
	}
	if ((r = zero_flush(s)))
		return r;
	memcpy(s->page, live, TSMIG_PAGE_SIZE);
	if (s->final || pfn == REPORT_PFN || s->p.checksum_early) {
		/* checksum early: the leaf is the hash of the copy sent (no RAM read at the stop) */
		uint64_t h64 = mig_page_hash64(s->page);
		if (s->p.checksum_early) /* else the stop's RAM hash workers own rehash */
			s->rehash[pfn] = h64;
		if (s->final || pfn == REPORT_PFN)
			set_known(s, pfn, h64);
	}
	struct mig_hash h = {0, 0};
	if (s->p.dup || s->p.disk || s->dst_h)
		h = mig_page_hash(s->page);
	uint64_t ref;
	if (s->p.dup && hindex_get(s->dupidx, h, &ref) && dup_valid(s, ref, h)) {
		s->kind[pfn] = SENT_DUP;
		s->hash[pfn] = h;
		s->met.dup++;
		return put_ref(s, pfn, TSMIG_PAGE_DUP, h, ref);
	}
	if (s->dst_h && s->p.ram_dedup && hindex_get(s->didx, h, &ref) && ref < s->dblocks &&
	    mig_hash_eq(s->dst_h[ref], h)) { /* flim: a block the destination's image holds */
		s->kind[pfn] = SENT_DUP;
		if (s->p.dup)
			s->hash[pfn] = h;
		s->met.block_pages++;
		return put_ref(s, pfn, TSMIG_PAGE_BLOCK, h,
		               ref ^ (uint64_t)s->fault_bad_block_ref << 40);
	}
	if (s->p.disk && s->disk && disk_index_lookup(s->disk, s->page, h, &ref)) {
		s->kind[pfn] = SENT_DISK;
		s->block[pfn] = ref;
		s->met.disk++;
		return put_ref(s, pfn, TSMIG_PAGE_DISK, h, ref);
	}
	s->kind[pfn] = SENT_FULL;
	if (s->p.dup) {
		s->hash[pfn] = h;
		hindex_put(s->dupidx, h, pfn);
	}
	unsigned kind;
	size_t n = s->comp ? mig_compress_page(s->comp, s->page, s->cbuf, &kind) : 0;
	if (n) {
		s->met.compressed++;
		s->met.compressed_bytes += n;
		return put(s, pfn, kind, 1, s->cbuf, (uint32_t)n);
	}
	s->met.full++;
	return put(s, pfn, TSMIG_PAGE_FULL, 1, s->page, TSMIG_PAGE_SIZE);
}

/* Wait until the destination has applied pass (PASS_ACK); an ERROR fails with its reason. */
static int wait_pass_ack(struct src *s, uint32_t pass)
{
	struct tsmig_rec_hdr h;
	union {
		struct tsmig_pass p;
		struct tsmig_status st;
	} u;
	int r = mig_recv(&s->conn, &h, &u, sizeof(u));
	if (r)
		return r;
	if (h.type == TSMIG_REC_ERROR) {
		u.st.msg[TSMIG_MSG_MAX - 1] = 0;
		snprintf(s->conn.err, sizeof(s->conn.err), "destination refused: %s", u.st.msg);
		return u.st.err < 0 ? u.st.err : -EPROTO;
	}
	if (h.type != TSMIG_REC_PASS_ACK || u.p.pass != pass) {
		snprintf(s->conn.err, sizeof(s->conn.err),
		         "destination sent %s, expected PASS_ACK %u", tsmig_rec_name(h.type), pass);
		return -EPROTO;
	}
	return 0;
}

/* storage flim with dup: 1 when block b (content h, in s->dpage, not zero) went as a RAM entry
 * naming a page the destination received with that content (a page cache flushed to disk);
 * 0 to send it; -errno. Only before the switchover: the destination's guest is stopped. */
static int ram_ref(struct src *s, uint64_t b, struct mig_hash h)
{
	uint64_t q;
	if (!s->p.dup || !s->p.ram_dedup || s->after_switch || s->dbs != TSMIG_PAGE_SIZE ||
	    !mig_ram_ref_find(s->dupidx, s->dpage, h, holds_page, s, &q))
		return 0;
	s->met.disk_dedup_ram++;
	int r = zero_flush(s);
	h.lo ^= s->fault_bad_ref;
	if (s->fault_bad_ram_ref) /* test fault: a page the destination does not have */
		q = s->npages + b;
	return r ? r : put_ref(s, b, TSMIG_PAGE_RAM, h, q) ?: 1;
}

/* storage flim: 1 when block b (content h, in s->dpage) needs no data: the destination holds
 * it in place (skipped), in another block (a DUP entry sent) or in a RAM page (a RAM entry);
 * 0 to send it; -errno. */
static int dedup_block(struct src *s, uint64_t b, struct mig_hash h)
{
	uint64_t j;
	if (mig_hash_eq(s->dst_h[b], h)) {
		s->met.disk_dedup_held++;
		return 1;
	}
	s->dst_h[b] = h;
	if (!hindex_get(s->didx, h, &j) || j >= s->dblocks || !mig_hash_eq(s->dst_h[j], h)) {
		hindex_put(s->didx, h, b);
		return ram_ref(s, b, h);
	}
	s->met.disk_dedup_ref++;
	int r = zero_flush(s);
	h.lo ^= s->fault_bad_ref;
	return r ? r : put_ref(s, b, TSMIG_PAGE_DUP, h, j) ?: 1;
}

/* One disk block: a ZERO run, compressed or full (a copy of it: the guest may write it); with
 * storage flim nothing or a reference when the destination holds the content. */
static int send_block(struct src *s, uint64_t b)
{
	memcpy(s->dpage, s->dmap + b * s->dbs, s->dbs);
	int r = s->dst_h ? dedup_block(s, b, mig_block_hash(s->dpage, s->dbs)) : 0;
	if (r)
		return r < 0 ? r : 0;
	return precopy_put_block(s, b);
}

int precopy_put_block(struct src *s, uint64_t b)
{
	if (mig_block_is_zero(s->dpage, s->dbs))
		return zero_add(s, b);
	int r = zero_flush(s);
	unsigned kind;
	size_t n =
	        r || !s->comp ? 0 : mig_compress_block(s->comp, s->dpage, s->dbs, s->dcbuf, &kind);
	if (r || n) {
		s->met.disk_comp_bytes += n;
		return r ? r : put(s, b, kind, 1, s->dcbuf, (uint32_t)n);
	}
	s->met.disk_full_bytes += s->dbs;
	return put(s, b, TSMIG_PAGE_FULL, 1, s->dpage, s->dbs);
}

void precopy_read_counts(struct src *s)
{
	uint64_t per = s->dbs / TSMIG_PAGE_SIZE, n = blk_blocks(s->blk);
	uint32_t *c = per > 1 ? malloc(n * sizeof(*c)) : NULL;
	if (per == 1 || !c) { /* 4 KiB blocks (or out of memory: the first blocks' counts) */
		blk_read_counts(s->blk, s->hot.r, s->hot.n);
		free(c);
		return;
	}
	n = blk_read_counts(s->blk, c, n);
	memset(s->hot.r, 0, s->hot.n * sizeof(*s->hot.r));
	for (uint64_t i = 0; i < n && i / per < s->hot.n; i++) {
		uint32_t *r = &s->hot.r[i / per];
		*r = *r > UINT32_MAX - c[i] ? UINT32_MAX : *r + c[i];
	}
	free(c);
}

int precopy_flush(struct src *s)
{
	int r = zero_flush(s);
	return r ? r : flush(s);
}

/* storage flim: the pending blocks in hot-area order (read-hot first, write-hot last); with
 * post-copy the write-hot ones stay pending until the switchover (sent now, they would be
 * sent again). 0 or -errno. */
static int send_disk_hot(struct src *s)
{
	if (s->blk)
		precopy_read_counts(s);
	uint64_t n = hotarea_order(&s->hot, s->dpending, s->postcopy, s->dorder), left = 0;
	int r = 0;
	for (uint64_t i = 0; !r && i < n; i++)
		r = send_block(s, s->dorder[i]);
	for (size_t w = 0; w < (s->dblocks + 63) / 64; w++)
		left += (uint64_t)__builtin_popcountll(s->dpending[w]);
	s->met.disk_hot_deferred = left;
	return r;
}

/* migrate-disk: the disk blocks pending (all in pass 0, then those written since), in PAGES
 * records of region MIG_DISK_REGION, before the pass's RAM pages: a RAM page sent as a DISK
 * reference then reads the block's new content at the destination. 0 or -errno. */
static int send_disk(struct src *s)
{
	if (!s->dmap || (s->final && s->postcopy)) /* post-copy: pending blocks follow */
		return 0;
	uint64_t before = s->met.pages_sent;
	int r = s->hot.n ? -EALREADY : 0;
	s->region = MIG_DISK_REGION;
	if (r)
		r = send_disk_hot(s);
	for (size_t w = 0; !r && !s->hot.n && w < (s->dblocks + 63) / 64; w++) {
		uint64_t x = s->dpending[w];
		s->dpending[w] = 0;
		for (; !r && x; x &= x - 1)
			r = send_block(s, w * 64 + (uint64_t)__builtin_ctzll(x));
	}
	r = r ?: zero_flush(s);
	r = r ?: flush(s);
	s->region = 0;
	s->met.disk_blocks_sent += s->met.pages_sent - before;
	s->met.pages_sent = before;
	return r;
}

/* Send every page whose bit is set in bm, then PASS_END (and wait for its PASS_ACK). */
static int send_pass(struct src *s, const uint64_t *bm, uint64_t *sent)
{
	uint64_t before = s->met.pages_sent;
	multi_pass_begin(s);
	s->pass_bm = bm;
	int r = send_disk(s);
	for (size_t w = 0; !r && w < s->words; w++)
		for (uint64_t x = bm[w]; !r && x; x &= x - 1)
			r = send_page(s, w * 64 + (uint64_t)__builtin_ctzll(x));
	if (!r)
		r = zero_flush(s);
	if (!r)
		r = flush(s);
	*sent = s->met.pages_sent - before;
	s->pass_bm = NULL;
	struct tsmig_pass ps = {.pass = s->met.iterations, .final = s->final, .pages = *sent};
	if (!r)
		r = multi_pass_end(s, &ps);
	if (r == -EPIPE || r == -ECONNRESET) /* a data connection: the destination's reason */
		r = peer_refused(s) ?: r;
	if (!r)
		r = mig_send(&s->conn, TSMIG_REC_PASS_END, &ps, sizeof(ps));
	return r || s->final ? r : wait_pass_ack(s, ps.pass);
}

/* A guest disk write hit 4 KiB blocks [first, first + count): index their new content and
 * re-send pages referring to them; the disk blocks (of block-size) holding them go again. */
static void disk_written(void *arg, uint64_t first, uint64_t count)
{
	struct src *s = arg;
	uint64_t per = s->dbs / TSMIG_PAGE_SIZE, b0 = first / per,
	         b1 = count ? (first + count - 1) / per + 1 : b0; /* disk blocks [b0, b1) */
	if (s->hot.n)
		hotarea_written(&s->hot, b0, b1 - b0);
	for (uint64_t b = b0; s->dstale && b < b1 && b < s->dblocks; b++)
		s->dstale[b / 64] |= 1ULL << (b % 64);
	for (uint64_t b = b0; s->dmap && b < b1 && b < s->dblocks; b++)
		s->dpending[b / 64] |= 1ULL << (b % 64); /* migrate-disk: send it again */
	if (!s->disk)
		return;
	disk_index_update(s->disk, first, count);
	for (uint64_t p = 0; p < s->npages; p++) {
		if (s->kind[p] == SENT_DISK && s->block[p] >= first &&
		    s->block[p] - first < count) {
			s->pending[p / 64] |= 1ULL << (p % 64);
			s->kind[p] = SENT_NONE;
			s->met.disk_rewritten++;
		}
	}
}

/* The blocks the block device wrote since the last call into dpending (migrate-disk) and the
 * disk index (disk references). Blocks reported, or -errno. */
static long fetch_disk_dirty(struct src *s)
{
	if (!s->disk && !s->dmap)
		return 0;
	long nb = devices_dirty_blocks(vmm_devices(s->g->vmm), false, disk_written, s);
	if (nb < 0)
		snprintf(s->conn.err, sizeof(s->conn.err), "disk dirty tracking: %s",
		         strerror((int)-nb));
	return nb;
}

/* storage precopy: the bulk copy, then disk-only passes over the blocks written meanwhile
 * until sending them would fit the downtime limit (mig_converge with blocks for pages) or
 * the pass cap is reached; the rest goes with the RAM passes. 0 or -errno. */
static int disk_precopy(struct src *s)
{
	uint64_t start = mig_mono_ns(), bpb = 0, bw = 0;
	for (;;) {
		uint64_t t0 = mig_mono_ns(), b0 = multi_bytes_tx(s), n0 = s->met.disk_blocks_sent;
		int r = send_disk(s);
		if (r)
			return r;
		s->met.disk_passes++;
		uint64_t dt = mig_mono_ns() - t0, db = multi_bytes_tx(s) - b0;
		uint64_t sent = s->met.disk_blocks_sent - n0;
		if (db >= (256u << 10) && dt)
			bw = (uint64_t)((unsigned __int128)db * 1000000000ULL / dt);
		if (sent)
			bpb = db / sent;
		long nb = fetch_disk_dirty(s);
		if (nb < 0)
			return (int)nb;
		uint64_t dirty = 0, exp;
		for (size_t w = 0; w < (s->dblocks + 63) / 64; w++)
			dirty += (uint64_t)__builtin_popcountll(s->dpending[w]);
		s->met.disk_dirty = dirty;
		s->met.disk_precopy_ns = mig_mono_ns() - start;
		publish(s);
		struct mig_conv_in in = {
		        .dirty_pages = dirty,
		        .bytes_per_page = bpb,
		        .bandwidth_bps = bw,
		        .downtime_limit_ns = s->p.downtime_limit_ms * 1000000ULL,
		        .iteration = s->met.disk_passes,
		        .max_iterations = s->p.max_iterations,
		        .dirty_rate_pps = dt ? dirty * 1000000000ULL / dt : 0,
		};
		enum mig_conv c = mig_converge(&in, &exp);
		if (s->postcopy && c == MIG_CONV_CONTINUE)
			c = MIG_CONV_DOWNTIME; /* early switchover: what is left follows it */
		if (c != MIG_CONV_CONTINUE) {
			pr_info("storage %s: %u disk passes in %.1f ms, %llu blocks sent, %llu "
			        "dirty left (%s), dedup: %llu held, %llu by reference, %llu from "
			        "RAM pages",
			        mig_storage_name(s->p.storage), s->met.disk_passes,
			        s->met.disk_precopy_ns / 1e6,
			        (unsigned long long)s->met.disk_blocks_sent,
			        (unsigned long long)dirty, mig_conv_name(c),
			        (unsigned long long)s->met.disk_dedup_held,
			        (unsigned long long)s->met.disk_dedup_ref,
			        (unsigned long long)s->met.disk_dedup_ram);
			return 0;
		}
	}
}

/* Fetch the dirty log into pending (OR) and follow disk writes. Dirty pages or -errno. */
static long fetch_dirty(struct src *s)
{
	long n = vm_dirty_log_fetch(s->vm, s->tmp);
	if (n < 0) {
		snprintf(s->conn.err, sizeof(s->conn.err), "dirty log: %s", strerror((int)-n));
		return n;
	}
	for (size_t w = 0; w < s->words && !s->fault_lose_dirty; w++)
		s->pending[w] |= s->tmp[w];
	long nb = fetch_disk_dirty(s);
	if (nb < 0)
		return nb;
	long c = 0;
	for (size_t w = 0; w < s->words; w++)
		c += __builtin_popcountll(s->pending[w]);
	return c;
}

/* Pre-copy passes until convergence. 0 or -errno. */
static int precopy(struct src *s)
{
	memset(s->pending, 0xff, s->words * sizeof(uint64_t)); /* pass 0: everything */
	uint64_t bpp = 0;
	for (;;) {
		uint64_t t0 = mig_mono_ns(), b0 = multi_bytes_tx(s), sent;
		const uint64_t *bm = s->pending;
		memcpy(s->tmp, bm, s->words * sizeof(uint64_t));
		memset(s->pending, 0, s->words * sizeof(uint64_t));
		int r = send_pass(s, s->tmp, &sent);
		if (r)
			return r;
		s->met.iterations++;
		uint64_t dt = mig_mono_ns() - t0, db = multi_bytes_tx(s) - b0;
		if (db >= (256u << 10) && dt)
			s->met.bandwidth_bps =
			        (uint64_t)((unsigned __int128)db * 1000000000ULL / dt);
		if (sent)
			bpp = db / sent;
		long dirty = fetch_dirty(s);
		if (dirty < 0)
			return (int)dirty;
		s->met.dirty_pages = (uint64_t)dirty;
		struct mig_conv_in in = {
		        .dirty_pages = (uint64_t)dirty,
		        .bytes_per_page = bpp,
		        .bandwidth_bps = s->met.bandwidth_bps,
		        .fixed_ns = s->fixed_ns,
		        .downtime_limit_ns = s->p.downtime_limit_ms * 1000000ULL,
		        .iteration = s->met.iterations,
		        .max_iterations = s->p.max_iterations,
		        .dirty_rate_pps = dt ? (uint64_t)dirty * 1000000000ULL / dt : 0,
		};
		enum mig_conv c = mig_converge(&in, &s->met.expected_downtime_ns);
		devices_migration(vmm_devices(s->g->vmm), s->g->vmm, true, DEV_MIG_PASS, sent);
		precopy_log_pass(s, sent, db, dt);
		publish(s);
		if (c != MIG_CONV_CONTINUE) {
			snprintf(s->met.converge, sizeof(s->met.converge), "%s", mig_conv_name(c));
			return 0;
		}
	}
}

/* Stop-and-copy: the vCPU is paused. Everything up to CHECKSUM. */
static int stop_and_copy(struct src *s, uint64_t stop_rt)
{
	long dirty = fetch_dirty(s);
	if (dirty < 0)
		return (int)dirty;
	s->final = true;
	uint64_t sent, b0 = multi_bytes_tx(s), t0 = mig_mono_ns();
	memcpy(s->tmp, s->pending, s->words * sizeof(uint64_t));
	int r = send_pass(s, s->tmp, &sent);
	if (r)
		return r;
	s->met.iterations++;
	s->met.dirty_pages = 0;
	s->met.final_pages = sent;
	s->met.final_ns = mig_mono_ns() - t0;
	precopy_log_pass(s, sent, multi_bytes_tx(s) - b0, mig_mono_ns() - t0);
	if (s->postcopy && (r = pc_src_declare(s)))
		return r;
	struct vcpu_state *st = calloc(1, sizeof(*st));
	struct kvm_clock_data clk;
	uint8_t *dev = NULL;
	size_t devlen = 0;
	r = st ? vcpu_state_get(vmm_vcpu(s->g->vmm), st) : -ENOMEM;
	if (!r)
		r = vm_clock_get(s->vm, &clk);
	if (!r)
		r = devices_save(vmm_devices(s->g->vmm), &dev, &devlen);
	if (r) {
		snprintf(s->conn.err, sizeof(s->conn.err), "reading vCPU/clock/device state: %s",
		         strerror(-r));
		goto out;
	}
	struct tsmig_clock c = {.clock = clk.clock,
	                        .flags = clk.flags,
	                        .realtime = clk.realtime,
	                        .host_tsc = clk.host_tsc};
	struct tsmig_data_end end = {.stop_realtime_ns = stop_rt, .pages = s->npages};
	struct tsmig_tsc tsc;
	vmm_tsc_stop_record(s->g->vmm, &tsc); /* the guest's TSC at the park (vcpu_tsc.h) */
	if ((r = mig_send(&s->conn, TSMIG_REC_CPU, st, sizeof(*st))) ||
	    (r = mig_send(&s->conn, TSMIG_REC_CLOCK, &c, sizeof(c))) ||
	    (r = mig_send(&s->conn, TSMIG_REC_TSC, &tsc, sizeof(tsc))) ||
	    (r = mig_send(&s->conn, TSMIG_REC_DEVICES, dev, (uint32_t)devlen)) ||
	    (r = mig_send(&s->conn, TSMIG_REC_DATA_END, &end, sizeof(end))))
		goto out;
	/* The RAM hash started at the stop (migrate()) and ran beside the final pass; this
	 * thread now helps it finish. Final-pass pages and the report-ring header count as the
	 * copies sent (see set_known): the VMM may have written them after its copy. */
	struct tsmig_checksum ck = {.pages = s->npages};
	uint64_t t1 = mig_mono_ns();
	r = mig_ramhash_finish(s->rh, false);
	s->rh = NULL;
	r = r ?: mig_ramhash_finish(s->drh, false);
	s->drh = NULL;
	for (size_t w = 0; !r && s->dstale && w < (s->dblocks + 63) / 64; w++)
		for (uint64_t x = s->dstale[w]; x;
		     x &= x - 1) { /* written since: as the stop left it */
			uint64_t b = w * 64 + (uint64_t)__builtin_ctzll(x);
			s->dhash[b] = mig_block_hash64(s->dmap + b * s->dbs, s->dbs);
		}
	if (!r && s->postcopy)
		pc_src_leaves(s);
	for (size_t w = 0; !r && w < s->words; w++)
		for (uint64_t x = s->known_bm[w]; x; x &= x - 1) {
			uint64_t p = w * 64 + (uint64_t)__builtin_ctzll(x);
			s->rehash[p] = s->known[p];
		}
	if (!r)
		r = mig_checksum_leaves(s->rehash, s->npages, s->dhash, s->dmap ? s->dblocks : 0,
		                        dev, devlen, &st->regs, ck.digest);
	s->met.checksum_ns = mig_mono_ns() - t1;
	mig_digest_hex(ck.digest, s->digest_hex);
	memcpy(s->digest, ck.digest, sizeof(s->digest));
	if (!r)
		r = mig_send(&s->conn, TSMIG_REC_CHECKSUM, &ck, sizeof(ck));
	if (!r && s->p.checksum_early) { /* for VERIFY after RUNNING */
		s->ck_dev = dev;
		s->ck_devlen = devlen;
		s->ck_regs = st->regs;
		dev = NULL;
	}
out:
	free(st);
	free(dev);
	return r;
}

/* Wait for a status record of type want; an ERROR record fails with its message. */
static int wait_status(struct src *s, unsigned want, struct tsmig_status *out)
{
	struct tsmig_rec_hdr h;
	int r = mig_recv(&s->conn, &h, out, sizeof(*out));
	if (r)
		return r;
	out->msg[TSMIG_MSG_MAX - 1] = 0;
	if (h.type == TSMIG_REC_ERROR) {
		snprintf(s->conn.err, sizeof(s->conn.err), "destination refused: %s", out->msg);
		return out->err < 0 ? out->err : -EPROTO;
	}
	if (h.type != want) {
		snprintf(s->conn.err, sizeof(s->conn.err), "destination sent %s, expected %s",
		         tsmig_rec_name(h.type), tsmig_rec_name(want));
		return -EPROTO;
	}
	return 0;
}

/* checksum early, after RUNNING: hash RAM as the stop left it (this side stays paused) and
 * send VERIFY, the checksum over those hashes with the switchover's disk leaves, device blob
 * and registers; the destination compares it with the switchover checksum and answers
 * VERIFIED. A page the dirty log missed shows here, named by the first that differs from the
 * copy sent. 0 or -errno. */
static int verify_after_switch(struct src *s)
{
	uint64_t t0 = mig_mono_ns();
	uint64_t *h = malloc(s->npages * sizeof(uint64_t));
	struct mig_ramhash *rh =
	        h ? mig_ramhash_start(s->ram, s->npages, h, s->hash_threads) : NULL;
	int r = rh ? mig_ramhash_finish(rh, false) : -ENOMEM;
	uint64_t bad = UINT64_MAX;
	for (size_t w = 0; !r && w < s->words; w++) /* the VMM's own late writes, as sent */
		for (uint64_t x = s->known_bm[w]; x; x &= x - 1) {
			uint64_t p = w * 64 + (uint64_t)__builtin_ctzll(x);
			h[p] = s->known[p];
		}
	for (uint64_t p = 0; !r && p < s->npages && bad == UINT64_MAX; p++)
		if (h[p] != s->rehash[p])
			bad = p;
	/* the disk as the stop left it, read again (post-copy: missing blocks' leaves are 0) */
	uint64_t *dh = s->dmap && !r ? malloc(s->dblocks * sizeof(uint64_t)) : NULL;
	if (s->dmap && !r && !dh)
		r = -ENOMEM;
	if (dh && !(rh = mig_ramhash_start_bs(s->dmap, s->dblocks, s->dbs, dh, s->hash_threads)))
		r = -ENOMEM;
	uint64_t dbad = UINT64_MAX;
	if (dh && !r && !(r = mig_ramhash_finish(rh, false)))
		for (uint64_t b = 0; b < s->dblocks; b++) {
			if (s->postcopy && s->missing[b / 64] >> (b % 64) & 1)
				dh[b] = 0;
			if (dh[b] != s->dhash[b] && dbad == UINT64_MAX)
				dbad = b;
		}
	if (dbad != UINT64_MAX)
		pr_err("checksum early: disk block %llu changed after its hash at the stop",
		       (unsigned long long)dbad);
	struct tsmig_checksum ck = {.pages = s->npages};
	if (!r)
		r = mig_checksum_leaves(h, s->npages, dh, s->dmap ? s->dblocks : 0, s->ck_dev,
		                        s->ck_devlen, &s->ck_regs, ck.digest);
	free(h);
	free(dh);
	struct tsmig_status st;
	r = r ?: mig_send(&s->conn, TSMIG_REC_VERIFY, &ck, sizeof(ck));
	r = r ?: wait_status(s, TSMIG_REC_VERIFIED, &st);
	s->met.verify_ns = mig_mono_ns() - t0;
	if (bad != UINT64_MAX)
		pr_err("checksum early: page %llu changed after its last copy (the dirty log "
		       "missed "
		       "it)%s",
		       (unsigned long long)bad, r ? "" : " but the destination verified?");
	if (!r)
		pr_info("checksum early: the destination verified the RAM as read after the stop "
		        "(%.1f ms after RUNNING)",
		        s->met.verify_ns / 1e6);
	return r;
}

/* The whole source side; on return the vCPU is running again unless it completed. */
static int migrate(struct src *s)
{
	int r = precopy_setup(s);
	if (r)
		return r;
	s->met.status = MIG_ACTIVE;
	s->met.setup_ns = mig_mono_ns() - s->g->start_ns;
	publish(s);
	devices_migration(vmm_devices(s->g->vmm), s->g->vmm, true, DEV_MIG_START, 0);
	if ((s->p.storage != MIG_STORAGE_NONE && (r = disk_precopy(s))) || (r = precopy(s)))
		return r;
	/* converged: the stop-and-copy pass comes next (reported before the stop, so that the
	 * report is not part of the downtime) */
	devices_migration(vmm_devices(s->g->vmm), s->g->vmm, true, DEV_MIG_FINAL, 0);
	bool was_paused = vmm_get_state(s->g->vmm) == VMM_PAUSED;
	if ((r = vmm_pause(s->g->vmm))) {
		snprintf(s->conn.err, sizeof(s->conn.err), "the guest stopped during migration");
		return r;
	}
	uint64_t stop_rt = mig_realtime_ns();
	s->paused = !was_paused; /* resume on failure only what we paused */
	/* The checksum's view of the source: every page read from RAM now that the vCPU is
	 * stopped, whatever the dirty log said. Workers hash while this thread sends. With
	 * checksum early the leaves are the hashes of the copies sent, and RAM is re-read
	 * after RUNNING (verify_after_switch): the downtime does not grow with RAM. */
	if (!s->p.checksum_early &&
	    !(s->rh = mig_ramhash_start(s->ram, s->npages, s->rehash, s->hash_threads)))
		return -ENOMEM;
	/* migrate-disk: the disk too (only the vCPU writes it, through the block device);
	 * checksum early: hashed since the setup, the blocks written since again (dstale) */
	if (s->dmap && !s->dstale &&
	    !(s->drh =
	              mig_ramhash_start_bs(s->dmap, s->dblocks, s->dbs, s->dhash, s->hash_threads)))
		return -ENOMEM;
	s->met.status = MIG_DEVICE;
	publish(s);
	struct tsmig_status st;
	if ((r = stop_and_copy(s, stop_rt)))
		return r;
	uint64_t t = mig_mono_ns();
	if ((r = wait_status(s, TSMIG_REC_READY, &st)))
		return r;
	s->met.ready_ns = mig_mono_ns() - t;
	s->go_sent = true;
	if ((r = mig_send(&s->conn, TSMIG_REC_GO, NULL, 0)) ||
	    (r = wait_status(s, TSMIG_REC_RUNNING, &st)))
		return r;
	s->met.downtime_ns = st.realtime_ns > stop_rt ? st.realtime_ns - stop_rt : 0;
	s->after_switch = true;
	if (!s->postcopy || !s->pc_missing) /* nothing missing: the destination has no
	                                     * post-copy phase either */
		return s->p.checksum_early ? verify_after_switch(s) : 0;
	s->pc_running = true;
	publish(s);
	/* post-copy first: the guest's reads of missing blocks must not wait for the re-read */
	if ((r = pc_src_run(s)))
		return r;
	s->pc_running = false;
	return s->p.checksum_early ? verify_after_switch(s) : 0;
}

void *precopy_thread(void *arg)
{
	struct migration *g = arg;
	struct src *s = precopy_src_create(g);
	if (!s) {
		pthread_mutex_lock(&g->lock);
		g->met.status = MIG_FAILED;
		snprintf(g->met.error, sizeof(g->met.error), "out of memory");
		pthread_mutex_unlock(&g->lock);
		return NULL;
	}
	int r = migrate(s);
	mig_ramhash_finish(s->rh, true); /* a failure after the stop left it running */
	s->rh = NULL;
	devices_migration(vmm_devices(g->vmm), g->vmm, true, r ? DEV_MIG_CANCEL : DEV_MIG_END, 0);
	if (s->blk) {
		struct blk_pc_stats io;
		blk_pc_stats(s->blk, &io);
		s->met.io_read_blocks = io.guest_read_blocks - s->met.io_read_blocks;
		s->met.io_write_blocks = io.guest_write_blocks - s->met.io_write_blocks;
	}
	if (r && s->after_switch) {
		/* the destination runs the guest (and in post-copy may still lack blocks): this
		 * side must neither resume nor drop its image */
		if (s->pc_running)
			snprintf(s->met.pc_state, sizeof(s->met.pc_state), "link-lost");
		s->met.status = MIG_FAILED;
		snprintf(s->met.error, sizeof(s->met.error),
		         "%s: %.100s; the destination runs the guest%s: this source stays paused "
		         "and "
		         "keeps its image",
		         s->pc_running ? "post-copy" : "after the switchover",
		         s->conn.err[0] ? s->conn.err : strerror(-r),
		         s->pc_running ? " and waits for the blocks not confirmed" : "");
		pr_err("migration to %s: %s", g->uri, s->met.error);
	} else if (r) {
		if (s->paused)
			vmm_resume(g->vmm);
		vm_dirty_log_stop(s->vm);
		s->met.status = r == -ECANCELED ? MIG_CANCELLED : MIG_FAILED;
		const char *why = s->conn.err[0] ? s->conn.err : strerror(-r);
		snprintf(s->met.error, sizeof(s->met.error), "%.200s%s", why,
		         s->go_sent ? " (after GO: the destination may be running)" : "");
		pr_err("migration to %s failed: %s; the guest runs on here", g->uri, s->met.error);
	} else {
		s->met.status = MIG_COMPLETED;
	}
	mig_conn_close(&s->conn);
	publish(s);
	precopy_log_end(s);
	if (!r) {
		pr_info("migration to %s completed: downtime %.1f ms, total %.1f ms, %u passes, "
		        "%llu bytes, checksum %s",
		        g->uri, s->met.downtime_ns / 1e6, s->met.total_ns / 1e6, s->met.iterations,
		        (unsigned long long)s->met.bytes_wire, s->digest_hex);
		__atomic_store_n(g->quit, true, __ATOMIC_RELEASE);
	}
	precopy_src_destroy(s);
	return NULL;
}
