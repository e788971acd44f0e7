/* SPDX-License-Identifier: MIT */
/*
 * Codecs for the DTP wire formats described in include/uapi/dtp.h: the 56-bit word of a
 * 10GBASE-R idle block and the L2 frame. Pure functions, no allocation. Decoders check the
 * length first, then version/ethertype, then type, parity and counter range, and only then
 * fill *out. Errors: -EINVAL (length), -EPROTO (version or ethertype), -EBADMSG (parity,
 * frame type 4 or above, counter wider than 53 bits), -ENOMSG (a plain idle block, no DTP message).
 */
#ifndef DTP_CORE_WIRE_H
#define DTP_CORE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/dtp.h"

struct dtp_msg {
	enum dtp_msg_type type;
	uint64_t counter; /* 53 bits */
};

struct dtp_frame {
	uint8_t dst[6], src[6];
	enum dtp_msg_type type;
	uint16_t port;
	uint64_t counter; /* 53 bits */
	uint64_t tx_ts, echo_ts;
};

/* The 56-bit word (type, parity, counter) for m; m->type < 4, counter masked to 53 bits. */
uint64_t dtp_word_encode(const struct dtp_msg *m);
int dtp_word_decode(uint64_t word, struct dtp_msg *out);

/* The 8-byte idle block: returns DTP_IDLE_BLOCK_LEN, or -EINVAL if cap is too small or the
 * message is not encodable (type 4 or above). */
int dtp_idle_encode(const struct dtp_msg *m, uint8_t *buf, size_t cap);
int dtp_idle_decode(const uint8_t *buf, size_t len, struct dtp_msg *out);

/* The L2 frame: returns DTP_FRAME_LEN, or -EINVAL (cap, type, counter wider than 53 bits). */
int dtp_frame_encode(const struct dtp_frame *f, uint8_t *buf, size_t cap);
int dtp_frame_decode(const uint8_t *buf, size_t len, struct dtp_frame *out);

const char *dtp_msg_type_name(enum dtp_msg_type t);

#endif
