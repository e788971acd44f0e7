/* SPDX-License-Identifier: MIT */
/* tsvmm migration destination internals shared by incoming.c (receive, verify, run) and
 * incoming_admit.c (which peer may migrate here at all). */
#ifndef TSVMM_MIGRATE_INCOMING_PRIVATE_H
#define TSVMM_MIGRATE_INCOMING_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migrate/conn.h"
#include "migrate/stream.h"

struct vmm;
struct vm;
struct vcpu_state;
struct mig_tls;
struct pcd;
struct dst_multi;

struct dst {
	struct vmm *vmm;
	struct vm *vm;
	uint8_t *ram;
	struct mig_conn conn;
	struct tsmig_limits lim;
	struct tsmig_regions regions; /* declared by REGION records */
	int disk_fd;
	/* migrate-disk: the DISK region the source declared (0: none), this VM's disk image
	 * open for writing its blocks, their limits, blocks written */
	unsigned disk_region;
	int wdisk_fd;
	struct tsmig_limits dlim;
	uint64_t disk_blocks_rx;
	uint64_t disk_dedup;     /* storage flim: blocks copied from a block this image held */
	uint64_t disk_ram_dedup; /* storage flim: blocks copied from a RAM page received */
	bool disk_indexed;       /* the DISK region asked for DISK_INDEX (DUP entries allowed) */
	uint64_t *dh, *dhave;    /* per block: XXH3-64 of what was written (the checksum's leaf) */
	uint32_t dbs;            /* bytes of a disk block (the DISK region's block_size) */
	uint8_t *dblk, *dtmp;    /* dbs bytes each: a block being written wrong (test), scratch */
	uint64_t fault_block; /* test fault: this disk block is written wrong (UINT64_MAX: none) */
	uint64_t *missing;    /* storage flim post-copy: blocks the image lacks at the switchover */
	uint64_t nmissing;
	struct pcd *pc; /* the post-copy thread's state (owned by the block device once set) */
	const char *listen_addr;  /* --incoming ADDR:PORT: a post-copy reconnect comes there */
	uint8_t digest[16];       /* the switchover checksum (names the migration on reconnect) */
	uint32_t features;        /* the HELLO's (TSMIG_F_VERIFY: VERIFY follows RUNNING) */
	struct tsmig_hello hello; /* the control connection's HELLO */
	struct dst_multi *mc;     /* parallel connections (incoming_multi.c), NULL: one */
	uint8_t *buf;             /* one record */
	struct vcpu_state *st;
	struct tsmig_clock clk;
	uint8_t *dev;
	size_t devlen;
	bool have_cpu, have_clock;
	struct tsmig_tsc tsc; /* the source's TSC record (have_tsc) */
	bool have_tsc;
	uint64_t stop_rt, passes, bytes;
	uint64_t n[TSMIG_PAGE_BLOCK + 1]; /* pages by kind */
	uint64_t disk_mismatch;
	/* The checksum's leaves: ph[p] is the XXH3-64 of page p read back from RAM right after
	 * this side last wrote it (zero runs: the zero page's hash), for pages set in have. */
	uint64_t *ph, *have, npages, zero_h64;
	struct mig_tls *tls; /* credentials, NULL: --migrate-plaintext */
	uint64_t fault_pfn;  /* test fault: this page is written wrong (UINT64_MAX: none) */
	char *err;
	size_t errlen;
};

