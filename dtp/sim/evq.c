// SPDX-License-Identifier: MIT
/* dtp-sim event queue: calendar ring + heap (see evq.h). */
#include <stdlib.h>
#include <string.h>

#include "sim/evq.h"

int evq_init(struct evq *q, int64_t horizon_ps)
{
	*q = (struct evq){.free_head = EVQ_NONE};
	uint64_t need = (uint64_t)(2 * horizon_ps >> EVQ_QUANTUM_SHIFT) + 64;
	q->nbuckets = 64;
	while (q->nbuckets < need)
		q->nbuckets *= 2;
	q->mask = q->nbuckets - 1;
	q->head = malloc(q->nbuckets * sizeof(*q->head));
	q->tail = malloc(q->nbuckets * sizeof(*q->tail));
	q->bits = calloc(q->nbuckets / 64, sizeof(*q->bits));
	if (!q->head || !q->tail || !q->bits)
		return -1;
	memset(q->head, 0xff, q->nbuckets * sizeof(*q->head));
	return 0;
}

void evq_free(struct evq *q)
{
	free(q->pool);
	free(q->head);
	free(q->tail);
	free(q->bits);
	free(q->heap);
	*q = (struct evq){0};
}

uint32_t evq_new(struct evq *q, int64_t t)
{
	uint32_t id = q->free_head;
	if (id != EVQ_NONE) {
		q->free_head = q->pool[id].next;
	} else {
		if (q->npool == q->cap) {
			uint32_t cap = q->cap ? q->cap * 2 : 4096;
			struct sim_event *p = realloc(q->pool, (size_t)cap * sizeof(*p));
			if (!p)
				return EVQ_NONE;
			q->pool = p;
			q->cap = cap;
		}
		id = q->npool++;
	}
	q->pool[id] = (struct sim_event){.t = t, .next = EVQ_NONE};
	return id;
}

void evq_release(struct evq *q, uint32_t id)
{
	q->pool[id].next = q->free_head;
	q->free_head = id;
}

static void heap_push(struct evq *q, int64_t t, uint32_t id)
{
	if (q->nheap == q->capheap) {
		uint32_t cap = q->capheap ? q->capheap * 2 : 64;
		struct evq_heap_ent *h = realloc(q->heap, cap * sizeof(*h));
		if (!h)
			abort(); /* only schedules and samples live here: a handful */
		q->heap = h;
		q->capheap = cap;
	}
	uint32_t i = q->nheap++;
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (q->heap[p].t <= t)
			break;
		q->heap[i] = q->heap[p];
		i = p;
	}
	q->heap[i] = (struct evq_heap_ent){t, id};
}

static uint32_t heap_pop(struct evq *q)
{
	uint32_t id = q->heap[0].id;
	struct evq_heap_ent last = q->heap[--q->nheap];
	uint32_t i = 0;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= q->nheap)
			break;
		if (c + 1 < q->nheap && q->heap[c + 1].t < q->heap[c].t)
			c++;
		if (last.t <= q->heap[c].t)
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->nheap)
		q->heap[i] = last;
	return id;
}

void evq_push(struct evq *q, uint32_t id)
{
	struct sim_event *e = &q->pool[id];
	uint64_t b = (uint64_t)(e->t < 0 ? 0 : e->t) >> EVQ_QUANTUM_SHIFT;
	if (b < q->cur)
		b = q->cur; /* never behind the present */
	if (b - q->cur >= q->nbuckets) {
		heap_push(q, e->t, id);
		return;
	}
	uint64_t s = b & q->mask;
	e->next = EVQ_NONE;
	if (q->head[s] == EVQ_NONE) {
		q->head[s] = id;
		q->bits[s >> 6] |= 1ull << (s & 63);
	} else {
		q->pool[q->tail[s]].next = id;
	}
	q->tail[s] = id;
	q->incal++;
}

/* The absolute number of the first non-empty bucket at or after cur (the calendar is not
 * empty). */
static uint64_t next_bucket(const struct evq *q)
{
	uint64_t b = q->cur;
	for (;;) {
		uint64_t s = b & q->mask;
		uint64_t w = q->bits[s >> 6] >> (s & 63);
		if (w)
			return b + (uint64_t)__builtin_ctzll(w);
		b += 64 - (s & 63);
	}
}

uint32_t evq_pop(struct evq *q)
{
	if (q->incal == 0) {
		if (!q->nheap)
			return EVQ_NONE;
		uint32_t id = heap_pop(q);
		uint64_t b = (uint64_t)(q->pool[id].t < 0 ? 0 : q->pool[id].t) >> EVQ_QUANTUM_SHIFT;
		if (b > q->cur)
			q->cur = b;
		return id;
	}
	uint64_t b = next_bucket(q);
	if (q->nheap && q->heap[0].t < (int64_t)(b << EVQ_QUANTUM_SHIFT)) {
		uint32_t id = heap_pop(q);
		uint64_t hb =
		        (uint64_t)(q->pool[id].t < 0 ? 0 : q->pool[id].t) >> EVQ_QUANTUM_SHIFT;
		if (hb > q->cur)
			q->cur = hb;
		return id;
	}
	q->cur = b;
	uint64_t s = b & q->mask;
	uint32_t id = q->head[s];
	q->head[s] = q->pool[id].next;
	if (q->head[s] == EVQ_NONE)
		q->bits[s >> 6] &= ~(1ull << (s & 63));
	q->incal--;
	return id;
}
