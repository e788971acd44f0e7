// SPDX-License-Identifier: MIT
/* ptpd-wl message codec: hand-assembled wire bytes (as ptp4l 3.1.1 sends them), every
 * validation rule, build/parse round trips, builders' length checks, TLVs, and seeded fuzzing
 * on exact-size heap copies (ASan catches any read past len). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/msg.h"

static const struct ptp_port_id src = {{{0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55}}, 1};

/* A v2.0 two-step Sync from ptp4l: domain 0, seq 0x1234, correction 0, log interval 0. */
static const uint8_t sync_v20[44] = {
        0x00, 0x02, 0x00, 44,   0x00, 0x00, 0x02, 0x00, /* type 0, ver 2, len 44, flags TWO_STEP */
        0,    0,    0,    0,    0,    0,    0,    0,    /* correction */
        0,    0,    0,    0,                            /* type specific */
        0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55, 0x00, 0x01, /* source port */
        0x12, 0x34, 0x00, 0x00,                                     /* seq, control, log */
        0x00, 0x00, 0x65, 0x5f, 0x12, 0x34, 0x3b, 0x9a, 0xc9, 0xff, /* ts 0x655f1234 s, 999999999 */
};

/* An Announce: utcOffset 37, p1 128, class 6, acc 0x21, var 0x4e5d, p2 127, steps 1, GNSS. */
static const uint8_t announce_v21[64] = {
        0x0b, 0x12, 0x00, 64,   0x07, 0x00, 0x00, 0x0c, /* type B, v2.1, len 64, domain 7, flags */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x00, 0x00, /* correction -2^17 (= -2 ns) */
        0,    0,    0,    0,    0x00, 0x11, 0x22, 0xff, 0xfe, 0x33,
        0x44, 0x55, 0x00, 0x01, 0x00, 0x07, 0x05, 0x01,             /* seq 7, control 5, log 1 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, /* origin 1 s 2 ns */
        0x00, 37,   0x00, 128,  6,    0x21, 0x4e, 0x5d, 127,        /* utc, res, p1, quality, p2 */
        0x0a, 0x0b, 0x0c, 0xff, 0xfe, 0x0d, 0x0e, 0x0f,             /* gm identity */
        0x00, 0x01, 0x20,                                           /* steps, time source */
};

Test(ptp_msg, parses_ptp4l_v20_sync)
{
	struct ptp_msg m;

	cr_assert_eq(msg_parse(sync_v20, sizeof(sync_v20), &m), 0, "%s", msg_strerror(&m));
	cr_assert_eq(m.hdr.type, PTP_SYNC);
	cr_assert_eq(m.hdr.version, 2);
	cr_assert_eq(m.hdr.minor_version, 0);
	cr_assert_eq(m.hdr.length, 44);
	cr_assert_eq(m.hdr.flags, PTP_FLAG_TWO_STEP);
	cr_assert(ptp_port_id_eq(&m.hdr.source, &src));
	cr_assert_eq(m.hdr.seq, 0x1234);
	cr_assert_eq(m.sync.origin.sec, 0x655f1234ULL);
	cr_assert_eq(m.sync.origin.nsec, 999999999u);
	cr_assert_eq(m.tlv_count, 0);
	cr_assert_null(m.tlvs);
	cr_assert_str_eq(msg_strerror(&m), "ok");
}

Test(ptp_msg, parses_v21_announce_fields)
{
	struct ptp_msg m;

	cr_assert_eq(msg_parse(announce_v21, sizeof(announce_v21), &m), 0, "%s", m.reason);
	cr_assert_eq(m.hdr.minor_version, 1);
	cr_assert_eq(m.hdr.domain, 7);
	cr_assert_eq(m.hdr.flags, PTP_FLAG_PTP_TIMESCALE | PTP_FLAG_UTC_OFF_VALID);
	cr_assert_eq(m.hdr.correction, -(2 << 16));
	cr_assert_eq(ptp_corr_to_ns(m.hdr.correction), -2);
	cr_assert_eq(m.hdr.log_interval, 1);
	cr_assert_eq(m.announce.origin.sec, 1);
	cr_assert_eq(m.announce.origin.nsec, 2);
	cr_assert_eq(m.announce.utc_offset, 37);
	cr_assert_eq(m.announce.gm_priority1, 128);
	cr_assert_eq(m.announce.gm_quality.clock_class, 6);
	cr_assert_eq(m.announce.gm_quality.accuracy, 0x21);
	cr_assert_eq(m.announce.gm_quality.variance, 0x4e5d);
	cr_assert_eq(m.announce.gm_priority2, 127);
	cr_assert_eq(m.announce.gm_identity.id[0], 0x0a);
	cr_assert_eq(m.announce.gm_identity.id[7], 0x0f);
	cr_assert_eq(m.announce.steps_removed, 1);
	cr_assert_eq(m.announce.time_source, 0x20);
}

