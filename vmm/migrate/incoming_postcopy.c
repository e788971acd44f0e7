// SPDX-License-Identifier: MIT
/*
 * tsvmm storage flim, the destination's post-copy phase (issue 15). The vCPU runs while the
 * image lacks the blocks the source declared in DISK_MISSING. The block device (blk.h) makes
 * a guest read of a missing block wait for that block only and queues a request; this
 * thread sends the queued requests (BLOCK_REQ), writes every block that arrives through the
 * device (a block the guest overwrote meanwhile is dropped), keeps the hash of what arrived,
 * and on POSTCOPY_END compares the digest of those hashes with the source's (the content
 * of each block at the source's stop): equal, it confirms with POSTCOPY_DONE and the source
 * may drop its copy. A lost link: the blocks still missing are logged, the guest waits on
 * them while this thread listens on the --incoming address again for the source's
 * reconnect (PC_RESUME with this migration's switchover checksum; TLS again when the first
 * connection had it; anything else is refused and the wait goes on), answers PC_HAVE (the
 * blocks it still lacks), asks again for the blocks its guest waits on, and goes on.
 * A hostile record ends the phase (logged, ERROR to the source): the guest then waits on the
 * blocks still missing, the source keeps its copy.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/blk.h"
#include "devices/device.h"
#include "migrate/checksum.h"
#include "migrate/compress.h"
#include "migrate/incoming_private.h"
#include "migrate/postcopy_rec.h"
#include "migrate/tls.h"
#include "tsync/log.h"
#include "vmm.h"

struct pcd {
	struct blk *blk;
	struct mig_conn conn;
	struct mig_tls *tls; /* the session's credentials, freed after it */
	struct tsmig_limits dlim;
	uint32_t dbs; /* bytes of a disk block: the device's 4 KiB blocks are filled per dbs */
	uint8_t *tmp; /* dbs bytes */
	unsigned region;
	uint64_t *missing, *got, *h; /* at the switchover; arrived; XXH3-64 of what arrived */
	uint64_t nmissing, ngot;
	int evfd;
	int timeout_ms;
	char addr[256];     /* --incoming ADDR:PORT, for a reconnect */
	uint8_t digest[16]; /* the switchover checksum */
	uint32_t resumes;
	bool verify; /* checksum early: VERIFY follows POSTCOPY_DONE */
	bool started, stop;
	pthread_t thread;
	uint8_t *buf;
	char err[256];
};

static void pcd_want(void *arg)
{
	struct pcd *p = arg;
	uint64_t one = 1;
	if (write(p->evfd, &one, sizeof(one)) < 0) { /* full counter: a wakeup is pending */
	}
}

static void pcd_stop(void *arg)
{
	struct pcd *p = arg;
	if (p->started) {
		__atomic_store_n(&p->stop, true, __ATOMIC_RELEASE);
		pcd_want(p);
		pthread_join(p->thread, NULL);
	}
	mig_conn_close(&p->conn);
	mig_tls_free(p->tls);
	close(p->evfd);
	free(p->missing);
	free(p->got);
	free(p->h);
	free(p->buf);
	free(p->tmp);
	free(p);
}

static int __attribute__((format(printf, 3, 4))) pfail(struct pcd *p, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return r;
}
#define FAIL(r, ...) pfail(p, r, __VA_ARGS__)

static int fill(struct pcd *p, uint64_t b, const uint8_t *data)
{
	if (b >= p->dlim.npages || !(p->missing[b / 64] >> (b % 64) & 1) ||
	    p->got[b / 64] >> (b % 64) & 1)
		return FAIL(-EBADMSG, "post-copy block %llu: %s", (unsigned long long)b,
		            b >= p->dlim.npages              ? "beyond the disk"
		            : p->got[b / 64] >> (b % 64) & 1 ? "sent twice"
		                                             : "was not missing");
	uint64_t per = p->dbs / TSMIG_PAGE_SIZE; /* the device's 4 KiB blocks in one */
	for (uint64_t i = 0; i < per; i++) {
		int r = blk_pc_fill(p->blk, b * per + i, data + i * TSMIG_PAGE_SIZE);
		if (r < 0)
			return FAIL(r, "post-copy block %llu: %s", (unsigned long long)b,
			            strerror(-r));
	}
	p->h[b] = mig_block_hash64(data, p->dbs);
	p->got[b / 64] |= 1ULL << (b % 64);
	p->ngot++;
	return 0;
}

