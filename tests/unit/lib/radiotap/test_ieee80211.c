// SPDX-License-Identifier: MIT
/* lib/radiotap ieee80211: frame control, RA/TA by frame kind, header lengths, FCS, the
 * Timing Measurement / FTM action frames (tokens, TOD/TOA units), truncation. */
#include <criterion/criterion.h>
#include <string.h>

#include "tsync/ieee80211.h"

static const uint8_t A1[6] = {0x02, 0, 0, 0, 0, 0x01}, A2[6] = {0x02, 0, 0, 0, 0, 0x02};

/* fc, duration 0, addr1, addr2, addr3 = addr1, seq 0x1230: a 24-byte header */
static size_t hdr24(uint8_t *f, uint8_t fc0, uint8_t fc1)
{
	memset(f, 0, 24);
	f[0] = fc0;
	f[1] = fc1;
	memcpy(f + 4, A1, 6);
	memcpy(f + 10, A2, 6);
	memcpy(f + 16, A1, 6);
	f[22] = 0x30;
	f[23] = 0x12;
	return 24;
}

Test(ieee80211, beacon_and_data_addresses)
{
	uint8_t f[64];
	struct wlan_hdr h;
	const char *why = NULL;
	char buf[18];
	size_t n = hdr24(f, 0x80, 0x00); /* beacon */
	cr_assert_eq(wlan_parse(f, n + 12, false, &h, &why), 0, "%s", why);
	cr_assert_eq(h.type, WLAN_MGMT);
	cr_assert_eq(h.subtype, 8);
	cr_assert(h.has_ta);
	cr_assert_str_eq(wlan_addr_fmt(h.ra, buf), "02:00:00:00:00:01");
	cr_assert_str_eq(wlan_addr_fmt(h.ta, buf), "02:00:00:00:00:02");
	cr_assert_eq(h.seq_ctl, 0x1230);
	cr_assert_eq(h.body_len, 12);
	/* QoS data, to and from DS: addr4 and QoS control make 32 bytes */
	hdr24(f, 0x88, WLAN_FL_TODS | WLAN_FL_FROMDS);
	cr_assert_eq(wlan_parse(f, 32, false, &h, &why), 0, "%s", why);
	cr_assert_eq(h.type, WLAN_DATA);
	cr_assert_eq(h.subtype, 8);
	cr_assert_eq(h.hdr_len, 32);
	cr_assert_eq(wlan_parse(f, 31, false, &h, &why), -1);
	cr_assert_str_eq(why, "802.11 header truncated");
	/* with an FCS the last 4 bytes are not the body */
	cr_assert_eq(wlan_parse(f, 36, true, &h, &why), 0);
	cr_assert_eq(h.body_len, 0);
}