Test(ptp_msg, version_checks)
{
	uint8_t b[44];
	struct ptp_msg m;

	memcpy(b, sync_v20, sizeof(b));
	b[1] = 0x01; /* PTPv1 */
	cr_assert_eq(msg_parse(b, sizeof(b), &m), -EPROTO);
	cr_assert_str_eq(m.reason, "versionPTP is not 2");
	b[1] = 0x03;
	cr_assert_eq(msg_parse(b, sizeof(b), &m), -EPROTO);
	b[1] = 0x22; /* v2.2 */
	cr_assert_eq(msg_parse(b, sizeof(b), &m), -EPROTO);
	cr_assert_str_eq(m.reason, "minorVersionPTP is not 0 or 1");
	b[1] = 0x12;
	cr_assert_eq(msg_parse(b, sizeof(b), &m), 0);
	b[0] = 0x14; /* majorSdoId 1 is accepted and reported */
	cr_assert_eq(msg_parse(b, sizeof(b), &m), -EPROTO, "type 4 is reserved");
	b[0] = 0x10;
	cr_assert_eq(msg_parse(b, sizeof(b), &m), 0);
	cr_assert_eq(m.hdr.major_sdo_id, 1);
}

Test(ptp_msg, unknown_types_are_eproto)
{
	static const unsigned bad[] = {4, 5, 6, 7, 0xe, 0xf};
	uint8_t b[64] = {0};
	struct ptp_msg m;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b[0] = (uint8_t)bad[i];
		b[1] = 2;
		b[3] = 64;
		cr_assert_eq(msg_parse(b, sizeof(b), &m), -EPROTO, "type %u", bad[i]);
		cr_assert_str_eq(m.reason, "unknown messageType");
	}
}

Test(ptp_msg, every_truncation_is_rejected)
{
	struct ptp_msg m;

	for (size_t n = 0; n < sizeof(announce_v21); n++) {
		uint8_t *b = malloc(n ? n : 1);
		memcpy(b, announce_v21, n);
		cr_assert_eq(msg_parse(b, n, &m), -EBADMSG, "len %zu", n);
		free(b);
	}
	cr_assert_eq(msg_parse(NULL, 0, &m), -EBADMSG);
}

Test(ptp_msg, message_length_rules)
{
	uint8_t b[80];
	struct ptp_msg m;

	memset(b, 0, sizeof(b));
	memcpy(b, sync_v20, sizeof(sync_v20));
	/* trailing octets past messageLength (Ethernet padding) are ignored */
	cr_assert_eq(msg_parse(b, sizeof(b), &m), 0);
	cr_assert_eq(m.tlv_count, 0);
	b[3] = 43; /* shorter than a Sync */
	cr_assert_eq(msg_parse(b, sizeof(b), &m), -EBADMSG);
	cr_assert_str_eq(m.reason, "messageLength shorter than the message type");
	b[3] = 81; /* longer than the buffer */
	cr_assert_eq(msg_parse(b, sizeof(b), &m), -EBADMSG);
	cr_assert_str_eq(m.reason, "messageLength exceeds the received octets");
}

Test(ptp_msg, nanoseconds_must_be_below_1e9)
{
	uint8_t b[44];
	struct ptp_msg m;

	memcpy(b, sync_v20, sizeof(b));
	b[40] = 0x3b, b[41] = 0x9a, b[42] = 0xca, b[43] = 0x00; /* 1000000000 */
	cr_assert_eq(msg_parse(b, sizeof(b), &m), -EBADMSG);
	cr_assert_str_eq(m.reason, "timestamp nanoseconds >= 1e9");
}