/* Reason into d->err; returns r. */
int dst_fail(struct dst *d, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Send a status record (READY, RUNNING, ERROR) with msg. 0 or -errno. */
int dst_status(struct dst *d, unsigned type, int err, const char *msg);

/*
 * incoming_admit.c: accept connections on lfd until one is a valid migration: TLS (when d->tls)
 * completed and a HELLO that matches this VM, within the handshake timeout. Anything else (a
 * stray connection, a scanner, a silent peer, a wrong key, a wrong stream, a source of another
 * memory size) is refused with its address and the reason logged, and the listener waits on.
 * Nothing is written to guest memory before. 0 with d->conn set up and peer filled, or -errno
 * (-ECANCELED: SIGINT/SIGTERM on sfd).
 */
int dst_admit(struct dst *d, int lfd, int sfd, char *peer, size_t peerlen);
/* incoming_admit.c: c's first byte within its deadline (a silent peer gives way to one
 * waiting in lfd's backlog), TLS handshake when d->tls. *tell: c can read our records. */
int dst_secure(struct dst *d, struct mig_conn *c, int lfd, bool *tell);
/* incoming.c: apply a PAGES record of RAM (d->buf, len bytes). 0 or -errno (d->err). */
int dst_pages(struct dst *d, uint32_t len);

/*
 * incoming_multi.c: parallel connections (HELLO.connections > 1). dst_multi_admit, after
 * dst_admit: accept the data connections on lfd (TLS as the control one, then JOIN naming
 * the HELLO's token), refusing strays, until all joined (the handshake timeout: fail) and
 * start one receiving thread each. dst_multi_pages: the control connection applied pages.
 * dst_multi_pass_end: the control connection's PASS_END ps: wait until every data connection
 * ended that pass (the barrier), then let them on. dst_multi_failed: a data connection failed
 * (its reason into d->err; the control connection's waits end at once: wake_fd).
 * dst_multi_stop: end the threads, add their counts to d, close. 0 or -errno (d->err).
 */
int dst_multi_admit(struct dst *d, int lfd, int sfd);
int dst_multi_pages(struct dst *d, uint64_t count);
int dst_multi_pass_end(struct dst *d, const struct tsmig_pass *ps);
bool dst_multi_failed(struct dst *d);
void dst_multi_stop(struct dst *d);

/*
 * incoming_disk.c: migrate-disk, the destination side. dst_disk_region: a DISK region was
 * declared: open this VM's disk (--disk) for writing; it must have the region's size.
 * dst_disk_pages: one PAGES record of it (FULL, ZERO, LZ4, ZSTD entries; with storage flim
 * DUP (a block of the image) and RAM (a page received) references, verified by hash): the blocks are written to the image, the hash of each kept. dst_disk_leaves:
 * after DATA_END, the checksum's leaves of the disk (*dh, *n blocks; NULL and 0 without a
 * DISK region): the hashes kept, blocks never written hashed from the image, and a random
 * sample of blocks re-read, which must still hash as written. dst_disk_close: close and free
 * what region opened. 0 or -errno with the reason in d->err.
 */
int dst_disk_region(struct dst *d, const struct tsmig_region *rg);
int dst_disk_pages(struct dst *d, uint32_t len);
/* A BLOCK entry of the RAM region (storage flim): page pg takes block e->ref.ref of this VM's
 * image, which must hash as announced. 0 or -errno (err). */
int dst_disk_block_page(struct dst *d, const struct tsmig_entry *e, uint8_t *pg);
int dst_disk_leaves(struct dst *d, const uint64_t **dh, uint64_t *n);
void dst_disk_close(struct dst *d);
/* Test hook (tests/integration/test_migrate_storage.sh): with TSVMM_MIG_DISK_COPY=PATH in the
 * environment, copy the disk image as the switchover left it to PATH before the vCPU runs
 * (the guest's later writes would hide what the migration wrote). Logged on failure. */
void dst_disk_copy_for_test(struct dst *d);
/* A DISK_MISSING record (storage flim post-copy): its blocks are not in the image at the
 * switchover (their checksum leaves are 0 on both ends) and follow it. 0 or -errno (err). */
int dst_disk_missing(struct dst *d, uint32_t len);

/*
 * incoming_postcopy.c: with blocks missing, dst_pc_prepare (after GO, before the vCPU runs)
 * puts the block device into post-copy; dst_pc_start (after RUNNING) moves d->conn to the
 * post-copy thread, which sends the guest's block requests, writes the blocks that arrive,
 * checks POSTCOPY_END's digest and confirms with POSTCOPY_DONE. The block device owns the
 * thread from then on (its destroy ends it). 0 or -errno (err).
 */
int dst_pc_prepare(struct dst *d);
/* checksum early, after RUNNING (post-copy: after POSTCOPY_DONE): receive VERIFY on c and
 * compare it with digest (the switchover checksum); answer VERIFIED, or ERROR naming both.
 * Logged either way. 0 or -errno (err). */
int dst_verify(struct mig_conn *c, const uint8_t digest[16], char *err, size_t errlen);
int dst_pc_start(struct dst *d);

#endif
