/* SPDX-License-Identifier: MIT */
/*
 * tsvmm live-migration stream, version 2: the one place that defines it.
 * Version 1 (RAM pages only, no regions) is refused by the destination with an ERROR naming
 * both versions ("stream v1 ... reads only v2"); a v1 destination refuses v2 the same way.
 *
 * Transport: one TCP connection from the source (client) to the destination
 * ("tsvmm run --incoming ADDR:PORT", server). Both directions carry records; everything is
 * little endian (x86 only), fixed-size fields, no pointers.
 * Security: the records travel inside TLS 1.3 (the first byte on the wire is a ClientHello,
 * 0x16), mutually authenticated by a pre-shared key (PSK with (EC)DHE) or X.509 certificates
 * (vmm/migrate/tls.h); only with --migrate-plaintext on both ends do they travel in clear
 * (the first byte is then HELLO's type, 0x01). The destination accepts connections until
 * one completes the handshake and sends a valid HELLO within 5 s; anything else is refused
 * (and, where it can read it, told why in an ERROR record) before guest memory is touched.
 *
 * Record: struct tsmig_rec_hdr (16 bytes) then len payload bytes, len <= TSMIG_REC_MAX.
 *   seq    counts the records of one direction from 0: a lost, repeated or reordered record
 *          is a protocol error.
 *   check  low 32 bits of XXH3_64bits_withSeed(payload, len, tsmig_rec_seed(hdr)): a cheap
 *          guard against corruption in flight (the switchover checksum is the strong one).
 * A receiver validates the header (known type for its direction, length rules below, seq)
 * before it reads the payload, and the check before it uses it.
 *
 * Source -> destination:
 *   HELLO     struct tsmig_hello: first record. Memory size must equal the destination's.
 *   REGION    struct tsmig_region: declares one region the stream carries (v2), before any
 *             PAGES naming it: ids 0, 1, 2 ... in order, at most TSMIG_REGIONS_MAX. Region 0
 *             is the guest RAM (kind RAM, size == HELLO.mem_size); a later id may be a disk
 *             (kind DISK, size == the disk image's: migrate-disk; its PAGES carry FULL,
 *             ZERO, LZ4 and ZSTD entries only, written into the destination's image, which
 *             must have that size). block_size is TSMIG_PAGE_SIZE for RAM; for a
 *             DISK region a power of two from TSMIG_BLOCK_MIN to TSMIG_BLOCK_MAX (the
 *             source's `block-size`): its entries, pfns, DUP refs, DISK_INDEX hashes,
 *             DISK_MISSING bits, BLOCK_REQ numbers and checksum leaves are in blocks of
 *             that size, FULL carries block_size bytes, LZ4/ZSTD decompress to it, and RAM
 *             entries (and BLOCK entries naming it) need block_size 4096; size is a
 *             multiple of it.
 *   PAGES     a sequence of page entries (struct tsmig_page_entry, then its data), at most
 *             TSMIG_REC_MAX bytes in all; entries never straddle records. The header's
 *             flags field is the id of the region the entries belong to (v2; every other
 *             record has flags 0); an entry's pfn is then a block index of that region.
 *   PASS_END  struct tsmig_pass: end of one pass (the destination answers PASS_ACK unless final).
 *   CPU       struct vcpu_state of vmm/vcpu.h (KVM's x86 structs: same-arch ABI), len exact.
 *   CLOCK     struct tsmig_clock: the source's KVM_GET_CLOCK, for KVM_SET_CLOCK.
 *   DEVICES   the devices_save() blob of vmm/devices/device.h ("TSDV", validated by it).
 *   DATA_END  struct tsmig_data_end: all state is sent; the destination now checksums.
 *   CHECKSUM  struct tsmig_checksum: the source's checksum of memory + device state.
 *   GO        empty: the destination may run the guest (sent only after READY).
 * Destination -> source (struct tsmig_status each):
 *   READY     the checksum matched, state loaded: waiting for GO.
 *   RUNNING   the vCPU runs (realtime_ns: when it was started). The source then quits.
 *   PASS_ACK  struct tsmig_pass: every page of that (pre-copy) pass is applied. The source
 *             waits for it before it judges convergence, so the bandwidth it measures is the
 *             end-to-end rate and the destination has no backlog when the vCPU stops.
 *   ERROR     refused or failed (err: -errno, msg: why). The source resumes its guest.
 *
 * Page entries (inside PAGES): struct tsmig_page_entry, then len data bytes by kind:
 *   FULL  4096 bytes of content (a DISK region: its block_size)           count 1
 *   ZERO  no data: pages pfn .. pfn + count - 1 are zero                 count 1..4096
 *   DUP   struct tsmig_ref: copy the destination's page ref (which must hash to hash)
 *   DISK  struct tsmig_ref: read 4 KiB block ref of the shared disk image (hash: its content
 *         at the source when sent; a mismatch at the destination is counted, not fatal: the
 *         source re-sends pages whose block the guest wrote)
 *   LZ4, ZSTD  1 .. 4095 bytes that decompress to exactly 4096 (a DISK region: 1 ..
 *         block_size - 1 bytes that decompress to block_size)
 *   RAM   struct tsmig_ref, in a DISK region that asked for the index only (storage flim): the
 *         block takes the content of the destination's RAM page ref (region 0), received
 *         earlier in this migration (sent before the switchover only: the guest is stopped);
 *         the page must hash to hash, a mismatch is refused (never a silent copy)
 *   BLOCK struct tsmig_ref, in the RAM region once a DISK region that asked for the index was
 *         declared (storage flim): the page takes the content of block ref of the
 *         destination's own image as it holds it now (its DISK_INDEX, then what was sent;
 *         entries apply in stream order), which must hash to hash: a mismatch is refused
 * pfn + count <= the block count of the record's region; DUP's ref < that count (a page of
 * the same region); DISK's ref < disk blocks (of the shared image named by HELLO); RAM's
 * ref < the RAM's pages; BLOCK's ref < the blocks of that DISK region.
 *
 * Parallel connections (HELLO.connections = N > 1, RAM region only: no DISK region): after
 * HELLO and REGION on the control connection (index 0), the source opens N - 1 data
 * connections to the same address; each (after its TLS handshake when the migration uses
 * TLS) starts with JOIN (HELLO's token, its index, N); the destination refuses a JOIN with
 * another token, a repeated or out-of-range index. Every connection has its own seq. The
 * PAGES records of a pass are striped over all N connections; a data connection carries only
 * PAGES and PASS_END. A pass ends with PASS_END (pass, final, pages sent on that connection)
 * on every data connection, then PASS_END (the pass's total) on the control connection. The
 * destination reads each data connection in its own thread and applies its records in order;
 * a data connection's thread that read PASS_END k waits until the control connection's
 * PASS_END k, and the control connection's PASS_END k waits for every data connection's
 * (a per-pass barrier): PASS_ACK k, and the final pass's checksum, come only after every
 * page of pass k is applied, and no record of pass k + 1 is applied before. So a page re-sent
 * in pass k + 1 is never overwritten by its pass-k copy from another connection. A DUP entry
 * names a page sent in an earlier pass, or earlier on the same connection. A PASS_END naming
 * another pass than the connection's current one, a page count that differs from the pages
 * received, another record type, or a lost data connection fails the migration (ERROR on
 * the control connection naming the data connection). CPU, CLOCK, DEVICES, DATA_END,
 * CHECKSUM, GO and every destination record travel on the control connection.
 *
 * Checksum (CHECKSUM.digest): XXH3-128 over, in order: the XXH3-64 of every RAM page (u64
 * little endian, page 0 first), when a DISK region was declared the XXH3-64 of every block
 * of the disk image (block 0 first; the source re-reads its image after the stop, the
 * destination keeps the hash of each block it wrote), the DEVICES blob, and struct kvm_regs of the vCPU: a root over per-page
 * leaves, so each side may get the leaves the cheapest honest way.
 *   source       reads ALL of its RAM after the vCPU stopped (worker threads hash while the
 *                final pass is sent; nothing is taken from the dirty log), except the pages
 *                of the final pass and the report-ring header page, whose leaf is the hash
 *                of the copy it sent (the VMM may still write them after the copy). A page
 *                the dirty log missed therefore hashes as it really is.
 *   destination  keeps one leaf per page, the hash of the page read back from its RAM right
 *                after it last wrote it (ZERO: the zero page's hash, the page being zero by
 *                test or by memset); pages never written are hashed at switchover, and a
 *                random sample of pages is re-read and must still match its leaf.
 * A mismatch (stale page, wrong content, lost page, state) makes the destination refuse.
 * How the leaves are obtained is not part of the stream: the version did not change.
 */
