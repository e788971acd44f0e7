// SPDX-License-Identifier: MIT
/* ptpd-wl's wifi transport (wifi_transport.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "tsync/log.h"
#include "tsync/net.h"
#include "tsync/transport_impl.h"
#include "wifi_frame.h"
#include "wifi_io.h"
#include "wifi_transport.h"
#include "wifi_tp_private.h"
#include "wifi_tsf.h"

#define READ_MAX 256 /* records read per recv call at most */

const struct config_enum wifi_tstamp_enum[] = {{"mac", WIFI_TS_MAC},
                                               {"software", WIFI_TS_SOFTWARE},
                                               {"nl80211", WIFI_TS_NL80211},
                                               {NULL, 0}};
const struct config_enum wifi_mode_enum[] = {
        {"ptp", WIFI_MODE_PTP}, {"tm", WIFI_MODE_TM}, {NULL, 0}};

static const uint8_t ptp_group[6] = TRANS_PTP_DST_MAC;
static const uint8_t p2p_group[6] = TRANS_P2P_DST_MAC;

int64_t wifi_tp_sys_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int wifi_tp_cfg_read(const struct config *cfg, const char *iface, struct wifi_tp_cfg *wc, char *err,
                     unsigned long errlen)
{
	memset(wc, 0, sizeof(*wc));
	const char *m = config_get_string(cfg, iface, "wifi_medium");
	const char *peer = config_get_string(cfg, iface, "wifi_peer");
	const char *tp = config_get_string(cfg, iface, "wifi_tsf");
	const char *nli = config_get_string(cfg, iface, "wifi_nl_iface");
	if (nli && strlen(nli) >= sizeof(wc->nl_iface)) {
		snprintf(err, errlen, "%s: wifi_nl_iface name too long (max %zu)", iface,
		         sizeof(wc->nl_iface) - 1);
		return -EINVAL;
	}
	snprintf(wc->nl_iface, sizeof(wc->nl_iface), "%s", nli && *nli ? nli : iface);
	if (m && strlen(m) >= sizeof(wc->medium)) {
		snprintf(err, errlen, "%s: wifi_medium path too long (max %zu)", iface,
		         sizeof(wc->medium) - 1);
		return -EINVAL;
	}
	snprintf(wc->medium, sizeof(wc->medium), "%s", m ? m : "");
	snprintf(wc->tsf_path, sizeof(wc->tsf_path), "%s", tp ? tp : "");
	if (peer && *peer) {
		if (net_mac_parse(peer, wc->peer)) {
			snprintf(err, errlen, "%s: bad wifi_peer '%s' (expected aa:bb:cc:dd:ee:ff)",
			         iface, peer);
			return -EINVAL;
		}
		wc->have_peer = true;
	}
	wc->tstamp = (enum wifi_tstamp)config_get_int(cfg, iface, "wifi_tstamp");
	wc->mode = (enum wifi_mode)config_get_int(cfg, iface, "wifi_mode");
	if (wc->mode == WIFI_MODE_TM && (wc->tstamp == WIFI_TS_SOFTWARE || !wc->have_peer)) {
		snprintf(err, errlen,
		         "%s: wifi_mode tm (802.11v Timing Measurement) needs wifi_tstamp mac or "
		         "nl80211, and wifi_peer",
		         iface);
		return -EINVAL;
	}
	if (wc->tstamp == WIFI_TS_NL80211 && wc->mode != WIFI_MODE_TM) {
		snprintf(
		        err, errlen,
		        "%s: wifi_tstamp nl80211 needs wifi_mode tm: the driver stamps only Timing "
		        "Measurement / FTM management frames, not PTP's data frames",
		        iface);
		return -EINVAL;
	}
	if (wc->tstamp == WIFI_TS_NL80211 && wc->medium[0]) {
		snprintf(err, errlen,
		         "%s: wifi_tstamp nl80211 needs a real nl80211 interface: the emulated "
		         "medium "
		         "(wifi_medium) has none (use wifi_tstamp mac there)",
		         iface);
		return -EINVAL;
	}
	return 0;
}

static void q_signal(struct wifi_tp *w, bool on)
{
	uint64_t v = 1;
	if (on)
		(void)!write(w->evfd, &v, sizeof(v));
	else
		(void)!read(w->evfd, &v, sizeof(v));
}

