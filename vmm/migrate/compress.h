/* SPDX-License-Identifier: MIT */
/*
 * tsvmm migration page compression (lz4 or zstd), one 4 KiB page at a time, so every page
 * decompresses on its own and a hostile input can never produce anything but one page.
 */
#ifndef TSVMM_MIGRATE_COMPRESS_H
#define TSVMM_MIGRATE_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

enum mig_compress {
	MIG_COMPRESS_NONE = 0,
	MIG_COMPRESS_LZ4 = 1,
	MIG_COMPRESS_ZSTD = 2,
};

/* "none", "lz4", "zstd" -> enum, -EINVAL if unknown. */
int mig_compress_parse(const char *s);
const char *mig_compress_name(int c);

struct mig_compressor;

/* A compressor (owns its zstd context). NULL with errno. */
struct mig_compressor *mig_compressor_create(enum mig_compress type);
void mig_compressor_destroy(struct mig_compressor *c);

/*
 * Compress one 4 KiB page into out (TSMIG_PAGE_SIZE - 1 bytes of room). Returns the
 * compressed length (1 .. 4095) when it is worth it (saves at least 1/16 of the page), else 0
 * (send the page as it is). *kind: the TSMIG_PAGE_* kind to send it as.
 */
size_t mig_compress_page(struct mig_compressor *c, const void *page, void *out, unsigned *kind);

/* The same for a block of size bytes (a DISK region's block_size; out: size - 1 bytes). */
size_t mig_compress_block(struct mig_compressor *c, const void *blk, size_t size, void *out,
                          unsigned *kind);

/* Decompress len bytes of a TSMIG_PAGE_LZ4 / TSMIG_PAGE_ZSTD entry into page (4 KiB).
 * 0, or -EBADMSG unless the data decompresses to exactly 4096 bytes. */
int mig_decompress_page(unsigned kind, const void *in, size_t len, void *page);

/* The same for a block of size bytes: 0, or -EBADMSG unless it decompresses to exactly size. */
int mig_decompress_block(unsigned kind, const void *in, size_t len, void *blk, size_t size);

#endif
