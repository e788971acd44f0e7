// SPDX-License-Identifier: MIT
/* tsvmm migration page compression: lz4 (fast) and zstd level 1 (smaller). */
#include <errno.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "migrate/compress.h"
#include "uapi/tsvmm-migration.h"

struct mig_compressor {
	enum mig_compress type;
	ZSTD_CCtx *zc;
};

int mig_compress_parse(const char *s)
{
	if (!strcmp(s, "none"))
		return MIG_COMPRESS_NONE;
	if (!strcmp(s, "lz4"))
		return MIG_COMPRESS_LZ4;
	if (!strcmp(s, "zstd"))
		return MIG_COMPRESS_ZSTD;
	return -EINVAL;
}

const char *mig_compress_name(int c)
{
	return c == MIG_COMPRESS_LZ4 ? "lz4" : c == MIG_COMPRESS_ZSTD ? "zstd" : "none";
}

struct mig_compressor *mig_compressor_create(enum mig_compress type)
{
	struct mig_compressor *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->type = type;
	if (type == MIG_COMPRESS_ZSTD) {
		c->zc = ZSTD_createCCtx();
		if (!c->zc ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, 1))) {
			mig_compressor_destroy(c);
			errno = ENOMEM;
			return NULL;
		}
	}
	return c;
}

void mig_compressor_destroy(struct mig_compressor *c)
{
	if (!c)
		return;
	ZSTD_freeCCtx(c->zc);
	free(c);
}

size_t mig_compress_block(struct mig_compressor *c, const void *blk, size_t size, void *out,
                          unsigned *kind)
{
	size_t n = 0, worth = size - size / 16; /* largest useful compressed size */
	if (c->type == MIG_COMPRESS_LZ4) {
		int r = LZ4_compress_default(blk, out, (int)size, (int)worth);
		n = r > 0 ? (size_t)r : 0;
		*kind = TSMIG_PAGE_LZ4;
	} else if (c->type == MIG_COMPRESS_ZSTD) {
		size_t r = ZSTD_compress2(c->zc, out, worth, blk, size);
		n = ZSTD_isError(r) ? 0 : r;
		*kind = TSMIG_PAGE_ZSTD;
	}
	return n > 0 && n <= worth ? n : 0;
}

size_t mig_compress_page(struct mig_compressor *c, const void *page, void *out, unsigned *kind)
{
	return mig_compress_block(c, page, TSMIG_PAGE_SIZE, out, kind);
}

int mig_decompress_block(unsigned kind, const void *in, size_t len, void *blk, size_t size)
{
	if (len == 0 || len >= size)
		return -EBADMSG;
	if (kind == TSMIG_PAGE_LZ4) {
		int r = LZ4_decompress_safe(in, blk, (int)len, (int)size);
		return r == (int)size ? 0 : -EBADMSG;
	}
	if (kind == TSMIG_PAGE_ZSTD) {
		unsigned long long sz = ZSTD_getFrameContentSize(in, len);
		if (sz != size)
			return -EBADMSG;
		size_t r = ZSTD_decompress(blk, size, in, len);
		return !ZSTD_isError(r) && r == size ? 0 : -EBADMSG;
	}
	return -EBADMSG;
}

int mig_decompress_page(unsigned kind, const void *in, size_t len, void *page)
{
	return mig_decompress_block(kind, in, len, page, TSMIG_PAGE_SIZE);
}