#ifndef UAPI_TSVMM_MIGRATION_H
#define UAPI_TSVMM_MIGRATION_H

#include <stdint.h>

#define TSMIG_MAGIC       0x47494d54 /* "TMIG" little endian */
#define TSMIG_VERSION     2
#define TSMIG_REGIONS_MAX 16 /* regions of one stream; PAGES flags < this */
#define TSMIG_PAGE_SIZE   4096
#define TSMIG_BLOCK_MIN   4096       /* a DISK region's smallest block_size */
#define TSMIG_BLOCK_MAX   (1U << 20) /* a DISK region's largest block_size */
#define TSMIG_REC_MAX                                                                              \
	(TSMIG_BLOCK_MAX + 4096) /* largest record payload (bytes): one
                                                    * FULL entry of the largest block fits */
#define TSMIG_ZERO_RUN 4096      /* longest ZERO run (pages) */
#define TSMIG_MSG_MAX  112       /* tsmig_status.msg, NUL-terminated */
#define TSMIG_SEED_MIX 0x9e3779b97f4a7c15ULL

enum tsmig_rec_type {
	TSMIG_REC_HELLO = 1,
	TSMIG_REC_PAGES = 2,
	TSMIG_REC_PASS_END = 3,
	TSMIG_REC_CPU = 4,
	TSMIG_REC_CLOCK = 5,
	TSMIG_REC_DEVICES = 6,
	TSMIG_REC_DATA_END = 7,
	TSMIG_REC_CHECKSUM = 8,
	TSMIG_REC_GO = 9,
	TSMIG_REC_REGION = 10,
	TSMIG_REC_DISK_MISSING = 11, /* storage flim post-copy, before DATA_END: struct
	                              * tsmig_disk_index (first a multiple of 64, count bits) then
	                              * (count + 63) / 64 little-endian u64 words: the blocks the
	                              * destination lacks at the switchover (they follow after it) */
	TSMIG_REC_POSTCOPY_END = 12, /* struct tsmig_pc_end: every missing block was sent */
	TSMIG_REC_VERIFY = 14,       /* struct tsmig_checksum, after RUNNING when the HELLO has
	                              * TSMIG_F_VERIFY: the checksum over the source's RAM as
	                              * read after its stop (the switchover checksum used the
	                              * hashes of the copies sent: no RAM read in the downtime) */
	TSMIG_REC_PC_RESUME = 13,    /* struct tsmig_pc_resume: first record of a connection
	                              * that resumes a post-copy phase after a lost link */
	TSMIG_REC_TSC =
	        15, /* struct tsmig_tsc (optional, after CLOCK): the guest's TSC at the stop */
	/* destination -> source */
	TSMIG_REC_READY = 16,
	TSMIG_REC_RUNNING = 17,
	TSMIG_REC_ERROR = 18,
	TSMIG_REC_PASS_ACK = 19,
	TSMIG_REC_DISK_INDEX = 20,    /* struct tsmig_disk_index, then count 16-byte XXH3-128
	                            * hashes: what the destination's image holds in blocks
	                            * first .. first + count - 1, sent in block order when the
	                            * DISK region asked for it (TSMIG_REGION_F_INDEX) */
	TSMIG_REC_BLOCK_REQ = 21,     /* post-copy: 1..TSMIG_REQ_MAX u64 block numbers the guest
	                               * waits for (send them before the prefetch stream) */
	TSMIG_REC_POSTCOPY_DONE = 22, /* struct tsmig_pc_done: every block arrived and matched;
	                               * the source may drop its copy */
	TSMIG_REC_VERIFIED = 24,      /* struct tsmig_status: VERIFY matched the switchover's */
	TSMIG_REC_PC_HAVE = 23,       /* answer to PC_RESUME: DISK_MISSING's layout, the blocks
	                               * still missing (every chunk of the disk, in order) */
	TSMIG_REC_JOIN = 25,          /* struct tsmig_join: first record of a data connection
	                               * (HELLO.connections > 1; see "Parallel connections") */
};

