// SPDX-License-Identifier: MIT
/*
 * tsvmm migration destination, migrate-disk: the blocks of the source's DISK region are
 * written into this VM's disk image (which the vCPU has not used yet), and the switchover
 * checksum covers every block of the image: the hash of each block is kept as it is written
 * (the image is not re-read at the switchover, so the downtime does not grow with the disk),
 * and a random sample of blocks is re-read then, as for RAM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "migrate/checksum.h"
#include "migrate/compress.h"
#include "migrate/dedup.h"
#include "migrate/incoming_private.h"
#include "migrate/postcopy_rec.h"
#include "tsync/log.h"
#include "vmm.h"

#define SAMPLE_BLOCKS 256 /* blocks re-read at the switchover */

#define INDEX_CHUNK_BYTES (1U << 20) /* read per pread while hashing the image */

/* storage flim: hash every block of this image (the checksum's leaves from then on: only the
 * migration writes the image until the vCPU runs) and send the hashes as DISK_INDEX records.
 * 0 or -errno. */
static int send_index(struct dst *d)
{
	uint64_t n = d->dlim.npages, per = (TSMIG_REC_MAX - sizeof(struct tsmig_disk_index)) / 16;
	size_t bs = d->dbs, chunk = INDEX_CHUNK_BYTES / bs; /* blocks per read */
	uint8_t *blk = malloc(INDEX_CHUNK_BYTES);
	uint8_t *rec = malloc(TSMIG_REC_MAX);
	int r = blk && rec ? 0 : dst_fail(d, -ENOMEM, "migrate-disk: out of memory");
	for (uint64_t first = 0; !r && first < n; first += per) {
		struct tsmig_disk_index ix = {
		        .first = first, .count = (uint32_t)(n - first < per ? n - first : per)};
		memcpy(rec, &ix, sizeof(ix));
		for (uint64_t b = first; !r && b < first + ix.count; b += chunk) {
			uint64_t k = first + ix.count - b < chunk ? first + ix.count - b : chunk;
			size_t bytes = k * bs;
			if (pread(d->wdisk_fd, blk, bytes, (off_t)(b * bs)) != (ssize_t)bytes) {
				r = dst_fail(d, -EIO, "migrate-disk: reading block %llu: %s",
				             (unsigned long long)b, strerror(errno));
				break;
			}
			for (uint64_t i = 0; i < k; i++) {
				const uint8_t *pg = blk + i * bs;
				mig_hash_put(rec + sizeof(ix) + (b + i - first) * 16,
				             mig_block_hash(pg, bs));
				d->dh[b + i] = mig_block_hash64(pg, bs);
				d->dhave[(b + i) / 64] |= 1ULL << ((b + i) % 64);
			}
		}
		if (!r)
			r = mig_send(&d->conn, TSMIG_REC_DISK_INDEX, rec,
			             (uint32_t)(sizeof(ix) + ix.count * 16));
	}
	free(blk);
	free(rec);
	return r;
}