/* issue #9: seconds = 2^48-1 (and anything past 2262-04-11) has no int64 ns value */
Test(ptp_msg, timestamp_beyond_int64_ns_is_rejected)
{
	uint8_t b[44];
	struct ptp_msg m;

	memcpy(b, sync_v20, sizeof(b));
	memset(b + 34, 0xff, 6); /* seconds 2^48 - 1 */
	b[40] = 0, b[41] = 0, b[42] = 0, b[43] = 0;
	b[6] = 0; /* one-step */
	cr_assert_eq(msg_parse(b, sizeof(b), &m), -EBADMSG);
	cr_assert_str_eq(m.reason, "timestamp beyond the int64 ns range (year 2262)");
	/* the last representable instant: 9223372036 s 854775807 ns */
	const uint64_t smax = 9223372036ULL;
	for (int i = 0; i < 6; i++)
		b[34 + i] = (uint8_t)(smax >> (40 - 8 * i));
	b[40] = 0x32, b[41] = 0xf2, b[42] = 0xd7, b[43] = 0xff; /* 854775807 */
	cr_assert_eq(msg_parse(b, sizeof(b), &m), 0, "%s", m.reason);
	cr_assert_eq(ptp_ts_to_tmv(&m.sync.origin), INT64_MAX);
	b[42] = 0xd8, b[43] = 0x00; /* 854775808: one ns too far */
	cr_assert_eq(msg_parse(b, sizeof(b), &m), -EBADMSG);
	/* same rule for the other timestamps: Follow_Up, Delay_Resp, Announce */
	b[0] = PTP_FOLLOW_UP;
	cr_assert_eq(msg_parse(b, sizeof(b), &m), -EBADMSG);
	/* a helper given such a value directly saturates instead of wrapping */
	struct ptp_ts big = {PTP_SECONDS_MAX, 999999999};
	cr_assert_eq(ptp_ts_to_tmv(&big), INT64_MAX);
	cr_assert_not(ptp_ts_valid(&big));
	struct ptp_ts ok = {1700000000, 5};
	cr_assert(ptp_ts_valid(&ok));
}

/* Sync + the given suffix, messageLength covering it. */
static size_t sync_with_suffix(uint8_t *b, const uint8_t *suffix, size_t n)
{
	memcpy(b, sync_v20, 44);
	memcpy(b + 44, suffix, n);
	b[2] = (uint8_t)((44 + n) >> 8);
	b[3] = (uint8_t)(44 + n);
	return 44 + n;
}

Test(ptp_msg, tlv_chain_validation)
{
	static const uint8_t two[] = {0x00, 0x08, 0x00, 0x08, 1,    2,    3,    4, 5,
	                              6,    7,    8,    0x80, 0x08, 0x00, 0x02, 0, 0};
	static const uint8_t odd[] = {0x00, 0x03, 0x00, 0x03, 1, 2, 3, 0};
	static const uint8_t over[] = {0x00, 0x03, 0x00, 0x06, 1, 2, 3, 4};
	static const uint8_t stub[] = {0x00, 0x08, 0x00, 0x00, 0x00, 0x01};
	uint8_t b[128];
	struct ptp_msg m;
	struct ptp_tlv t;
	size_t off = 0, n;

	n = sync_with_suffix(b, two, sizeof(two));
	cr_assert_eq(msg_parse(b, n, &m), 0, "%s", m.reason);
	cr_assert_eq(m.tlv_count, 2);
	cr_assert_eq(m.tlv_len, sizeof(two));
	cr_assert_eq(msg_tlv_next(&m, &off, &t), 1);
	cr_assert_eq(t.type, PTP_TLV_PATH_TRACE);
	cr_assert_eq(t.length, 8);
	cr_assert_eq(t.value[7], 8);
	cr_assert_eq(msg_tlv_next(&m, &off, &t), 1);
	cr_assert_eq(t.type, PTP_TLV_PAD);
	cr_assert_eq(msg_tlv_next(&m, &off, &t), 0);
	cr_assert_eq(msg_tlv_find(&m, PTP_TLV_PAD, &t), 0);
	cr_assert_eq(msg_tlv_find(&m, PTP_TLV_MANAGEMENT, &t), -ENOENT);

	n = sync_with_suffix(b, odd, sizeof(odd));
	cr_assert_eq(msg_parse(b, n, &m), -EBADMSG);
	cr_assert_str_eq(m.reason, "odd TLV lengthField");
	n = sync_with_suffix(b, over, sizeof(over));
	cr_assert_eq(msg_parse(b, n, &m), -EBADMSG);
	cr_assert_str_eq(m.reason, "TLV overruns messageLength");
	n = sync_with_suffix(b, stub, sizeof(stub));
	cr_assert_eq(msg_parse(b, n, &m), -EBADMSG);
	cr_assert_str_eq(m.reason, "truncated TLV header");
}

