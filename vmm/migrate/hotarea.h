/* SPDX-License-Identifier: MIT */
/*
 * tsvmm storage flim: hot-area scheduling (FlimCD). Per disk block, how often the guest wrote
 * it (one count per dirty-log fetch that reported it) and read it (the block device's read
 * counters). Blocks written often go last (sent early they would be sent again), blocks read
 * often go first (the destination's guest wants them first after the switchover). Pure: no
 * I/O, no threads.
 */
#ifndef TSVMM_MIGRATE_HOTAREA_H
#define TSVMM_MIGRATE_HOTAREA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A block written in at least this many dirty-log fetches is write-hot. */
#define HOTAREA_WRITE_HOT 2

struct hotarea {
	uint64_t n;   /* blocks */
	uint16_t *w;  /* per block: dirty-log fetches that reported it (saturating) */
	uint32_t *r;  /* per block: guest reads seen (the device's counters, last snapshot) */
	uint64_t *ix; /* scratch: sort keys of hotarea_order */
};

/* Allocate for n blocks (counts 0). 0 or -ENOMEM. */
int hotarea_init(struct hotarea *h, uint64_t n);
void hotarea_free(struct hotarea *h);
/* Blocks [first, first + count) were reported written by one dirty-log fetch. */
void hotarea_written(struct hotarea *h, uint64_t first, uint64_t count);
static inline bool hotarea_write_hot(const struct hotarea *h, uint64_t b)
{
	return h->w[b] >= HOTAREA_WRITE_HOT;
}
/*
 * The blocks set in bm (n bits), in the order to send them: read-hot first (most reads
 * first), then the rest in block order, write-hot blocks last (fewest writes first). With
 * skip_write_hot the write-hot blocks are left out (their bits stay set in bm; the others
 * are cleared). Writes the order to out (room for every block) and returns how many.
 */
uint64_t hotarea_order(struct hotarea *h, uint64_t *bm, bool skip_write_hot, uint64_t *out);

#endif