static int map_ts(struct wifi_tp *w, const struct wifi_rx *rx, int64_t sys_ns, struct tsync_ts *ts)
{
	if (w->wc.tstamp != WIFI_TS_MAC) { /* nl80211: PTP's frames have software stamps */
		*ts = tsync_ts_make(TS_SRC_SYS, sys_ns, TS_RES_NS);
		return 0;
	}
	int64_t ns;
	if (!rx->have_tsft || wifi_tsf_track(&w->tsf, false) ||
	    wifi_tsf_to_sys(&w->tsf, rx->tsft, &ns)) {
		w->st.rx_no_tsft++;
		return -ENODATA;
	}
	*ts = tsync_ts_make(TS_SRC_SYS, ns, TS_RES_TSF);
	return 0;
}

/* A PTP message addressed to us (or to a group) from another station? */
static bool for_us(const struct wifi_tp *w, const struct wifi_rx *rx)
{
	return rx->kind == WIFI_PTP && !rx->tx_status && memcmp(rx->h.ta, w->mac, 6) &&
	       ((rx->h.ra[0] & 1) || !memcmp(rx->h.ra, w->mac, 6));
}

/* A message for the daemon: for us, not too long, and in wifi_mode tm not a Sync or Follow_Up
 * (TM is the sample source there). */
static bool deliverable(struct wifi_tp *w, const struct wifi_rx *rx)
{
	if (!for_us(w, rx) || rx->payload_len > MSG_MAX)
		return false;
	unsigned type = rx->payload_len ? rx->payload[0] & 0xf : 0xf;
	if (w->wc.mode == WIFI_MODE_TM && (type == 0 || type == 8)) {
		w->st.tm_dropped_ptp++;
		return false;
	}
	return true;
}

/* Read one record: 1 (*rx filled, *sys its software stamp), 0 none, -errno. A malformed frame
 * is counted, logged (the first five) and handed on as WIFI_OTHER. */
int wifi_tp_next(struct wifi_tp *w, struct wifi_rx *rx, int64_t *sys)
{
	const uint8_t *d;
	size_t len;
	const char *why = NULL;
	int r = wifi_io_next(&w->io, &d, &len, sys);
	if (r <= 0)
		return r;
	if (wifi_frame_parse(d, len, rx, &why)) {
		if (w->st.rx_bad++ < 5)
			pr_warning("wifi %s: dropped a frame: %s", w->base.iface, why);
		rx->kind = WIFI_OTHER;
	} else if (w->wc.mode == WIFI_MODE_TM) {
		wifi_tp_tm_observe(w, rx);
	}
	return 1;
}

static void enqueue(struct wifi_tp *w, const struct wifi_rx *rx, const struct tsync_ts *ts)
{
	if (w->qn == RXQ || rx->payload_len > MSG_MAX)
		return;
	struct rx_item *it = &w->q[(w->qh + w->qn++) % RXQ];
	memcpy(it->buf, rx->payload, rx->payload_len);
	it->len = rx->payload_len;
	it->ts = *ts;
	memcpy(it->ta, rx->h.ta, 6);
	if (w->qn == 1)
		q_signal(w, true);
}

static int wt_open_io(struct transport *t, const char *iface)
{
	struct wifi_tp *w = WT(t);
	char err[300];
	int e;
	if (w->wc.medium[0]) {
		char info[sizeof(w->wc.medium) + 8];
		size_t n = strlen(w->wc.medium);
		snprintf(info, sizeof(info), "%.*s.info",
		         (int)(n > 5 && !strcmp(w->wc.medium + n - 5, ".sock") ? n - 5 : n),
		         w->wc.medium);
		if ((e = wifi_tsf_open_emulated(&w->tsf, info, w->mac, err, sizeof(err))) ||
		    (e = wifi_io_open_medium(&w->io, w->wc.medium, err, sizeof(err))))
			return transport_err(t, e, "%s: %s", iface, err);
	} else {
		if (w->wc.tstamp == WIFI_TS_NL80211 && (e = wifi_tp_nl_open(w, err, sizeof(err))))
			return transport_err(t, e, "%s", err);
		if ((e = net_if_mac(iface, w->mac)))
			return transport_err(t, e, "%s: no MAC address", iface);
		if (w->wc.tstamp == WIFI_TS_MAC &&
		    (e = wifi_tsf_open_debugfs(&w->tsf, iface, w->wc.tsf_path, err, sizeof(err))))
			return transport_err(t, e, "%s", err);
		if ((e = wifi_io_open_iface(&w->io, iface, err, sizeof(err))))
			return transport_err(t, e, "%s", err);
	}
	if (w->wc.tstamp == WIFI_TS_MAC && (e = wifi_tsf_track(&w->tsf, true))) {
		wifi_io_close(&w->io);
		return transport_err(t, e, "%s: cannot read the TSF: %s", iface, strerror(-e));
	}
	w->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	ev.data.fd = w->io.fd;
	if (w->evfd < 0 || w->epfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->io.fd, &ev)) {
		e = -errno;
		t->ops->close(t);
		return transport_err(t, e, "%s: epoll: %s", iface, strerror(-e));
	}
	ev.data.fd = w->evfd;
	epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev);
	if (w->nl.sk) {
		ev.data.fd = wifi_nl_fd(&w->nl);
		epoll_ctl(w->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	}
	w->qh = w->qn = 0;
	return 0;
}

