// SPDX-License-Identifier: MIT
/* ptpd-wl/wifi/wifi_nl80211: the pure parser of nl80211 frame events and TX status messages,
 * fed genl messages built with libnl as the kernel sends them: good RX/TX hardware stamps,
 * missing attributes, wrong lengths, hostile headers, each refused with its reason. Then the
 * transport's use of the events (wifi_tp_nl_event): t1..t4 into the TM exchange and a sample,
 * with CLOCK_MONOTONIC standing in for the device's PHC. */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/nl80211.h>
#include <netlink/genl/genl.h>
#include <string.h>

#include "tsync/clock_impl.h"
#include "wifi/wifi_frame.h"
#include "wifi/wifi_nl80211.h"
#include "wifi/wifi_tp_private.h"

#define FAM 28 /* nl80211's id in these messages (any; the parser is told it) */

/* A Timing Measurement action frame (24-byte management header + body). */
static const uint8_t tm_frame[] = {0xd0, 0, 0, 0,       /* frame control (action), duration */
                                   2,    0, 0, 0, 0, 1, /* RA */
                                   2,    0, 0, 0, 0, 2, /* TA */
                                   2,    0, 0, 0, 0, 1, /* BSSID */
                                   0x10, 0,             /* sequence control */
                                   11,   1, 7, 6, /* Unprotected WNM, TM, dialog 7, follow-up 6 */
                                   0,    0, 0, 0, 0, 0, 0, 0, /* TOD, TOA */
                                   0,    0};                  /* max TOD / TOA error */

struct opts {
	uint8_t cmd;
	bool frame, cookie, ack;
	uint64_t rx, tx; /* 0: absent */
	int stamp_len;   /* 8 unless set */
};

static struct nl_msg *build(const struct opts *o)
{
	struct nl_msg *m = nlmsg_alloc();
	cr_assert_not_null(m);
	cr_assert_not_null(genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, FAM, 0, 0, o->cmd, 0));
	cr_assert_eq(nla_put_u32(m, NL80211_ATTR_IFINDEX, 3), 0);
	if (o->frame)
		cr_assert_eq(nla_put(m, NL80211_ATTR_FRAME, sizeof(tm_frame), tm_frame), 0);
	if (o->cookie)
		cr_assert_eq(nla_put_u64(m, NL80211_ATTR_COOKIE, 0x1122334455667788ull), 0);
	if (o->ack)
		cr_assert_eq(nla_put_flag(m, NL80211_ATTR_ACK), 0);
	int sl = o->stamp_len ? o->stamp_len : 8;
	if (o->rx)
		cr_assert_eq(nla_put(m, NL80211_ATTR_RX_HW_TIMESTAMP, sl, &o->rx), 0);
	if (o->tx)
		cr_assert_eq(nla_put(m, NL80211_ATTR_TX_HW_TIMESTAMP, sl, &o->tx), 0);
	return m;
}

/* Parse a built message (freed: ev's frame pointer dangles afterwards). */
static int parse(const struct opts *o, struct wifi_nl_event *ev, const char **why)
{
	struct nl_msg *m = build(o);
	struct nlmsghdr *h = nlmsg_hdr(m);
	int r = wifi_nl_parse(h, h->nlmsg_len, FAM, ev, why);
	nlmsg_free(m);
	return r;
}

Test(wifi_nl80211, rx_frame_with_both_stamps)
{
	struct opts o = {
	        .cmd = NL80211_CMD_FRAME, .frame = true, .rx = 5000000123, .tx = 5000016333};
	struct wifi_nl_event ev;
	const char *why = NULL;
	struct nl_msg *m = build(&o); /* ev.frame points into it: freed at the end */
	cr_assert_eq(wifi_nl_parse(nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len, FAM, &ev, &why), 0, "%s",
	             why);
	cr_assert_eq(ev.kind, WIFI_NL_RX_FRAME);
	cr_assert_eq(ev.ifindex, 3);
	cr_assert_eq(ev.frame_len, sizeof(tm_frame));
	cr_assert_eq(ev.frame[24], 11, "the frame's category (Unprotected WNM)");
	cr_assert_eq(ev.rx_hw.src, TS_SRC_PHC);
	cr_assert_eq(ev.rx_hw.ns, 5000000123);
	cr_assert_eq(ev.rx_hw.res_ps, WIFI_NL_RES_PS);
	cr_assert_eq(ev.tx_hw.ns, 5000016333, "the ACK's TX (t3)");
	nlmsg_free(m);
}

