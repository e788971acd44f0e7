// SPDX-License-Identifier: MIT
/* tsvmm migration source: setup (connection, indexes, dirty logging) and the statlog. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/blk.h"
#include "devices/device.h"
#include "migrate/checksum.h"
#include "migrate/compress.h"
#include "migrate/migrate_private.h"
#include "migrate/precopy_private.h"
#include "migrate/tls.h"
#include "tsync/log.h"
#include "tsync/statlog.h"
#include "vm.h"
#include "vmm.h"

#define HASH_PROBE_PAGES 1024

struct src *precopy_src_create(struct migration *g)
{
	struct src *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->g = g;
	pthread_mutex_lock(&g->lock);
	s->p = g->params;
	s->met = g->met;
	pthread_mutex_unlock(&g->lock);
	s->conn.fd = -1;
	for (unsigned i = 0; i < TSMIG_CONN_MAX; i++)
		s->data[i].fd = -1;
	s->nconn = 1;
	s->vm = vmm_vm(g->vmm);
	s->npages = vm_mem_size(s->vm) / TSMIG_PAGE_SIZE;
	s->words = vm_dirty_bitmap_words(s->vm);
	s->ram = vm_gpa_to_hva(s->vm, 0, vm_mem_size(s->vm));
	s->met.pages_total = s->npages;
	s->pending = calloc(s->words, sizeof(uint64_t));
	s->tmp = calloc(s->words, sizeof(uint64_t));
	s->known = calloc(s->npages, sizeof(uint64_t));
	s->known_bm = calloc(s->words, sizeof(uint64_t));
	s->rehash = calloc(s->npages, sizeof(uint64_t));
	s->kind = calloc(s->npages, 1);
	s->rec = malloc(TSMIG_REC_MAX);
	if (s->p.dup)
		s->hash = calloc(s->npages, sizeof(*s->hash));
	if (s->p.disk)
		s->block = calloc(s->npages, sizeof(uint64_t));
	if (!s->pending || !s->tmp || !s->known || !s->known_bm || !s->rehash || !s->kind ||
	    !s->rec || (s->p.dup && !s->hash) || (s->p.disk && !s->block)) {
		precopy_src_destroy(s);
		return NULL;
	}
	static const uint8_t zero[TSMIG_PAGE_SIZE];
	s->zero_h64 = mig_page_hash64(zero);
	s->hash_threads = mig_ramhash_threads();
	/* fault injection for tests only (tests/integration/test_migrate.sh): act as if KVM's
	 * dirty log lost every write after pass 0; the switchover checksum must refuse */
	const char *f = getenv("TSVMM_MIG_FAULT");
	s->fault_lose_dirty = f && !strcmp(f, "lose-dirty");
	/* test_migrate_storage.sh: DUP references to disk blocks announce a wrong hash */
	s->fault_bad_ref = f && !strcmp(f, "bad-disk-ref");
	s->fault_bad_ram_ref = f && !strcmp(f, "bad-ram-ref");
	s->fault_bad_block_ref = f && !strcmp(f, "bad-block-ref");
	/* test_migrate_storage_blocksize.sh: the DISK region declares this block_size while
	 * the entries keep the real one */
	s->fault_region_bs =
	        f && !strncmp(f, "region-block-size=", 18) ? (uint32_t)strtoul(f + 18, NULL, 0) : 0;
	/* test_migrate_multi.sh: a data connection that drops, one that names another pass */
	s->fault_conn = !f                              ? 0
	                : !strcmp(f, "conn-drop")       ? 1
	                : !strcmp(f, "conn-wrong-pass") ? 2
	                                                : 0;
	return s;
}

void precopy_src_destroy(struct src *s)
{
	if (!s)
		return;
	mig_ramhash_finish(s->rh, true);
	mig_ramhash_finish(s->drh, true);
	mig_conn_close(&s->conn);
	multi_close(s);
	if (s->dmap)
		munmap((void *)s->dmap, s->dblocks * s->dbs);
	free(s->dpage);
	free(s->dcbuf);
	free(s->dpending);
	free(s->dhash);
	hotarea_free(&s->hot);
	free(s->dorder);
	free(s->missing);
	free(s->pc_h);
	free(s->pc_sent);
	free(s->ck_dev);
	free(s->dstale);
	free(s->dst_h);
	hindex_destroy(s->didx);
	mig_tls_free(s->tls);
	hindex_destroy(s->dupidx);
	disk_index_destroy(s->disk);
	mig_compressor_destroy(s->comp);
	if (s->log)
		statlog_close(s->log);
	free(s->pending);
	free(s->tmp);
	free(s->known);
	free(s->known_bm);
	free(s->rehash);
	free(s->kind);
	free(s->hash);
	free(s->block);
	free(s->rec);
	free(s);
}

