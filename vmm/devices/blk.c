// SPDX-License-Identifier: MIT
/*
 * tsvmm paravirtual block device: a disk-image file behind the request ring at TSVMM_BLK_GPA
 * (include/uapi/tsvmm-blk.h). The doorbell (TSVMM_PORT_BLK) is handled synchronously in the
 * vCPU thread: pread/pwrite straight between the image and guest RAM, and the pages the VMM
 * wrote are marked dirty for migration. Without a disk the ring page reads magic 0.
 * Dirty tracking (the dirty_blocks op): every write the device makes to the image sets the
 * bits of its 4 KiB blocks in a bitmap after the pwrite returned; the migration thread takes
 * and clears them word by word (atomics, no lock), so it never reads the guest's ring.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device.h"
#include "tsync/log.h"
#include "uapi/tsvmm-blk.h"
#include "uapi/tsvmm-boot.h"
#include "vm.h"

struct blk {
	struct vm *vm;
	int fd;
	uint64_t sectors;
	bool readonly;
	uint64_t blocks;         /* DEVICE_BLOCK_SIZE blocks, the last one maybe partial */
	_Atomic uint64_t *dirty; /* one bit per block written since the last dirty_blocks */
};

#define SECTORS_PER_BLOCK (DEVICE_BLOCK_SIZE / TSVMM_BLK_SECTOR)

static int blk_create(const struct dev_env *env, void **priv)
{
	if (!env->disk_path)
		return 0;
	struct blk *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->vm = env->vm;
	b->fd = open(env->disk_path, O_RDWR | O_CLOEXEC);
	if (b->fd < 0 && (errno == EACCES || errno == EROFS)) {
		b->fd = open(env->disk_path, O_RDONLY | O_CLOEXEC);
		b->readonly = true;
	}
	struct stat st;
	if (b->fd < 0 || fstat(b->fd, &st) < 0) {
		int err = -errno;
		pr_err("disk %s: %m", env->disk_path);
		if (b->fd >= 0)
			close(b->fd);
		free(b);
		return err;
	}
	b->sectors = (uint64_t)st.st_size / TSVMM_BLK_SECTOR;
	b->blocks = (b->sectors + SECTORS_PER_BLOCK - 1) / SECTORS_PER_BLOCK;
	b->dirty = calloc((b->blocks + 63) / 64 + 1, sizeof(*b->dirty));
	if (!b->dirty) {
		close(b->fd);
		free(b);
		return -ENOMEM;
	}
	struct tsvmm_blk_page hdr = {
	        .magic = TSVMM_BLK_MAGIC, .slots = TSVMM_BLK_SLOTS, .sectors = b->sectors};
	int err = vm_write(b->vm, TSVMM_BLK_GPA, &hdr, sizeof(hdr));
	if (err) {
		close(b->fd);
		free(b->dirty);
		free(b);
		return err;
	}
	*priv = b;
	return 0;
}

static void blk_destroy(void *priv)
{
	struct blk *b = priv;
	if (!b)
		return;
	close(b->fd);
	free(b->dirty);
	free(b);
}

/* Sectors [sector, sector + count) reached the image: set their blocks' bits. */
static void mark_written(struct blk *b, uint64_t sector, uint64_t count)
{
	uint64_t last = (sector + count - 1) / SECTORS_PER_BLOCK;
	for (uint64_t i = sector / SECTORS_PER_BLOCK; i <= last; i++)
		atomic_fetch_or_explicit(&b->dirty[i / 64], 1ULL << (i % 64), memory_order_release);
}

static uint32_t do_request(struct blk *b, const struct tsvmm_blk_desc *d)
{
	uint64_t bytes = d->count * TSVMM_BLK_SECTOR;
	if ((d->op != TSVMM_BLK_READ && d->op != TSVMM_BLK_WRITE) || d->count == 0 ||
	    d->count > TSVMM_BLK_MAX_SECTORS || d->sector >= b->sectors ||
	    d->count > b->sectors - d->sector || (d->op == TSVMM_BLK_WRITE && b->readonly))
		return TSVMM_BLK_EINVAL;
	uint8_t *buf = vm_gpa_to_hva(b->vm, d->buf_gpa, bytes);
	if (!buf)
		return TSVMM_BLK_EINVAL;
	off_t off = (off_t)(d->sector * TSVMM_BLK_SECTOR);
	ssize_t n = d->op == TSVMM_BLK_READ ? pread(b->fd, buf, bytes, off)
	                                    : pwrite(b->fd, buf, bytes, off);
	if (d->op == TSVMM_BLK_READ)
		vm_mark_dirty(b->vm, d->buf_gpa, bytes);
	else if (n > 0)
		mark_written(b, d->sector, d->count);
	return n == (ssize_t)bytes ? TSVMM_BLK_OK : TSVMM_BLK_EIO;
}

static int blk_pio(void *priv, uint16_t port, bool out, uint8_t *data, unsigned size)
{
	struct blk *b = priv;
	(void)port;
	if (!out) {
		memset(data, 0, size);
		return 0;
	}
	if (!b)
		return 0; /* no disk: the doorbell rings into the void */
	struct tsvmm_blk_page *p = vm_gpa_to_hva(b->vm, TSVMM_BLK_GPA, sizeof(*p));
	uint64_t prod = p->prod, cons = p->cons;
	if (prod - cons > TSVMM_BLK_SLOTS) /* corrupt ring: skip what cannot be pending */
		cons = prod - TSVMM_BLK_SLOTS;
	for (; cons != prod; cons++) {
		struct tsvmm_blk_desc *d = &p->desc[cons % TSVMM_BLK_SLOTS];
		struct tsvmm_blk_desc copy = *d; /* guest memory: read once */
		d->status = do_request(b, &copy);
	}
	p->cons = cons;
	vm_mark_dirty(b->vm, TSVMM_BLK_GPA, sizeof(*p));
	return 0;
}

static int blk_save(void *priv, struct dev_buf *buf)
{
	struct blk *b = priv;
	uint64_t sectors = b ? b->sectors : 0;
	return dev_buf_put(buf, &sectors, sizeof(sectors));
}

static int blk_load(void *priv, const void *data, size_t len)
{
	struct blk *b = priv;
	uint64_t sectors;
	if (len != sizeof(sectors))
		return -EINVAL;
	memcpy(&sectors, data, len);
	return sectors == (b ? b->sectors : 0) ? 0 : -EINVAL; /* same disk size on both ends */
}

static long blk_dirty_blocks(void *priv, bool start, dev_dirty_fn fn, void *arg)
{
	struct blk *b = priv;
	if (!b)
		return 0;
	uint64_t run = 0, len = 0, total = 0; /* the range being built, reported when it ends */
	for (uint64_t w = 0; w < (b->blocks + 63) / 64; w++) {
		uint64_t x = atomic_exchange_explicit(&b->dirty[w], 0, memory_order_acquire);
		for (; !start && x; x &= x - 1) {
			uint64_t i = w * 64 + (uint64_t)__builtin_ctzll(x);
			if (len && run + len != i) {
				fn(arg, run, len);
				total += len;
				len = 0;
			}
			run = len ? run : i;
			len++;
		}
	}
	if (len) {
		fn(arg, run, len);
		total += len;
	}
	return (long)total;
}

static const struct device_ops blk_ops = {
        .name = "blk",
        .port = TSVMM_PORT_BLK,
        .nports = 4,
        .create = blk_create,
        .destroy = blk_destroy,
        .pio = blk_pio,
        .save = blk_save,
        .load = blk_load,
        .dirty_blocks = blk_dirty_blocks,
};
DEVICE_REGISTER(blk_ops);
