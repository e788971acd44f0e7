// SPDX-License-Identifier: MIT
/* dtp/core/dtp_wire: idle-block and L2-frame codecs: round trips, every single-bit error of the
 * idle word caught by parity, reserved type, lengths, version, ethertype, counter range. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "core/dtp_wire.h"

Test(dtp_wire, idle_round_trip_and_layout)
{
	const uint64_t cs[] = {0, 1, 0x123456789abcdull, DTP_COUNTER_MASK};
	for (int t = 0; t < 3; t++)
		for (size_t i = 0; i < 4; i++) {
			struct dtp_msg m = {(enum dtp_msg_type)t, cs[i]}, back;
			uint8_t b[DTP_IDLE_BLOCK_LEN];
			cr_assert_eq(dtp_idle_encode(&m, b, sizeof(b)), DTP_IDLE_BLOCK_LEN);
			cr_expect_eq(b[0], 0x1E);
			uint64_t w = 0;
			for (int k = 0; k < 7; k++)
				w |= (uint64_t)b[1 + k] << (8 * k);
			cr_expect_eq(__builtin_popcountll(w) % 2, 0, "even parity");
			cr_expect_eq(w >> 54, (uint64_t)t);
			cr_expect_eq(w & DTP_COUNTER_MASK, cs[i]);
			if (t == DTP_MSG_INIT && cs[i] == 0) {
				/* INIT(0) is the all-zero word: indistinguishable from idle */
				cr_expect_eq(dtp_idle_decode(b, sizeof(b), &back), -ENOMSG);
				continue;
			}
			cr_assert_eq(dtp_idle_decode(b, sizeof(b), &back), 0);
			cr_expect_eq(back.type, m.type);
			cr_expect_eq(back.counter, m.counter);
		}
}

Test(dtp_wire, every_single_bit_error_is_caught)
{
	struct dtp_msg m = {DTP_MSG_BEACON, 0xabcdef0123ull}, back;
	uint64_t w = dtp_word_encode(&m);
	for (int bit = 0; bit < 56; bit++)
		cr_expect_eq(dtp_word_decode(w ^ (1ull << bit), &back), -EBADMSG, "bit %d", bit);
	cr_expect_eq(dtp_word_decode(w | (1ull << 56), &back), -EINVAL, "wider than 56 bits");
}

Test(dtp_wire, bound_type_length_and_block_type)
{
	struct dtp_msg m = {DTP_MSG_AUX, 5}, back = {DTP_MSG_INIT, 77};
	uint8_t b[16];
	cr_assert_eq(dtp_idle_encode(&m, b, sizeof(b)), 8, "type 3 carries AUX");
	cr_expect_eq(dtp_idle_decode(b, 8, &back), 0);
	cr_expect_eq(back.type, DTP_MSG_AUX);
	cr_expect_eq(back.counter, 5);
	back = (struct dtp_msg){DTP_MSG_INIT, 77};
	m.type = DTP_MSG_NTYPES;
	cr_expect_eq(dtp_idle_encode(&m, b, sizeof(b)), -EINVAL);
	m.type = DTP_MSG_BEACON;
	cr_expect_eq(dtp_idle_encode(&m, b, 7), -EINVAL);
	cr_assert_eq(dtp_idle_encode(&m, b, sizeof(b)), 8);
	cr_expect_eq(dtp_idle_decode(b, 7, &back), -EINVAL);
	cr_expect_eq(dtp_idle_decode(b, 9, &back), -EINVAL);
	b[0] = 0x78; /* a start block, not idle */
	cr_expect_eq(dtp_idle_decode(b, 8, &back), -EPROTO);
	cr_expect_eq(back.counter, 77, "nothing written on error");
}

static struct dtp_frame sample(void)
{
	return (struct dtp_frame){.dst = {1, 0x80, 0xc2, 0, 0, 0xe},
	                          .src = {2, 0, 0, 0, 0, 9},
	                          .type = DTP_MSG_INIT_ACK,
	                          .port = 513,
	                          .counter = DTP_COUNTER_MASK - 3,
	                          .tx_ts = 1700000000123456789ull,
	                          .echo_ts = 42};
}

Test(dtp_wire, frame_round_trip_and_layout)
{
	struct dtp_frame f = sample(), back;
	uint8_t b[DTP_FRAME_MIN_WIRE] = {0};
	cr_assert_eq(dtp_frame_encode(&f, b, sizeof(b)), DTP_FRAME_LEN);
	cr_expect_eq(b[12], 0x88);
	cr_expect_eq(b[13], 0xB5);
	cr_expect_eq(b[14], DTP_VERSION);
	cr_expect_eq(b[15], DTP_MSG_INIT_ACK);
	cr_expect_eq(b[16] << 8 | b[17], 513);
	cr_assert_eq(dtp_frame_decode(b, DTP_FRAME_LEN, &back), 0);
	cr_assert_eq(dtp_frame_decode(b, sizeof(b), &back), 0, "padding accepted");
	cr_expect_eq(memcmp(back.dst, f.dst, 6), 0);
	cr_expect_eq(memcmp(back.src, f.src, 6), 0);
	cr_expect_eq(back.type, f.type);
	cr_expect_eq(back.port, f.port);
	cr_expect_eq(back.counter, f.counter);
	cr_expect_eq(back.tx_ts, f.tx_ts);
	cr_expect_eq(back.echo_ts, f.echo_ts);
}

Test(dtp_wire, frame_malformed)
{
	struct dtp_frame f = sample(), back;
	uint8_t b[DTP_FRAME_LEN], c[DTP_FRAME_LEN];
	cr_assert_eq(dtp_frame_encode(&f, b, sizeof(b)), DTP_FRAME_LEN);
	cr_expect_eq(dtp_frame_encode(&f, b, DTP_FRAME_LEN - 1), -EINVAL);
	for (size_t len = 0; len < DTP_FRAME_LEN; len++)
		cr_expect_eq(dtp_frame_decode(b, len, &back), -EINVAL, "len %zu", len);
	memcpy(c, b, sizeof(b));
	c[13] = 0xB6;
	cr_expect_eq(dtp_frame_decode(c, sizeof(c), &back), -EPROTO, "ethertype");
	memcpy(c, b, sizeof(b));
	c[14] = 2;
	cr_expect_eq(dtp_frame_decode(c, sizeof(c), &back), -EPROTO, "version");
	memcpy(c, b, sizeof(b));
	c[15] = 4;
	cr_expect_eq(dtp_frame_decode(c, sizeof(c), &back), -EBADMSG, "type");
	c[15] = 3;
	cr_expect_eq(dtp_frame_decode(c, sizeof(c), &back), 0, "type 3 is AUX");
	cr_expect_eq(back.type, DTP_MSG_AUX);
	memcpy(c, b, sizeof(b));
	c[20] = 0x01; /* bit 56 of the counter */
	cr_expect_eq(dtp_frame_decode(c, sizeof(c), &back), -EBADMSG, "counter range");
	f.counter = DTP_COUNTER_MASK + 1;
	cr_expect_eq(dtp_frame_encode(&f, b, sizeof(b)), -EINVAL);
	cr_expect_str_eq(dtp_msg_type_name(DTP_MSG_BEACON), "BEACON");
	cr_expect_str_eq(dtp_msg_type_name(DTP_MSG_AUX), "AUX");
	cr_expect_str_eq(dtp_msg_type_name(DTP_MSG_NTYPES), "reserved");
}