/* Downtime that does not scale with the dirty pages: the source hashing all of its RAM for
 * the checksum with hash_threads threads (the destination only combines the page hashes it
 * kept), estimated from a sample of pages spread over RAM, plus 2 ms. Counted as if it came
 * after the final pass although it overlaps it: an overestimate by at most the final pass. */
static uint64_t estimate_fixed_ns(const struct src *s)
{
	uint64_t stride = s->npages / HASH_PROBE_PAGES ? s->npages / HASH_PROBE_PAGES : 1, n = 0;
	uint64_t best = UINT64_MAX;
	volatile uint64_t sink = 0;
	for (int round = 0; round < 3; round++) { /* the fastest of 3: ignore preemption */
		uint64_t t0 = mig_mono_ns();
		n = 0;
		for (uint64_t p = 0; p < s->npages; p += stride, n++)
			sink += mig_page_hash64(s->ram + p * TSMIG_PAGE_SIZE);
		uint64_t dt = mig_mono_ns() - t0;
		best = dt < best ? dt : best;
	}
	(void)sink;
	return (n ? best * s->npages / n / s->hash_threads : 0) + 2000000;
}

/* migrate-disk: map the disk image, every block pending. 0 or -errno with the reason. */
static int disk_open(struct src *s, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (!path) {
		snprintf(err, errlen, "migrate-disk: this VM has no disk (--disk)");
		return -ENOENT;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		int r = -errno;
		snprintf(err, errlen, "migrate-disk: %.200s: %s", path, strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	s->dbs = s->p.block_size ? s->p.block_size : TSMIG_PAGE_SIZE;
	s->dblocks = (uint64_t)st.st_size / s->dbs;
	if (!s->dblocks || (uint64_t)st.st_size % s->dbs) {
		close(fd);
		snprintf(err, errlen,
		         "migrate-disk: %.150s: size %lld is not a non-zero multiple of the "
		         "block-size %u",
		         path, (long long)st.st_size, s->dbs);
		return -EINVAL;
	}
	/* a disk block (its content hash) and a 4 KiB RAM page can be equal only at 4 KiB */
	if (s->dbs != TSMIG_PAGE_SIZE)
		s->p.ram_dedup = false;
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "migrate-disk: mmap %.200s: %s", path, strerror(e));
		return -e;
	}
	s->dmap = map;
	size_t words = (s->dblocks + 63) / 64;
	if (!(s->dpage = aligned_alloc(64, s->dbs)) || !(s->dcbuf = malloc(s->dbs)) ||
	    !(s->dpending = malloc(words * sizeof(uint64_t))) ||
	    !(s->dhash = calloc(s->dblocks, sizeof(uint64_t))))
		return -ENOMEM;
	memset(s->dpending, 0xff, words * sizeof(uint64_t));
	if (s->dblocks % 64)
		s->dpending[words - 1] = (1ULL << (s->dblocks % 64)) - 1;
	s->met.disk_blocks = s->dblocks;
	return 0;
}

/* storage flim: the destination's DISK_INDEX records, every block in order, into dst_h and
 * didx. 0 or -errno with the reason. */
