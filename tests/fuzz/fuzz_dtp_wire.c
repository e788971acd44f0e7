// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the DTP wire codecs (dtp/core/dtp_wire.c) on any bytes, read both as a
 * 10GBASE-R idle block and as an L2 frame, and the first 8 bytes as a 56-bit word. Properties:
 * no read outside the input; what decodes re-encodes to the same bytes (idle block: all 8;
 * frame: the 44 bytes except the reserved field) and decodes again to the same message.
 */
#include <string.h>

#include "../../dtp/core/dtp_wire.h" /* by path: no -Idtp here */
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *in = malloc(size ? size : 1), out[DTP_FRAME_LEN];
	if (!in)
		return 0;
	memcpy(in, data, size); /* exact size: ASan sees any over-read */
	struct dtp_msg m, m2;
	if (dtp_idle_decode(in, size, &m) == 0) {
		FUZZ_CHECK(m.type < DTP_MSG_NTYPES && m.counter <= DTP_COUNTER_MASK);
		FUZZ_CHECK(dtp_idle_encode(&m, out, sizeof(out)) == DTP_IDLE_BLOCK_LEN);
		FUZZ_CHECK(memcmp(out, in, DTP_IDLE_BLOCK_LEN) == 0);
	}
	if (size >= 8) {
		uint64_t w;
		memcpy(&w, in, 8);
		if (dtp_word_decode(w, &m) == 0) {
			FUZZ_CHECK(dtp_word_encode(&m) == w);
			FUZZ_CHECK(dtp_word_decode(dtp_word_encode(&m), &m2) == 0);
			FUZZ_CHECK(m2.type == m.type && m2.counter == m.counter);
		}
	}
	struct dtp_frame f, f2;
	if (dtp_frame_decode(in, size, &f) == 0) {
		FUZZ_CHECK(dtp_frame_encode(&f, out, sizeof(out)) == DTP_FRAME_LEN);
		FUZZ_CHECK(memcmp(out, in, 18) == 0 && memcmp(out + 20, in + 20, 24) == 0);
		FUZZ_CHECK(dtp_frame_decode(out, sizeof(out), &f2) == 0);
		FUZZ_CHECK(f2.counter == f.counter && f2.type == f.type && f2.port == f.port &&
		           f2.tx_ts == f.tx_ts && f2.echo_ts == f.echo_ts);
	}
	free(in);
	return 0;
}