/* Build every type with distinctive values and parse it back. */
Test(ptp_msg, build_parse_round_trip_all_types)
{
	static const unsigned types[] = {
	        PTP_SYNC,      PTP_DELAY_REQ,  PTP_PDELAY_REQ,      PTP_PDELAY_RESP,
	        PTP_FOLLOW_UP, PTP_DELAY_RESP, PTP_PDELAY_RESP_FUP, PTP_ANNOUNCE,
	        PTP_SIGNALING, PTP_MANAGEMENT};
	/* the largest timestamp a receiver accepts (ptp_ts_valid) */
	const struct ptp_ts ts = {9223372036ULL, 854775807};
	const struct ptp_port_id req = {{{9, 8, 7, 6, 5, 4, 3, 2}}, 0xfffe};

	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct ptp_msg in, out;
		uint8_t b[128];
		memset(&in, 0, sizeof(in));
		msg_hdr_init(&in.hdr, types[i], &src, 44, 0xbeef, -3);
		in.hdr.correction = -123456789;
		in.hdr.flags = PTP_FLAG_TWO_STEP | PTP_FLAG_LEAP61;
		in.hdr.type_specific = 0xdeadbeef;
		in.hdr.minor_sdo_id = 0x5a;
		switch (types[i]) {
		case PTP_DELAY_RESP:
			in.delay_resp.receive = ts;
			in.delay_resp.requesting = req;
			break;
		case PTP_PDELAY_RESP:
			in.pdelay_resp.request_receipt = ts;
			in.pdelay_resp.requesting = req;
			break;
		case PTP_PDELAY_RESP_FUP:
			in.pdelay_resp_fup.response_origin = ts;
			in.pdelay_resp_fup.requesting = req;
			break;
		case PTP_FOLLOW_UP:
			in.follow_up.precise_origin = ts;
			break;
		case PTP_ANNOUNCE:
			in.announce =
			        (struct ptp_announce){ts, -5, 1, {2, 3, 0x4567}, 8, {{1}}, 9, 0xa0};
			break;
		case PTP_SIGNALING:
			in.signaling.target = req;
			break;
		case PTP_MANAGEMENT:
			in.management = (struct ptp_mgmt_body){req, 3, 2, PTP_MGMT_COMMAND};
			break;
		default:
			in.sync.origin = ts;
		}
		int n = msg_build(b, sizeof(b), &in);
		cr_assert_eq((size_t)n, msg_body_len(types[i]), "%s", msg_type_str(types[i]));
		cr_assert_eq(msg_parse(b, (size_t)n, &out), 0, "%s: %s", msg_type_str(types[i]),
		             out.reason);
		cr_assert_eq(out.hdr.seq, 0xbeef);
		cr_assert_eq(out.hdr.correction, -123456789);
		cr_assert_eq(out.hdr.domain, 44);
		cr_assert_eq(out.hdr.log_interval, -3);
		cr_assert_eq(out.hdr.type_specific, 0xdeadbeef);
		cr_assert_eq(out.hdr.minor_sdo_id, 0x5a);
		cr_assert_eq(out.hdr.minor_version, PTP_MINOR_VERSION);
		cr_assert_eq(out.hdr.flags, in.hdr.flags);
		cr_assert_eq(out.hdr.length, n);
		cr_assert_eq(out.hdr.control, in.hdr.control);
		cr_assert(ptp_port_id_eq(&out.hdr.source, &src));
		switch (types[i]) {
		case PTP_ANNOUNCE:
			cr_assert_eq(out.announce.utc_offset, -5);
			cr_assert_eq(out.announce.gm_quality.variance, 0x4567);
			cr_assert_eq(out.announce.steps_removed, 9);
			cr_assert_eq(out.announce.time_source, 0xa0);
			cr_assert_eq(out.announce.origin.sec, 9223372036ULL);
			break;
		case PTP_DELAY_RESP:
			cr_assert(ptp_port_id_eq(&out.delay_resp.requesting, &req));
			cr_assert_eq(out.delay_resp.receive.nsec, 854775807u);
			break;
		case PTP_MANAGEMENT:
			cr_assert_eq(out.management.action, PTP_MGMT_COMMAND);
			cr_assert_eq(out.management.starting_hops, 3);
			cr_assert_eq(out.management.hops, 2);
			cr_assert(ptp_port_id_eq(&out.management.target, &req));
			break;
		case PTP_SIGNALING:
			cr_assert(ptp_port_id_eq(&out.signaling.target, &req));
			break;
		}
	}
}

