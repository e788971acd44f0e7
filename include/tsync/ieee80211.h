/* SPDX-License-Identifier: MIT */
/*
 * 802.11 MAC header and the timing action frames, parsed from a byte buffer (the frame after
 * its radiotap header). Pure, no allocation; the wifi transport and tsync-analyze share it.
 *
 *   wlan_parse()         frame control (type, subtype, flags), RA (addr1), TA (addr2 when
 *                        the frame has one: not in ACK / CTS / control wrapper / extension),
 *                        addr3, sequence control, header length (addr4, QoS, HT control)
 *   wlan_timing_parse()  802.11v Timing Measurement (Unprotected WNM action 1; TOD/TOA in
 *                        10 ns units), Timing Measurement Request (WNM action 25), Fine Timing
 *                        Measurement (Public action 33; TOD/TOA in ps, 48 bits) and FTM Request
 *                        (Public action 32): dialog tokens, t1 (TOD) and t4 (TOA) in ps
 */
#ifndef TSYNC_IEEE80211_H
#define TSYNC_IEEE80211_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wlan_type { WLAN_MGMT = 0, WLAN_CTRL = 1, WLAN_DATA = 2, WLAN_EXT = 3 };
enum { WLAN_SUB_ACTION = 13, WLAN_SUB_ACTION_NOACK = 14 }; /* management subtypes */
enum { WLAN_SUB_CTS = 12, WLAN_SUB_ACK = 13 };             /* control subtypes */

/* frame control flags (second byte) */
#define WLAN_FL_TODS      0x01
#define WLAN_FL_FROMDS    0x02
#define WLAN_FL_MOREFRAG  0x04
#define WLAN_FL_RETRY     0x08
#define WLAN_FL_PROTECTED 0x40
#define WLAN_FL_ORDER     0x80

struct wlan_hdr {
	uint16_t fc;
	uint8_t version, type, subtype, flags;
	uint16_t duration;
	bool has_ta, has_addr3, has_seq;
	uint8_t ra[6], ta[6], addr3[6];
	uint16_t seq_ctl;
	size_t hdr_len;  /* MAC header bytes */
	size_t body_len; /* frame body bytes (no FCS) */
};

/* The header of frame (len bytes; with its 4-byte FCS at the end when fcs). 0, or -1 with
 * *why a static reason (protocol version not 0, truncated). */
int wlan_parse(const uint8_t *frame, size_t len, bool fcs, struct wlan_hdr *h, const char **why);

enum wlan_timing_kind {
	WLAN_TIMING_NONE = 0,
	WLAN_TM_REQUEST,  /* WNM (10) action 25: trigger */
	WLAN_TM,          /* Unprotected WNM (11) action 1 */
	WLAN_FTM_REQUEST, /* Public (4) action 32: trigger */
	WLAN_FTM,         /* Public (4) action 33 */
};
enum { WLAN_CAT_PUBLIC = 4, WLAN_CAT_WNM = 10, WLAN_CAT_UNPROT_WNM = 11 };
enum { WLAN_WNM_TM_REQUEST = 25, WLAN_UWNM_TM = 1, WLAN_PUB_FTM_REQUEST = 32, WLAN_PUB_FTM = 33 };

struct wlan_timing {
	enum wlan_timing_kind kind;
	uint8_t category, action;
	uint8_t dialog, follow_up; /* TM / FTM: this frame's token, the one it follows up */
	uint8_t trigger;           /* requests */
	uint64_t tod_raw, toa_raw; /* as sent: 10 ns units (TM, 32 bits), ps (FTM, 48 bits) */
	uint64_t tod_ps, toa_ps;   /* t1, t4 of the exchange follow_up names, ps */
	uint16_t tod_err, toa_err; /* TM: max errors (1 byte each); FTM: the 2-byte fields */
};

/* The timing content of a management action frame h was parsed from: 1 when it is one of
 * the four kinds, 0 when not (another frame, a protected frame), -1 with *why when it is one
 * but truncated. */
int wlan_timing_parse(const struct wlan_hdr *h, const uint8_t *frame, struct wlan_timing *t,
                      const char **why);

/* "aa:bb:cc:dd:ee:ff" into buf (18 bytes); returns buf. */
char *wlan_addr_fmt(const uint8_t a[6], char buf[18]);

#endif
