// SPDX-License-Identifier: MIT
/* ptpd-wl/wifi/wifi_frame: PTP in 802.11 data frames (LLC/SNAP 0x88F7) and Timing Measurement
 * frames, built and parsed back; TX status; the malformed cases with their reasons. */
#include <criterion/criterion.h>
#include <string.h>

#include "tsync/radiotap.h"
#include "wifi/wifi_frame.h"

static const struct wifi_tx tx = {.ra = {0x02, 0, 0, 0, 0, 0x02},
                                  .ta = {0x02, 0, 0, 0, 0, 0x01},
                                  .bssid = {0x02, 0, 0, 0, 0, 0x02},
                                  .seq = 77,
                                  .rate_kbps = 24000};

Test(wifi_frame, ptp_data_round_trip)
{
	uint8_t f[256], msg[44];
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7);
	size_t n = wifi_frame_build_data(f, sizeof(f), &tx, WIFI_ETH_P_1588, msg, sizeof(msg));
	cr_assert_gt(n, sizeof(msg) + WIFI_DATA_HDR + WIFI_LLC_LEN);
	struct wifi_rx rx;
	const char *why = NULL;
	cr_assert_eq(wifi_frame_parse(f, n, &rx, &why), 0, "%s", why);
	cr_assert_eq(rx.kind, WIFI_PTP);
	cr_assert(!rx.tx_status && !rx.have_tsft);
	cr_assert_eq(rx.payload_len, sizeof(msg));
	cr_assert_arr_eq(rx.payload, msg, sizeof(msg));
	cr_assert_arr_eq(rx.h.ra, tx.ra, 6);
	cr_assert_arr_eq(rx.h.ta, tx.ta, 6);
	cr_assert_eq(rx.h.seq_ctl >> 4, 77);
	cr_assert_eq(wifi_frame_build_data(f, n - 1, &tx, WIFI_ETH_P_1588, msg, sizeof(msg)), 0,
	             "too small a buffer");
}

/* A record as the medium writes it: radiotap with TSFT (and TX_FLAGS for a TX status). */
static size_t record(uint8_t *out, bool txs, uint64_t tsft, const uint8_t *frame, size_t len)
{
	struct radiotap rt = {.have = 1u << RT_TSFT | 1u << RT_FLAGS, .tsft = tsft};
	rt.have |= txs ? 1u << RT_TX_FLAGS : 1u << RT_RX_FLAGS;
	size_t h = radiotap_build(out, 64, &rt);
	memcpy(out + h, frame, len);
	return h + len;
}

Test(wifi_frame, tsft_and_tx_status)
{
	uint8_t f[256], r[320], msg[44] = {0x10};
	size_t n = wifi_frame_build_data(f, sizeof(f), &tx, WIFI_ETH_P_1588, msg, sizeof(msg));
	struct radiotap rt;
	const char *why = NULL;
	cr_assert_eq(radiotap_parse(f, n, &rt, &why), 0);
	size_t m = record(r, true, 123456789, f + rt.len, n - rt.len);
	struct wifi_rx rx;
	cr_assert_eq(wifi_frame_parse(r, m, &rx, &why), 0, "%s", why);
	cr_assert(rx.tx_status && rx.have_tsft && rx.tsft == 123456789 && rx.kind == WIFI_PTP);
	m = record(r, false, 42, f + rt.len, n - rt.len);
	cr_assert_eq(wifi_frame_parse(r, m, &rx, &why), 0);
	cr_assert(!rx.tx_status && rx.tsft == 42);
}

Test(wifi_frame, timing_measurement)
{
	uint8_t f[128];
	size_t n = wifi_frame_build_tm(f, sizeof(f), &tx, 9, 8, 0xdeadbeef, 0x01020304);
	struct wifi_rx rx;
	const char *why = NULL;
	cr_assert_eq(wifi_frame_parse(f, n, &rx, &why), 0, "%s", why);
	cr_assert_eq(rx.kind, WIFI_TM);
	cr_assert(rx.tm.dialog == 9 && rx.tm.follow_up == 8);
	cr_assert(rx.tm.tod_raw == 0xdeadbeef && rx.tm.toa_raw == 0x01020304);
	cr_assert_eq(wifi_frame_parse(f, n - 1, &rx, &why), -1, "a truncated TM body");
	cr_assert_str_eq(why, "timing measurement action frame truncated");
}

Test(wifi_frame, other_frames_and_malformed_ones)
{
	uint8_t f[256], msg[20] = {0};
	struct wifi_rx rx;
	const char *why = NULL;
	/* another ethertype (IPv4): well formed, not ours */
	size_t n = wifi_frame_build_data(f, sizeof(f), &tx, 0x0800, msg, sizeof(msg));
	cr_assert_eq(wifi_frame_parse(f, n, &rx, &why), 0);
	cr_assert_eq(rx.kind, WIFI_OTHER);
	/* a PTP frame cut inside its LLC/SNAP header is not PTP */
	n = wifi_frame_build_data(f, sizeof(f), &tx, WIFI_ETH_P_1588, msg, sizeof(msg));
	struct radiotap rt;
	cr_assert_eq(radiotap_parse(f, n, &rt, &why), 0);
	cr_assert_eq(wifi_frame_parse(f, rt.len + WIFI_DATA_HDR + 5, &rx, &why), 0);
	cr_assert_eq(rx.kind, WIFI_OTHER);
	/* a protected PTP frame is refused with its reason */
	f[rt.len + 1] |= 0x40;
	cr_assert_eq(wifi_frame_parse(f, n, &rx, &why), -1);
	cr_assert_str_eq(why, "PTP data frame protected or fragmented (not supported)");
	/* a truncated 802.11 header, a bad radiotap header */
	cr_assert_eq(wifi_frame_parse(f, rt.len + 12, &rx, &why), -1);
	cr_assert(why && strstr(why, "802.11"), "%s", why);
	f[2] = 0xff; /* it_len beyond the record */
	cr_assert_eq(wifi_frame_parse(f, n, &rx, &why), -1);
	cr_assert(why && why[0]);
}
