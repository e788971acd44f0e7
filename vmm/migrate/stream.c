// SPDX-License-Identifier: MIT
/* tsvmm migration stream codec: record headers and page entries, validated. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "migrate/stream.h"
#include "vcpu.h"

uint32_t tsmig_rec_check(const struct tsmig_rec_hdr *h, const void *payload)
{
	static const uint8_t empty[1];
	return (uint32_t)XXH3_64bits_withSeed(h->len ? payload : empty, h->len, tsmig_rec_seed(h));
}

struct rec_rule {
	const char *name;
	bool from_source;
	uint32_t min, max; /* payload length bounds */
};

static const struct rec_rule *rule(unsigned type)
{
	static const struct rec_rule rules[] = {
	        [TSMIG_REC_HELLO] = {"HELLO", true, sizeof(struct tsmig_hello),
	                             sizeof(struct tsmig_hello)},
	        [TSMIG_REC_PAGES] = {"PAGES", true, sizeof(struct tsmig_page_entry), TSMIG_REC_MAX},
	        [TSMIG_REC_PASS_END] = {"PASS_END", true, sizeof(struct tsmig_pass),
	                                sizeof(struct tsmig_pass)},
	        [TSMIG_REC_CPU] = {"CPU", true, sizeof(struct vcpu_state),
	                           sizeof(struct vcpu_state)},
	        [TSMIG_REC_CLOCK] = {"CLOCK", true, sizeof(struct tsmig_clock),
	                             sizeof(struct tsmig_clock)},
	        [TSMIG_REC_DEVICES] = {"DEVICES", true, 1, TSMIG_REC_MAX},
	        [TSMIG_REC_DATA_END] = {"DATA_END", true, sizeof(struct tsmig_data_end),
	                                sizeof(struct tsmig_data_end)},
	        [TSMIG_REC_CHECKSUM] = {"CHECKSUM", true, sizeof(struct tsmig_checksum),
	                                sizeof(struct tsmig_checksum)},
	        [TSMIG_REC_GO] = {"GO", true, 0, 0},
	        [TSMIG_REC_REGION] = {"REGION", true, sizeof(struct tsmig_region),
	                              sizeof(struct tsmig_region)},
	        [TSMIG_REC_DISK_MISSING] = {"DISK_MISSING", true,
	                                    sizeof(struct tsmig_disk_index) + 8, TSMIG_REC_MAX},
	        [TSMIG_REC_POSTCOPY_END] = {"POSTCOPY_END", true, sizeof(struct tsmig_pc_end),
	                                    sizeof(struct tsmig_pc_end)},
	        [TSMIG_REC_VERIFY] = {"VERIFY", true, sizeof(struct tsmig_checksum),
	                              sizeof(struct tsmig_checksum)},
	        [TSMIG_REC_VERIFIED] = {"VERIFIED", false, sizeof(struct tsmig_status),
	                                sizeof(struct tsmig_status)},
	        [TSMIG_REC_PC_RESUME] = {"PC_RESUME", true, sizeof(struct tsmig_pc_resume),
	                                 sizeof(struct tsmig_pc_resume)},
	        [TSMIG_REC_PC_HAVE] = {"PC_HAVE", false, sizeof(struct tsmig_disk_index) + 8,
	                               TSMIG_REC_MAX},
	        [TSMIG_REC_BLOCK_REQ] = {"BLOCK_REQ", false, 8, 8 * TSMIG_REQ_MAX},
	        [TSMIG_REC_POSTCOPY_DONE] = {"POSTCOPY_DONE", false, sizeof(struct tsmig_pc_done),
	                                     sizeof(struct tsmig_pc_done)},
	        [TSMIG_REC_TSC] = {"TSC", true, sizeof(struct tsmig_tsc), sizeof(struct tsmig_tsc)},
	        [TSMIG_REC_READY] = {"READY", false, sizeof(struct tsmig_status),
	                             sizeof(struct tsmig_status)},
	        [TSMIG_REC_RUNNING] = {"RUNNING", false, sizeof(struct tsmig_status),
	                               sizeof(struct tsmig_status)},
	        [TSMIG_REC_ERROR] = {"ERROR", false, sizeof(struct tsmig_status),
	                             sizeof(struct tsmig_status)},
	        [TSMIG_REC_PASS_ACK] = {"PASS_ACK", false, sizeof(struct tsmig_pass),
	                                sizeof(struct tsmig_pass)},
	        [TSMIG_REC_DISK_INDEX] = {"DISK_INDEX", false, sizeof(struct tsmig_disk_index),
	                                  TSMIG_REC_MAX},
	        [TSMIG_REC_JOIN] = {"JOIN", true, sizeof(struct tsmig_join),
	                            sizeof(struct tsmig_join)},
	};
	if (type >= sizeof(rules) / sizeof(rules[0]) || !rules[type].name)
		return NULL;
	return &rules[type];
}

