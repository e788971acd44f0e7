// SPDX-License-Identifier: MIT
/* wifi_mode tm in the wifi transport (wifi_transport.h, wifi_tm.h): the TM frames sent after
 * each Sync, and every record watched for the exchange's t1..t4. */
#include <stdio.h>
#include <string.h>

#include "tsync/log.h"

#include "wifi_frame.h"
#include "wifi_tp_private.h"

/* responder: a TM frame received (its t2 noted) that may complete the exchange it follows up:
 * then a sample. */
static void tm_complete(struct wifi_tp *w, const struct wlan_timing *tm)
{
	int64_t t2, t3, off, del;
	uint8_t k = tm->follow_up;
	if (!k || !w->map || !w->sample || !wifi_tm_exchange(&w->tm, k, &t2, &t3))
		return;
	int64_t l2 = w->map(w->hook_arg, t2), l3 = w->map(w->hook_arg, t3);
	if (!l2 || !l3)
		return;
	wifi_tm_offset(wifi_tm_unwrap((uint32_t)tm->tod_raw, l2), l2, l3,
	               wifi_tm_unwrap((uint32_t)tm->toa_raw, l3), &off, &del);
	w->st.tm_samples++;
	w->sample(w->hook_arg, off, l2, t2, del);
}

void wifi_tp_tm_observe(struct wifi_tp *w, const struct wifi_rx *rx)
{
	bool ack = rx->h.type == WLAN_CTRL && rx->h.subtype == WLAN_SUB_ACK;
	bool to_me = !memcmp(rx->h.ra, w->mac, 6), peer = !memcmp(rx->h.ta, w->wc.peer, 6);
	int64_t s;
	if ((!ack && rx->kind != WIFI_TM) || !rx->have_tsft || wifi_tsf_track(&w->tsf, false) ||
	    wifi_tsf_to_sys(&w->tsf, rx->tsft, &s))
		return;
	if (rx->kind == WIFI_TM && rx->tx_status && !memcmp(rx->h.ta, w->mac, 6)) {
		wifi_tm_sent(&w->tm, rx->tm.dialog, s); /* t1 */
	} else if (ack && !rx->tx_status && to_me) {
		wifi_tm_acked(&w->tm, s); /* t4 */
	} else if (ack && rx->tx_status && !memcmp(rx->h.ra, w->wc.peer, 6)) {
		wifi_tm_ack_sent(&w->tm, s); /* t3 */
	} else if (rx->kind == WIFI_TM && !rx->tx_status && to_me && peer) {
		wifi_tm_received(&w->tm, rx->tm.dialog, s); /* t2 */
		tm_complete(w, &rx->tm);
	}
}

/* After a Sync: a TM frame to the peer, following up the last complete exchange. */
void wifi_tp_tm_send(struct wifi_tp *w)
{
	uint8_t f[WIFI_RT_MAX + WIFI_DATA_HDR + 16], fup = 0;
	int64_t t1 = 0, t4 = 0;
	uint32_t tod = 0, toa = 0;
	if (w->map && wifi_tm_follow_up(&w->tm, &fup, &t1, &t4)) {
		tod = (uint32_t)(w->map(w->hook_arg, t1) / 10);
		toa = (uint32_t)(w->map(w->hook_arg, t4) / 10);
	}
	struct wifi_tx tx = {.seq = w->seq++ & 0xfff};
	memcpy(tx.ra, w->wc.peer, 6);
	memcpy(tx.ta, w->mac, 6);
	memcpy(tx.bssid, w->wc.peer, 6);
	uint8_t token = wifi_tm_next_token(&w->tm);
	size_t n = wifi_frame_build_tm(f, sizeof(f), &tx, token, fup, tod, toa);
	if (!n)
		return;
	if (!w->nl.sk) {
		if (!wifi_io_inject(&w->io, f, n))
			w->st.tm_sent++;
		return;
	}
	/* nl80211 takes the 802.11 frame without the radiotap header (its length: bytes 2-3) */
	size_t rt = (size_t)f[2] | (size_t)f[3] << 8;
	char err[200];
	w->tm_token = token; /* before the send: its TX status may come with the reply */
	if (rt < n && !wifi_nl_send(&w->nl, f + rt, n - rt, &w->tm_cookie, err, sizeof(err))) {
		w->st.tm_sent++;
	} else if (w->st.tm_sent == 0) {
		pr_warning("wifi %s: TM frame not sent: %s", w->wc.nl_iface, err);
	}
}

