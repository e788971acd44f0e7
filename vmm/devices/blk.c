// SPDX-License-Identifier: MIT
/*
 * tsvmm paravirtual block device: a disk-image file behind the request ring at TSVMM_BLK_GPA
 * (include/uapi/tsvmm-blk.h). The doorbell (TSVMM_PORT_BLK) is handled synchronously in the
 * vCPU thread: pread/pwrite straight between the image and guest RAM, and the pages the VMM
 * wrote are marked dirty for migration. Without a disk the ring page reads magic 0.
 * Dirty tracking (the dirty_blocks op): every write the device makes to the image sets the
 * bits of its 4 KiB blocks in a bitmap after the pwrite returned; the migration thread takes
 * and clears them word by word (atomics, no lock), so it never reads the guest's ring.
 * Read counters (hot-area scheduling) and the post-copy phase: blk.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blk.h"
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
	_Atomic uint32_t *reads; /* guest reads per block (hot-area scheduling) */
	_Atomic uint64_t nread, nwritten;
	struct blk_pc *pc; /* post-copy (destination), NULL: the image is whole */
};

/* Post-copy state (blk.h): bitmaps of one bit per block, under lock. */
struct blk_pc {
	pthread_mutex_t lock;
	pthread_cond_t cv;
	uint64_t *missing, *at_switch, *asked, *local, *seen;
	uint64_t *ask_ns; /* per block: when it was asked for */
	uint64_t *req;    /* queued requests */
	size_t nreq;
	uint64_t *waits; /* miss waits (ns), WAITS_MAX at most */
	struct blk_pc_stats st;
	struct blk_fetch f;
	bool kicked; /* vmm_pause: waiting requests fail */
};

#define WAITS_MAX  (1u << 16)
#define BIT(bm, i) ((bm)[(i) / 64] >> ((i) % 64) & 1)
#define SET(bm, i) ((bm)[(i) / 64] |= 1ULL << ((i) % 64))
#define CLR(bm, i) ((bm)[(i) / 64] &= ~(1ULL << ((i) % 64)))

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
	b->reads = calloc(b->blocks + 1, sizeof(*b->reads));
	if (!b->dirty || !b->reads) {
		close(b->fd);
		free(b->dirty);
		free(b->reads);
		free(b);
		return -ENOMEM;
	}
	struct tsvmm_blk_page hdr = {
	        .magic = TSVMM_BLK_MAGIC, .slots = TSVMM_BLK_SLOTS, .sectors = b->sectors};
	int err = vm_write(b->vm, TSVMM_BLK_GPA, &hdr, sizeof(hdr));
	if (err) {
		close(b->fd);
		free(b->dirty);
		free(b->reads);
		free(b);
		return err;
	}
	*priv = b;
	return 0;
}

static void pc_free(struct blk_pc *pc)
{
	if (!pc)
		return;
	pthread_mutex_destroy(&pc->lock);
	pthread_cond_destroy(&pc->cv);
	free(pc->missing);
	free(pc->at_switch);
	free(pc->asked);
	free(pc->local);
	free(pc->seen);
	free(pc->ask_ns);
	free(pc->req);
	free(pc->waits);
	free(pc);
}