const char *tsmig_rec_name(unsigned type)
{
	const struct rec_rule *r = rule(type);
	return r ? r->name : "?";
}

int tsmig_hdr_validate(const struct tsmig_rec_hdr *h, uint32_t want_seq, bool from_source,
                       char *err, size_t errlen)
{
	const struct rec_rule *r = rule(h->type);
	if (!r || r->from_source != from_source) {
		snprintf(err, errlen, "record %u: unexpected type %u from the %s", h->seq, h->type,
		         from_source ? "source" : "destination");
		return -EBADMSG;
	}
	if (h->type == TSMIG_REC_PAGES && h->flags >= TSMIG_REGIONS_MAX) {
		snprintf(err, errlen, "record %u (PAGES): region %u, at most %u regions", h->seq,
		         h->flags, TSMIG_REGIONS_MAX);
		return -EBADMSG;
	}
	if (h->type != TSMIG_REC_PAGES && h->flags) {
		snprintf(err, errlen, "record %u (%s): reserved flags 0x%x set", h->seq, r->name,
		         h->flags);
		return -EBADMSG;
	}
	if (h->len < r->min || h->len > r->max) {
		snprintf(err, errlen, "record %u (%s): length %u outside %u..%u", h->seq, r->name,
		         h->len, r->min, r->max);
		return -EBADMSG;
	}
	if (h->seq != want_seq) {
		snprintf(err, errlen, "record %s: sequence %u, expected %u (lost or repeated data)",
		         r->name, h->seq, want_seq);
		return -EPROTO;
	}
	return 0;
}

static int bad(char *err, size_t errlen, size_t off, const char *what, unsigned long long v)
{
	snprintf(err, errlen, "page entry at offset %zu: %s (%llu)", off, what, v);
	return -EBADMSG;
}

/* Reference entries: what their ref may name is bounded by the limits (0: none allowed). */
struct ref_kind {
	const char *none, *beyond;
};
static const struct ref_kind ref_kinds[TSMIG_PAGE_BLOCK + 1] = {
        [TSMIG_PAGE_DUP] = {"DUP reference but no RAM, page", "DUP reference beyond RAM"},
        [TSMIG_PAGE_DISK] = {"DISK reference but no disk here, block",
                             "DISK reference beyond the disk"},
        [TSMIG_PAGE_RAM] = {"RAM reference where none is allowed (not a flim DISK region), page",
                            "RAM reference beyond RAM, page"},
        [TSMIG_PAGE_BLOCK] = {"BLOCK reference where none is allowed (no flim DISK region), "
                              "block",
                              "BLOCK reference beyond the disk, block"},
};

