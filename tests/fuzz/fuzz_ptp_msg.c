// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the PTP message codec of ptpd-wl (ptpd-wl/core/msg.c, msg_build.c) on
 * any datagram, as port_rx hands it over. Properties: the parser never reads outside the
 * datagram; what it accepts re-encodes (msg_build + msg_tlv_append) to a message it accepts
 * again with the same fields and TLVs; the time helpers saturate instead of overflowing.
 */
#include <string.h>

#include "core/msg.h"
#include "util.h"

/* Encode m with its TLVs into out (cap bytes): length, or -errno. */
static int encode(const struct ptp_msg *m, uint8_t *out, size_t cap)
{
	struct ptp_tlv tlv;
	size_t off = 0;
	int len = msg_build(out, cap, m);
	while (len > 0 && msg_tlv_next(m, &off, &tlv) == 1)
		len = msg_tlv_append(out, cap, (size_t)len, tlv.type, tlv.value, tlv.length);
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ptp_msg m, m2;
	uint8_t *in = malloc(size ? size : 1), out[2 * PTP_MAX_MSG_LEN + 65536], again[sizeof(out)];
	if (!in)
		return 0;
	memcpy(in, data, size); /* exact size: ASan sees any read past the datagram */
	int err = msg_parse(in, size, &m);
	FUZZ_CHECK(m.reason != NULL && msg_strerror(&m) != NULL);
	if (err) {
		free(in);
		return 0;
	}
	/* TLV iteration agrees with the parser's count and stays inside messageLength */
	struct ptp_tlv tlv;
	size_t off = 0;
	unsigned n = 0;
	while (msg_tlv_next(&m, &off, &tlv) == 1) {
		FUZZ_CHECK(tlv.value >= in && tlv.value + tlv.length <= in + m.hdr.length);
		n++;
	}
	FUZZ_CHECK(n == m.tlv_count);
	if (n)
		FUZZ_CHECK(msg_tlv_find(&m, m.tlvs[0] << 8 | m.tlvs[1], &tlv) == 0);
	(void)msg_type_str(m.hdr.type);

	/* re-encode: accepted again, and encoding is then a fixed point */
	int len = encode(&m, out, sizeof(out));
	FUZZ_CHECK(len >= (int)PTP_HDR_LEN);
	FUZZ_CHECK(msg_parse(out, (size_t)len, &m2) == 0);
	FUZZ_CHECK(m2.hdr.type == m.hdr.type && m2.hdr.seq == m.hdr.seq &&
	           m2.hdr.correction == m.hdr.correction && m2.hdr.flags == m.hdr.flags &&
	           m2.tlv_count == m.tlv_count && ptp_port_id_eq(&m2.hdr.source, &m.hdr.source));
	FUZZ_CHECK(encode(&m2, again, sizeof(again)) == len && !memcmp(out, again, (size_t)len));

	/* what port_rx does with the numbers: no overflow, saturation at the limits */
	/* every timestamped body starts with its Timestamp: the union members alias it */
	const struct ptp_ts *ts = &m.sync.origin;
	if (m.hdr.type <= PTP_PDELAY_RESP ||
	    (m.hdr.type >= PTP_FOLLOW_UP && m.hdr.type <= PTP_ANNOUNCE)) {
		tmv_t t = ptp_ts_to_tmv(ts);
		struct ptp_ts back;
		FUZZ_CHECK(t >= 0);
		if (t != INT64_MAX && !ptp_ts_from_tmv(t, &back))
			FUZZ_CHECK(back.sec == ts->sec && back.nsec == ts->nsec);
	}
	tmv_t c = ptp_corr_to_ns(m.hdr.correction);
	(void)ptp_ns_to_corr(c);
	free(in);
	return 0;
}