static int on_pages(struct pcd *p, const struct tsmig_rec_hdr *hd)
{
	uint8_t *tmp = p->tmp;
	size_t off = 0;
	struct tsmig_entry e;
	int r;
	if (hd->flags != p->region)
		return FAIL(-EPROTO, "post-copy: PAGES of region %u, not the disk's %u", hd->flags,
		            p->region);
	while ((r = tsmig_entry_next(p->buf, hd->len, &off, &p->dlim, &e, p->err,
	                             sizeof(p->err))) == 1) {
		switch (e.kind) {
		case TSMIG_PAGE_FULL:
			r = fill(p, e.pfn, e.data);
			break;
		case TSMIG_PAGE_ZERO:
			memset(tmp, 0, p->dbs);
			for (uint64_t b = e.pfn; !r && b < e.pfn + e.count; b++)
				r = fill(p, b, tmp);
			break;
		case TSMIG_PAGE_LZ4:
		case TSMIG_PAGE_ZSTD:
			r = mig_decompress_block(e.kind, e.data, e.len, tmp, p->dbs)
			            ? FAIL(-EBADMSG, "post-copy block %llu: bad compressed data",
			                   (unsigned long long)e.pfn)
			            : fill(p, e.pfn, tmp);
			break;
		default:
			r = FAIL(-EBADMSG, "post-copy block %llu: a reference entry (kind %u)",
			         (unsigned long long)e.pfn, e.kind);
		}
		if (r)
			return r;
	}
	return r < 0 ? -EBADMSG : 0;
}

/* POSTCOPY_END: every block arrived and the digest matches: confirm. 1 or -errno. */
static int on_end(struct pcd *p)
{
	struct tsmig_pc_end e;
	memcpy(&e, p->buf, sizeof(e));
	uint64_t blocks, mine = pcrec_digest(p->missing, p->dlim.npages, p->h, &blocks);
	if (p->ngot != p->nmissing || e.blocks != blocks)
		return FAIL(-EPROTO,
		            "POSTCOPY_END after %llu of %llu missing blocks (source: %llu)",
		            (unsigned long long)p->ngot, (unsigned long long)p->nmissing,
		            (unsigned long long)e.blocks);
	if (e.digest != mine)
		return FAIL(-EBADMSG,
		            "post-copy digest mismatch: source %016llx, here %016llx (a block "
		            "arrived with other content than the source's at its stop)",
		            (unsigned long long)e.digest, (unsigned long long)mine);
	struct blk_pc_stats st;
	blk_pc_stats(p->blk, &st);
	struct tsmig_pc_done d = {
	        .blocks = p->ngot,
	        .filled = st.filled,
	        .dropped = st.dropped,
	        .misses = st.misses,
	        .hits = st.hits,
	        .requested = st.requested,
	        .wait_p50_ns = st.wait_p50_ns,
	        .wait_p99_ns = st.wait_p99_ns,
	        .wait_max_ns = st.wait_max_ns,
	        .duration_ns = mig_mono_ns() - st.start_ns,
	        .guest_read_blocks = st.guest_read_blocks,
	        .guest_write_blocks = st.guest_write_blocks,
	};
	int r = mig_send(&p->conn, TSMIG_REC_POSTCOPY_DONE, &d, sizeof(d));
	if (r)
		return FAIL(r, "sending POSTCOPY_DONE: %.200s", p->conn.err);
	pr_info("incoming post-copy: complete, %llu blocks in %.1f ms (%llu written, %llu dropped: "
	        "the guest overwrote them), %llu misses, %llu prefetch hits, miss wait p50 %.2f "
	        "ms p99 %.2f ms, disk digest %016llx matches",
	        (unsigned long long)p->ngot, d.duration_ns / 1e6, (unsigned long long)st.filled,
	        (unsigned long long)st.dropped, (unsigned long long)st.misses,
	        (unsigned long long)st.hits, st.wait_p50_ns / 1e6, st.wait_p99_ns / 1e6,
	        (unsigned long long)mine);
	return 1;
}

static int send_requests(struct pcd *p)
{
	uint64_t req[TSMIG_REQ_MAX], per = p->dbs / TSMIG_PAGE_SIZE;
	size_t n;
	while ((n = blk_pc_take(p->blk, req, TSMIG_REQ_MAX))) {
		size_t k = 0; /* the device's 4 KiB blocks -> disk blocks, neighbours merged */
		for (size_t i = 0; i < n; i++)
			if (!k || req[k - 1] != req[i] / per)
				req[k++] = req[i] / per;
		n = k;
		if (mig_send(&p->conn, TSMIG_REC_BLOCK_REQ, req, (uint32_t)(n * 8)))
			return FAIL(-ECONNRESET, "sending BLOCK_REQ: %.200s", p->conn.err);
	}
	return 0;
}

