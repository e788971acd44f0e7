// SPDX-License-Identifier: MIT
/*
 * tsvmm storage flim, the source's post-copy phase (issue 15). At the stop the disk blocks
 * still pending (never sent, written since, or write-hot and held back) become the missing
 * set, declared in DISK_MISSING records; their checksum leaves are zeroed on both ends and
 * their hashes at the stop kept. Once the destination runs the guest, this side streams them:
 * the blocks the destination's guest waits for (BLOCK_REQ) at once, outside the bandwidth
 * cap, and between those the rest in hot-area order (read-hot first, write-hot last) in small
 * records (a request never waits behind much), holding back while the socket's send queue is
 * long. Then POSTCOPY_END with the digest of the missing blocks' hashes, and the
 * destination's POSTCOPY_DONE (every block arrived and matched) ends it: only then may the
 * source drop its copy. A lost link is reconnected for up to "postcopy-resume" ms: a new
 * connection (TLS again when the first was), PC_RESUME naming this migration by its
 * switchover checksum, the destination's PC_HAVE (the blocks it still lacks), and the stream
 * goes on with those. Without a reconnect this side stays paused with its image (it cannot
 * resume the guest: the destination runs it).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "devices/blk.h"
#include "migrate/migrate_private.h"
#include "migrate/postcopy_rec.h"
#include "migrate/precopy_private.h"
#include "migrate/tls.h"
#include "tsync/log.h"

#define PC_CHUNK    (32 << 10)  /* bytes of blocks per prefetch record (at least one block) */
#define PC_OUTQ_MAX (256 << 10) /* no prefetch while the socket holds more unsent+unacked */
#define PC_POLL_MS  5

static bool bit(const uint64_t *bm, uint64_t i)
{
	return bm[i / 64] >> (i % 64) & 1;
}

int pc_src_declare(struct src *s)
{
	size_t words = (s->dblocks + 63) / 64;
	memcpy(s->missing, s->dpending, words * 8);
	memset(s->dpending, 0, words * 8);
	s->pc_missing = 0;
	for (size_t w = 0; w < words; w++)
		s->pc_missing += (uint64_t)__builtin_popcountll(s->missing[w]);
	s->met.pc_missing = s->pc_missing;
	for (uint64_t first = 0; first < s->dblocks; first += PCREC_MISSING_CHUNK) {
		uint64_t n = s->dblocks - first < PCREC_MISSING_CHUNK ? s->dblocks - first
		                                                      : PCREC_MISSING_CHUNK;
		bool any = false;
		for (uint64_t w = first / 64; !any && w < (first + n + 63) / 64; w++)
			any = s->missing[w] != 0;
		if (!any)
			continue;
		uint32_t len = pcrec_missing_build(s->missing, first, n, s->rec);
		int r = mig_send(&s->conn, TSMIG_REC_DISK_MISSING, s->rec, len);
		if (r)
			return r;
	}
	return 0;
}

void pc_src_leaves(struct src *s)
{
	for (uint64_t b = 0; b < s->dblocks; b++)
		if (bit(s->missing, b)) {
			s->pc_h[b] = s->dhash[b];
			s->dhash[b] = 0;
		}
}

/* Send block b now (if missing and not sent yet) into the record being built. */
static int put_missing(struct src *s, uint64_t b, uint64_t *count)
{
	if (!bit(s->missing, b) || bit(s->pc_sent, b))
		return 0;
	s->pc_sent[b / 64] |= 1ULL << (b % 64);
	memcpy(s->dpage, s->dmap + b * s->dbs, s->dbs);
	(*count)++;
	s->met.disk_blocks_sent++;
	return precopy_put_block(s, b);
}

static int flush_now(struct src *s, bool uncapped)
{
	uint64_t rate = s->conn.rate_bps;
	if (uncapped)
		s->conn.rate_bps = 0; /* a guest waits: no queueing behind the cap */
	int r = precopy_flush(s);
	s->conn.rate_bps = rate;
	return r;
}

static void take_stats(struct src *s, const struct tsmig_pc_done *d)
{
	s->met.pc_misses = d->misses;
	s->met.pc_hits = d->hits;
	s->met.pc_dropped = d->dropped;
	s->met.pc_wait_p50_ns = d->wait_p50_ns;
	s->met.pc_wait_p99_ns = d->wait_p99_ns;
	s->met.pc_wait_max_ns = d->wait_max_ns;
}

