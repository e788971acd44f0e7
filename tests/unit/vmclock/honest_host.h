/* SPDX-License-Identifier: MIT */
/*
 * Test fixture shared by the vmclock policy and stop-record tests: a model host clock whose
 * published bounds are honest. True time of counter c is (c - honest_base) * P_TRUE ns after T0;
 * the host reads it with offset e0 ns and rate error f, and publishes maxerror covering both.
 */
#ifndef TSYNC_TEST_HONEST_HOST_H
#define TSYNC_TEST_HONEST_HOST_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "policy.h"

#define P_TRUE 0.4L /* true ns per tick of the model (2.5 GHz) */
#define T0     1700000000000000000LL
#define SEC    2500000000ull /* model ticks per second */

static uint64_t honest_base; /* counter at model time 0 (0 unless a test moves it) */

static inline long double truth(uint64_t c)
{
	return (long double)(int64_t)(c - honest_base) * P_TRUE; /* + T0 */
}

/* host clock with offset e0 ns and rate error f at counter c, honest bounds */
static inline void host(uint64_t c, double e0, double f, struct vmclock_host *h)
{
	long double t = truth(c);
	memset(h, 0, sizeof(*h));
	h->counter = c;
	h->time_ns = T0 + (int64_t)llroundl(t + e0 + f * t);
	h->maxerror_ns = (uint64_t)ceill(fabsl(e0 + f * t)) + 10;
	h->esterror_ns = h->maxerror_ns / 2;
	h->ns_per_tick = (double)(P_TRUE * (1 + f));
	h->rate_maxerror = fabs(f) + 1e-9;
	h->rate_esterror = fabs(f);
	h->status = VMCLOCK_STATUS_SYNCHRONIZED;
}

#endif