/* PC_HAVE records: the blocks missing at the switchover not received yet, every chunk. */
static int send_have(struct pcd *p)
{
	uint64_t words = p->dlim.npages / 64 + 1;
	uint64_t *still = calloc(words, 8);
	int r = still ? 0 : -ENOMEM;
	for (uint64_t w = 0; still && w < words; w++)
		still[w] = p->missing[w] & ~p->got[w];
	for (uint64_t first = 0; !r && first < p->dlim.npages; first += PCREC_MISSING_CHUNK) {
		uint64_t n = p->dlim.npages - first < PCREC_MISSING_CHUNK ? p->dlim.npages - first
		                                                          : PCREC_MISSING_CHUNK;
		uint32_t len = pcrec_missing_build(still, first, n, p->buf);
		r = mig_send(&p->conn, TSMIG_REC_PC_HAVE, p->buf, len);
	}
	free(still);
	return r;
}

/* One connection on lfd that resumes this migration: 0 (p->conn set up, PC_HAVE sent), 1
 * (refused: wait on), -ECANCELED (stopping). */
static int accept_resume(struct pcd *p, int lfd)
{
	char peer[80], err[256];
	int fd = mig_accept(lfd, p->evfd, peer, sizeof(peer), err, sizeof(err));
	if (fd == -ECANCELED) {
		uint64_t v;
		if (read(p->evfd, &v, sizeof(v)) < 0) { /* a want() woke us: nothing to send now */
		}
		return __atomic_load_n(&p->stop, __ATOMIC_ACQUIRE) ? -ECANCELED : 1;
	}
	if (fd < 0)
		return 1;
	mig_conn_init(&p->conn, fd, false, p->timeout_ms, -1);
	mig_conn_set_deadline(&p->conn, 5000);
	struct tsmig_rec_hdr h;
	struct tsmig_pc_resume rs;
	int r = p->tls ? mig_conn_start_tls(&p->conn, p->tls, NULL) : 0;
	r = r ?: mig_recv(&p->conn, &h, &rs, sizeof(rs));
	if (!r && (h.type != TSMIG_REC_PC_RESUME || rs.magic != TSMIG_MAGIC ||
	           memcmp(rs.digest, p->digest, sizeof(rs.digest))))
		r = FAIL(-EPROTO, "%s is not this migration's source resuming (%s)", peer,
		         tsmig_rec_name(h.type));
	else if (r)
		FAIL(r, "%s: %.200s", peer, p->conn.err);
	mig_conn_set_deadline(&p->conn, 0);
	r = r ?: send_have(p);
	if (r) {
		pr_err("incoming post-copy: refused a reconnect: %s", p->err);
		mig_conn_close(&p->conn);
		return 1;
	}
	pr_info("incoming post-copy: the source reconnected from %s (resume %u)", peer, rs.resume);
	return 0;
}

/* The link broke: wait for the source on the --incoming address. 0 or -errno. */
static int resume(struct pcd *p)
{
	struct blk_pc_stats st;
	blk_pc_stats(p->blk, &st);
	pr_err("incoming post-copy: link to the source lost (%s); %llu of %llu blocks still "
	       "missing: guest reads of them wait (its vCPU blocks on each); waiting for the "
	       "source to reconnect on %s",
	       p->err, (unsigned long long)st.left, (unsigned long long)st.missing, p->addr);
	mig_conn_close(&p->conn);
	char err[256];
	int lfd = mig_listen(p->addr, err, sizeof(err)), r = 1;
	if (lfd < 0)
		return FAIL(lfd, "listening on %s again: %.200s", p->addr, err);
	while (r == 1)
		r = accept_resume(p, lfd);
	close(lfd);
	if (!r) {
		p->resumes++;
		blk_pc_reask(p->blk); /* the blocks the guest waits on, first */
	}
	return r;
}

