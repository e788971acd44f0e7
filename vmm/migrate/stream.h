/* SPDX-License-Identifier: MIT */
/*
 * tsvmm migration stream codec (include/uapi/tsvmm-migration.h). Pure: no I/O.
 * stream.c validates record headers and page entries; conn.c moves records over a socket.
 */
#ifndef TSVMM_MIGRATE_STREAM_H
#define TSVMM_MIGRATE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/tsvmm-migration.h"

/* Bytes of the entry header plus the largest entry data. */
#define TSMIG_ENTRY_MAX (sizeof(struct tsmig_page_entry) + TSMIG_PAGE_SIZE)

/* Record check of a header (its check field ignored) and its payload (len bytes). */
uint32_t tsmig_rec_check(const struct tsmig_rec_hdr *h, const void *payload);

/* Short name of a record type ("PAGES"), "?" if unknown. */
const char *tsmig_rec_name(unsigned type);

/*
 * Validate a received header before reading its payload: type known and sent in this
 * direction (from_source: source -> destination), flags 0, len within the type's rules
 * (exact size for fixed records, 1 .. TSMIG_REC_MAX for PAGES/DEVICES), seq == want_seq.
 * 0, or -EBADMSG (-EPROTO for a wrong seq) with a reason in err (errlen bytes).
 */
int tsmig_hdr_validate(const struct tsmig_rec_hdr *h, uint32_t want_seq, bool from_source,
                       char *err, size_t errlen);

/* The regions a stream declared (REGION records), in id order. */
struct tsmig_regions {
	unsigned n;
	struct tsmig_region r[TSMIG_REGIONS_MAX];
};

/*
 * Check a REGION payload against the regions declared so far and add it: id == t->n, kind
 * known, flags and reserved 0, block_size TSMIG_PAGE_SIZE (RAM) or a power of two in
 * TSMIG_BLOCK_MIN .. TSMIG_BLOCK_MAX (DISK), size a non-zero multiple of it,
 * at most TSMIG_REGIONS_MAX regions, region 0 RAM of ram_bytes. 0 or -EBADMSG with a reason.
 */
int tsmig_region_add(struct tsmig_regions *t, const struct tsmig_region *rg, uint64_t ram_bytes,
                     char *err, size_t errlen);

/* The declared region a PAGES record's flags name, or NULL with a reason in err. */
const struct tsmig_region *tsmig_region_of(const struct tsmig_regions *t,
                                           const struct tsmig_rec_hdr *h, char *err, size_t errlen);

/*
 * HELLO's magic, version and page size. 0, or -EPROTO with a reason naming the version seen
 * and the one read here (a v1 source is told it is v1 and this side reads only v2).
 */
int tsmig_hello_check(const struct tsmig_hello *hi, char *err, size_t errlen);

/*
 * A data connection's JOIN against the control connection's HELLO: magic, the HELLO's token
 * and connection count, index 1 .. connections - 1, reserved 0 (a repeated index is the
 * caller's to refuse). 0, or -EPROTO with a reason naming the field.
 */
int tsmig_join_check(const struct tsmig_join *j, const struct tsmig_hello *hi, char *err,
                     size_t errlen);

/* What the receiver's memory and disk allow. */
struct tsmig_limits {
	uint64_t npages;      /* pages of RAM */
	uint64_t disk_blocks; /* 4 KiB blocks of the disk image, 0: no disk (DISK is an error) */
	uint64_t ram_pages;   /* RAM pages a RAM entry may name, 0: RAM entries are an error */
	uint64_t own_blocks;  /* blocks of the flim DISK region a BLOCK entry may name, 0: none */
	uint32_t block_size;  /* bytes of a FULL entry (a DISK region's block_size); 0: 4096 */
};

/* One parsed page entry; data points into the record payload. */
struct tsmig_entry {
	uint64_t pfn;
	unsigned kind;  /* enum tsmig_page_kind */
	unsigned count; /* pages (ZERO runs), else 1 */
	const uint8_t *data;
	uint32_t len;
	struct tsmig_ref ref; /* DUP, DISK and RAM */
};

/*
 * Parse the entry at *off of a PAGES payload (len bytes) and advance *off. Returns 1 with e
 * filled, 0 at the end of the payload, or -EBADMSG with a reason in err: a truncated entry,
 * unknown kind, bad count or length for the kind, page range beyond lim->npages, DUP ref
 * beyond RAM, DISK without a disk or beyond it, RAM where lim allows none or beyond RAM, BLOCK
 * likewise (own_blocks); FULL carries lim->block_size bytes, LZ4/ZSTD fewer, and a RAM entry
 * needs a block size of 4096 (a block is then one page).
 */
int tsmig_entry_next(const uint8_t *p, size_t len, size_t *off, const struct tsmig_limits *lim,
                     struct tsmig_entry *e, char *err, size_t errlen);

/*
 * Append an entry (header fields from the arguments, len data bytes) at buf + *off (cap
 * bytes). Returns 0 and advances *off, or -ENOSPC when it does not fit.
 */
int tsmig_entry_put(uint8_t *buf, size_t cap, size_t *off, uint64_t pfn, unsigned kind,
                    unsigned count, const void *data, uint32_t len);

#endif
