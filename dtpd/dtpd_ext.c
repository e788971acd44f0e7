// SPDX-License-Identifier: MIT
/* The bound trailer of dtpd's L2 frames (dtpd_ext.h). */
#include <errno.h>

#include "dtpd_ext.h"

static bool burst_ok(uint32_t ms, unsigned hops)
{
	return ms >= 1 && ms <= DTPD_BURST_MS_MAX && hops >= 1 && hops <= DTPD_BURST_HOPS;
}

int dtpd_ext_encode(uint8_t *frame, size_t cap, const struct dtpd_ext *x)
{
	bool lng = x->has_prev || x->has_peer || x->has_burst;
	size_t end = x->has_burst ? DTPD_EXT_BURST_END : lng ? DTPD_EXT_LONG_END : DTPD_EXT_END;
	if (cap < end)
		return -ENOSPC;
	if (x->has_burst && !burst_ok(x->burst_ms, x->burst_hops))
		return -EDOM;
	uint64_t v = x->bound_ns < 0                          ? DTPD_BOUND_UNKNOWN
	             : (uint64_t)x->bound_ns > DTPD_BOUND_MAX ? DTPD_BOUND_MAX
	                                                      : (uint64_t)x->bound_ns;
	uint8_t *p = frame + DTPD_EXT_OFF;
	p[0] = DTPD_EXT_TAG >> 8;
	p[1] = DTPD_EXT_TAG & 0xff;
	p[2] = DTPD_EXT_VERSION;
	p[3] = (x->has_corr ? DTPD_EXT_F_CORR : 0) | (x->has_prev ? DTPD_EXT_F_PREV : 0) |
	       (x->has_peer ? DTPD_EXT_F_PEER : 0) | (x->has_burst ? DTPD_EXT_F_BURST : 0);
	for (int i = 0; i < 8; i++)
		p[4 + i] = (uint8_t)(v >> (56 - 8 * i));
	uint32_t c = x->has_corr ? (uint32_t)x->corr_ns : 0;
	for (int i = 0; i < 4; i++)
		p[12 + i] = (uint8_t)(c >> (24 - 8 * i));
	if (!lng)
		return DTPD_EXT_END;
	uint64_t pt = x->has_prev ? x->prev_tx_ts : 0;
	uint32_t pe = x->has_prev ? (uint32_t)x->prev_err_ns : 0;
	uint32_t px = x->has_peer ? (uint32_t)x->peer_x_ns : 0;
	for (int i = 0; i < 8; i++)
		p[16 + i] = (uint8_t)(pt >> (56 - 8 * i));
	for (int i = 0; i < 4; i++) {
		p[24 + i] = (uint8_t)(pe >> (24 - 8 * i));
		p[28 + i] = (uint8_t)(px >> (24 - 8 * i));
	}
	if (!x->has_burst)
		return DTPD_EXT_LONG_END;
	for (int i = 0; i < 4; i++)
		p[32 + i] = (uint8_t)(x->burst_ms >> (24 - 8 * i));
	p[36] = x->burst_hops;
	p[37] = p[38] = p[39] = 0;
	return DTPD_EXT_BURST_END;
}

int dtpd_ext_decode(const uint8_t *frame, size_t len, struct dtpd_ext *x)
{
	if (len < DTPD_EXT_END)
		return -ENOENT;
	const uint8_t *p = frame + DTPD_EXT_OFF;
	if (((unsigned)p[0] << 8 | p[1]) != DTPD_EXT_TAG || p[2] != DTPD_EXT_VERSION)
		return -ENOENT;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[4 + i];
	if (v != DTPD_BOUND_UNKNOWN && v > DTPD_BOUND_MAX)
		return -ERANGE;
	uint32_t c = 0;
	for (int i = 0; i < 4; i++)
		c = c << 8 | p[12 + i];
	x->bound_ns = v == DTPD_BOUND_UNKNOWN ? -1 : (int64_t)v;
	x->has_corr = p[3] & DTPD_EXT_F_CORR;
	x->corr_ns = x->has_corr ? (int32_t)c : 0;
	x->has_prev = p[3] & DTPD_EXT_F_PREV;
	x->has_peer = p[3] & DTPD_EXT_F_PEER;
	x->prev_tx_ts = 0;
	x->prev_err_ns = x->peer_x_ns = 0;
	x->has_burst = p[3] & DTPD_EXT_F_BURST;
	x->burst_ms = 0;
	x->burst_hops = 0;
	if (!x->has_prev && !x->has_peer && !x->has_burst)
		return 0;
	if (len < (x->has_burst ? DTPD_EXT_BURST_END : DTPD_EXT_LONG_END))
		return -EINVAL;
	if (x->has_burst) {
		uint32_t ms = 0;
		for (int i = 0; i < 4; i++)
			ms = ms << 8 | p[32 + i];
		if (!burst_ok(ms, p[36]))
			return -EDOM;
		x->burst_ms = ms;
		x->burst_hops = p[36];
	}
	uint64_t pt = 0;
	uint32_t e = 0, px = 0;
	for (int i = 0; i < 8; i++)
		pt = pt << 8 | p[16 + i];
	for (int i = 0; i < 4; i++) {
		e = e << 8 | p[24 + i];
		px = px << 8 | p[28 + i];
	}
	if (x->has_prev) {
		x->prev_tx_ts = pt;
		x->prev_err_ns = (int32_t)e;
	}
	if (x->has_peer)
		x->peer_x_ns = (int32_t)px;
	return 0;
}

const char *dtpd_ext_strerror(int rc)
{
	return rc == -ENOENT   ? "no bound trailer"
	       : rc == -ERANGE ? "bound trailer out of range"
	       : rc == -EINVAL ? "long trailer truncated"
	       : rc == -EDOM   ? "burst request out of range (duration 1..600000 ms, hops 1..8)"
	                       : "bad bound trailer";
}
