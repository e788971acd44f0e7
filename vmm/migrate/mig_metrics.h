/* SPDX-License-Identifier: MIT */
/*
 * tsvmm migration parameters, metrics, the convergence decision (a pure function) and the
 * per-migration statlog (one row per pre-copy pass).
 */
#ifndef TSVMM_MIGRATE_METRICS_H
#define TSVMM_MIGRATE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define MIG_DEFAULT_DOWNTIME_MS 100
#define MIG_DEFAULT_MAX_ITER    30
#define MIG_DEFAULT_TIMEOUT_MS  10000
/* incoming: a peer must be authenticated and send a valid HELLO within this */
#define MIG_HANDSHAKE_TIMEOUT_MS 5000
#define MIG_CONV_SHRINK_MIN_NS   5000000 /* smallest final-pass transfer worth another pass */

/* migrate-set-parameters (JSON names in brackets). */
struct mig_params {
	uint64_t downtime_limit_ms; /* ["downtime-limit"] wanted stop-and-copy time, ms */
	uint64_t max_bandwidth;     /* ["max-bandwidth"] bytes/s on the wire, 0 = no cap */
	uint32_t max_iterations;    /* ["max-iterations"] pre-copy passes before stop-and-copy */
	bool zero;                  /* ["zero"] zero pages as a flag */
	bool dup;                   /* ["dup"] pages the destination has, by hash */
	bool disk;                  /* ["disk"] pages equal to a disk block, by block */
	int compress;               /* ["compress"] "none" | "lz4" | "zstd" (enum mig_compress) */
	uint32_t timeout_ms;        /* ["timeout"] longest wait for the destination, ms */
	char statlog[256];          /* ["statlog"] per-pass statlog path, "" = none */
	bool migrate_disk; /* ["migrate-disk"] copy the disk image too (a DISK region): off by
	                    * default, for destinations without the source's storage */
	int storage;       /* ["storage"] "none" | "precopy" | "flim" (enum mig_storage); the
	                    * last two imply migrate-disk */
	bool postcopy;     /* ["postcopy"] flim: switch over once RAM converged, the disk
	                    * blocks still missing follow (on demand + prefetch); default on */
	bool ram_dedup;    /* ["ram-dedup"] storage flim: RAM and BLOCK references between the
	                 * disk and RAM (default true; a RAM entry needs dup as well) */
	bool pc_prefetch;  /* ["postcopy-prefetch"] stream the missing blocks in hot-area order
	                    * (off: on demand only for pc_ondemand_ms, then in block order) */
	uint32_t pc_ondemand_ms; /* ["postcopy-ondemand-ms"] see pc_prefetch, default 2000 */
	bool checksum_early;     /* ["checksum"] "early": the switchover checksum from the hashes
	                      * of the copies sent (no RAM read after the stop), RAM re-read
	                      * and verified after RUNNING; "stop" (default): re-read at the stop */
	uint32_t pc_resume_ms;   /* ["postcopy-resume"] a lost post-copy link is reconnected
	                          * for this long (ms, default 30000; 0: not at all) */
	uint32_t block_size;     /* ["block-size"] bytes of a disk block (the DISK region's
	                          * block_size): a power of two, 4096 (default) .. 1 MiB; the
	                          * disk image's size must be a multiple of it */
	uint32_t connections;    /* ["connections"] TCP connections the RAM pages of each pass
	                          * are striped over (1 .. 8, default 1; RAM only: not with
	                          * migrate-disk or a storage mode) */
};

/* Storage migration modes (issue 15). */
enum mig_storage {
	MIG_STORAGE_NONE = 0, /* migrate-disk alone: bulk copy, then disk blocks with each pass */
	MIG_STORAGE_PRECOPY,  /* bulk copy and disk-only dirty passes until the dirty set
	                       * converges, then RAM pre-copy (QEMU block migration) */
	MIG_STORAGE_FLIM,     /* precopy plus dedup against what the destination's image holds
	                       * (its hash index at the start, then the blocks sent) */
};
const char *mig_storage_name(int s);
/* "none", "precopy", "flim" to enum mig_storage, -1 for anything else. */
int mig_storage_parse(const char *s);

void mig_params_default(struct mig_params *p);
/*
 * Apply the members of a JSON object to p: the names above, plus
 * "mode": "none" | "zero" | "dup" | "disk" | "compress" | "all" which sets the four dedup
 * switches at once (compress: lz4). Unknown members are errors. 0 or -EINVAL with err.
 */
int mig_params_parse(struct mig_params *p, const json_t *obj, char *err, size_t errlen);

enum mig_status {
	MIG_NONE = 0,
	MIG_SETUP,     /* connecting, building indexes */
	MIG_ACTIVE,    /* pre-copy passes */
	MIG_DEVICE,    /* stop-and-copy: the source vCPU is stopped */
	MIG_COMPLETED, /* the destination runs; the source quits */
	MIG_FAILED,    /* the source runs on */
	MIG_CANCELLED,
};
const char *mig_status_name(enum mig_status s);

