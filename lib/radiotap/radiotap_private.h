/* SPDX-License-Identifier: MIT */
/* lib/radiotap internals: little-endian loads and stores on byte buffers (any alignment). */
#ifndef TSYNC_RADIOTAP_PRIVATE_H
#define TSYNC_RADIOTAP_PRIVATE_H

#include <stdint.h>

static inline uint16_t rt_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t rt_le32(const uint8_t *p)
{
	return (uint32_t)rt_le16(p) | (uint32_t)rt_le16(p + 2) << 16;
}

static inline uint64_t rt_le64(const uint8_t *p)
{
	return (uint64_t)rt_le32(p) | (uint64_t)rt_le32(p + 4) << 32;
}

static inline uint64_t rt_le48(const uint8_t *p)
{
	return (uint64_t)rt_le32(p) | (uint64_t)rt_le16(p + 4) << 32;
}

static inline void rt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void rt_put32(uint8_t *p, uint32_t v)
{
	rt_put16(p, (uint16_t)v);
	rt_put16(p + 2, (uint16_t)(v >> 16));
}

static inline void rt_put64(uint8_t *p, uint64_t v)
{
	rt_put32(p, (uint32_t)v);
	rt_put32(p + 4, (uint32_t)(v >> 32));
}

#endif