static int recv_index(struct src *s)
{
	struct tsmig_rec_hdr h;
	struct tsmig_disk_index ix;
	for (uint64_t next = 0; next < s->dblocks; next += ix.count) {
		int r = mig_recv(&s->conn, &h, s->rec, TSMIG_REC_MAX);
		if (r)
			return r;
		memcpy(&ix, s->rec, sizeof(ix));
		if (h.type == TSMIG_REC_ERROR) {
			struct tsmig_status st;
			memcpy(&st, s->rec, sizeof(st));
			st.msg[TSMIG_MSG_MAX - 1] = 0;
			snprintf(s->conn.err, sizeof(s->conn.err), "destination refused: %s",
			         st.msg);
			return st.err < 0 ? st.err : -EPROTO;
		}
		if (h.type != TSMIG_REC_DISK_INDEX || ix.first != next || !ix.count ||
		    ix.reserved || ix.count > s->dblocks - next ||
		    h.len != sizeof(ix) + (uint64_t)ix.count * 16) {
			snprintf(s->conn.err, sizeof(s->conn.err),
			         "destination sent %s (%u bytes), expected DISK_INDEX from block "
			         "%llu",
			         tsmig_rec_name(h.type), h.len, (unsigned long long)next);
			return -EPROTO;
		}
		for (uint32_t i = 0; i < ix.count; i++) {
			s->dst_h[next + i] = mig_hash_get(s->rec + sizeof(ix) + i * 16);
			hindex_put(s->didx, s->dst_h[next + i], next + i);
		}
	}
	return 0;
}

static int open_log(struct src *s)
{
	static const char *const cols[] = {"t[s]",    "pass",  "pages",        "bytes",
	                                   "bw[B/s]", "dirty", "expected[ns]", "zero",
	                                   "dup",     "disk",  "compressed",   "full"};
	if (!s->p.statlog[0])
		return 0;
	struct statlog_meta meta[] = {{"source", "tsvmm migration"}, {"uri", s->g->uri}};
	s->log = statlog_open(s->p.statlog, cols, sizeof(cols) / sizeof(cols[0]), meta, 2,
	                      STATLOG_FLUSH_ROWS);
	if (!s->log) {
		snprintf(s->conn.err, sizeof(s->conn.err), "statlog %.180s: %s", s->p.statlog,
		         strerror(errno));
		return -errno;
	}
	return 0;
}