Test(ptp_msg, control_field_per_type)
{
	struct ptp_header h;

	msg_hdr_init(&h, PTP_SYNC, &src, 0, 0, 0);
	cr_assert_eq(h.control, PTP_CTL_SYNC);
	msg_hdr_init(&h, PTP_DELAY_REQ, &src, 0, 0, 0x7f);
	cr_assert_eq(h.control, PTP_CTL_DELAY_REQ);
	msg_hdr_init(&h, PTP_FOLLOW_UP, &src, 0, 0, 0);
	cr_assert_eq(h.control, PTP_CTL_FOLLOW_UP);
	msg_hdr_init(&h, PTP_DELAY_RESP, &src, 0, 0, 0);
	cr_assert_eq(h.control, PTP_CTL_DELAY_RESP);
	msg_hdr_init(&h, PTP_MANAGEMENT, &src, 0, 0, 0x7f);
	cr_assert_eq(h.control, PTP_CTL_MANAGEMENT);
	msg_hdr_init(&h, PTP_ANNOUNCE, &src, 0, 0, 1);
	cr_assert_eq(h.control, PTP_CTL_OTHER);
}

Test(ptp_msg, typed_builders_match_wire_bytes)
{
	struct ptp_header h;
	const struct ptp_ts ts = {0x655f1234, 999999999};
	uint8_t b[64];

	msg_hdr_init(&h, PTP_SYNC, &src, 0, 0x1234, 0);
	h.minor_version = 0;
	h.flags = PTP_FLAG_TWO_STEP;
	cr_assert_eq(msg_build_sync(b, sizeof(b), &h, &ts), 44);
	cr_assert_eq(memcmp(b, sync_v20, 44), 0);
	/* every capacity below the length is refused without writing past it */
	for (size_t cap = 0; cap < 44; cap++) {
		uint8_t *p = malloc(cap ? cap : 1);
		cr_assert_eq(msg_build_sync(p, cap, &h, &ts), -ENOSPC, "cap %zu", cap);
		free(p);
	}
	struct ptp_announce a;
	struct ptp_msg m;
	cr_assert_eq(msg_parse(announce_v21, sizeof(announce_v21), &m), 0);
	a = m.announce;
	cr_assert_eq(msg_build_announce(b, sizeof(b), &m.hdr, &a), 64);
	cr_assert_eq(memcmp(b, announce_v21, 64), 0);
	cr_assert_eq(msg_build_announce(b, 63, &m.hdr, &a), -ENOSPC);

	const struct ptp_port_id r = {{{1, 2, 3, 4, 5, 6, 7, 8}}, 2};
	cr_assert_eq(msg_build_delay_req(b, sizeof(b), &h, &ts), 44);
	cr_assert_eq(b[0] & 0xf, PTP_DELAY_REQ);
	cr_assert_eq(msg_build_follow_up(b, sizeof(b), &h, &ts), 44);
	cr_assert_eq(b[0] & 0xf, PTP_FOLLOW_UP);
	cr_assert_eq(msg_build_delay_resp(b, sizeof(b), &h, &ts, &r), 54);
	cr_assert_eq(b[53], 2);
	cr_assert_eq(msg_build_pdelay_req(b, sizeof(b), &h, &ts), 54);
	cr_assert_eq(msg_build_pdelay_resp(b, sizeof(b), &h, &ts, &r), 54);
	cr_assert_eq(b[0] & 0xf, PTP_PDELAY_RESP);
	cr_assert_eq(msg_build_pdelay_resp_fup(b, sizeof(b), &h, &ts, &r), 54);
	cr_assert_eq(b[0] & 0xf, PTP_PDELAY_RESP_FUP);
}