int dst_disk_region(struct dst *d, const struct tsmig_region *rg)
{
	const char *path = vmm_config(d->vmm)->disk_path;
	struct stat st;
	if (d->disk_region)
		return dst_fail(d, -EPROTO, "REGION %u: a second DISK region (%u is one)", rg->id,
		                d->disk_region);
	if (!path)
		return dst_fail(d, -ENOENT,
		                "the source migrates its disk (REGION %u, %llu bytes) but this "
		                "destination has no --disk",
		                rg->id, (unsigned long long)rg->size);
	if ((d->wdisk_fd = open(path, O_RDWR | O_CLOEXEC)) < 0 || fstat(d->wdisk_fd, &st) < 0)
		return dst_fail(d, -errno, "migrate-disk: %.150s: %s", path, strerror(errno));
	if ((uint64_t)st.st_size != rg->size)
		return dst_fail(d, -EINVAL,
		                "migrate-disk: %.120s has %llu bytes, the source's disk %llu", path,
		                (unsigned long long)st.st_size, (unsigned long long)rg->size);
	d->disk_region = rg->id;
	d->dbs = rg->block_size; /* checked by tsmig_region_add: a power of two, 4 KiB .. 1 MiB */
	d->dlim = (struct tsmig_limits){.npages = rg->size / d->dbs, .block_size = d->dbs};
	if (!(d->dblk = malloc(d->dbs)) || !(d->dtmp = malloc(d->dbs)) ||
	    !(d->dh = calloc(d->dlim.npages, sizeof(uint64_t))) ||
	    !(d->dhave = calloc(d->dlim.npages / 64 + 1, sizeof(uint64_t))))
		return dst_fail(d, -ENOMEM, "migrate-disk: out of memory");
	/* fault injection for tests only (tests/integration/test_migrate_disk.sh) */
	const char *f = getenv("TSVMM_MIG_FAULT");
	d->fault_block =
	        f && !strncmp(f, "dst-block=", 10) ? strtoull(f + 10, NULL, 0) : UINT64_MAX;
	d->disk_indexed = rg->flags & TSMIG_REGION_F_INDEX;
	/* storage flim: blocks may name RAM pages received, and back (a block is then a page:
	 * a block size of 4096 only; at another size such entries are refused by the parser) */
	if (d->disk_indexed && d->dbs == TSMIG_PAGE_SIZE) {
		d->dlim.ram_pages = d->lim.npages;
		d->lim.own_blocks = d->dlim.npages;
	}
	return d->disk_indexed ? send_index(d) : 0;
}

static int put_block(struct dst *d, uint64_t b, const uint8_t *data)
{
	if (b == d->fault_block) { /* the test fault: a wrong byte, as a buggy write would */
		if (data != d->dblk)
			memcpy(d->dblk, data, d->dbs);
		d->dblk[0] ^= 0x01;
		data = d->dblk;
	}
	if (pwrite(d->wdisk_fd, data, d->dbs, (off_t)(b * d->dbs)) != (ssize_t)d->dbs)
		return dst_fail(d, -EIO, "migrate-disk: writing block %llu: %s",
		                (unsigned long long)b, strerror(errno));
	d->dh[b] = mig_block_hash64(data, d->dbs);
	d->dhave[b / 64] |= 1ULL << (b % 64);
	d->disk_blocks_rx++;
	return 0;
}

/* A RAM entry: block e->pfn takes the content of RAM page e->ref.ref, which must hash as
 * announced (the vCPU has not run: the page holds what the migration wrote). */
static int ram_block(struct dst *d, const struct tsmig_entry *e)
{
	const uint8_t *pg = d->ram + e->ref.ref * TSMIG_PAGE_SIZE;
	if (!d->disk_indexed || e->ref.ref >= d->lim.npages)
		return dst_fail(d, -EBADMSG,
		                "disk block %llu: a RAM reference (page %llu) outside storage flim",
		                (unsigned long long)e->pfn, (unsigned long long)e->ref.ref);
	if (!mig_hash_eq(mig_page_hash(pg), mig_hash_get(e->ref.hash)))
		return dst_fail(d, -EBADMSG,
		                "disk block %llu: RAM reference to page %llu, which does not hold "
		                "the content announced",
		                (unsigned long long)e->pfn, (unsigned long long)e->ref.ref);
	d->disk_ram_dedup++;
	return put_block(d, e->pfn, pg);
}