struct mig_metrics {
	enum mig_status status;
	uint64_t setup_ns;    /* migrate command to the first page sent */
	uint64_t total_ns;    /* migrate command to the destination running (or the failure) */
	uint64_t downtime_ns; /* source vCPU stopped -> destination vCPU running (realtime) */
	uint64_t expected_downtime_ns;              /* the estimate that ended pre-copy */
	uint32_t iterations;                        /* passes, the final one included */
	uint64_t bytes_wire;                        /* bytes sent on the connection */
	uint64_t pages_total;                       /* pages of RAM */
	uint64_t pages_sent;                        /* page entries sent, every pass */
	uint64_t zero, dup, disk, compressed, full; /* pages by how they went out */
	uint64_t compressed_bytes;                  /* payload of the compressed pages */
	uint64_t disk_rewritten;                    /* pages re-sent after a guest disk write */
	uint64_t disk_blocks, disk_blocks_sent;     /* migrate-disk: disk size, blocks sent */
	uint32_t disk_passes;     /* storage precopy: disk-only passes before RAM pass 0 */
	uint64_t disk_dirty;      /* blocks written during the last disk-only pass */
	uint64_t disk_precopy_ns; /* time of the disk-only passes */
	uint64_t disk_dedup_held; /* flim: blocks not sent, the destination held them in place */
	uint64_t disk_dedup_ref;  /* flim: blocks sent as a reference to another held block */
	uint64_t disk_dedup_ram;  /* flim: blocks sent as a reference to a RAM page sent */
	uint64_t block_pages;     /* flim: RAM pages sent as a reference to a block held */
	uint64_t disk_full_bytes, disk_comp_bytes; /* disk blocks sent whole / compressed */
	uint64_t disk_hot_deferred;                /* flim: write-hot blocks held back */
	/* flim post-copy: blocks missing at the switchover, sent (prefetch / on demand), the
	 * destination's view (misses, prefetch hits, waits), its duration, the guest's I/O */
	uint64_t pc_missing, pc_prefetched, pc_demanded, pc_misses, pc_hits, pc_dropped;
	uint64_t pc_wait_p50_ns, pc_wait_p99_ns, pc_wait_max_ns, pc_ns;
	uint64_t io_read_blocks, io_write_blocks; /* guest disk I/O during the migration */
	uint32_t pc_resumes;                      /* post-copy links reconnected */
	uint64_t verify_ns;                       /* checksum early: RUNNING -> VERIFIED */
	char pc_state[16];                        /* "" | "running" | "done" | "link-lost" */
	uint64_t bandwidth_bps;                   /* measured in the last pass, bytes/s */
	uint64_t dirty_pages;                     /* dirty after the last pass */
	uint64_t checksum_ns; /* DATA_END sent -> CHECKSUM ready: the part of the source's RAM
	                       * hash (started at the stop) not hidden behind the final pass */
	uint64_t final_pages, final_ns; /* stop-and-copy pass: pages, send time */
	uint64_t ready_ns;              /* CHECKSUM sent -> READY received (destination checks) */
	char converge[32];              /* why pre-copy ended */
	char transport[160];            /* "TLS1.3 ECDHE-PSK ... AES-128-GCM, PSK identity 'x'",
	                      * "plaintext"; "" until connected */
	char error[256];
};

/* The query-migrate "return" object. Returns the length it needs (like snprintf). */
size_t mig_metrics_json(const struct mig_metrics *m, const struct mig_params *p, char *buf,
                        size_t len);

/* ---- convergence ---- */

struct mig_conv_in {
	uint64_t dirty_pages;    /* pages to send in the next pass */
	uint64_t bytes_per_page; /* average wire bytes per page last pass (0: 4 KiB + 16) */
	uint64_t bandwidth_bps;  /* measured bytes/s (0: unknown) */
	uint64_t fixed_ns;       /* downtime cost that does not depend on dirty pages */
	uint64_t downtime_limit_ns;
	uint32_t iteration; /* passes done so far (>= 1) */
	uint32_t max_iterations;
	uint64_t
	        dirty_rate_pps; /* pages the guest dirtied per second in the last pass, 0: unknown */
};

enum mig_conv {
	MIG_CONV_CONTINUE = 0,
	MIG_CONV_DOWNTIME, /* expected downtime <= the limit: stop and copy */
	MIG_CONV_MAX_ITER, /* pass cap reached: stop and copy anyway */
};

/* Decide after a pass; *expected_ns gets the expected stop-and-copy time (UINT64_MAX when
 * the bandwidth is unknown). Pure. When the expected time fits the limit but sending the
 * dirty pages would take more than MIG_CONV_SHRINK_MIN_NS and the guest (dirty_rate_pps)
 * would dirty at most a quarter as many meanwhile, one more pass is cheaper in downtime than
 * stopping now (the pass cap still applies). */
enum mig_conv mig_converge(const struct mig_conv_in *in, uint64_t *expected_ns);
const char *mig_conv_name(enum mig_conv c);

#endif