Test(ptp_msg, builder_rejects_bad_values)
{
	struct ptp_header h;
	struct ptp_ts ts = {PTP_SECONDS_MAX + 1, 0};
	uint8_t b[64];

	msg_hdr_init(&h, PTP_SYNC, &src, 0, 0, 0);
	cr_assert_eq(msg_build_sync(b, sizeof(b), &h, &ts), -EINVAL);
	ts = (struct ptp_ts){0, 1000000000};
	cr_assert_eq(msg_build_sync(b, sizeof(b), &h, &ts), -EINVAL);
	struct ptp_msg m = {.hdr = h};
	m.hdr.type = 5;
	cr_assert_eq(msg_build(b, sizeof(b), &m), -EINVAL);
	m.hdr.type = PTP_SYNC;
	m.hdr.version = 1;
	cr_assert_eq(msg_build(b, sizeof(b), &m), -EINVAL);
}

Test(ptp_msg, tlv_append_pads_and_updates_length)
{
	struct ptp_header h;
	struct ptp_ts ts = {1, 2};
	struct ptp_msg m;
	struct ptp_tlv t;
	uint8_t b[128];
	int n;

	msg_hdr_init(&h, PTP_SIGNALING, &src, 0, 1, 0x7f);
	m = (struct ptp_msg){.hdr = h};
	(void)ts;
	n = msg_build(b, sizeof(b), &m);
	cr_assert_eq(n, 44);
	n = msg_tlv_append(b, sizeof(b), (size_t)n, 0x8001, "abc", 3);
	cr_assert_eq(n, 44 + 4 + 4);
	cr_assert_eq(b[2] << 8 | b[3], n);
	cr_assert_eq(b[47], 4, "lengthField padded to even");
	cr_assert_eq(b[51], 0, "pad octet is zero");
	n = msg_tlv_append(b, sizeof(b), (size_t)n, 0x8008, NULL, 0);
	cr_assert_eq(n, 56);
	cr_assert_eq(msg_parse(b, (size_t)n, &m), 0, "%s", m.reason);
	cr_assert_eq(m.tlv_count, 2);
	cr_assert_eq(msg_tlv_find(&m, 0x8001, &t), 0);
	cr_assert_eq(memcmp(t.value, "abc", 3), 0);
	cr_assert_eq(msg_tlv_append(b, 59, 56, 1, "x", 1), -ENOSPC);
	cr_assert_eq(msg_tlv_append(b, sizeof(b), 10, 1, "x", 1), -EINVAL);
	cr_assert_eq(msg_tlv_append(b, sizeof(b), 56, 1, NULL, 2), -EINVAL);
}