static int apply_block(struct dst *d, const struct tsmig_entry *e)
{
	uint8_t *tmp = d->dtmp;
	int r = 0;
	switch (e->kind) {
	case TSMIG_PAGE_FULL:
		return put_block(d, e->pfn, e->data);
	case TSMIG_PAGE_ZERO:
		memset(tmp, 0, d->dbs);
		for (uint64_t b = e->pfn; !r && b < e->pfn + e->count; b++)
			r = put_block(d, b, tmp);
		return r;
	case TSMIG_PAGE_LZ4:
	case TSMIG_PAGE_ZSTD:
		if (mig_decompress_block(e->kind, e->data, e->len, tmp, d->dbs))
			return dst_fail(d, -EBADMSG, "disk block %llu: bad compressed data",
			                (unsigned long long)e->pfn);
		return put_block(d, e->pfn, tmp);
	case TSMIG_PAGE_DUP: /* storage flim: a block this image holds already */
		if (!d->disk_indexed)
			return dst_fail(
			        d, -EBADMSG,
			        "disk block %llu: a DUP entry in a DISK region that did not "
			        "ask for the index",
			        (unsigned long long)e->pfn);
		if (e->ref.ref >= d->dlim.npages ||
		    pread(d->wdisk_fd, tmp, d->dbs, (off_t)(e->ref.ref * d->dbs)) !=
		            (ssize_t)d->dbs)
			return dst_fail(d, -EBADMSG, "disk block %llu: DUP of block %llu: %s",
			                (unsigned long long)e->pfn, (unsigned long long)e->ref.ref,
			                e->ref.ref >= d->dlim.npages ? "beyond the disk"
			                                             : strerror(errno));
		if (!mig_hash_eq(mig_block_hash(tmp, d->dbs), mig_hash_get(e->ref.hash)))
			return dst_fail(
			        d, -EBADMSG,
			        "disk block %llu: DUP of block %llu, which does not hold the "
			        "content announced",
			        (unsigned long long)e->pfn, (unsigned long long)e->ref.ref);
		d->disk_dedup++;
		return put_block(d, e->pfn, tmp);
	case TSMIG_PAGE_RAM: /* storage flim: a RAM page this VM received (the parser bounds ref) */
		return ram_block(d, e);
	default:
		return dst_fail(d, -EBADMSG, "disk block %llu: a DISK reference in a DISK region",
		                (unsigned long long)e->pfn);
	}
}

int dst_disk_block_page(struct dst *d, const struct tsmig_entry *e, uint8_t *pg)
{
	uint8_t tmp[TSMIG_PAGE_SIZE];
	if (!d->disk_indexed || e->ref.ref >= d->dlim.npages || d->dbs != TSMIG_PAGE_SIZE)
		return dst_fail(d, -EBADMSG,
		                "page %llu: a BLOCK reference (block %llu) outside storage flim",
		                (unsigned long long)e->pfn, (unsigned long long)e->ref.ref);
	if (pread(d->wdisk_fd, tmp, TSMIG_PAGE_SIZE, (off_t)(e->ref.ref * TSMIG_PAGE_SIZE)) !=
	    TSMIG_PAGE_SIZE)
		return dst_fail(d, -EIO, "page %llu: reading block %llu: %s",
		                (unsigned long long)e->pfn, (unsigned long long)e->ref.ref,
		                strerror(errno));
	if (!mig_hash_eq(mig_page_hash(tmp), mig_hash_get(e->ref.hash)))
		return dst_fail(d, -EBADMSG,
		                "page %llu: BLOCK reference to block %llu, which does not hold the "
		                "content announced",
		                (unsigned long long)e->pfn, (unsigned long long)e->ref.ref);
	memcpy(pg, tmp, TSMIG_PAGE_SIZE);
	return 0;
}

int dst_disk_pages(struct dst *d, uint32_t len)
{
	size_t off = 0;
	struct tsmig_entry e;
	int r;
	while ((r = tsmig_entry_next(d->buf, len, &off, &d->dlim, &e, d->err, d->errlen)) == 1)
		if ((r = apply_block(d, &e)))
			return r;
	if (r < 0) { /* name the region and its block size: entry sizes follow from it */
		char why[160];
		snprintf(why, sizeof(why), "%s", d->err);
		return dst_fail(d, r, "DISK region %u (%u-byte blocks): %s", d->disk_region, d->dbs,
		                why);
	}
	return r;
}

