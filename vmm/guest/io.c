// SPDX-License-Identifier: MIT
/*
 * tsvmm guest payload: the disk I/O workload (boot parameters io_*). 4 KiB blocks are written
 * and read at the set rates, each batch of due requests posted to the block ring behind one
 * doorbell (~80 us per VM exit). A block is picked inside the hot set with the set share,
 * else anywhere on the disk; written content is unique per write (block, generation).
 * A freeze (migration stop) is not caught up: the schedule restarts from now.
 * With io_cache_ms, a write first fills a page of a RAM page cache (a ring in the fill
 * region's random segment) and the block is written from that page io_cache_ms later (or
 * when the ring must reuse the page), as a page cache's writeback does.
 */
#include "guest.h"

#define IO_BATCH   64 /* blocks per doorbell, per direction (the ring's slots) */
#define IO_TICK_MS 10 /* requests are batched over this period: at most 25.6 MB/s each way */
#define IO_BLOCK   4096ULL
#define IO_SECTORS (IO_BLOCK / TSVMM_BLK_SECTOR)
#define PPM        1000000ULL

static uint8_t wbuf[IO_BATCH][IO_BLOCK] __attribute__((aligned(4096)));
static uint8_t rbuf[IO_BATCH][IO_BLOCK] __attribute__((aligned(4096)));

#define CACHE_MAX 4096 /* page-cache ring entries at most (16 MiB of written data) */
static struct {
	uint64_t block, due;
} cache[CACHE_MAX];

static uint64_t ticks_per_block(uint64_t khz, uint64_t bps)
{
	uint64_t blocks_ps = bps / IO_BLOCK;
	if (!blocks_ps)
		return 0;
	uint64_t t = khz * 1000 / blocks_ps;
	return t ? t : 1;
}

void guest_io_init(struct guest_io *io, uint64_t khz, uint64_t now)
{
	memset(io, 0, sizeof(*io));
	io->blocks = BOOT->disk_sectors / IO_SECTORS;
	if (!io->blocks)
		return;
	io->wticks = ticks_per_block(khz, BOOT->io_write_bps);
	io->rticks = ticks_per_block(khz, BOOT->io_read_bps);
	io->late = khz * 100; /* 100 ms behind: start over from now */
	io->tick = khz * IO_TICK_MS;
	io->rng = BOOT->seed * 0x2545f4914f6cdd1dULL + 7;
	io->next_w = io->next_r = now;
	uint64_t pages = BOOT->fill_pages[TSVMM_FILL_RANDOM];
	if (BOOT->io_cache_ms && io->wticks && pages) {
		io->cache_ticks = khz * BOOT->io_cache_ms;
		io->cache_pages = pages < CACHE_MAX ? pages : CACHE_MAX;
	}
}

/* A block: with share_ppm inside the hot set [start, start + hot) (wrapping), else anywhere. */
static uint64_t pick(struct guest_io *io, uint32_t hot_ppm, uint32_t share_ppm, uint64_t start)
{
	uint64_t hot = io->blocks * hot_ppm / PPM;
	if (hot == 0 && hot_ppm)
		hot = 1;
	if (hot && mix64(&io->rng) % PPM < share_ppm)
		return (start + mix64(&io->rng) % hot) % io->blocks;
	return mix64(&io->rng) % io->blocks;
}

static void fill_block(uint8_t *buf, uint64_t block, uint64_t gen)
{
	uint64_t *p = (uint64_t *)buf, s = BOOT->seed ^ (block * 0x9e3779b97f4a7c15ULL) ^ gen << 40;
	p[0] = block;
	p[1] = gen;
	for (uint64_t i = 2; i < IO_BLOCK / 8; i++)
		p[i] = mix64(&s);
}