Test(ptp_msg, value_helpers)
{
	struct ptp_ts ts;

	cr_assert_eq(ptp_ts_from_tmv(1700000000123456789LL, &ts), 0);
	cr_assert_eq(ts.sec, 1700000000ULL);
	cr_assert_eq(ts.nsec, 123456789u);
	cr_assert_eq(ptp_ts_to_tmv(&ts), 1700000000123456789LL);
	cr_assert_eq(ptp_ts_from_tmv(-1, &ts), -ERANGE);
	cr_assert_eq(ptp_corr_to_ns(0), 0);
	cr_assert_eq(ptp_corr_to_ns(65536), 1);
	cr_assert_eq(ptp_corr_to_ns(32768), 1, "half rounds away from zero");
	cr_assert_eq(ptp_corr_to_ns(32767), 0);
	cr_assert_eq(ptp_corr_to_ns(-32768), -1);
	cr_assert_eq(ptp_corr_to_ns(-32767), 0);
	cr_assert_eq(ptp_corr_to_ns(INT64_MIN), -(1LL << 47));
	cr_assert_eq(ptp_corr_to_ns(INT64_MAX), 1LL << 47);
	cr_assert_eq(ptp_ns_to_corr(-3), -3 * 65536);
	cr_assert_eq(ptp_ns_to_corr(1LL << 50), INT64_MAX);
	cr_assert_eq(ptp_ns_to_corr(-(1LL << 50)), INT64_MIN);
	struct ptp_port_id a = src, b = src;
	b.port = 2;
	cr_assert_lt(ptp_port_id_cmp(&a, &b), 0);
	b = src;
	b.clock.id[0] = 0xff;
	cr_assert_lt(ptp_port_id_cmp(&a, &b), 0);
	cr_assert_gt(ptp_port_id_cmp(&b, &a), 0);
	cr_assert_str_eq(msg_type_str(PTP_PDELAY_RESP_FUP), "Pdelay_Resp_Follow_Up");
	cr_assert_str_eq(msg_type_str(7), "unknown");
}

/* ------------------------------------------------------------------ fuzz */

static uint32_t rng(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

/* Parse a heap copy of exactly n octets; check invariants of an accepted message. */
static void parse_exact(const uint8_t *data, size_t n, uint64_t seed)
{
	uint8_t *b = malloc(n ? n : 1);
	struct ptp_msg m;
	struct ptp_tlv t;
	size_t off = 0;
	unsigned count = 0;

	memcpy(b, data, n);
	int err = msg_parse(b, n, &m);
	cr_assert_not_null(m.reason);
	if (!err) {
		cr_assert_leq(m.hdr.length, n, "seed %llu", (unsigned long long)seed);
		cr_assert_geq(m.hdr.length, msg_body_len(m.hdr.type));
		while (msg_tlv_next(&m, &off, &t)) {
			cr_assert_leq((size_t)(t.value - b) + t.length, m.hdr.length);
			count++;
		}
		cr_assert_eq(count, m.tlv_count, "seed %llu", (unsigned long long)seed);
	} else {
		cr_assert(err == -EBADMSG || err == -EPROTO, "seed %llu err %d",
		          (unsigned long long)seed, err);
	}
	free(b);
}

Test(ptp_msg, fuzz_random_and_mutated_inputs)
{
	uint64_t seed = 0x5eed0001, s = seed;
	uint8_t base[200], b[200];
	size_t n;

	/* a valid Announce with two TLVs as the mutation base */
	memcpy(base, announce_v21, 64);
	n = (size_t)msg_tlv_append(base, sizeof(base), 64, 8, "\1\2\3\4\5\6\7\x8", 8);
	n = (size_t)msg_tlv_append(base, sizeof(base), n, 0x8008, "\0\0\0\0", 4);
	parse_exact(base, n, seed);
	for (int i = 0; i < 60000; i++) {
		size_t len;
		if (i % 3 == 0) { /* random bytes with a plausible version */
			len = rng(&s) % sizeof(b);
			for (size_t k = 0; k < len; k++)
				b[k] = (uint8_t)rng(&s);
			if (len > 3) {
				b[1] = (uint8_t)(rng(&s) & 0x10) | 2;
				b[2] = 0;
				b[3] = (uint8_t)(rng(&s) % (len + 8));
			}
		} else { /* mutate 1-4 octets of the valid message, maybe truncate */
			memcpy(b, base, n);
			len = n;
			for (unsigned k = rng(&s) % 4 + 1; k; k--)
				b[rng(&s) % n] = (uint8_t)rng(&s);
			if (rng(&s) % 4 == 0)
				len = rng(&s) % (n + 1);
		}
		parse_exact(b, len, seed + (uint64_t)i);
	}
}