/* Parallel connections: at most this many TCP connections carry one migration. */
#define TSMIG_CONN_MAX 8

/* JOIN: the first (and only non-PAGES, non-PASS_END) record of data connection index. */
struct tsmig_join {
	uint32_t magic;       /* TSMIG_MAGIC */
	uint32_t index;       /* 1 .. connections - 1 (0 is the control connection) */
	uint32_t connections; /* HELLO.connections */
	uint32_t reserved;    /* 0 */
	uint64_t token;       /* HELLO.token: which migration this connection joins */
	uint64_t reserved2;   /* 0 */
};

#define TSMIG_REQ_MAX 512

/* POSTCOPY_END: blocks missing at the switchover and the XXH3-64 over (block, XXH3-64 of
 * its content at the source's stop) pairs (little-endian u64s) in block order. */
struct tsmig_pc_end {
	uint64_t blocks;
	uint64_t digest;
};

/* PC_RESUME: which migration resumes (its switchover checksum). */
struct tsmig_pc_resume {
	uint32_t magic;  /* TSMIG_MAGIC */
	uint32_t resume; /* reconnects of this post-copy phase so far, from 1 */
	uint8_t digest[16];
	uint64_t reserved[2];
};

/* POSTCOPY_DONE: what the destination saw in post-copy (blk.h's blk_pc_stats). */
struct tsmig_pc_done {
	uint64_t blocks, filled, dropped, misses, hits, requested;
	uint64_t wait_p50_ns, wait_p99_ns, wait_max_ns, duration_ns;
	uint64_t guest_read_blocks, guest_write_blocks;
	uint64_t reserved[4];
};

