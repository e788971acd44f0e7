/* SPDX-License-Identifier: MIT */
/* lib/radiotap internals: little-endian loads from byte buffers (no alignment assumed). */
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

#endif