/* Post n requests of op (blocks blk[], buffers at gpa[]) behind one doorbell; failures counted. */
static void submit(struct guest_io *io, uint32_t op, const uint64_t *blk, const uint64_t *gpa,
                   unsigned n)
{
	volatile struct tsvmm_blk_page *b = (volatile struct tsvmm_blk_page *)TSVMM_BLK_GPA;
	uint64_t prod = b->prod;
	for (unsigned i = 0; i < n; i++) {
		volatile struct tsvmm_blk_desc *d = &b->desc[(prod + i) % TSVMM_BLK_SLOTS];
		d->op = op;
		d->status = TSVMM_BLK_PENDING;
		d->sector = blk[i] * IO_SECTORS;
		d->count = IO_SECTORS;
		d->buf_gpa = gpa[i];
	}
	__asm__ volatile("" ::: "memory");
	b->prod = prod + n;
	outl(TSVMM_PORT_BLK, 1); /* synchronous: complete when this returns */
	for (unsigned i = 0; i < n; i++)
		io->failed += b->desc[(prod + i) % TSVMM_BLK_SLOTS].status != TSVMM_BLK_OK;
}

static uint64_t cache_gpa(const struct guest_io *io, uint64_t i)
{
	return BOOT->fill_start + i % io->cache_pages * IO_BLOCK;
}

/* Page cache: write out the pages due at now, a batch per doorbell (force: one batch of the
 * oldest, due or not, to free pages of the ring). */
static void cache_flush(struct guest_io *io, uint64_t now, int force)
{
	uint64_t blk[IO_BATCH], gpa[IO_BATCH];
	for (;;) {
		unsigned n = 0;
		for (; n < IO_BATCH && io->tail < io->head; n++, io->tail++) {
			if (!force && cache[io->tail % CACHE_MAX].due > now)
				break;
			blk[n] = cache[io->tail % CACHE_MAX].block;
			gpa[n] = cache_gpa(io, io->tail);
		}
		if (n) {
			submit(io, TSVMM_BLK_WRITE, blk, gpa, n);
			io->written += n;
		}
		if (n < IO_BATCH || force)
			return;
	}
}

/* Page cache: the write of block b fills the next page of the ring (its oldest page is
 * written out first when the ring is full). */
static void cache_write(struct guest_io *io, uint64_t b, uint64_t now)
{
	if (io->head - io->tail >= io->cache_pages)
		cache_flush(io, now, 1);
	fill_block((uint8_t *)cache_gpa(io, io->head), b, ++io->gen);
	cache[io->head % CACHE_MAX].block = b;
	cache[io->head % CACHE_MAX].due = now + io->cache_ticks;
	io->head++;
}

void guest_io_step(struct guest_io *io, uint64_t now)
{
	uint64_t blk[IO_BATCH], gpa[IO_BATCH];
	unsigned n = 0;
	if (now < io->next_step)
		return;
	io->next_step = now + io->tick;
	for (; io->wticks && n < IO_BATCH && now >= io->next_w; n++, io->next_w += io->wticks) {
		blk[n] = pick(io, BOOT->io_write_hot_ppm, BOOT->io_write_share_ppm, io->blocks / 2);
		if (io->cache_pages) {
			cache_write(io, blk[n], now);
			continue;
		}
		fill_block(wbuf[n], blk[n], ++io->gen);
		gpa[n] = (uint64_t)wbuf[n];
	}
	if (io->cache_pages)
		cache_flush(io, now, 0);
	else if (n) {
		submit(io, TSVMM_BLK_WRITE, blk, gpa, n);
		io->written += n;
	}
	if (io->wticks && now > io->next_w + io->late)
		io->next_w = now;
	n = 0;
	for (; io->rticks && n < IO_BATCH && now >= io->next_r; n++, io->next_r += io->rticks) {
		blk[n] = pick(io, BOOT->io_read_hot_ppm, BOOT->io_read_share_ppm, 0);
		gpa[n] = (uint64_t)rbuf[n];
	}
	if (n) {
		submit(io, TSVMM_BLK_READ, blk, gpa, n);
		io->read += n;
	}
	if (io->rticks && now > io->next_r + io->late)
		io->next_r = now;
}
