/* SPDX-License-Identifier: MIT */
/* The wifi transport's state, shared by wifi_transport.c (transport_ops) and wifi_tp_tm.c
 * (wifi_mode tm). */
#ifndef PTPD_WIFI_TP_PRIVATE_H
#define PTPD_WIFI_TP_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "tsync/transport_impl.h"
#include "wifi_frame.h"
#include "wifi_io.h"
#include "wifi_nl80211.h"
#include "wifi_tm.h"
#include "wifi_transport.h"
#include "wifi_tsf.h"

#define RXQ     32   /* messages read while a send waits for its TX status */
#define MSG_MAX 1500 /* the longest PTP message carried */

struct rx_item {
	uint8_t buf[MSG_MAX];
	size_t len;
	struct tsync_ts ts;
	uint8_t ta[6];
};

struct wifi_tp {
	struct transport base;
	struct wifi_tp_cfg wc;
	struct wifi_io io;
	struct wifi_tsf tsf;
	uint8_t mac[6];
	uint16_t seq;
	int epfd, evfd;
	struct rx_item q[RXQ];
	unsigned qh, qn;
	struct wifi_tp_stats st;
	/* wifi_mode tm */
	struct wifi_tm tm;
	wifi_map_fn map;
	wifi_sample_fn sample;
	void *hook_arg;
	/* wifi_tstamp nl80211: TM frames through nl80211, the last one's token and cookie */
	struct wifi_nl nl;
	uint64_t tm_cookie;
	uint8_t tm_token;
};

#define WT(t) container_of(t, struct wifi_tp, base)

/* CLOCK_REALTIME now, ns. */
int64_t wifi_tp_sys_now(void);
/* Read one record: 1 (*rx filled, *sys its software stamp), 0 none, -errno. */
int wifi_tp_next(struct wifi_tp *w, struct wifi_rx *rx, int64_t *sys);
/* wifi_mode tm: watch a record for t1..t4 (and take a sample when an exchange completes); send
 * the TM frame that follows a Sync. */
void wifi_tp_tm_observe(struct wifi_tp *w, const struct wifi_rx *rx);
void wifi_tp_tm_send(struct wifi_tp *w);
/* wifi_tstamp nl80211: open nl80211 on wc.nl_iface, stamp the peer's TM frames, register for
 * them (0 or -errno with err naming the cause); switch stamping off and close. */
int wifi_tp_nl_open(struct wifi_tp *w, char *err, size_t errlen);
/* An nl80211 event (arg: the wifi_tp): our TM frame's TX status gives t1/t4, the peer's TM
 * frame t2/t3 and, when it follows up a complete exchange, a sample through the hooks. */
void wifi_tp_nl_event(void *arg, const struct wifi_nl_event *ev);
void wifi_tp_nl_close(struct wifi_tp *w);

#endif