/* One record from the destination: requests served at once; 1 on POSTCOPY_DONE. */
static int on_record(struct src *s, bool end_sent)
{
	struct tsmig_rec_hdr h;
	union {
		uint64_t req[TSMIG_REQ_MAX];
		struct tsmig_pc_done done;
		struct tsmig_status st;
	} u;
	int r = mig_recv(&s->conn, &h, &u, sizeof(u));
	if (r)
		return r;
	switch (h.type) {
	case TSMIG_REC_BLOCK_REQ: {
		uint64_t req[TSMIG_REQ_MAX], k = 0;
		int n = pcrec_req_parse(&u, h.len, s->dblocks, req, s->conn.err,
		                        sizeof(s->conn.err));
		for (int i = 0; n > 0 && !r && i < n; i++)
			r = put_missing(s, req[i], &k);
		s->met.pc_demanded += k;
		return n < 0 ? n : r ? r : flush_now(s, true);
	}
	case TSMIG_REC_POSTCOPY_DONE:
		if (!end_sent)
			break;
		take_stats(s, &u.done);
		return 1;
	case TSMIG_REC_ERROR:
		u.st.msg[TSMIG_MSG_MAX - 1] = 0;
		snprintf(s->conn.err, sizeof(s->conn.err), "destination refused: %s", u.st.msg);
		return u.st.err < 0 ? u.st.err : -EPROTO;
	default:
		break;
	}
	snprintf(s->conn.err, sizeof(s->conn.err), "post-copy: destination sent %s",
	         tsmig_rec_name(h.type));
	return -EPROTO;
}

/* Wait up to ms for the destination (or the cancel fd). */
static void wait_peer(struct src *s, int ms)
{
	struct pollfd p[2] = {{.fd = s->conn.fd, .events = POLLIN},
	                      {.fd = s->g->cancel_fd, .events = POLLIN}};
	if (!mig_conn_readable(&s->conn))
		poll(p, 2, ms);
}

static bool outq_full(const struct src *s)
{
	return mig_conn_unacked(&s->conn) > PC_OUTQ_MAX;
}

/* The destination's PC_HAVE records (every chunk of the disk): the blocks it lacks are to be
 * sent again. 0 or -errno. */
static int take_have(struct src *s, uint64_t *again)
{
	size_t words = (s->dblocks + 63) / 64 + 1;
	uint64_t *still = calloc(words, 8), added;
	int r = still ? 0 : -ENOMEM;
	for (uint64_t first = 0; !r && first < s->dblocks; first += PCREC_MISSING_CHUNK) {
		struct tsmig_rec_hdr h;
		if ((r = mig_recv(&s->conn, &h, s->rec, TSMIG_REC_MAX)))
			break;
		if (h.type != TSMIG_REC_PC_HAVE) {
			snprintf(s->conn.err, sizeof(s->conn.err),
			         "post-copy resume: destination sent %s, expected PC_HAVE",
			         tsmig_rec_name(h.type));
			r = -EPROTO;
			break;
		}
		r = pcrec_missing_parse(s->rec, h.len, s->dblocks, still, &added, s->conn.err,
		                        sizeof(s->conn.err));
	}
	*again = 0;
	for (size_t w = 0; !r && w + 1 < words; w++) {
		uint64_t x = still[w] & s->missing[w];
		*again += (uint64_t)__builtin_popcountll(x & s->pc_sent[w]);
		s->pc_sent[w] &= ~x;
	}
	free(still);
	return r;
}

/* The link broke in post-copy: connect again (within pc_resume_ms), PC_RESUME, PC_HAVE.
 * 0 or -errno (reason in s->conn.err). */
static int reconnect(struct src *s)
{
	uint64_t t0 = mig_mono_ns(), until = t0 + s->p.pc_resume_ms * 1000000ULL, again = 0;
	char why[256];
	snprintf(why, sizeof(why), "%s", s->conn.err);
	pr_err("storage flim post-copy: link lost (%s): reconnecting for up to %u ms", why,
	       s->p.pc_resume_ms);
	struct mig_tls_opts to;
	migration_tls_opts(s->g, &to);
	s->met.pc_resumes++;
	while (mig_mono_ns() < until) {
		s->bytes_base += s->conn.bytes_tx;
		mig_conn_close(&s->conn);
		s->conn.bytes_tx = 0;
		int fd = mig_connect(s->g->uri, 1000, s->g->cancel_fd, s->conn.err,
		                     sizeof(s->conn.err));
		if (fd == -ECANCELED)
			return fd;
		if (fd < 0) {
			struct pollfd p = {.fd = s->g->cancel_fd, .events = POLLIN};
			poll(&p, 1, 200);
			continue;
		}
		mig_conn_init(&s->conn, fd, true, (int)s->p.timeout_ms, s->g->cancel_fd);
		s->conn.rate_bps = s->p.max_bandwidth;
		struct tsmig_pc_resume rs = {.magic = TSMIG_MAGIC, .resume = s->met.pc_resumes};
		memcpy(rs.digest, s->digest, sizeof(rs.digest));
		int r = s->tls ? mig_conn_start_tls(&s->conn, s->tls, to.hostname) : 0;
		r = r ?: mig_send(&s->conn, TSMIG_REC_PC_RESUME, &rs, sizeof(rs));
		r = r ?: take_have(s, &again);
		if (!r) {
			pr_info("storage flim post-copy: reconnected after %.1f ms, %llu blocks "
			        "sent "
			        "again",
			        (mig_mono_ns() - t0) / 1e6, (unsigned long long)again);
			return 0;
		}
		if (r == -ECANCELED || r == -EPROTO || r == -EBADMSG)
			return r; /* the destination answered, but not as expected: no retry */
	}
	snprintf(s->conn.err, sizeof(s->conn.err), "link lost (%.100s), no reconnect within %u ms",
	         why, s->p.pc_resume_ms);
	return -ETIMEDOUT;
}