/* REGION flags: a DISK region whose source wants the destination's DISK_INDEX (storage flim:
 * it then skips blocks the destination already holds, and sends a DUP entry, ref = a block
 * of the destination's image that already has the content, for a block held elsewhere;
 * the destination checks the hash of what it copies). */
#define TSMIG_REGION_F_INDEX 0x1

struct tsmig_disk_index {
	uint64_t first;    /* first block */
	uint32_t count;    /* hashes that follow */
	uint32_t reserved; /* 0 */
};

struct tsmig_rec_hdr {
	uint16_t type;  /* enum tsmig_rec_type */
	uint16_t flags; /* 0 (reserved) */
	uint32_t len;   /* payload bytes */
	uint32_t seq;   /* record number in this direction, from 0 */
	uint32_t check; /* see above */
};

/* Seed of the record check: type, flags and len, mixed with seq. */
static inline uint64_t tsmig_rec_seed(const struct tsmig_rec_hdr *h)
{
	return ((uint64_t)h->type | (uint64_t)h->flags << 16 | (uint64_t)h->len << 32) ^
	       ((uint64_t)h->seq * TSMIG_SEED_MIX);
}

/* Feature bits of tsmig_hello.features: what the source may send. */
enum tsmig_feature {
	TSMIG_F_ZERO = 1,
	TSMIG_F_DUP = 2,
	TSMIG_F_DISK = 4,
	TSMIG_F_LZ4 = 8,
	TSMIG_F_ZSTD = 16,
	TSMIG_F_VERIFY = 32, /* checksum "early": VERIFY follows RUNNING */
};

struct tsmig_hello {
	uint32_t magic;       /* TSMIG_MAGIC */
	uint32_t version;     /* TSMIG_VERSION */
	uint64_t mem_size;    /* bytes of RAM; the destination's must be equal */
	uint32_t page_size;   /* TSMIG_PAGE_SIZE */
	uint32_t features;    /* enum tsmig_feature */
	uint64_t disk_bytes;  /* size of the shared disk image, 0: none (DISK needs equal sizes) */
	uint64_t tsc_khz;     /* source guest TSC frequency */
	uint32_t connections; /* TCP connections of this migration: 0 or 1 one, 2 ..
	                       * TSMIG_CONN_MAX: the data connections JOIN with token */
	uint32_t reserved32;  /* 0 */
	uint64_t token;       /* random, names the migration in JOIN (connections > 1) */
	uint64_t reserved[2];
};

