/* SPDX-License-Identifier: MIT */
/*
 * tsvmm block device helper API (devices_priv(d, "blk")): read counters for hot-area
 * scheduling (source) and the post-copy phase of storage flim (destination).
 *
 * Post-copy: the image lacks the blocks set in `missing` when the vCPU starts. A guest read
 * (or a write that does not cover a whole block) of a missing block queues a request for it,
 * calls fetch->want (the migration thread then sends the queued requests) and waits until
 * blk_pc_fill() delivered that block; the other requests in the same doorbell are queued
 * before the first wait, so they travel together. A whole-block guest write of a missing
 * block makes it local: the block's later fill is dropped. The migration thread delivers
 * every missing block through blk_pc_fill() (prefetched or asked for), then blk_pc_detach();
 * a lost link detaches too, and the guest then waits on the blocks still missing (until a
 * pause: vmm_pause kicks the device, waiting requests then fail with EIO). blk's destroy
 * calls fetch->stop (the migration thread ends, frees its state) before the image closes.
 */
#ifndef TSVMM_DEVICES_BLK_H
#define TSVMM_DEVICES_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blk;

/* Guest reads per 4 KiB block since the device started, into out[0..n) (n = the disk's
 * blocks at most). Blocks copied. Callable from any thread. */
uint64_t blk_read_counts(struct blk *b, uint32_t *out, uint64_t n);
/* Blocks of the image. */
uint64_t blk_blocks(const struct blk *b);

struct blk_fetch {
	void (*want)(void *arg); /* requests were queued (vCPU thread; must not block) */
	void (*stop)(void *arg); /* the device goes away: end the thread, free arg */
	void *arg;
};

/* What the post-copy phase saw (blk_pc_stats). */
struct blk_pc_stats {
	uint64_t missing;   /* blocks missing at the switchover */
	uint64_t left;      /* still missing */
	uint64_t filled;    /* delivered and written */
	uint64_t dropped;   /* delivered after the guest overwrote the whole block */
	uint64_t misses;    /* blocks the guest wanted before they arrived (on-demand) */
	uint64_t hits;      /* blocks missing at the switchover, first read after they came */
	uint64_t requested; /* requests queued */
	uint64_t waits;     /* miss waits recorded (request -> delivery) */
	uint64_t wait_p50_ns, wait_p99_ns, wait_max_ns;
	uint64_t guest_read_blocks, guest_write_blocks; /* the guest's I/O since the start */
	uint64_t start_ns;                              /* CLOCK_MONOTONIC of blk_pc_start */
};

/* Enter post-copy with the blocks set in missing (n bits, copied). 0, -EINVAL (n is not
 * the disk's size), -EBUSY (already in post-copy) or -ENOMEM. */
int blk_pc_start(struct blk *b, const uint64_t *missing, uint64_t n, const struct blk_fetch *f);
/* Take up to cap queued requests (block numbers) into out. How many. */
size_t blk_pc_take(struct blk *b, uint64_t *out, size_t cap);
/* Block blk's content arrived: 1 written, 0 dropped (the guest overwrote it), -EINVAL (not
 * missing at the switchover, or delivered twice), -EIO (write failed). */
int blk_pc_fill(struct blk *b, uint64_t blk, const void *data);
/* Queue again every block asked for and not delivered yet (after a reconnect). */
void blk_pc_reask(struct blk *b);
/* The migration thread stops delivering (done or link lost): no more want calls. */
void blk_pc_detach(struct blk *b);
void blk_pc_stats(struct blk *b, struct blk_pc_stats *st);

#endif
