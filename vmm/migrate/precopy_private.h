/* SPDX-License-Identifier: MIT */
/* tsvmm migration source internals: precopy.c (passes) and precopy_setup.c (setup, log). */
#ifndef TSVMM_MIGRATE_PRECOPY_PRIVATE_H
#define TSVMM_MIGRATE_PRECOPY_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "migrate/conn.h"
#include "migrate/dedup.h"
#include "migrate/hotarea.h"
#include "migrate/mig_metrics.h"
#include "uapi/tsvmm-migration.h"

struct migration;
struct blk;
struct mig_compressor;
struct mig_ramhash;
struct statlog;
struct vm;

/* What the destination holds for a page, as far as the source knows. */
enum sent_kind {
	SENT_NONE = 0, /* not sent, or invalidated */
	SENT_ZERO,
	SENT_FULL, /* full or compressed: content hash[pfn] (when dup is on) */
	SENT_DUP,  /* copied from another page: content hash[pfn] */
	SENT_DISK, /* read from disk block block[pfn] by the destination */
};

/* The region id of the disk when migrate-disk copies it (region 0 is RAM). */
#define MIG_DISK_REGION 1

struct src {
	struct migration *g;
	struct mig_params p; /* copied at start */
	struct vm *vm;
	const uint8_t *ram;
	uint64_t npages;
	size_t words;        /* of a page bitmap */
	struct mig_tls *tls; /* credentials, NULL: plaintext */
	struct mig_conn conn;
	/* parallel connections (p.connections > 1, precopy_multi.c): data[1 .. nconn - 1] (data[0]
	 * unused: conn is connection 0), the connection the PAGES record being built goes on,
	 * pages sent on each in this pass, and per page the connection its copy of this pass
	 * went on (MULTI_EARLIER: an earlier pass, every connection may name it in a DUP) */
	struct mig_conn data[TSMIG_CONN_MAX];
	unsigned nconn, cur;
	bool dead[TSMIG_CONN_MAX]; /* test fault: dropped on purpose, not used again */
	uint64_t cpages[TSMIG_CONN_MAX];
	uint8_t *where;
	const uint64_t *pass_bm; /* the pages of the pass being sent (NULL between passes) */
	int fault_conn; /* test fault: 1 drop data connection 1, 2 its PASS_END names pass + 1 */
	uint64_t *pending, *tmp; /* page bitmaps: to send next, scratch */
	uint8_t *kind;           /* enum sent_kind per page */
	struct mig_hash *hash;   /* per page, when dup is on */
	uint64_t *block;         /* per page, when disk is on */
	struct hindex *dupidx;
	struct disk_index *disk;
	struct mig_compressor *comp;
	uint8_t *rec; /* PAGES record being built, TSMIG_REC_MAX bytes */
	size_t rec_len;
	unsigned region; /* the region rec's entries belong to */
	/* migrate-disk: the disk image (region MIG_DISK_REGION) mapped read-only, its blocks
	 * still to send (all at first; then those the block device reports written), and the
	 * checksum's leaves, hashed from the stop on like RAM */
	const uint8_t *dmap;
	uint64_t dblocks;
	uint32_t dbs;   /* bytes of a disk block (block-size; the DISK region's) */
	uint8_t *dpage; /* one disk block being sent (dbs bytes, 64-byte aligned) */
	uint8_t *dcbuf; /* its compressed form (dbs bytes) */
	uint64_t *dpending;
	uint64_t *dhash;
	struct mig_ramhash *drh;
	uint64_t *dstale; /* checksum early: blocks written since drh (started at setup) began */
	/* storage flim: what the destination's image holds per block as far as the source
	 * knows (its DISK_INDEX, then what was sent), and content -> a block holding it */
	struct mig_hash *dst_h;
	struct hindex *didx;
	/* storage flim: hot-area scheduling (write counts from dirty_blocks, read counts from
	 * the block device) and the send order; post-copy: the blocks the destination lacks
	 * at the switchover and their hashes at the stop */
	struct hotarea hot;
	uint64_t *dorder;
	struct blk *blk;
	bool postcopy, pc_running; /* pc_running: the destination runs the guest */
	uint64_t *missing, *pc_h, *pc_sent;
	uint64_t pc_missing;
	uint8_t digest[16]; /* the switchover checksum: names this migration in PC_RESUME */
	/* checksum early: the device blob and registers the switchover checksum covered, for
	 * VERIFY's checksum after RUNNING; after_switch: the destination runs the guest */
	uint8_t *ck_dev;
	size_t ck_devlen;
	struct kvm_regs ck_regs;
	bool after_switch;
	uint64_t bytes_base;         /* bytes sent on connections before a post-copy reconnect */
	uint64_t run_start, run_len; /* pending ZERO run */
	bool final;                  /* in the stop-and-copy pass */
	uint64_t *known, *known_bm;  /* sent-page hashes the checksum uses (see set_known) */
	uint64_t zero_h64;
	uint64_t *rehash;         /* per page: XXH3-64 of RAM read after the vCPU stopped */
	struct mig_ramhash *rh;   /* that hashing, running from the stop to CHECKSUM */
	unsigned hash_threads;    /* its worker threads */
	bool fault_lose_dirty;    /* test fault: drop every dirty log after pass 0 */
	bool fault_bad_ref;       /* test fault: disk DUP references announce a wrong hash */
	bool fault_bad_ram_ref;   /* test fault: disk RAM references name a page beyond RAM */
	bool fault_bad_block_ref; /* test fault: RAM BLOCK references name a block beyond */
	uint32_t fault_region_bs; /* test fault: the DISK region declares this block_size */
	uint64_t fixed_ns;        /* downtime estimate that does not scale with dirty pages */
	struct mig_metrics met;
	bool paused, go_sent;
	struct statlog *log;
	uint64_t log_t0;
	char digest_hex[33];
	uint8_t page[TSMIG_PAGE_SIZE] __attribute__((aligned(64)));
	uint8_t cbuf[TSMIG_PAGE_SIZE];
};

