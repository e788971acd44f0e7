/* SPDX-License-Identifier: MIT */
/*
 * nl80211 hardware timestamps of Timing Measurement frames (wifi_tstamp nl80211), through
 * libnl-genl-3:
 *
 *   NL80211_CMD_SET_HW_TIMESTAMP  (with NL80211_ATTR_MAC: one peer, else all) asks the driver
 *                 to stamp TM/FTM *management* frames. Only iwlwifi implements it (one peer at
 *                 a time); any other driver answers EOPNOTSUPP.
 *   NL80211_CMD_REGISTER_FRAME    (action frames, match: Unprotected WNM (11) action 1) sends
 *                 received TM frames to this socket as NL80211_CMD_FRAME events carrying
 *                 NL80211_ATTR_RX_HW_TIMESTAMP (the frame's RX: t2) and
 *                 NL80211_ATTR_TX_HW_TIMESTAMP (our ACK's TX: t3).
 *   NL80211_CMD_FRAME             sends a TM frame (the reply carries NL80211_ATTR_COOKIE); its
 *                 NL80211_CMD_FRAME_TX_STATUS event (same cookie, NL80211_ATTR_ACK when
 *                 acknowledged) carries NL80211_ATTR_TX_HW_TIMESTAMP (the frame's TX: t1) and
 *                 NL80211_ATTR_RX_HW_TIMESTAMP (the ACK's RX: t4).
 *
 * What the attributes carry (nl80211.h): a u64 in nanoseconds on the *device clock*, which
 * "will probably reset when the device is stopped or the firmware is reset". On iwlwifi the
 * firmware stamps in 10 ns units and the driver maps them onto its PHC, whose source is the
 * 32-bit 1 us GP2 counter (wrapping every 2^32 us, about 71.6 min; the driver extends it to 64
 * bits). So stamps are tagged TS_SRC_PHC with a 10 ns resolution, and mapped to CLOCK_REALTIME
 * through the device's PHC (/sys/class/net/IFACE/device/ptp/ptpN) when used.
 *
 * wifi_nl_parse() is pure (a received message in a buffer: no socket), for tests and fuzzing.
 */
#ifndef PTPD_WIFI_NL80211_H
#define PTPD_WIFI_NL80211_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tsync/clock.h"
#include "tsync/tstamp.h"

#define WIFI_NL_RES_PS 10000u /* iwlwifi's firmware stamps: 10 ns */

enum wifi_nl_kind {
	WIFI_NL_RX_FRAME = 1,  /* NL80211_CMD_FRAME event: a registered frame received */
	WIFI_NL_TX_STATUS = 2, /* NL80211_CMD_FRAME_TX_STATUS: a frame we sent */
};

struct wifi_nl_event {
	enum wifi_nl_kind kind;
	uint32_t ifindex;     /* 0 when absent */
	uint64_t cookie;      /* TX status: the NL80211_CMD_FRAME it reports */
	bool ack;             /* TX status: the peer acknowledged */
	const uint8_t *frame; /* the 802.11 frame (points into the message) */
	size_t frame_len;
	/* RX frame: rx_hw = the frame's RX (t2), tx_hw = our ACK's TX (t3, may be none);
	 * TX status: tx_hw = the frame's TX (t1), rx_hw = the ACK's RX (t4, none without ACK).
	 * TS_SRC_PHC, device-clock ns, WIFI_NL_RES_PS. */
	struct tsync_ts rx_hw, tx_hw;
};

/* Parse one received generic netlink message (buf, len bytes; family = nl80211's id). 0, or -1
 * with *why a static reason (truncated header, other family or command, missing or wrongly
 * sized attribute, no hardware timestamp, zero or out-of-range stamp). */
int wifi_nl_parse(const void *buf, size_t len, int family, struct wifi_nl_event *ev,
                  const char **why);

typedef void (*wifi_nl_event_fn)(void *arg, const struct wifi_nl_event *ev);

struct wifi_nl {
	struct nl_sock *sk;
	int family, ifindex;
	struct tclock *phc; /* the device's PHC (lib/clock phc driver), NULL: none */
	wifi_nl_event_fn on_event;
	void *arg;
	uint32_t req_seq; /* the request whose reply is awaited (0: none) */
	int req_errno;    /* its NLMSG_ERROR (-errno), 0 */
	uint64_t reply_cookie;
	bool have_reply_cookie;
	unsigned long bad; /* events refused by wifi_nl_parse */
};

/* Resolve nl80211 and iface (must be an nl80211 interface) and open the device's PHC; events
 * go to on_event(arg, ev). 0 or -errno with a message naming the cause in err. */
int wifi_nl_open(struct wifi_nl *nl, const char *iface, wifi_nl_event_fn on_event, void *arg,
                 char *err, size_t errlen);
void wifi_nl_close(struct wifi_nl *nl);
/* The socket's fd (to poll), -1 when closed. */
int wifi_nl_fd(const struct wifi_nl *nl);

/* NL80211_CMD_SET_HW_TIMESTAMP for peer (NULL: all peers), on or off. 0 or -errno + err. */
int wifi_nl_set_hwts(struct wifi_nl *nl, const uint8_t *peer, bool on, char *err, size_t errlen);
/* NL80211_CMD_REGISTER_FRAME for Timing Measurement action frames. 0 or -errno + err. */
int wifi_nl_register_tm(struct wifi_nl *nl, char *err, size_t errlen);
/* NL80211_CMD_FRAME: send an 802.11 management frame (no radiotap); *cookie names its TX
 * status. 0 or -errno + err. */
int wifi_nl_send(struct wifi_nl *nl, const uint8_t *frame, size_t len, uint64_t *cookie, char *err,
                 size_t errlen);
/* Read what is queued without blocking, handing each parsed event to on_event. 0 or -errno. */
int wifi_nl_poll(struct wifi_nl *nl);
/* A device-clock stamp as CLOCK_REALTIME ns, through the PHC (read now). 0 or -errno. */
int wifi_nl_to_sys(const struct wifi_nl *nl, const struct tsync_ts *hw, int64_t *sys_ns);

#endif
