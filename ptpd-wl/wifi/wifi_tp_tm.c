// SPDX-License-Identifier: MIT
/* wifi_mode tm in the wifi transport (wifi_transport.h, wifi_tm.h): the TM frames sent after
 * each Sync, and every record watched for the exchange's t1..t4. */
#include <string.h>

#include "wifi_frame.h"
#include "wifi_tp_private.h"

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
		int64_t t2, t3, off, del;
		uint8_t k = rx->tm.follow_up;
		wifi_tm_received(&w->tm, rx->tm.dialog, s); /* t2 */
		if (!k || !w->map || !w->sample || !wifi_tm_exchange(&w->tm, k, &t2, &t3))
			return;
		int64_t l2 = w->map(w->hook_arg, t2), l3 = w->map(w->hook_arg, t3);
		if (!l2 || !l3)
			return;
		wifi_tm_offset(wifi_tm_unwrap((uint32_t)rx->tm.tod_raw, l2), l2, l3,
		               wifi_tm_unwrap((uint32_t)rx->tm.toa_raw, l3), &off, &del);
		w->st.tm_samples++;
		w->sample(w->hook_arg, off, l2, t2, del);
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
	size_t n =
	        wifi_frame_build_tm(f, sizeof(f), &tx, wifi_tm_next_token(&w->tm), fup, tod, toa);
	if (n && !wifi_io_inject(&w->io, f, n))
		w->st.tm_sent++;
}

void wifi_transport_tm_hooks(struct transport *t, wifi_map_fn map, wifi_sample_fn sample, void *arg)
{
	struct wifi_tp *w = WT(t);
	w->map = map;
	w->sample = sample;
	w->hook_arg = arg;
}