/* Allocate the source state for g (parameters copied). NULL on out of memory. */
struct src *precopy_src_create(struct migration *g);
void precopy_src_destroy(struct src *s);
/* Connect, HELLO, build the indexes, start dirty logging, open the statlog. 0 or -errno
 * (reason in s->conn.err). */
int precopy_setup(struct src *s);
/* One statlog row for a finished pass / the closing notes. */
void precopy_log_pass(struct src *s, uint64_t pages, uint64_t bytes, uint64_t ns);
void precopy_log_end(struct src *s);

/* precopy_multi.c: parallel connections. multi_setup, after HELLO and REGION: connect the
 * data connections (TLS as the control one), each sends JOIN (token). multi_conn: the
 * connection the record being built goes on; multi_next, after each record: the one with the
 * fewest bytes waiting in its socket. multi_pass_begin / multi_pass_end: per-pass bookkeeping
 * and PASS_END on every data connection (before the control one's). multi_bytes_tx: bytes
 * sent on all connections. multi_close. 0 or -errno (reason in s->conn.err). */
#define MULTI_EARLIER 0xff
#define MULTI_REC     (128u << 10) /* PAGES record size with several connections */
struct mig_tls_opts;
int multi_setup(struct src *s, uint64_t token, const struct mig_tls_opts *to);
struct mig_conn *multi_conn(struct src *s);
void multi_next(struct src *s);
void multi_pass_begin(struct src *s);
int multi_pass_end(struct src *s, const struct tsmig_pass *ps);
uint64_t multi_bytes_tx(const struct src *s);
void multi_close(struct src *s);

/* postcopy_src.c (storage flim): pc_src_declare, in the stop-and-copy pass: the blocks still
 * pending become the missing set, declared in DISK_MISSING records. pc_src_leaves, once the
 * disk was hashed after the stop: the missing blocks' hashes are kept for POSTCOPY_END and
 * their checksum leaves zeroed (the destination cannot hash what it does not hold yet).
 * pc_src_run, after RUNNING: stream the missing blocks (BLOCK_REQ first, then in hot-area
 * order), POSTCOPY_END, wait for POSTCOPY_DONE. 0 or -errno (reason in s->conn.err). */
int pc_src_declare(struct src *s);
void pc_src_leaves(struct src *s);
int pc_src_run(struct src *s);
/* One disk block (s->dpage holds it) as a FULL, compressed or ZERO entry into the PAGES
 * record s->rec of the DISK region (precopy.c). 0 or -errno. */
int precopy_put_block(struct src *s, uint64_t b);
/* storage flim: the block device's read counters (per 4 KiB) summed per disk block into
 * s->hot.r (precopy.c). */
void precopy_read_counts(struct src *s);
/* Send the PAGES record being built. 0 or -errno. */
int precopy_flush(struct src *s);

#endif