/* An nl80211 event (wifi_nl80211.h): the TX status of our TM frame (t1, t4) or a TM frame from
 * the peer (t2, t3), the hardware stamps mapped to CLOCK_REALTIME through the device's PHC. */
void wifi_tp_nl_event(void *arg, const struct wifi_nl_event *ev)
{
	struct wifi_tp *w = arg;
	int64_t a, b;
	if (ev->kind == WIFI_NL_TX_STATUS) {
		/* the cookie of the frame being sent (its reply read already) or of the last */
		uint64_t want = w->nl.req_seq && w->nl.have_reply_cookie ? w->nl.reply_cookie
		                                                         : w->tm_cookie;
		if (ev->cookie != want || !ev->ack || !tsync_ts_valid(&ev->rx_hw) ||
		    wifi_nl_to_sys(&w->nl, &ev->tx_hw, &a) ||
		    wifi_nl_to_sys(&w->nl, &ev->rx_hw, &b))
			return;
		wifi_tm_sent(&w->tm, w->tm_token, a); /* t1 */
		wifi_tm_acked(&w->tm, b);             /* t4 */
		return;
	}
	struct wlan_hdr h;
	struct wlan_timing tm;
	const char *why;
	if (wlan_parse(ev->frame, ev->frame_len, false, &h, &why) ||
	    wlan_timing_parse(&h, ev->frame, &tm, &why) != 1 || tm.kind != WLAN_TM ||
	    memcmp(h.ta, w->wc.peer, 6) || wifi_nl_to_sys(&w->nl, &ev->rx_hw, &a))
		return;
	wifi_tm_received(&w->tm, tm.dialog, a); /* t2 */
	if (tsync_ts_valid(&ev->tx_hw) && !wifi_nl_to_sys(&w->nl, &ev->tx_hw, &b))
		wifi_tm_ack_sent(&w->tm, b); /* t3 */
	tm_complete(w, &tm);
}

int wifi_tp_nl_open(struct wifi_tp *w, char *err, size_t errlen)
{
	char e2[240];
	int e = wifi_nl_open(&w->nl, w->wc.nl_iface, wifi_tp_nl_event, w, e2, sizeof(e2));
	if (e) { /* e2 names the interface */
		snprintf(err, errlen, "wifi_tstamp nl80211: %s", e2);
		return e;
	}
	if (!(e = wifi_nl_set_hwts(&w->nl, w->wc.peer, true, e2, sizeof(e2))) &&
	    (e = wifi_nl_register_tm(&w->nl, e2, sizeof(e2))))
		wifi_nl_set_hwts(&w->nl, w->wc.peer, false, err, errlen);
	if (e) {
		wifi_nl_close(&w->nl);
		snprintf(err, errlen, "wifi_tstamp nl80211: %s: %s", w->wc.nl_iface, e2);
	}
	return e;
}

void wifi_tp_nl_close(struct wifi_tp *w)
{
	char err[200];
	if (!w->nl.sk)
		return;
	wifi_nl_set_hwts(&w->nl, w->wc.peer, false, err, sizeof(err));
	wifi_nl_close(&w->nl);
}

void wifi_transport_tm_hooks(struct transport *t, wifi_map_fn map, wifi_sample_fn sample, void *arg)
{
	struct wifi_tp *w = WT(t);
	w->map = map;
	w->sample = sample;
	w->hook_arg = arg;
}