/* What a region holds (tsmig_region.kind). */
enum tsmig_region_kind {
	TSMIG_REGION_RAM = 1,
	TSMIG_REGION_DISK = 2,
};

/* REGION record payload (24 bytes). */
struct tsmig_region {
	uint32_t id;         /* 0, 1, ... in declaration order; PAGES flags name it */
	uint16_t kind;       /* enum tsmig_region_kind */
	uint16_t flags;      /* 0 (reserved) */
	uint64_t size;       /* bytes, a multiple of block_size, > 0 */
	uint32_t block_size; /* bytes per page/block entry: 4096 (RAM), 4 KiB..1 MiB (DISK) */
	uint32_t reserved;   /* 0 */
};

enum tsmig_page_kind {
	TSMIG_PAGE_FULL = 1,
	TSMIG_PAGE_ZERO = 2,
	TSMIG_PAGE_DUP = 3,
	TSMIG_PAGE_DISK = 4,
	TSMIG_PAGE_LZ4 = 5,
	TSMIG_PAGE_ZSTD = 6,
	TSMIG_PAGE_RAM = 7,   /* storage flim, DISK region only: see "Page entries" */
	TSMIG_PAGE_BLOCK = 8, /* storage flim, RAM region only: see "Page entries" */
};

struct tsmig_page_entry {
	uint64_t pfn;   /* first page (GPA / 4096) */
	uint16_t kind;  /* enum tsmig_page_kind */
	uint16_t count; /* pages: 1, or 1 .. TSMIG_ZERO_RUN for ZERO */
	uint32_t len;   /* data bytes that follow */
};

struct tsmig_ref {
	uint8_t hash[16]; /* XXH3-128 of the page content (canonical, big-endian bytes) */
	uint64_t ref;     /* DUP: destination page index; DISK: 4 KiB block of the disk */
};

struct tsmig_pass {
	uint32_t pass;  /* 0 = the first full pass, then one per dirty pass */
	uint32_t final; /* 1 for the stop-and-copy pass */
	uint64_t pages; /* pages sent in the pass */
};

struct tsmig_clock {
	uint64_t clock; /* kvm_clock_data.clock, ns */
	uint32_t flags; /* kvm_clock_data.flags */
	uint32_t pad;
	uint64_t realtime; /* kvm_clock_data.realtime (when KVM_CLOCK_REALTIME) */
	uint64_t host_tsc; /* kvm_clock_data.host_tsc */
};

/* TSC record: what the destination needs to keep the guest's TSC continuous (vmm/vcpu_tsc.h):
 * the guest's TSC when its vCPU parked and the source host's relation to it. Without it the
 * destination's guest reads the destination's TSC as it is (one machine: the same TSC). */
struct tsmig_tsc {
	uint64_t guest_tsc;        /* the guest's TSC when the vCPU parked */
	uint64_t host_tsc;         /* the source host's TSC then (its --tsc-transform terms) */
	uint64_t guest_offset;     /* guest - host TSC, ticks (two's complement) */
	uint64_t host_khz;         /* the source host's TSC rate, kHz */
	uint64_t stop_realtime_ns; /* CLOCK_REALTIME read with host_tsc */
	int64_t host_ppb;          /* the source host's emulated rate (--tsc-transform), ppb */
	uint32_t flags;            /* TSMIG_TSC_F_*: how the source kept the guest's TSC */
	uint32_t reserved;         /* 0 */
};
enum {
	TSMIG_TSC_F_EMULATED = 1, /* tsvmm's TSC block (the guest applies it to its rdtsc) */
	TSMIG_TSC_F_KVM = 2,      /* KVM's TSC offset */
};

struct tsmig_data_end {
	uint64_t stop_realtime_ns; /* CLOCK_REALTIME at which the source vCPU stopped */
	uint64_t pages;            /* pages of RAM */
};

struct tsmig_checksum {
	uint8_t digest[16]; /* XXH3-128, canonical bytes */
	uint64_t pages;
};