Test(wifi_nl80211, rx_frame_without_ack_tx_stamp)
{
	struct opts o = {.cmd = NL80211_CMD_FRAME, .frame = true, .rx = 77};
	struct wifi_nl_event ev;
	const char *why = NULL;
	cr_assert_eq(parse(&o, &ev, &why), 0, "%s", why);
	cr_assert_eq(ev.rx_hw.ns, 77);
	cr_assert(!tsync_ts_valid(&ev.tx_hw), "t3 absent stays none");
}

Test(wifi_nl80211, tx_status_acked)
{
	struct opts o = {.cmd = NL80211_CMD_FRAME_TX_STATUS,
	                 .frame = true,
	                 .cookie = true,
	                 .ack = true,
	                 .tx = 9000000000,
	                 .rx = 9000016500};
	struct wifi_nl_event ev;
	const char *why = NULL;
	cr_assert_eq(parse(&o, &ev, &why), 0, "%s", why);
	cr_assert_eq(ev.kind, WIFI_NL_TX_STATUS);
	cr_assert_eq(ev.cookie, 0x1122334455667788ull);
	cr_assert(ev.ack);
	cr_assert_eq(ev.tx_hw.ns, 9000000000, "t1");
	cr_assert_eq(ev.rx_hw.ns, 9000016500, "t4");
}

Test(wifi_nl80211, tx_status_not_acked_has_no_t4)
{
	struct opts o = {.cmd = NL80211_CMD_FRAME_TX_STATUS,
	                 .frame = true,
	                 .cookie = true,
	                 .tx = 9000000000,
	                 .rx = 9000016500};
	struct wifi_nl_event ev;
	const char *why = NULL;
	cr_assert_eq(parse(&o, &ev, &why), 0, "%s", why);
	cr_assert(!ev.ack);
	cr_assert(!tsync_ts_valid(&ev.rx_hw), "no ACK: its RX stamp is not used");
}

static void refused(const struct opts *o, const char *reason_part)
{
	struct wifi_nl_event ev;
	const char *why = NULL;
	cr_assert_eq(parse(o, &ev, &why), -1, "accepted, expected: %s", reason_part);
	cr_assert_not_null(why);
	cr_assert(strstr(why, reason_part), "reason '%s' lacks '%s'", why, reason_part);
}

Test(wifi_nl80211, missing_attributes_are_refused)
{
	refused(&(struct opts){.cmd = NL80211_CMD_FRAME, .frame = true},
	        "without NL80211_ATTR_RX_HW_TIMESTAMP");
	refused(&(struct opts){.cmd = NL80211_CMD_FRAME, .rx = 5}, "no NL80211_ATTR_FRAME");
	refused(&(struct opts){.cmd = NL80211_CMD_FRAME_TX_STATUS, .frame = true, .tx = 5},
	        "without NL80211_ATTR_COOKIE");
	refused(&(struct opts){.cmd = NL80211_CMD_FRAME_TX_STATUS,
	                       .frame = true,
	                       .cookie = true,
	                       .ack = true,
	                       .rx = 5},
	        "without NL80211_ATTR_TX_HW_TIMESTAMP");
	refused(&(struct opts){.cmd = NL80211_CMD_GET_INTERFACE, .frame = true, .rx = 5},
	        "not NL80211_CMD_FRAME");
}

Test(wifi_nl80211, wrong_lengths_and_values_are_refused)
{
	refused(&(struct opts){.cmd = NL80211_CMD_FRAME, .frame = true, .rx = 5, .stamp_len = 4},
	        "not 8 bytes");
	refused(&(struct opts){.cmd = NL80211_CMD_FRAME_TX_STATUS,
	                       .frame = true,
	                       .cookie = true,
	                       .tx = 5,
	                       .stamp_len = 12},
	        "not 8 bytes");
	refused(&(struct opts){.cmd = NL80211_CMD_FRAME, .frame = true, .rx = 1ull << 63},
	        "beyond 2^63");
	/* a frame too short for a management header, and a data frame */
	struct nl_msg *m = nlmsg_alloc();
	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, FAM, 0, 0, NL80211_CMD_FRAME, 0);
	nla_put(m, NL80211_ATTR_FRAME, 10, tm_frame);
	nla_put_u64(m, NL80211_ATTR_RX_HW_TIMESTAMP, 5);
	struct wifi_nl_event ev;
	const char *why = NULL;
	cr_assert_eq(wifi_nl_parse(nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len, FAM, &ev, &why), -1);
	cr_assert(strstr(why, "shorter than an 802.11 management header"), "%s", why);
	nlmsg_free(m);
	uint8_t data[sizeof(tm_frame)];
	memcpy(data, tm_frame, sizeof(data));
	data[0] = 0x08; /* type data */
	m = nlmsg_alloc();
	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, FAM, 0, 0, NL80211_CMD_FRAME, 0);
	nla_put(m, NL80211_ATTR_FRAME, sizeof(data), data);
	nla_put_u64(m, NL80211_ATTR_RX_HW_TIMESTAMP, 5);
	cr_assert_eq(wifi_nl_parse(nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len, FAM, &ev, &why), -1);
	cr_assert(strstr(why, "not a management frame"), "%s", why);
	nlmsg_free(m);
}