int precopy_setup(struct src *s)
{
	char *err = s->conn.err;
	size_t errlen = sizeof(s->conn.err);
	s->log_t0 = mig_mono_ns();
	int r = open_log(s);
	if (r)
		return r;
	const char *disk_path = vmm_config(s->g->vmm)->disk_path;
	if (s->p.storage)
		s->p.migrate_disk = true;
	if (s->p.connections > 1 && s->p.migrate_disk) {
		snprintf(err, errlen,
		         "connections %u: parallel connections carry RAM only, not with "
		         "migrate-disk or a storage mode",
		         s->p.connections);
		return -EINVAL;
	}
	s->nconn = s->p.connections ? s->p.connections : 1;
	if (s->p.dup && !(s->dupidx = hindex_create(s->npages)))
		return -ENOMEM;
	if ((s->p.disk && disk_path) || s->p.migrate_disk) {
		/* the block device reports writes from now on; the index and the disk copy read
		 * the blocks after */
		long n = devices_dirty_blocks(vmm_devices(s->g->vmm), true, NULL, NULL);
		if (n < 0) {
			snprintf(err, errlen, "disk dirty tracking: %s", strerror((int)-n));
			return (int)n;
		}
	}
	if (s->p.disk && disk_path && !(s->disk = disk_index_create(disk_path, err, errlen)))
		return -EIO;
	if (s->p.migrate_disk && (r = disk_open(s, disk_path, err, errlen)))
		return r;
	if (s->p.storage == MIG_STORAGE_FLIM &&
	    (!(s->dst_h = calloc(s->dblocks, sizeof(*s->dst_h))) ||
	     !(s->didx = hindex_create(s->dblocks * 2))))
		return -ENOMEM;
	/* checksum early: the disk's leaves are hashed now, in the background, and the blocks
	 * written meanwhile again at the stop (dstale): the stop reads only those */
	if (s->p.checksum_early && s->dmap &&
	    (!(s->dstale = calloc((s->dblocks + 63) / 64 + 1, sizeof(uint64_t))) ||
	     !(s->drh = mig_ramhash_start_bs(s->dmap, s->dblocks, s->dbs, s->dhash, 1))))
		return -ENOMEM;
	s->blk = devices_priv(vmm_devices(s->g->vmm), "blk");
	if (s->blk) { /* the guest's disk I/O during the migration (query-migrate guest-io) */
		struct blk_pc_stats io;
		blk_pc_stats(s->blk, &io);
		s->met.io_read_blocks = io.guest_read_blocks;
		s->met.io_write_blocks = io.guest_write_blocks;
	}
	if (s->p.storage == MIG_STORAGE_FLIM) {
		size_t words = (s->dblocks + 63) / 64 + 1;
		if (hotarea_init(&s->hot, s->dblocks) ||
		    !(s->dorder = calloc(s->dblocks, sizeof(uint64_t))) ||
		    !(s->missing = calloc(words, sizeof(uint64_t))) ||
		    !(s->pc_sent = calloc(words, sizeof(uint64_t))) ||
		    !(s->pc_h = calloc(s->dblocks, sizeof(uint64_t))))
			return -ENOMEM;
		/* post-copy needs every RAM page self-contained: a page sent as a DISK reference
		 * would read a block the destination may not hold yet */
		s->postcopy = s->p.postcopy && !s->disk && s->blk;
	}
	if (s->p.compress && !(s->comp = mig_compressor_create(s->p.compress)))
		return -ENOMEM;
	struct mig_tls_opts to;
	migration_tls_opts(s->g, &to);
	if (!(s->tls = mig_tls_load(&to, false, err, errlen)) && errno)
		return -errno;
	s->fixed_ns = estimate_fixed_ns(s);
	int fd = mig_connect(s->g->uri, (int)s->p.timeout_ms, s->g->cancel_fd, err, errlen);
	if (fd < 0)
		return fd;
	mig_conn_init(&s->conn, fd, true, (int)s->p.timeout_ms, s->g->cancel_fd);
	if (s->tls) {
		if ((r = mig_conn_start_tls(&s->conn, s->tls, to.hostname))) {
			char why[sizeof(s->conn.err)];
			snprintf(why, sizeof(why), "%s", s->conn.err);
			snprintf(err, errlen, "%.60s: %.190s", s->g->uri, why);
			return r;
		}
		char d[128];
		snprintf(s->met.transport, sizeof(s->met.transport), "%s, %s",
		         mig_conn_desc(&s->conn, d, sizeof(d)), mig_tls_kind(s->tls));
	} else {
		snprintf(s->met.transport, sizeof(s->met.transport), "plaintext");
	}
	pr_info("migration to %s: %s", s->g->uri, s->met.transport);
	s->conn.rate_bps = s->p.max_bandwidth / s->nconn; /* each connection its share */
	uint64_t token = 0;
	if (s->nconn > 1 && getrandom(&token, sizeof(token), 0) != sizeof(token))
		token = mig_realtime_ns() ^ (uint64_t)getpid() << 32;
	struct tsmig_hello h = {
	        .magic = TSMIG_MAGIC,
	        .version = TSMIG_VERSION,
	        .mem_size = vm_mem_size(s->vm),
	        .page_size = TSMIG_PAGE_SIZE,
	        .features = (s->p.zero ? TSMIG_F_ZERO : 0) | (s->p.dup ? TSMIG_F_DUP : 0) |
	                    (s->p.checksum_early ? TSMIG_F_VERIFY : 0) |
	                    (s->disk ? TSMIG_F_DISK : 0) |
	                    (s->p.compress == MIG_COMPRESS_LZ4    ? TSMIG_F_LZ4
	                     : s->p.compress == MIG_COMPRESS_ZSTD ? TSMIG_F_ZSTD
	                                                          : 0),
	        .disk_bytes = s->disk ? disk_index_bytes(s->disk) : 0,
	        .tsc_khz = vmm_tsc_khz(s->g->vmm),
	        .connections = s->nconn,
	        .token = token,
	};
	struct tsmig_region ram = {.id = 0,
	                           .kind = TSMIG_REGION_RAM,
	                           .size = vm_mem_size(s->vm),
	                           .block_size = TSMIG_PAGE_SIZE};
	struct tsmig_region disk = {.id = MIG_DISK_REGION,
	                            .kind = TSMIG_REGION_DISK,
	                            .flags = s->dst_h ? TSMIG_REGION_F_INDEX : 0,
	                            .size = s->dblocks * s->dbs,
	                            .block_size = s->fault_region_bs ?: s->dbs};
	if ((r = mig_send(&s->conn, TSMIG_REC_HELLO, &h, sizeof(h))) ||
	    (r = mig_send(&s->conn, TSMIG_REC_REGION, &ram, sizeof(ram))) ||
	    (s->dmap && (r = mig_send(&s->conn, TSMIG_REC_REGION, &disk, sizeof(disk)))) ||
	    (s->dst_h && (r = recv_index(s))) || (s->nconn > 1 && (r = multi_setup(s, token, &to))))
		return r;
	if ((r = vm_dirty_log_start(s->vm)) || (r = (int)vm_dirty_log_fetch(s->vm, s->tmp)) < 0) {
		snprintf(err, errlen, "cannot start dirty logging: %s", strerror(-r));
		return r;
	}
	return 0;
}