static bool link_error(int r)
{
	return r == -ECONNRESET || r == -EPIPE || r == -ETIMEDOUT || r == -ECONNREFUSED;
}

int pc_src_run(struct src *s)
{
	uint64_t t0 = mig_mono_ns(), n = 0, next = 0;
	snprintf(s->met.pc_state, sizeof(s->met.pc_state), "running");
	memcpy(s->dpending, s->missing, (s->dblocks + 63) / 64 * 8);
	if (s->p.pc_prefetch) {
		precopy_read_counts(s);
		n = hotarea_order(&s->hot, s->dpending, false, s->dorder);
	} else {
		for (uint64_t b = 0; b < s->dblocks; b++)
			if (bit(s->missing, b))
				s->dorder[n++] = b;
		memset(s->dpending, 0, (s->dblocks + 63) / 64 * 8);
	}
	uint64_t stream_at = s->p.pc_prefetch ? t0 : t0 + s->p.pc_ondemand_ms * 1000000ULL;
	/* test fault: the link is cut after this many post-copy blocks */
	const char *f = getenv("TSVMM_MIG_FAULT");
	int cut = f && !strncmp(f, "postcopy-cut=", 13) ? atoi(f + 13) : -1;
	bool end_sent = false;
	int r = 0;
	s->region = MIG_DISK_REGION;
	uint64_t end_wait = 0;
	while (r <= 0) {
		if (cut >= 0 && s->met.pc_demanded + s->met.pc_prefetched >= (uint64_t)cut) {
			shutdown(s->conn.fd, SHUT_RDWR);
			snprintf(s->conn.err, sizeof(s->conn.err),
			         "link cut after %d post-copy blocks (TSVMM_MIG_FAULT)", cut);
			r = -ECONNRESET;
			cut = -1;
		}
		while (!r && mig_conn_readable(&s->conn))
			r = on_record(s, end_sent);
		if (r < 0 && link_error(r) && s->p.pc_resume_ms && !(r = reconnect(s))) {
			next = 0; /* the blocks the destination still lacks are unsent again */
			end_sent = false;
			continue;
		}
		if (r)
			break;
		if (next < n && mig_mono_ns() >= stream_at && !outq_full(s)) {
			uint64_t k = 0;
			while (!r && next < n && k * s->dbs < PC_CHUNK)
				r = put_missing(s, s->dorder[next++], &k);
			s->met.pc_prefetched += k;
			r = r ?: flush_now(s, false);
			s->met.pc_ns = mig_mono_ns() - t0;
			continue;
		}
		if (next >= n && !end_sent) {
			struct tsmig_pc_end e;
			e.digest = pcrec_digest(s->missing, s->dblocks, s->pc_h, &e.blocks);
			r = mig_send(&s->conn, TSMIG_REC_POSTCOPY_END, &e, sizeof(e));
			end_sent = true;
			end_wait = mig_mono_ns();
			continue;
		}
		if (end_sent && mig_mono_ns() - end_wait > s->p.timeout_ms * 1000000ULL) {
			snprintf(s->conn.err, sizeof(s->conn.err),
			         "post-copy: no POSTCOPY_DONE within %u ms", s->p.timeout_ms);
			r = -ETIMEDOUT;
			break;
		}
		wait_peer(s, next < n ? 1 : PC_POLL_MS * 20);
	}
	s->region = 0;
	s->met.pc_ns = mig_mono_ns() - t0;
	if (r == 1) {
		snprintf(s->met.pc_state, sizeof(s->met.pc_state), "done");
		pr_info("storage flim post-copy: %llu blocks in %.1f ms (%llu prefetched, %llu on "
		        "demand), destination: %llu misses, %llu prefetch hits, %llu dropped, miss "
		        "wait p50 %.2f ms p99 %.2f ms",
		        (unsigned long long)s->pc_missing, s->met.pc_ns / 1e6,
		        (unsigned long long)s->met.pc_prefetched,
		        (unsigned long long)s->met.pc_demanded,
		        (unsigned long long)s->met.pc_misses, (unsigned long long)s->met.pc_hits,
		        (unsigned long long)s->met.pc_dropped, s->met.pc_wait_p50_ns / 1e6,
		        s->met.pc_wait_p99_ns / 1e6);
		return 0;
	}
	return r;
}