Test(wifi_nl80211, hostile_headers_are_refused)
{
	struct opts o = {.cmd = NL80211_CMD_FRAME, .frame = true, .rx = 5000000123};
	struct nl_msg *m = build(&o);
	struct nlmsghdr *h = nlmsg_hdr(m);
	uint32_t len = h->nlmsg_len;
	struct wifi_nl_event ev;
	const char *why = NULL;
	cr_assert_eq(wifi_nl_parse(h, len, FAM + 1, &ev, &why), -1);
	cr_assert(strstr(why, "other netlink family"), "%s", why);
	cr_assert_eq(wifi_nl_parse(h, 10, FAM, &ev, &why), -1, "buffer shorter than the headers");
	cr_assert(strstr(why, "shorter than the netlink"), "%s", why);
	h->nlmsg_len = len + 64; /* claims more than the buffer holds */
	cr_assert_eq(wifi_nl_parse(h, len, FAM, &ev, &why), -1);
	cr_assert(strstr(why, "longer than the buffer"), "%s", why);
	h->nlmsg_len = len - 3; /* cuts the last attribute */
	cr_assert_eq(wifi_nl_parse(h, len, FAM, &ev, &why), -1);
	cr_assert(strstr(why, "do not add up"), "%s", why);
	h->nlmsg_len = len;
	/* an attribute whose length runs past the message */
	struct nlattr *last = (struct nlattr *)((uint8_t *)h + len - NLA_HDRLEN - 8);
	cr_assert_eq(last->nla_type, NL80211_ATTR_RX_HW_TIMESTAMP);
	last->nla_len = 200;
	cr_assert_eq(wifi_nl_parse(h, len, FAM, &ev, &why), -1);
	cr_assert(strstr(why, "do not add up"), "%s", why);
	last->nla_len = NLA_HDRLEN + 8;
	cr_assert_eq(wifi_nl_parse(h, len, FAM, &ev, &why), 0, "restored: %s", why);
	nlmsg_free(m);
}

/* ---- the transport's use of the events (wifi_tp_nl_event) ------------------------------- */

static const uint8_t me[6] = {2, 0, 0, 0, 0, 2}, peer[6] = {2, 0, 0, 0, 0, 1};

static int64_t now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct got {
	int n;
	int64_t off, delay;
};
static int64_t map_id(void *arg, int64_t sys)
{
	(void)arg;
	return sys;
}
static void take(void *arg, int64_t off, int64_t t2, int64_t t2_sys, int64_t delay)
{
	struct got *g = arg;
	(void)t2, (void)t2_sys;
	g->n++;
	g->off = off;
	g->delay = delay;
}

/* A stand-in for the device's PHC: a clock driver (tsync/clock_impl.h) on CLOCK_MONOTONIC. */
static int mono_gettime(struct tclock *c, tmv_t *ns)
{
	(void)c;
	return tmv_clock_read(CLOCK_MONOTONIC, ns);
}
static int mono_adjfreq(struct tclock *c, double ppb)
{
	(void)c, (void)ppb;
	return -EPERM;
}
static int mono_step(struct tclock *c, tmv_t d)
{
	(void)c, (void)d;
	return -EPERM;
}
static void mono_destroy(struct tclock *c)
{
	(void)c;
}
static const struct tclock_ops mono_ops = {.gettime = mono_gettime,
                                           .adjfreq = mono_adjfreq,
                                           .step = mono_step,
                                           .destroy = mono_destroy};
static struct tclock mono_phc = {.ops = &mono_ops, .type = TCLOCK_PHC, .name = "mono"};

static struct wifi_tp *fake_tp(struct got *g)
{
	struct wifi_tp *w = calloc(1, sizeof(*w));
	cr_assert_not_null(w);
	wifi_tm_init(&w->tm);
	memcpy(w->mac, me, 6);
	memcpy(w->wc.peer, peer, 6);
	w->wc.have_peer = true;
	w->nl.phc = &mono_phc; /* the "PHC" is CLOCK_MONOTONIC */
	w->map = map_id;
	w->sample = take;
	w->hook_arg = g;
	return w;
}