Test(ieee80211, control_frames_with_and_without_ta)
{
	uint8_t f[24];
	struct wlan_hdr h;
	const char *why = NULL;
	hdr24(f, 0xd4, 0); /* ACK: RA only */
	cr_assert_eq(wlan_parse(f, 10, false, &h, &why), 0, "%s", why);
	cr_assert_eq(h.type, WLAN_CTRL);
	cr_assert_eq(h.subtype, WLAN_SUB_ACK);
	cr_assert_not(h.has_ta);
	cr_assert_eq(h.hdr_len, 10);
	hdr24(f, 0xb4, 0); /* RTS: RA and TA */
	cr_assert_eq(wlan_parse(f, 16, false, &h, &why), 0, "%s", why);
	cr_assert(h.has_ta);
	cr_assert_eq(memcmp(h.ta, A2, 6), 0);
	cr_assert_eq(wlan_parse(f, 15, false, &h, &why), -1);
	cr_assert_eq(wlan_parse(f, 9, false, &h, &why), -1);
	cr_assert_str_eq(why, "802.11 header truncated (under 10 bytes)");
	f[0] = 0xd5; /* protocol version 1 */
	cr_assert_eq(wlan_parse(f, 16, false, &h, &why), -1);
	cr_assert_str_eq(why, "802.11 protocol version is not 0");
	cr_assert_eq(wlan_parse(f, 3, true, &h, &why), -1);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

Test(ieee80211, fine_timing_measurement_fields)
{
	uint8_t f[64];
	struct wlan_hdr h;
	struct wlan_timing t;
	const char *why = NULL;
	size_t n = hdr24(f, 0xd0, 0); /* action */
	uint8_t *b = f + n;
	b[0] = WLAN_CAT_PUBLIC;
	b[1] = WLAN_PUB_FTM;
	b[2] = 9; /* dialog token */
	b[3] = 8; /* follows up 8 */
	put_le(b + 4, 0x123456789abcull, 6);
	put_le(b + 10, 0x0000a0000001ull, 6);
	put_le(b + 16, 0x0102, 2);
	put_le(b + 18, 0x0304, 2);
	cr_assert_eq(wlan_parse(f, n + 20, false, &h, &why), 0);
	cr_assert_eq(wlan_timing_parse(&h, f, &t, &why), 1);
	cr_assert_eq(t.kind, WLAN_FTM);
	cr_assert_eq(t.dialog, 9);
	cr_assert_eq(t.follow_up, 8);
	cr_assert_eq(t.tod_ps, 0x123456789abcull);
	cr_assert_eq(t.toa_ps, 0x0000a0000001ull);
	cr_assert_eq(t.tod_err, 0x0102);
	cr_assert_eq(t.toa_err, 0x0304);
	cr_assert_eq(wlan_parse(f, n + 19, false, &h, &why), 0);
	cr_assert_eq(wlan_timing_parse(&h, f, &t, &why), -1);
	cr_assert_str_eq(why, "timing measurement action frame truncated");
	/* FTM request: trigger */
	b[1] = WLAN_PUB_FTM_REQUEST;
	b[2] = 1;
	cr_assert_eq(wlan_parse(f, n + 3, false, &h, &why), 0);
	cr_assert_eq(wlan_timing_parse(&h, f, &t, &why), 1);
	cr_assert_eq(t.kind, WLAN_FTM_REQUEST);
	cr_assert_eq(t.trigger, 1);
	/* a protected action frame is not read */
	f[1] = WLAN_FL_PROTECTED;
	cr_assert_eq(wlan_parse(f, n + 3, false, &h, &why), 0);
	cr_assert_eq(wlan_timing_parse(&h, f, &t, &why), 0);
}

Test(ieee80211, timing_measurement_in_10_ns_units)
{
	uint8_t f[64];
	struct wlan_hdr h;
	struct wlan_timing t;
	const char *why = NULL;
	size_t n = hdr24(f, 0xe0, 0); /* action no ack */
	uint8_t *b = f + n;
	b[0] = WLAN_CAT_UNPROT_WNM;
	b[1] = WLAN_UWNM_TM;
	b[2] = 3;
	b[3] = 2;
	put_le(b + 4, 100000, 4);
	put_le(b + 8, 100250, 4);
	b[12] = 5;
	b[13] = 6;
	cr_assert_eq(wlan_parse(f, n + 14, false, &h, &why), 0);
	cr_assert_eq(wlan_timing_parse(&h, f, &t, &why), 1);
	cr_assert_eq(t.kind, WLAN_TM);
	cr_assert_eq(t.tod_ps, 100000ull * 10000);
	cr_assert_eq(t.toa_ps, 100250ull * 10000);
	cr_assert_eq(t.tod_err, 5);
	cr_assert_eq(t.toa_err, 6);
	b[0] = WLAN_CAT_WNM;
	b[1] = WLAN_WNM_TM_REQUEST;
	cr_assert_eq(wlan_timing_parse(&h, f, &t, &why), 1);
	cr_assert_eq(t.kind, WLAN_TM_REQUEST);
	b[1] = 7; /* another WNM action */
	cr_assert_eq(wlan_timing_parse(&h, f, &t, &why), 0);
	hdr24(f, 0x80, 0); /* a beacon is not an action frame */
	cr_assert_eq(wlan_parse(f, n + 14, false, &h, &why), 0);
	cr_assert_eq(wlan_timing_parse(&h, f, &t, &why), 0);
}
