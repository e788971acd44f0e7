/* SPDX-License-Identifier: MIT */
/* A station's TSF: a 1 us counter running at (1 + ppb * 1e-9) times the medium's true time,
 * from offset_us at true time 0. Pure arithmetic (exact, floor to the microsecond). */
#ifndef TSYNC_WIFI_TSF_H
#define TSYNC_WIFI_TSF_H

#include <stdint.h>

struct tsf_clock {
	uint64_t offset_us; /* the counter at true time 0 */
	int32_t ppb;        /* rate error, parts per billion */
};

/* The station's clock behind the counter at true time t_ns (>= 0), ns: what its firmware
 * stamps TM / FTM frames with. */
static inline uint64_t tsf_ns_at(const struct tsf_clock *c, uint64_t t_ns)
{
	__int128 ns = (__int128)t_ns * (1000000000 + (__int128)c->ppb) / 1000000000;
	return c->offset_us * 1000 + (uint64_t)ns;
}

/* The counter at true time t_ns (>= 0). */
static inline uint64_t tsf_at(const struct tsf_clock *c, uint64_t t_ns)
{
	return tsf_ns_at(c, t_ns) / 1000;
}

#endif