static int wt_open(struct transport *t, const char *iface)
{
	int e = wt_open_io(t, iface);
	if (e)
		wifi_tp_nl_close(WT(t));
	return e;
}

static void wt_close(struct transport *t)
{
	struct wifi_tp *w = WT(t);
	const struct wifi_tp_stats *st = &w->st;
	if (w->io.rx)
		pr_info("wifi %s: %lu PTP frames in, %lu out, %lu TX status (%lu missed), %lu "
		        "malformed, %lu without TSFT; TM: %lu sent, %lu samples",
		        t->iface, st->rx_ptp, st->tx, st->tx_status, st->tx_no_status, st->rx_bad,
		        st->rx_no_tsft, st->tm_sent, st->tm_samples);
	wifi_io_close(&w->io);
	wifi_tp_nl_close(w);
	if (w->epfd > 0)
		close(w->epfd);
	if (w->evfd > 0)
		close(w->evfd);
	w->epfd = w->evfd = -1;
}

static ssize_t wt_recv(struct transport *t, enum transport_channel ch, void *buf, size_t len,
                       struct tsync_ts *rx_ts, struct transport_addr *src)
{
	struct wifi_tp *w = WT(t);
	struct rx_item it;
	if (ch != TRANS_EVENT)
		return -EAGAIN;
	if (w->nl.sk)
		wifi_nl_poll(&w->nl); /* TM frames and TX status: samples through the hooks */
	if (w->qn) {
		it = w->q[w->qh];
		w->qh = (w->qh + 1) % RXQ;
		if (!--w->qn)
			q_signal(w, false);
	} else {
		struct wifi_rx rx;
		int64_t sys;
		int r = 0;
		for (int i = 0; i < READ_MAX; i++) {
			if ((r = wifi_tp_next(w, &rx, &sys)) <= 0)
				break;
			if (deliverable(w, &rx)) {
				if (map_ts(w, &rx, sys, &it.ts))
					it.ts = tsync_ts_none();
				memcpy(it.buf, rx.payload, rx.payload_len);
				it.len = rx.payload_len;
				memcpy(it.ta, rx.h.ta, 6);
				break;
			}
			r = 0;
		}
		if (r <= 0)
			return r == 0 ? -EAGAIN : r;
	}
	w->st.rx_ptp++;
	if (it.len > len)
		return -EMSGSIZE;
	memcpy(buf, it.buf, it.len);
	if (rx_ts)
		*rx_ts = it.ts;
	if (src) {
		memset(src, 0, sizeof(*src));
		src->sll.sll_family = AF_PACKET;
		src->sll.sll_protocol = htons(WIFI_ETH_P_1588);
		src->sll.sll_halen = 6;
		memcpy(src->sll.sll_addr, it.ta, 6);
		src->len = sizeof(src->sll);
	}
	return (ssize_t)it.len;
}

/* Wait for the TX status of our frame seq (until the deadline), queueing what else arrives. */
static int tx_status(struct wifi_tp *w, uint16_t seq, struct tsync_ts *ts)
{
	int64_t deadline = wifi_tp_sys_now() + (int64_t)w->base.cfg.tx_timeout_ms * 1000000;
	for (;;) {
		struct wifi_rx rx;
		int64_t sys;
		int r = wifi_tp_next(w, &rx, &sys);
		if (r < 0)
			return r;
		if (r == 0) {
			int64_t left = deadline - wifi_tp_sys_now();
			if (left <= 0)
				return -ETIMEDOUT;
			struct pollfd pf = {.fd = w->io.fd, .events = POLLIN};
			poll(&pf, 1, (int)((left + 999999) / 1000000));
			continue;
		}
		if (rx.kind == WIFI_PTP && rx.tx_status && !memcmp(rx.h.ta, w->mac, 6) &&
		    (rx.h.seq_ctl >> 4) == seq) {
			w->st.tx_status++;
			return map_ts(w, &rx, sys, ts);
		}
		if (deliverable(w, &rx)) {
			struct tsync_ts rts;
			if (map_ts(w, &rx, sys, &rts))
				rts = tsync_ts_none();
			enqueue(w, &rx, &rts);
		}
	}
}

