/* SPDX-License-Identifier: MIT */
/* The bound trailer of dtpd's L2 frames (layout: include/uapi/dtpd.h). Pure. */
#ifndef DTPD_EXT_H
#define DTPD_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/dtpd.h"

struct dtpd_ext {
	int64_t bound_ns; /* -1: unknown */
	bool has_corr;
	int32_t corr_ns; /* the sender's clock - time(counter) at tx (has_corr) */
	bool has_prev;   /* the previous BEACON's two-step correction follows */
	uint64_t prev_tx_ts;
	int32_t prev_err_ns; /* its real TX stamp - its tx_ts */
	bool has_peer;       /* the sender's last measurement of the receiver follows */
	int32_t peer_x_ns;
	bool has_burst;     /* a burst request to the receiver (DTPD_EXT_F_BURST) */
	uint32_t burst_ms;  /* its remaining duration, 1..DTPD_BURST_MS_MAX */
	uint8_t burst_hops; /* 1..DTPD_BURST_HOPS */
};

/* Write the trailer into frame (from the destination MAC, cap >= DTPD_EXT_END, >=
 * DTPD_EXT_LONG_END with has_prev or has_peer, >= DTPD_EXT_BURST_END with has_burst); a bound
 * < 0 is sent as unknown, a correction beyond int32 as none. The frame's length
 * (DTPD_EXT_END, _LONG_END or _BURST_END), -ENOSPC, or -EDOM for a burst request out of
 * range. */
int dtpd_ext_encode(uint8_t *frame, size_t cap, const struct dtpd_ext *x);
/* Read it from a received frame of len bytes (from the destination MAC): 0 with *x, -ENOENT
 * when there is none (short frame, another tag or version: a plain DTP peer), -ERANGE for a
 * bound above DTPD_BOUND_MAX, -EINVAL for DTPD_EXT_F_PREV or _PEER in a frame shorter
 * than DTPD_EXT_LONG_END or DTPD_EXT_F_BURST in one shorter than DTPD_EXT_BURST_END, -EDOM
 * for a burst request's duration or hops out of range. */
int dtpd_ext_decode(const uint8_t *frame, size_t len, struct dtpd_ext *x);
/* "no trailer", "bound out of range", ... for a decode error. */
const char *dtpd_ext_strerror(int rc);

#endif