/* The hash of block b as it is in the image now. 0 or -errno (reason in d->err). */
static int read_hash(struct dst *d, uint64_t b, uint64_t *h)
{
	if (pread(d->wdisk_fd, d->dtmp, d->dbs, (off_t)(b * d->dbs)) != (ssize_t)d->dbs)
		return dst_fail(d, -EIO, "migrate-disk: reading block %llu: %s",
		                (unsigned long long)b, strerror(errno));
	*h = mig_block_hash64(d->dtmp, d->dbs);
	return 0;
}

int dst_disk_leaves(struct dst *d, const uint64_t **dh, uint64_t *n)
{
	*dh = NULL;
	*n = 0;
	if (!d->disk_region)
		return 0;
	uint64_t blocks = d->dlim.npages, h;
	int r = 0;
	for (uint64_t b = 0; d->missing && b < blocks; b++)
		if (d->missing[b / 64] >> (b % 64) & 1) { /* post-copy: leaf 0 on both ends */
			d->dh[b] = 0;
			d->dhave[b / 64] |= 1ULL << (b % 64);
		}
	for (uint64_t b = 0; !r && b < blocks; b++)
		if (!(d->dhave[b / 64] >> (b % 64) & 1) && !(r = read_hash(d, b, &d->dh[b])))
			d->dhave[b / 64] |= 1ULL << (b % 64);
	uint64_t x = mig_realtime_ns() | 1;
	for (unsigned i = 0; !r && i < SAMPLE_BLOCKS; i++) {
		x ^= x << 13; /* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t b = blocks <= SAMPLE_BLOCKS ? i % blocks : x % blocks;
		if (d->missing && d->missing[b / 64] >> (b % 64) & 1)
			continue;
		if (!(r = read_hash(d, b, &h)) && h != d->dh[b])
			r = dst_fail(
			        d, -EBADMSG,
			        "disk block %llu changed after it was received: refusing to run",
			        (unsigned long long)b);
	}
	if (r)
		return r;
	*dh = d->dh;
	*n = blocks;
	return 0;
}

void dst_disk_close(struct dst *d)
{
	if (d->wdisk_fd >= 0)
		close(d->wdisk_fd);
	d->wdisk_fd = -1;
	free(d->dh);
	free(d->dhave);
	free(d->missing);
	free(d->dblk);
	free(d->dtmp);
	d->dblk = d->dtmp = NULL;
	d->dh = d->dhave = d->missing = NULL;
}

int dst_disk_missing(struct dst *d, uint32_t len)
{
	if (!d->disk_region || !d->disk_indexed)
		return dst_fail(d, -EPROTO,
		                "DISK_MISSING without a DISK region that asked for the "
		                "index (storage flim)");
	if (!d->missing && !(d->missing = calloc(d->dlim.npages / 64 + 1, sizeof(uint64_t))))
		return dst_fail(d, -ENOMEM, "post-copy: out of memory");
	uint64_t added;
	int r = pcrec_missing_parse(d->buf, len, d->dlim.npages, d->missing, &added, d->err,
	                            d->errlen);
	d->nmissing += added;
	return r;
}

void dst_disk_copy_for_test(struct dst *d)
{
	const char *path = getenv("TSVMM_MIG_DISK_COPY");
	if (!path || d->wdisk_fd < 0)
		return;
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	struct stat st;
	off_t in_off = 0;
	ssize_t n = 1;
	if (out >= 0 && fstat(d->wdisk_fd, &st) == 0)
		while (n > 0 && in_off < st.st_size)
			n = copy_file_range(d->wdisk_fd, &in_off, out, NULL,
			                    (size_t)(st.st_size - in_off), 0);
	if (out < 0 || n < 0)
		pr_err("TSVMM_MIG_DISK_COPY %s: %m", path);
	if (out >= 0)
		close(out);
}