static ssize_t wt_send(struct transport *t, enum transport_channel ch, enum transport_dest dest,
                       const struct transport_addr *addr, const void *buf, size_t len,
                       struct tsync_ts *tx_ts)
{
	struct wifi_tp *w = WT(t);
	uint8_t f[WIFI_RT_MAX + WIFI_DATA_HDR + WIFI_LLC_LEN + MSG_MAX];
	struct wifi_tx tx = {.seq = w->seq++ & 0xfff};
	(void)ch;
	if (dest == TRANS_DEST_UNICAST) {
		if (addr->sa.sa_family != AF_PACKET || addr->sll.sll_halen != 6)
			return transport_err(t, -EINVAL, "%s: unicast needs a MAC address",
			                     t->iface);
		memcpy(tx.ra, addr->sll.sll_addr, 6);
	} else if (w->wc.have_peer) {
		memcpy(tx.ra, w->wc.peer, 6);
	} else {
		memcpy(tx.ra, dest == TRANS_DEST_PDELAY ? p2p_group : ptp_group, 6);
	}
	memcpy(tx.ta, w->mac, 6);
	memcpy(tx.bssid, w->wc.have_peer ? w->wc.peer : w->mac, 6);
	size_t n = wifi_frame_build_data(f, sizeof(f), &tx, WIFI_ETH_P_1588, buf, len);
	if (!n)
		return transport_err(t, -EMSGSIZE, "%s: message of %zu bytes too long", t->iface,
		                     len);
	int64_t sw = wifi_tp_sys_now();
	int e = wifi_io_inject(&w->io, f, n);
	if (e)
		return transport_err(t, e, "%s: inject: %s", t->iface, strerror(-e));
	w->st.tx++;
	bool sync = len > 0 && (((const uint8_t *)buf)[0] & 0xf) == 0;
	if (w->wc.mode == WIFI_MODE_TM && sync && !tx_ts)
		wifi_tp_tm_send(w);
	if (!tx_ts)
		return (ssize_t)len;
	if (w->wc.tstamp != WIFI_TS_MAC) {
		*tx_ts = tsync_ts_make(TS_SRC_SYS, sw, TS_RES_NS);
		if (w->wc.mode == WIFI_MODE_TM && sync)
			wifi_tp_tm_send(w);
		return (ssize_t)len;
	}
	e = tx_status(w, tx.seq, tx_ts);
	if (e == -ETIMEDOUT)
		w->st.tx_no_status++;
	if (w->wc.mode == WIFI_MODE_TM && sync)
		wifi_tp_tm_send(w);
	return e ? e : (ssize_t)len;
}

static int wt_fd(struct transport *t, enum transport_channel ch)
{
	return ch == TRANS_EVENT ? WT(t)->epfd : -1;
}

static int wt_ts_info(struct transport *t, struct tsync_ts *info)
{
	if (WT(t)->wc.tstamp == WIFI_TS_MAC)
		*info = tsync_ts_make(TS_SRC_SYS, 0,
		                      TS_RES_TSF); /* TSF mapped onto the system clock */
	return 0;
}

static int wt_addr(struct transport *t, uint8_t *addr, size_t len)
{
	if (len < 6)
		return -ENOSPC;
	memcpy(addr, WT(t)->mac, 6);
	return 6;
}

static int wt_init(struct transport *t, void *arg)
{
	struct wifi_tp *w = WT(t);
	w->wc = *(const struct wifi_tp_cfg *)arg;
	w->epfd = w->evfd = -1;
	w->io.fd = -1;
	wifi_tm_init(&w->tm);
	return 0;
}

static const struct transport_ops wifi_ops = {.name = "wifi",
                                              .size = sizeof(struct wifi_tp),
                                              .base_off = offsetof(struct wifi_tp, base),
                                              .init = wt_init,
                                              .open = wt_open,
                                              .close = wt_close,
                                              .send = wt_send,
                                              .recv = wt_recv,
                                              .fd = wt_fd,
                                              .ts_info = wt_ts_info,
                                              .physical_addr = wt_addr,
                                              .protocol_addr = wt_addr};

struct transport *wifi_transport_create(const struct transport_config *tc,
                                        const struct wifi_tp_cfg *wc)
{
	return transport_create_impl(&wifi_ops, TRANS_IMPL, tc, (void *)wc);
}

void wifi_transport_stats(struct transport *t, struct wifi_tp_stats *st)
{
	*st = WT(t)->st;
}
