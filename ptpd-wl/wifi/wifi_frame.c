// SPDX-License-Identifier: MIT
/* The wifi transport's frames (wifi_frame.h). */
#include <string.h>

#include "tsync/radiotap.h"
#include "wifi_frame.h"

static const uint8_t llc_snap[6] = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00};

int wifi_frame_parse(const uint8_t *buf, size_t len, struct wifi_rx *rx, const char **why)
{
	struct radiotap rt;
	memset(rx, 0, sizeof(*rx));
	if (radiotap_parse(buf, len, &rt, why))
		return -1;
	rx->tx_status = rt.have & 1u << RT_TX_FLAGS;
	rx->have_tsft = rt.have & 1u << RT_TSFT;
	rx->tsft = rt.tsft;
	if (rt.flags & RT_F_BADFCS) {
		*why = "frame with a bad FCS";
		return -1;
	}
	const uint8_t *f = buf + rt.len;
	if (wlan_parse(f, len - rt.len, rt.flags & RT_F_FCS, &rx->h, why))
		return -1;
	const uint8_t *body = f + rx->h.hdr_len;
	if (rx->h.type == WLAN_MGMT) {
		int r = wlan_timing_parse(&rx->h, f, &rx->tm, why);
		if (r < 0)
			return -1;
		if (r == 1 && rx->tm.kind == WLAN_TM)
			rx->kind = WIFI_TM;
		return 0;
	}
	if (rx->h.type != WLAN_DATA || (rx->h.subtype & 0x4)) /* data without a body: null */
		return 0;
	if (rx->h.body_len < WIFI_LLC_LEN || memcmp(body, llc_snap, 6))
		return 0; /* not LLC/SNAP: not ours */
	uint16_t et = (uint16_t)(body[6] << 8 | body[7]);
	if (et != WIFI_ETH_P_1588)
		return 0;
	if (rx->h.flags & (WLAN_FL_PROTECTED | WLAN_FL_MOREFRAG) || (rx->h.seq_ctl & 0xf)) {
		*why = "PTP data frame protected or fragmented (not supported)";
		return -1;
	}
	rx->kind = WIFI_PTP;
	rx->payload = body + WIFI_LLC_LEN;
	rx->payload_len = rx->h.body_len - WIFI_LLC_LEN;
	return 0;
}

/* radiotap (flags, rate) and the 24-byte header of fc; returns the offset of the body or 0. */
static size_t header(uint8_t *buf, size_t cap, const struct wifi_tx *tx, uint8_t fc0, size_t body)
{
	struct radiotap rt = {.have = 1u << RT_FLAGS};
	if (tx->rate_kbps) {
		rt.have |= 1u << RT_RATE;
		rt.rate = (uint8_t)(tx->rate_kbps / 500);
	}
	size_t h = radiotap_build(buf, cap < WIFI_RT_MAX ? cap : WIFI_RT_MAX, &rt);
	if (!h || cap < h + WIFI_DATA_HDR + body)
		return 0;
	uint8_t *f = buf + h;
	memset(f, 0, WIFI_DATA_HDR);
	f[0] = fc0;
	memcpy(f + 4, tx->ra, 6);
	memcpy(f + 10, tx->ta, 6);
	memcpy(f + 16, tx->bssid, 6);
	uint16_t sc = (uint16_t)((tx->seq & 0xfff) << 4);
	f[22] = (uint8_t)sc;
	f[23] = (uint8_t)(sc >> 8);
	return h + WIFI_DATA_HDR;
}

size_t wifi_frame_build_data(uint8_t *buf, size_t cap, const struct wifi_tx *tx, uint16_t ethertype,
                             const void *payload, size_t len)
{
	size_t o = header(buf, cap, tx, 0x08, WIFI_LLC_LEN + len);
	if (!o)
		return 0;
	memcpy(buf + o, llc_snap, 6);
	buf[o + 6] = (uint8_t)(ethertype >> 8);
	buf[o + 7] = (uint8_t)ethertype;
	memcpy(buf + o + WIFI_LLC_LEN, payload, len);
	return o + WIFI_LLC_LEN + len;
}

size_t wifi_frame_build_tm(uint8_t *buf, size_t cap, const struct wifi_tx *tx, uint8_t dialog,
                           uint8_t follow_up, uint32_t tod_10ns, uint32_t toa_10ns)
{
	size_t o = header(buf, cap, tx, 0xd0, 14);
	if (!o)
		return 0;
	uint8_t *b = buf + o;
	b[0] = WLAN_CAT_UNPROT_WNM;
	b[1] = WLAN_UWNM_TM;
	b[2] = dialog;
	b[3] = follow_up;
	for (int i = 0; i < 4; i++) {
		b[4 + i] = (uint8_t)(tod_10ns >> (8 * i));
		b[8 + i] = (uint8_t)(toa_10ns >> (8 * i));
	}
	b[12] = b[13] = 0; /* max TOD / TOA error: unknown */
	return o + 14;
}
