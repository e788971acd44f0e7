/* SPDX-License-Identifier: MIT */
/*
 * DTP counter arithmetic modulo 2^53 (include/uapi/dtp.h): a counter is a uint64_t whose top
 * 11 bits are zero. Differences are signed, taken modulo 2^53 and sign-extended from bit 52,
 * so two counters compare correctly across the wrap as long as they are less than 2^52 ticks
 * (about 11 months) apart.
 */
#ifndef DTP_CORE_COUNTER_H
#define DTP_CORE_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

#include "uapi/dtp.h"

static inline uint64_t dtp_cnt(uint64_t v)
{
	return v & DTP_COUNTER_MASK;
}

static inline uint64_t dtp_cnt_add(uint64_t a, int64_t n)
{
	return (a + (uint64_t)n) & DTP_COUNTER_MASK;
}

/* a - b modulo 2^53, as a signed number in [-2^52, 2^52). */
static inline int64_t dtp_cnt_diff(uint64_t a, uint64_t b)
{
	uint64_t d = (a - b) & DTP_COUNTER_MASK;
	return (int64_t)(d << (64 - DTP_COUNTER_BITS)) >> (64 - DTP_COUNTER_BITS);
}

/* a is later than b (modulo 2^53). */
static inline bool dtp_cnt_after(uint64_t a, uint64_t b)
{
	return dtp_cnt_diff(a, b) > 0;
}

/* The later of a and b (the DTP max rule, modulo 2^53). */
static inline uint64_t dtp_cnt_max(uint64_t a, uint64_t b)
{
	return dtp_cnt_after(b, a) ? b : a;
}

#endif