/* A TM frame from ta to us as nl80211 hands it over (no radiotap) in an RX event. */
static void rx_tm(struct wifi_tp *w, const uint8_t *ta, uint8_t dialog, uint8_t fup, int64_t t1,
                  int64_t t4, int64_t rx_hw, int64_t tx_hw)
{
	uint8_t f[128];
	struct wifi_tx tx = {.seq = dialog};
	memcpy(tx.ra, me, 6);
	memcpy(tx.ta, ta, 6);
	memcpy(tx.bssid, ta, 6);
	size_t n = wifi_frame_build_tm(f, sizeof(f), &tx, dialog, fup, (uint32_t)(t1 / 10),
	                               (uint32_t)(t4 / 10));
	cr_assert(n > 4);
	size_t rt = (size_t)f[2] | (size_t)f[3] << 8;
	struct wifi_nl_event ev = {.kind = WIFI_NL_RX_FRAME, .frame = f + rt, .frame_len = n - rt};
	ev.rx_hw = tsync_ts_make(TS_SRC_PHC, rx_hw, WIFI_NL_RES_PS);
	if (tx_hw)
		ev.tx_hw = tsync_ts_make(TS_SRC_PHC, tx_hw, WIFI_NL_RES_PS);
	wifi_tp_nl_event(w, &ev);
}

Test(wifi_nl80211, responder_takes_a_sample_from_hardware_stamps)
{
	struct got g = {0};
	struct wifi_tp *w = fake_tp(&g);
	/* slave (us) 5 us ahead of the master, one-way delay 100 ns: on the system clock */
	int64_t m = now(CLOCK_MONOTONIC), r = now(CLOCK_REALTIME) - m; /* sys = hw + r */
	int64_t t2 = m + 1000, t3 = m + 17000;
	int64_t t1 = t2 + r - 5000 - 100, t4 = t3 + r - 5000 + 100;
	rx_tm(w, peer, 1, 0, 0, 0, t2, t3);
	cr_assert_eq(g.n, 0, "nothing to follow up yet");
	rx_tm(w, (const uint8_t[6]){2, 0, 0, 0, 0, 9}, 2, 1, t1, t4, m + 2000000, m + 2016000);
	cr_assert_eq(g.n, 0, "a TM frame from another station is ignored");
	rx_tm(w, peer, 2, 1, t1, t4, m + 2000000, m + 2016000);
	cr_assert_eq(g.n, 1, "the follow-up completes exchange 1");
	/* each stamp is mapped with its own (sys, PHC, sys) read: allow for their jitter and the
	 * 10 ns TOD/TOA units */
	cr_assert(llabs(g.off - 5000) < 3000, "offset %lld, want 5000", (long long)g.off);
	cr_assert(llabs(g.delay - 100) < 3000, "delay %lld, want 100", (long long)g.delay);
	/* a follow-up of an exchange whose ACK TX stamp (t3) never came: no sample */
	rx_tm(w, peer, 3, 0, 0, 0, m + 3000000, 0);
	rx_tm(w, peer, 4, 3, t1, t4, m + 4000000, m + 4016000);
	cr_assert_eq(g.n, 1, "no t3: no sample");
	free(w);
}

Test(wifi_nl80211, initiator_tx_status_gives_t1_and_t4)
{
	struct got g = {0};
	struct wifi_tp *w = fake_tp(&g);
	int64_t m = now(CLOCK_MONOTONIC);
	w->tm_token = wifi_tm_next_token(&w->tm);
	w->tm_cookie = 42;
	struct wifi_nl_event ev = {.kind = WIFI_NL_TX_STATUS, .cookie = 41, .ack = true};
	ev.tx_hw = tsync_ts_make(TS_SRC_PHC, m + 100, WIFI_NL_RES_PS);
	ev.rx_hw = tsync_ts_make(TS_SRC_PHC, m + 16200, WIFI_NL_RES_PS);
	wifi_tp_nl_event(w, &ev);
	uint8_t fup;
	int64_t t1, t4;
	cr_assert(!wifi_tm_follow_up(&w->tm, &fup, &t1, &t4), "another frame's status is ignored");
	ev.cookie = 42;
	ev.ack = false;
	wifi_tp_nl_event(w, &ev);
	cr_assert(!wifi_tm_follow_up(&w->tm, &fup, &t1, &t4), "not acknowledged: no t4");
	ev.ack = true;
	wifi_tp_nl_event(w, &ev);
	cr_assert(wifi_tm_follow_up(&w->tm, &fup, &t1, &t4));
	cr_assert_eq(fup, w->tm_token);
	int64_t r = now(CLOCK_REALTIME) - now(CLOCK_MONOTONIC);
	cr_assert(llabs(t1 - (m + 100 + r)) < 1000000, "t1 on the system clock");
	cr_assert(llabs((t4 - t1) - 16100) < 3000, "t4 - t1 = %lld", (long long)(t4 - t1));
	free(w);
}
