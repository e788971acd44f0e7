// SPDX-License-Identifier: MIT
/* DTP wire codecs (see dtp_wire.h and include/uapi/dtp.h for the layouts). */
#include <errno.h>
#include <string.h>

#include "core/dtp_wire.h"

#define WORD_BITS 56
#define WORD_MASK ((UINT64_C(1) << WORD_BITS) - 1)

static unsigned parity56(uint64_t w)
{
	return (unsigned)__builtin_popcountll(w & WORD_MASK) & 1u;
}

uint64_t dtp_word_encode(const struct dtp_msg *m)
{
	uint64_t w =
	        ((uint64_t)(m->type & 3u) << DTP_WORD_TYPE_SHIFT) | (m->counter & DTP_COUNTER_MASK);
	return w | ((uint64_t)parity56(w) << DTP_WORD_PARITY_BIT);
}

int dtp_word_decode(uint64_t word, struct dtp_msg *out)
{
	if (word > WORD_MASK)
		return -EINVAL;
	if (word == 0)
		return -ENOMSG;
	if (parity56(word))
		return -EBADMSG;
	unsigned type = (unsigned)(word >> DTP_WORD_TYPE_SHIFT) & 3u; /* all 4 are used */
	out->type = (enum dtp_msg_type)type;
	out->counter = word & DTP_COUNTER_MASK;
	return 0;
}

int dtp_idle_encode(const struct dtp_msg *m, uint8_t *buf, size_t cap)
{
	if (cap < DTP_IDLE_BLOCK_LEN || (unsigned)m->type >= DTP_MSG_NTYPES)
		return -EINVAL;
	uint64_t w = dtp_word_encode(m);
	buf[0] = DTP_IDLE_BLOCK_TYPE;
	for (int i = 0; i < 7; i++)
		buf[1 + i] = (uint8_t)(w >> (8 * i));
	return DTP_IDLE_BLOCK_LEN;
}

int dtp_idle_decode(const uint8_t *buf, size_t len, struct dtp_msg *out)
{
	if (len != DTP_IDLE_BLOCK_LEN)
		return -EINVAL;
	if (buf[0] != DTP_IDLE_BLOCK_TYPE)
		return -EPROTO;
	uint64_t w = 0;
	for (int i = 0; i < 7; i++)
		w |= (uint64_t)buf[1 + i] << (8 * i);
	return dtp_word_decode(w, out);
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

int dtp_frame_encode(const struct dtp_frame *f, uint8_t *buf, size_t cap)
{
	if (cap < DTP_FRAME_LEN || (unsigned)f->type >= DTP_MSG_NTYPES ||
	    f->counter > DTP_COUNTER_MASK)
		return -EINVAL;
	memcpy(buf, f->dst, 6);
	memcpy(buf + 6, f->src, 6);
	put_be(buf + 12, DTP_ETHERTYPE, 2);
	buf[14] = DTP_VERSION;
	buf[15] = (uint8_t)f->type;
	put_be(buf + 16, f->port, 2);
	put_be(buf + 18, 0, 2);
	put_be(buf + 20, f->counter, 8);
	put_be(buf + 28, f->tx_ts, 8);
	put_be(buf + 36, f->echo_ts, 8);
	return DTP_FRAME_LEN;
}

int dtp_frame_decode(const uint8_t *buf, size_t len, struct dtp_frame *out)
{
	if (len < DTP_FRAME_LEN)
		return -EINVAL;
	if (get_be(buf + 12, 2) != DTP_ETHERTYPE || buf[14] != DTP_VERSION)
		return -EPROTO;
	uint64_t counter = get_be(buf + 20, 8);
	if (buf[15] >= DTP_MSG_NTYPES || counter > DTP_COUNTER_MASK)
		return -EBADMSG;
	memcpy(out->dst, buf, 6);
	memcpy(out->src, buf + 6, 6);
	out->type = (enum dtp_msg_type)buf[15];
	out->port = (uint16_t)get_be(buf + 16, 2);
	out->counter = counter;
	out->tx_ts = get_be(buf + 28, 8);
	out->echo_ts = get_be(buf + 36, 8);
	return 0;
}

const char *dtp_msg_type_name(enum dtp_msg_type t)
{
	switch (t) {
	case DTP_MSG_INIT:
		return "INIT";
	case DTP_MSG_INIT_ACK:
		return "INIT-ACK";
	case DTP_MSG_BEACON:
		return "BEACON";
	case DTP_MSG_AUX:
		return "AUX";
	default:
		return "reserved";
	}
}