static void blk_destroy(void *priv)
{
	struct blk *b = priv;
	if (!b)
		return;
	if (b->pc && b->pc->f.stop)
		b->pc->f.stop(b->pc->f.arg); /* the migration thread ends before the image closes */
	pc_free(b->pc);
	close(b->fd);
	free(b->dirty);
	free(b->reads);
	free(b);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Post-copy, under lock: queue a request for every missing block of [first, last] not
 * asked for yet, and account the first read of blocks missing at the switchover. Requests
 * queued. */
static unsigned pc_ask(struct blk_pc *pc, uint64_t first, uint64_t last, bool read)
{
	unsigned n = 0;
	for (uint64_t i = first; i <= last; i++) {
		bool miss = BIT(pc->missing, i);
		if (read && BIT(pc->at_switch, i) && !BIT(pc->seen, i)) {
			SET(pc->seen, i);
			miss ? pc->st.misses++ : pc->st.hits++;
		}
		if (!miss || BIT(pc->asked, i))
			continue;
		SET(pc->asked, i);
		pc->ask_ns[i] = now_ns();
		pc->req[pc->nreq++] = i;
		pc->st.requested++;
		n++;
	}
	return n;
}

/* Sectors [sector, sector + count) of a request: true when every block is here, after
 * waiting for the missing ones (false: kicked, the request fails). A whole-block write
 * claims its missing blocks instead (their fill is dropped). */
static bool pc_ready(struct blk *b, uint64_t sector, uint64_t count, bool write)
{
	struct blk_pc *pc = b->pc;
	uint64_t first = sector / SECTORS_PER_BLOCK,
	         last = (sector + count - 1) / SECTORS_PER_BLOCK;
	pthread_mutex_lock(&pc->lock);
	if (write)
		for (uint64_t i = first; i <= last; i++) {
			uint64_t s0 = i * SECTORS_PER_BLOCK;
			if (BIT(pc->missing, i) && sector <= s0 &&
			    sector + count >= s0 + SECTORS_PER_BLOCK) {
				CLR(pc->missing, i);
				SET(pc->local, i);
				pc->st.left--;
			}
		}
	bool asked = pc_ask(pc, first, last, !write) > 0;
	struct blk_fetch f = pc->f;
	pthread_mutex_unlock(&pc->lock);
	if (asked && f.want)
		f.want(f.arg);
	pthread_mutex_lock(&pc->lock);
	bool ok = true;
	for (uint64_t i = first; ok && i <= last; i++)
		while (ok && BIT(pc->missing, i)) {
			if (!(ok = !pc->kicked))
				break;
			pthread_cond_wait(&pc->cv, &pc->lock);
		}
	pthread_mutex_unlock(&pc->lock);
	return ok;
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
	if (b->pc && !pc_ready(b, d->sector, d->count, d->op == TSVMM_BLK_WRITE))
		return TSVMM_BLK_EIO; /* paused while waiting for a post-copy block */
	off_t off = (off_t)(d->sector * TSVMM_BLK_SECTOR);
	ssize_t n = d->op == TSVMM_BLK_READ ? pread(b->fd, buf, bytes, off)
	                                    : pwrite(b->fd, buf, bytes, off);
	uint64_t b0 = d->sector / SECTORS_PER_BLOCK;
	uint64_t b1 = (d->sector + d->count - 1) / SECTORS_PER_BLOCK;
	if (d->op == TSVMM_BLK_READ) {
		vm_mark_dirty(b->vm, d->buf_gpa, bytes);
		for (uint64_t i = b0; i <= b1; i++)
			atomic_fetch_add_explicit(&b->reads[i], 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&b->nread, b1 - b0 + 1, memory_order_relaxed);
	} else if (n > 0) {
		mark_written(b, d->sector, d->count);
		atomic_fetch_add_explicit(&b->nwritten, b1 - b0 + 1, memory_order_relaxed);
	}
	return n == (ssize_t)bytes ? TSVMM_BLK_OK : TSVMM_BLK_EIO;
}

static void pc_prefetch_batch(struct blk *b, const struct tsvmm_blk_page *p, uint64_t cons,
                              uint64_t prod)
{
	struct blk_pc *pc = b->pc;
	unsigned asked = 0;
	pthread_mutex_lock(&pc->lock);
	for (; cons != prod; cons++) {
		struct tsvmm_blk_desc d = p->desc[cons % TSVMM_BLK_SLOTS];
		if (d.op == TSVMM_BLK_READ && d.count && d.count <= TSVMM_BLK_MAX_SECTORS &&
		    d.sector < b->sectors && d.count <= b->sectors - d.sector)
			asked += pc_ask(pc, d.sector / SECTORS_PER_BLOCK,
			                (d.sector + d.count - 1) / SECTORS_PER_BLOCK, false);
	}
	struct blk_fetch f = pc->f;
	pthread_mutex_unlock(&pc->lock);
	if (asked && f.want)
		f.want(f.arg);
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
	if (b->pc) /* post-copy: ask for every missing block of the batch before any wait */
		pc_prefetch_batch(b, p, cons, prod);
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

uint64_t blk_read_counts(struct blk *b, uint32_t *out, uint64_t n)
{
	n = n < b->blocks ? n : b->blocks;
	for (uint64_t i = 0; i < n; i++)
		out[i] = atomic_load_explicit(&b->reads[i], memory_order_relaxed);
	return n;
}

uint64_t blk_blocks(const struct blk *b)
{
	return b->blocks;
}

int blk_pc_start(struct blk *b, const uint64_t *missing, uint64_t n, const struct blk_fetch *f)
{
	if (n != b->blocks)
		return -EINVAL;
	if (b->pc)
		return -EBUSY;
	struct blk_pc *pc = calloc(1, sizeof(*pc));
	size_t words = (n + 63) / 64 + 1;
	if (!pc || !(pc->missing = calloc(words, 8)) || !(pc->at_switch = calloc(words, 8)) ||
	    !(pc->asked = calloc(words, 8)) || !(pc->local = calloc(words, 8)) ||
	    !(pc->seen = calloc(words, 8)) || !(pc->ask_ns = calloc(n + 1, 8)) ||
	    !(pc->req = calloc(n + 1, 8)) || !(pc->waits = calloc(WAITS_MAX, 8))) {
		if (pc) {
			pthread_mutex_init(&pc->lock, NULL);
			pthread_cond_init(&pc->cv, NULL);
		}
		pc_free(pc);
		return -ENOMEM;
	}
	pthread_mutex_init(&pc->lock, NULL);
	pthread_cond_init(&pc->cv, NULL);
	memcpy(pc->missing, missing, (n + 63) / 64 * 8);
	if (n % 64)
		pc->missing[n / 64] &= (1ULL << (n % 64)) - 1;
	memcpy(pc->at_switch, pc->missing, words * 8);
	for (size_t w = 0; w < words; w++)
		pc->st.missing += (uint64_t)__builtin_popcountll(pc->missing[w]);
	pc->st.left = pc->st.missing;
	pc->st.start_ns = now_ns();
	pc->f = *f;
	b->pc = pc;
	return 0;
}

size_t blk_pc_take(struct blk *b, uint64_t *out, size_t cap)
{
	struct blk_pc *pc = b->pc;
	if (!pc)
		return 0;
	pthread_mutex_lock(&pc->lock);
	size_t n = pc->nreq < cap ? pc->nreq : cap;
	memcpy(out, pc->req, n * 8);
	memmove(pc->req, pc->req + n, (pc->nreq - n) * 8);
	pc->nreq -= n;
	pthread_mutex_unlock(&pc->lock);
	return n;
}

int blk_pc_fill(struct blk *b, uint64_t i, const void *data)
{
	struct blk_pc *pc = b->pc;
	if (!pc || i >= b->blocks)
		return -EINVAL;
	int r = 1;
	pthread_mutex_lock(&pc->lock);
	if (!BIT(pc->at_switch, i) || (!BIT(pc->missing, i) && !BIT(pc->local, i))) {
		r = -EINVAL; /* never missing, or delivered before */
	} else if (BIT(pc->local, i)) {
		CLR(pc->local, i); /* the guest's whole-block write stays */
		pc->st.dropped++;
		r = 0;
	} else if (pwrite(b->fd, data, DEVICE_BLOCK_SIZE, (off_t)(i * DEVICE_BLOCK_SIZE)) !=
	           DEVICE_BLOCK_SIZE) {
		r = -EIO;
	} else {
		CLR(pc->missing, i);
		pc->st.left--;
		pc->st.filled++;
		if (BIT(pc->asked, i) && pc->st.waits < WAITS_MAX)
			pc->waits[pc->st.waits++] = now_ns() - pc->ask_ns[i];
		pthread_cond_broadcast(&pc->cv);
	}
	pthread_mutex_unlock(&pc->lock);
	return r;
}

void blk_pc_reask(struct blk *b)
{
	struct blk_pc *pc = b->pc;
	if (!pc)
		return;
	pthread_mutex_lock(&pc->lock);
	pc->nreq = 0;
	for (uint64_t i = 0; i < b->blocks; i++)
		if (BIT(pc->asked, i) && BIT(pc->missing, i))
			pc->req[pc->nreq++] = i;
	pthread_mutex_unlock(&pc->lock);
}

void blk_pc_detach(struct blk *b)
{
	if (!b->pc)
		return;
	pthread_mutex_lock(&b->pc->lock);
	b->pc->f.want = NULL;
	pthread_mutex_unlock(&b->pc->lock);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

void blk_pc_stats(struct blk *b, struct blk_pc_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->guest_read_blocks = atomic_load_explicit(&b->nread, memory_order_relaxed);
	st->guest_write_blocks = atomic_load_explicit(&b->nwritten, memory_order_relaxed);
	struct blk_pc *pc = b->pc;
	if (!pc)
		return;
	pthread_mutex_lock(&pc->lock);
	uint64_t r = st->guest_read_blocks, w = st->guest_write_blocks;
	*st = pc->st;
	st->guest_read_blocks = r;
	st->guest_write_blocks = w;
	uint64_t n = pc->st.waits;
	uint64_t *tmp = n ? malloc(n * 8) : NULL;
	if (tmp) {
		memcpy(tmp, pc->waits, n * 8);
		qsort(tmp, n, 8, cmp_u64);
		st->wait_p50_ns = tmp[(n - 1) / 2];
		st->wait_p99_ns = tmp[(n - 1) * 99 / 100];
		st->wait_max_ns = tmp[n - 1];
		free(tmp);
	}
	pthread_mutex_unlock(&pc->lock);
}

/* vmm_pause: a vCPU waiting for a post-copy block must come back (its request fails). */
static void blk_kick(void *priv)
{
	struct blk *b = priv;
	if (!b || !b->pc)
		return;
	pthread_mutex_lock(&b->pc->lock);
	b->pc->kicked = true;
	pthread_cond_broadcast(&b->pc->cv);
	pthread_mutex_unlock(&b->pc->lock);
}

static void blk_resume(void *priv)
{
	struct blk *b = priv;
	if (!b || !b->pc)
		return;
	pthread_mutex_lock(&b->pc->lock);
	b->pc->kicked = false;
	pthread_mutex_unlock(&b->pc->lock);
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
        .kick = blk_kick,
        .resume = blk_resume,
};
DEVICE_REGISTER(blk_ops);