void precopy_log_pass(struct src *s, uint64_t pages, uint64_t bytes, uint64_t ns)
{
	if (!s->log)
		return;
	const struct mig_metrics *m = &s->met;
	double row[] = {(double)(mig_mono_ns() - s->log_t0) / 1e9,
	                m->iterations - 1,
	                (double)pages,
	                (double)bytes,
	                ns ? (double)bytes * 1e9 / (double)ns : 0,
	                (double)m->dirty_pages,
	                m->expected_downtime_ns == UINT64_MAX ? -1
	                                                      : (double)m->expected_downtime_ns,
	                (double)m->zero,
	                (double)m->dup,
	                (double)m->disk,
	                (double)m->compressed,
	                (double)m->full};
	statlog_write(s->log, row);
}

void precopy_log_end(struct src *s)
{
	if (!s->log)
		return;
	char note[512];
	const struct mig_metrics *m = &s->met;
	snprintf(note, sizeof(note),
	         "%s: setup %.3f ms, total %.3f ms, downtime %.3f ms, passes %u (%s), bytes %llu, "
	         "final pass %llu pages in %.3f ms, checksum %.3f ms, ready after %.3f ms, "
	         "checksum %s%s%.200s",
	         mig_status_name(m->status), m->setup_ns / 1e6, m->total_ns / 1e6,
	         m->downtime_ns / 1e6, m->iterations, m->converge,
	         (unsigned long long)m->bytes_wire, (unsigned long long)m->final_pages,
	         m->final_ns / 1e6, m->checksum_ns / 1e6, m->ready_ns / 1e6, s->digest_hex,
	         m->error[0] ? ", error: " : "", m->error);
	for (char *p = note; *p; p++)
		if (*p == '\n')
			*p = ' ';
	statlog_note(s->log, note);
	if (!s->dmap)
		return;
	double secs = m->total_ns ? m->total_ns / 1e9 : 1;
	snprintf(
	        note, sizeof(note),
	        "storage %s: bytes full %llu compressed %llu (RAM %llu), dedup held %llu blocks, "
	        "by reference %llu blocks, from RAM pages %llu blocks, RAM pages from blocks %llu, "
	        "zero pages %llu, dup pages %llu; guest I/O "
	        "during the migration "
	        "read %.2f MB/s write %.2f MB/s",
	        mig_storage_name(s->p.storage), (unsigned long long)m->disk_full_bytes,
	        (unsigned long long)m->disk_comp_bytes, (unsigned long long)m->compressed_bytes,
	        (unsigned long long)m->disk_dedup_held, (unsigned long long)m->disk_dedup_ref,
	        (unsigned long long)m->disk_dedup_ram, (unsigned long long)m->block_pages,
	        (unsigned long long)m->zero, (unsigned long long)m->dup,
	        m->io_read_blocks * 4096.0 / secs / 1e6, m->io_write_blocks * 4096.0 / secs / 1e6);
	statlog_note(s->log, note);
	if (!m->pc_state[0])
		return;
	snprintf(note, sizeof(note),
	         "post-copy %s: %llu blocks missing at the switchover, %llu prefetched, %llu on "
	         "demand, %.3f ms; misses %llu, prefetch hits %llu (rate %.3f), dropped %llu, miss "
	         "wait p50 %.3f ms p99 %.3f ms max %.3f ms",
	         m->pc_state, (unsigned long long)m->pc_missing,
	         (unsigned long long)m->pc_prefetched, (unsigned long long)m->pc_demanded,
	         m->pc_ns / 1e6, (unsigned long long)m->pc_misses, (unsigned long long)m->pc_hits,
	         m->pc_hits + m->pc_misses
	                 ? (double)m->pc_hits / (double)(m->pc_hits + m->pc_misses)
	                 : 0.0,
	         (unsigned long long)m->pc_dropped, m->pc_wait_p50_ns / 1e6,
	         m->pc_wait_p99_ns / 1e6, m->pc_wait_max_ns / 1e6);
	statlog_note(s->log, note);
}