int tsmig_entry_next(const uint8_t *p, size_t len, size_t *off, const struct tsmig_limits *lim,
                     struct tsmig_entry *e, char *err, size_t errlen)
{
	size_t o = *off;
	struct tsmig_page_entry h;
	if (o >= len)
		return 0;
	if (len - o < sizeof(h))
		return bad(err, errlen, o, "truncated header, bytes left", len - o);
	memcpy(&h, p + o, sizeof(h));
	if (h.len > len - o - sizeof(h))
		return bad(err, errlen, o, "data runs past the record, length", h.len);
	unsigned maxcount = h.kind == TSMIG_PAGE_ZERO ? TSMIG_ZERO_RUN : 1;
	if (h.count < 1 || h.count > maxcount)
		return bad(err, errlen, o, "bad page count", h.count);
	if (h.pfn >= lim->npages || h.count > lim->npages - h.pfn)
		return bad(err, errlen, o, "page index beyond RAM", h.pfn);
	uint32_t want_min, want_max, bs = lim->block_size ? lim->block_size : TSMIG_PAGE_SIZE;
	if (h.kind == TSMIG_PAGE_RAM && bs != TSMIG_PAGE_SIZE)
		return bad(err, errlen, o, "RAM reference in a region whose block size is not 4096",
		           bs);
	switch (h.kind) {
	case TSMIG_PAGE_FULL:
		want_min = want_max = bs;
		break;
	case TSMIG_PAGE_ZERO:
		want_min = want_max = 0;
		break;
	case TSMIG_PAGE_DUP:
	case TSMIG_PAGE_DISK:
	case TSMIG_PAGE_RAM:
	case TSMIG_PAGE_BLOCK:
		want_min = want_max = sizeof(struct tsmig_ref);
		break;
	case TSMIG_PAGE_LZ4:
	case TSMIG_PAGE_ZSTD:
		want_min = 1;
		want_max = bs - 1;
		break;
	default:
		return bad(err, errlen, o, "unknown page kind", h.kind);
	}
	if (h.len < want_min || h.len > want_max)
		return bad(err, errlen, o, "bad data length for the kind", h.len);
	e->pfn = h.pfn;
	e->kind = h.kind;
	e->count = h.count;
	e->len = h.len;
	e->data = p + o + sizeof(h);
	if (ref_kinds[h.kind].beyond) {
		const struct ref_kind *k = &ref_kinds[h.kind];
		uint64_t max = h.kind == TSMIG_PAGE_DUP    ? lim->npages
		               : h.kind == TSMIG_PAGE_DISK ? lim->disk_blocks
		               : h.kind == TSMIG_PAGE_RAM  ? lim->ram_pages
		                                           : lim->own_blocks;
		memcpy(&e->ref, e->data, sizeof(e->ref));
		if (!max || e->ref.ref >= max)
			return bad(err, errlen, o, max ? k->beyond : k->none, e->ref.ref);
	}
	*off = o + sizeof(h) + h.len;
	return 1;
}

int tsmig_entry_put(uint8_t *buf, size_t cap, size_t *off, uint64_t pfn, unsigned kind,
                    unsigned count, const void *data, uint32_t len)
{
	struct tsmig_page_entry h = {
	        .pfn = pfn, .kind = (uint16_t)kind, .count = (uint16_t)count, .len = len};
	if (*off > cap || cap - *off < sizeof(h) + len)
		return -ENOSPC;
	memcpy(buf + *off, &h, sizeof(h));
	if (len)
		memcpy(buf + *off + sizeof(h), data, len);
	*off += sizeof(h) + len;
	return 0;
}

int tsmig_hello_check(const struct tsmig_hello *hi, char *err, size_t errlen)
{
	if (hi->magic != TSMIG_MAGIC) {
		snprintf(err, errlen, "not a tsvmm migration stream (magic 0x%x)", hi->magic);
		return -EPROTO;
	}
	if (hi->version != TSMIG_VERSION) {
		snprintf(err, errlen,
		         "tsvmm migration stream v%u from the source: this destination reads only "
		         "v%d (regions)",
		         hi->version, TSMIG_VERSION);
		return -EPROTO;
	}
	if (hi->page_size != TSMIG_PAGE_SIZE) {
		snprintf(err, errlen, "page size %u, this destination reads only %d", hi->page_size,
		         TSMIG_PAGE_SIZE);
		return -EPROTO;
	}
	if (hi->connections > TSMIG_CONN_MAX || hi->reserved32) {
		snprintf(err, errlen, "HELLO: %u connections (at most %d)%s", hi->connections,
		         TSMIG_CONN_MAX, hi->reserved32 ? ", reserved field set" : "");
		return -EPROTO;
	}
	return 0;
}