static void *pcd_thread(void *arg)
{
	struct pcd *p = arg;
	int r = 0;
	while (r <= 0 && !__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		if (r == -ECONNRESET || r == -EPIPE || r == -ETIMEDOUT) {
			if ((r = resume(p)))
				break;
			continue;
		}
		if (r)
			break;
		struct pollfd f[2] = {{.fd = p->conn.fd, .events = POLLIN},
		                      {.fd = p->evfd, .events = POLLIN}};
		if (!mig_conn_readable(&p->conn) && poll(f, 2, 1000) < 0)
			continue;
		uint64_t v;
		if (f[1].revents & POLLIN && read(p->evfd, &v, sizeof(v)) < 0)
			continue;
		if ((r = send_requests(p)))
			continue;
		while (!r && mig_conn_readable(&p->conn)) {
			struct tsmig_rec_hdr h;
			if ((r = mig_recv(&p->conn, &h, p->buf, TSMIG_REC_MAX))) {
				FAIL(r, "%.200s", p->conn.err);
				break;
			}
			r = h.type == TSMIG_REC_PAGES          ? on_pages(p, &h)
			    : h.type == TSMIG_REC_POSTCOPY_END ? on_end(p)
			                                       : FAIL(-EPROTO,
			                                              "post-copy: unexpected %s "
			                                              "record",
			                                              tsmig_rec_name(h.type));
			r = r ?: send_requests(p);
		}
	}
	blk_pc_detach(p->blk);
	if (r == 1 && p->verify) /* the source re-read its RAM and disk once done: logged */
		dst_verify(&p->conn, p->digest, p->err, sizeof(p->err));
	if (r < 0 && r != -ECANCELED) {
		struct blk_pc_stats st;
		blk_pc_stats(p->blk, &st);
		pr_err("incoming post-copy failed: %s; %llu of %llu blocks still missing: guest "
		       "reads of them wait (its vCPU blocks on each), the source keeps its copy; "
		       "no reconnect in this version",
		       p->err, (unsigned long long)st.left, (unsigned long long)st.missing);
		if (r != -ECONNRESET && r != -EPIPE && r != -ETIMEDOUT) {
			struct tsmig_status s = {.err = r};
			snprintf(s.msg, sizeof(s.msg), "%.100s", p->err);
			mig_send(&p->conn, TSMIG_REC_ERROR, &s, sizeof(s));
		}
	}
	mig_conn_close(&p->conn);
	return NULL;
}

int dst_pc_prepare(struct dst *d)
{
	struct blk *b = devices_priv(vmm_devices(d->vmm), "blk");
	struct pcd *p = calloc(1, sizeof(*p));
	size_t words = d->dlim.npages / 64 + 1;
	if (!b)
		return dst_fail(d, -ENODEV, "post-copy: no block device");
	uint64_t per = d->dbs / TSMIG_PAGE_SIZE, nb = d->dlim.npages * per; /* device blocks */
	uint64_t *dev_missing = per > 1 ? calloc(nb / 64 + 1, 8) : NULL;
	if (!p || !(p->got = calloc(words, 8)) || !(p->h = calloc(d->dlim.npages + 1, 8)) ||
	    !(p->buf = malloc(TSMIG_REC_MAX)) || !(p->tmp = malloc(d->dbs)) ||
	    (per > 1 && !dev_missing) || (p->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		if (p) {
			free(p->got);
			free(p->h);
			free(p->buf);
			free(p->tmp);
			free(p);
		}
		free(dev_missing);
		return dst_fail(d, -ENOMEM, "post-copy: out of memory");
	}
	p->blk = b;
	p->dbs = d->dbs;
	p->dlim = d->dlim;
	p->dlim.ram_pages = 0; /* post-copy: the guest runs, its RAM is no reference */
	p->region = d->disk_region;
	p->missing = d->missing; /* taken over */
	d->missing = NULL;
	p->nmissing = d->nmissing;
	p->conn.fd = -1;
	p->verify = d->features & TSMIG_F_VERIFY;
	p->timeout_ms = d->conn.timeout_ms;
	snprintf(p->addr, sizeof(p->addr), "%s", d->listen_addr);
	memcpy(p->digest, d->digest, sizeof(p->digest));
	struct blk_fetch f = {.want = pcd_want, .stop = pcd_stop, .arg = p};
	/* the block device tracks 4 KiB blocks: every one of a missing disk block is missing */
	for (uint64_t i = 0; dev_missing && i < nb; i++)
		if (p->missing[i / per / 64] >> (i / per % 64) & 1)
			dev_missing[i / 64] |= 1ULL << (i % 64);
	int r = blk_pc_start(b, dev_missing ? dev_missing : p->missing, nb, &f);
	free(dev_missing);
	if (r) {
		d->missing = p->missing;
		p->missing = NULL;
		pcd_stop(p);
		return dst_fail(d, r, "post-copy: block device: %s", strerror(-r));
	}
	d->pc = p;
	return 0;
}

int dst_pc_start(struct dst *d)
{
	struct pcd *p = d->pc;
	p->conn = d->conn; /* the connection and its credentials move to the thread */
	p->conn.cancel_fd = -1;
	p->conn.deadline_ns = 0;
	p->tls = d->tls;
	d->conn.fd = -1;
	d->conn.tls = NULL;
	d->tls = NULL;
	int r = -pthread_create(&p->thread, NULL, pcd_thread, p);
	p->started = !r;
	if (r)
		pr_err("incoming post-copy: cannot start its thread: %s; the guest waits on %llu "
		       "missing blocks",
		       strerror(-r), (unsigned long long)p->nmissing);
	return r;
}
