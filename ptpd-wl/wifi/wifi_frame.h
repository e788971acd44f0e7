/* SPDX-License-Identifier: MIT */
/*
 * The wifi transport's frames (pure, no I/O): what ptpd-wl injects and what it reads back from a
 * monitor interface or the emulated medium, each a radiotap header and an 802.11 frame.
 *
 *   PTP event and general messages ride in 802.11 data frames (no DS bits: RA, TA, BSSID)
 *   with an LLC/SNAP header (AA AA 03 00 00 00) and ethertype 0x88F7, as IEEE 802.1AS-2020
 *   clause 12 carries its frames over 802.11 and as an AP bridges L2 PTP.
 *   802.11v Timing Measurement frames (Unprotected WNM action 1) are parsed with
 *   lib/radiotap's wlan_timing_parse and built here.
 *
 * A received record is RX (the radiotap RX_FLAGS field, or neither flag field) or the TX status
 * of a frame this station sent (TX_FLAGS present): its TSFT is then the station's TSF when the
 * frame's first bit went out.
 */
#ifndef PTPD_WIFI_FRAME_H
#define PTPD_WIFI_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/ieee80211.h"

#define WIFI_ETH_P_1588 0x88F7
#define WIFI_LLC_LEN    8  /* LLC/SNAP header */
#define WIFI_DATA_HDR   24 /* 802.11 data header without QoS */
#define WIFI_RT_MAX     32 /* the radiotap header wifi_frame_build writes */

enum wifi_kind {
	WIFI_OTHER = 0, /* any other well-formed frame (ACKs, beacons, data of other protocols) */
	WIFI_PTP, /* a data frame with LLC/SNAP ethertype 0x88F7: payload is the PTP message */
	WIFI_TM,  /* a Timing Measurement action frame: tm holds it */
};

struct wifi_rx {
	enum wifi_kind kind;
	bool tx_status;         /* TX_FLAGS present: this station's own frame, as it went out */
	bool have_tsft;         /* the TSFT field was present */
	uint64_t tsft;          /* us */
	struct wlan_hdr h;      /* RA, TA, sequence control */
	const uint8_t *payload; /* WIFI_PTP: the PTP message */
	size_t payload_len;
	struct wlan_timing tm; /* WIFI_TM */
};

/* Parse one captured record (radiotap header + 802.11 frame, caplen bytes). 0, or -1 with *why
 * a static reason (radiotap or 802.11 header malformed, truncated LLC/SNAP or TM body, a
 * protected or fragmented PTP frame). */
int wifi_frame_parse(const uint8_t *buf, size_t len, struct wifi_rx *rx, const char **why);

/* What wifi_frame_build writes: addresses, sequence number (0..4095), rate for the radiotap
 * Rate field (kbps, 0: none), and a TX status flag (the emulated medium's records). */
struct wifi_tx {
	uint8_t ra[6], ta[6], bssid[6];
	uint16_t seq;
	uint32_t rate_kbps;
};
/* A radiotap header and an 802.11 data frame carrying payload (len bytes) with LLC/SNAP
 * ethertype into buf (cap bytes): the frame's length, or 0 when cap is too small. */
size_t wifi_frame_build_data(uint8_t *buf, size_t cap, const struct wifi_tx *tx, uint16_t ethertype,
                             const void *payload, size_t len);
/* A radiotap header and a Timing Measurement frame (dialog token, follow-up token of the
 * exchange whose t1/t4 it carries, TOD/TOA in 10 ns units, low 32 bits) into buf: its
 * length, or 0 when cap is too small. */
size_t wifi_frame_build_tm(uint8_t *buf, size_t cap, const struct wifi_tx *tx, uint8_t dialog,
                           uint8_t follow_up, uint32_t tod_10ns, uint32_t toa_10ns);

#endif