struct tsmig_status {
	int32_t err; /* 0 or -errno */
	uint32_t pad;
	uint64_t realtime_ns; /* CLOCK_REALTIME of the event (RUNNING: vCPU start) */
	char msg[TSMIG_MSG_MAX];
};

/* The ABI: sizes and offsets every peer relies on (x86-64, little endian, no padding). */
#define TSMIG_ASSERT_OFF(t, f, o) _Static_assert(__builtin_offsetof(t, f) == (o), #t "." #f)
TSMIG_ASSERT_OFF(struct tsmig_rec_hdr, type, 0);
TSMIG_ASSERT_OFF(struct tsmig_rec_hdr, flags, 2);
TSMIG_ASSERT_OFF(struct tsmig_rec_hdr, len, 4);
TSMIG_ASSERT_OFF(struct tsmig_rec_hdr, seq, 8);
TSMIG_ASSERT_OFF(struct tsmig_rec_hdr, check, 12);
_Static_assert(sizeof(struct tsmig_rec_hdr) == 16, "tsmig_rec_hdr size");
TSMIG_ASSERT_OFF(struct tsmig_hello, version, 4);
TSMIG_ASSERT_OFF(struct tsmig_hello, mem_size, 8);
TSMIG_ASSERT_OFF(struct tsmig_hello, page_size, 16);
TSMIG_ASSERT_OFF(struct tsmig_hello, features, 20);
TSMIG_ASSERT_OFF(struct tsmig_hello, disk_bytes, 24);
TSMIG_ASSERT_OFF(struct tsmig_hello, tsc_khz, 32);
TSMIG_ASSERT_OFF(struct tsmig_hello, connections, 40);
TSMIG_ASSERT_OFF(struct tsmig_hello, token, 48);
_Static_assert(sizeof(struct tsmig_hello) == 72, "tsmig_hello size");
_Static_assert(sizeof(struct tsmig_join) == 32, "tsmig_join size");
TSMIG_ASSERT_OFF(struct tsmig_region, kind, 4);
TSMIG_ASSERT_OFF(struct tsmig_region, flags, 6);
TSMIG_ASSERT_OFF(struct tsmig_region, size, 8);
TSMIG_ASSERT_OFF(struct tsmig_region, block_size, 16);
TSMIG_ASSERT_OFF(struct tsmig_region, reserved, 20);
_Static_assert(sizeof(struct tsmig_region) == 24, "tsmig_region size");
TSMIG_ASSERT_OFF(struct tsmig_page_entry, kind, 8);
TSMIG_ASSERT_OFF(struct tsmig_page_entry, count, 10);
TSMIG_ASSERT_OFF(struct tsmig_page_entry, len, 12);
_Static_assert(sizeof(struct tsmig_page_entry) == 16, "tsmig_page_entry size");
TSMIG_ASSERT_OFF(struct tsmig_ref, ref, 16);
_Static_assert(sizeof(struct tsmig_ref) == 24, "tsmig_ref size");
_Static_assert(sizeof(struct tsmig_pass) == 16, "tsmig_pass size");
_Static_assert(sizeof(struct tsmig_clock) == 32, "tsmig_clock size");
_Static_assert(sizeof(struct tsmig_tsc) == 56, "tsmig_tsc size");
_Static_assert(sizeof(struct tsmig_data_end) == 16, "tsmig_data_end size");
_Static_assert(sizeof(struct tsmig_checksum) == 24, "tsmig_checksum size");
TSMIG_ASSERT_OFF(struct tsmig_status, realtime_ns, 8);
TSMIG_ASSERT_OFF(struct tsmig_status, msg, 16);
_Static_assert(sizeof(struct tsmig_status) == 16 + TSMIG_MSG_MAX, "tsmig_status size");
_Static_assert(sizeof(struct tsmig_pc_end) == 16, "tsmig_pc_end size");
_Static_assert(sizeof(struct tsmig_pc_resume) == 40, "tsmig_pc_resume size");
_Static_assert(sizeof(struct tsmig_pc_done) == 128, "tsmig_pc_done size");

#undef TSMIG_ASSERT_OFF

#endif
