/* SPDX-License-Identifier: MIT */
/*
 * dtp-sim's event queue: a calendar (bucket) queue for the dense near-future events (beacons,
 * timers, messages on the wire) plus a binary heap for the rare far-future ones (schedules,
 * samples). Times are integer picoseconds. The calendar is a ring of 2^k buckets of
 * EVQ_QUANTUM_PS each with a bitmap of the non-empty ones, so finding the next event costs a
 * find-first-set per 64 buckets; an event beyond the ring's horizon goes to the heap. Events in
 * one bucket (under 1/25 of a tick) come out first in, first out; buckets and the heap come out
 * in time order. Events live in one pool indexed by 32-bit ids, recycled through a free list:
 * no allocation once the pool has grown to the number of events in flight.
 */
#ifndef DTP_SIM_EVQ_H
#define DTP_SIM_EVQ_H

#include <stdint.h>

#define EVQ_QUANTUM_SHIFT 8 /* 256 ps */
#define EVQ_NONE          UINT32_MAX

struct sim_event {
	int64_t t;    /* ps */
	int64_t tick; /* the receiver's tick (EV_RX, EV_TX) */
	uint64_t counter;
	uint32_t next; /* bucket chain */
	uint32_t node, gen;
	uint16_t port;
	uint8_t type, msg;
};

struct evq_heap_ent {
	int64_t t;
	uint32_t id;
};

struct evq {
	struct sim_event *pool;
	uint32_t npool, cap, free_head;
	uint32_t *head, *tail; /* per bucket */
	uint64_t *bits;
	uint64_t nbuckets, mask;
	uint64_t cur; /* absolute bucket number of the last event taken */
	uint64_t incal;
	struct evq_heap_ent *heap;
	uint32_t nheap, capheap;
};

/* horizon_ps: how far ahead most events are scheduled (the ring covers at least twice it). */
int evq_init(struct evq *q, int64_t horizon_ps);
void evq_free(struct evq *q);
/* A new event (fields zeroed but t): its id, or EVQ_NONE when out of memory. */
uint32_t evq_new(struct evq *q, int64_t t);
void evq_push(struct evq *q, uint32_t id);
/* The earliest event (or EVQ_NONE when empty); the caller reads it, then evq_release()s it. */
uint32_t evq_pop(struct evq *q);
void evq_release(struct evq *q, uint32_t id);

static inline struct sim_event *evq_ev(struct evq *q, uint32_t id)
{
	return &q->pool[id];
}

#endif