int tsmig_join_check(const struct tsmig_join *j, const struct tsmig_hello *hi, char *err,
                     size_t errlen)
{
	unsigned n = hi->connections;
	if (j->magic != TSMIG_MAGIC)
		snprintf(err, errlen, "JOIN: not a tsvmm migration (magic 0x%x)", j->magic);
	else if (j->token != hi->token)
		snprintf(err, errlen, "JOIN: token %016llx is not this migration's",
		         (unsigned long long)j->token);
	else if (j->connections != n)
		snprintf(err, errlen, "JOIN: %u connections, the HELLO said %u", j->connections, n);
	else if (!j->index || j->index >= n)
		snprintf(err, errlen, "JOIN: index %u outside 1..%u", j->index, n ? n - 1 : 0);
	else if (j->reserved || j->reserved2)
		snprintf(err, errlen, "JOIN: reserved fields set");
	else
		return 0;
	return -EPROTO;
}

static int region_bad(char *err, size_t errlen, const struct tsmig_region *rg, const char *what,
                      unsigned long long v)
{
	snprintf(err, errlen, "REGION %u: %s (%llu)", rg->id, what, v);
	return -EBADMSG;
}

int tsmig_region_add(struct tsmig_regions *t, const struct tsmig_region *rg, uint64_t ram_bytes,
                     char *err, size_t errlen)
{
	if (t->n >= TSMIG_REGIONS_MAX)
		return region_bad(err, errlen, rg, "too many regions, limit", TSMIG_REGIONS_MAX);
	if (rg->id != t->n)
		return region_bad(err, errlen, rg, "out of order, expected id", t->n);
	if (rg->kind != TSMIG_REGION_RAM && rg->kind != TSMIG_REGION_DISK)
		return region_bad(err, errlen, rg, "unknown kind", rg->kind);
	uint16_t known = rg->kind == TSMIG_REGION_DISK ? TSMIG_REGION_F_INDEX : 0;
	if ((rg->flags & ~known) || rg->reserved)
		return region_bad(err, errlen, rg, "reserved fields set",
		                  (rg->flags & ~known) | rg->reserved);
	if (rg->kind == TSMIG_REGION_RAM && rg->block_size != TSMIG_PAGE_SIZE)
		return region_bad(err, errlen, rg, "RAM block_size is not 4096", rg->block_size);
	if (rg->block_size < TSMIG_BLOCK_MIN || rg->block_size > TSMIG_BLOCK_MAX ||
	    (rg->block_size & (rg->block_size - 1)))
		return region_bad(err, errlen, rg,
		                  "block_size is not a power of two from 4096 to 1048576",
		                  rg->block_size);
	if (!rg->size || rg->size % rg->block_size)
		return region_bad(err, errlen, rg, "size not a non-zero multiple of the block",
		                  rg->size);
	if (rg->id == 0 && rg->kind != TSMIG_REGION_RAM)
		return region_bad(err, errlen, rg, "region 0 must be RAM, kind", rg->kind);
	if (rg->id == 0 && rg->size != ram_bytes)
		return region_bad(err, errlen, rg, "RAM size differs from HELLO's, bytes",
		                  rg->size);
	t->r[t->n++] = *rg;
	return 0;
}

const struct tsmig_region *tsmig_region_of(const struct tsmig_regions *t,
                                           const struct tsmig_rec_hdr *h, char *err, size_t errlen)
{
	if (h->flags >= t->n) {
		snprintf(err, errlen, "record %u (PAGES): region %u was not declared (%u regions)",
		         h->seq, h->flags, t->n);
		return NULL;
	}
	return &t->r[h->flags];
}
