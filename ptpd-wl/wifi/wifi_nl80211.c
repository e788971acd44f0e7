// SPDX-License-Identifier: MIT
/* nl80211 hardware timestamps of Timing Measurement frames (wifi_nl80211.h). */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/nl80211.h>
#include <net/if.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wifi_nl80211.h"

#define MGMT_ACTION      0x00d0 /* frame control: management, subtype action */
#define CAT_UNPROT_WNM   11
#define ACT_TIMING_MEAS  1
#define WLAN_MGMT_HDRLEN 24

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

/* A u64 attribute of exactly 8 bytes. */
static int get_u64(const struct nlattr *a, uint64_t *v)
{
	if (nla_len(a) != 8)
		return -1;
	memcpy(v, nla_data(a), 8);
	return 0;
}

/* A hardware stamp attribute into *ts; 0, or -1 with a reason. */
static int get_stamp(const struct nlattr *a, struct tsync_ts *ts, const char **why)
{
	uint64_t v;
	if (get_u64(a, &v))
		return fail(why, "a hardware timestamp attribute is not 8 bytes (u64 ns)");
	if (v == 0)
		return fail(why, "a hardware timestamp is zero");
	if (v > (uint64_t)INT64_MAX)
		return fail(why, "a hardware timestamp is beyond 2^63 ns");
	*ts = tsync_ts_make(TS_SRC_PHC, (int64_t)v, WIFI_NL_RES_PS);
	return 0;
}

int wifi_nl_parse(const void *buf, size_t len, int family, struct wifi_nl_event *ev,
                  const char **why)
{
	memset(ev, 0, sizeof(*ev));
	const struct nlmsghdr *nlh = buf;
	if (len < NLMSG_HDRLEN + GENL_HDRLEN)
		return fail(why, "shorter than the netlink and generic netlink headers");
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN || nlh->nlmsg_len > len)
		return fail(why, "nlmsg_len shorter than the headers or longer than the buffer");
	if (nlh->nlmsg_type != family)
		return fail(why, "not an nl80211 message (other netlink family)");
	const struct genlmsghdr *g = nlmsg_data(nlh);
	if (g->cmd == NL80211_CMD_FRAME)
		ev->kind = WIFI_NL_RX_FRAME;
	else if (g->cmd == NL80211_CMD_FRAME_TX_STATUS)
		ev->kind = WIFI_NL_TX_STATUS;
	else
		return fail(why, "not NL80211_CMD_FRAME or NL80211_CMD_FRAME_TX_STATUS");
	/* the attributes must fill the payload exactly (libnl's parser skips a bad tail) */
	const struct nlattr *a;
	int rem;
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem);
	if (rem != 0)
		return fail(why, "attribute lengths do not add up to the message length");
	struct nlattr *tb[NL80211_ATTR_MAX + 1];
	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, NL80211_ATTR_MAX, NULL) < 0)
		return fail(why, "malformed attributes");
	if (tb[NL80211_ATTR_IFINDEX]) {
		if (nla_len(tb[NL80211_ATTR_IFINDEX]) != 4)
			return fail(why, "NL80211_ATTR_IFINDEX is not 4 bytes");
		ev->ifindex = nla_get_u32(tb[NL80211_ATTR_IFINDEX]);
	}
	if (!tb[NL80211_ATTR_FRAME])
		return fail(why, "no NL80211_ATTR_FRAME");
	ev->frame = nla_data(tb[NL80211_ATTR_FRAME]);
	ev->frame_len = (size_t)nla_len(tb[NL80211_ATTR_FRAME]);
	if (ev->frame_len < WLAN_MGMT_HDRLEN)
		return fail(why, "NL80211_ATTR_FRAME is shorter than an 802.11 management header");
	if ((ev->frame[0] & 0x0c) != 0)
		return fail(why, "NL80211_ATTR_FRAME is not a management frame");
	ev->ack = tb[NL80211_ATTR_ACK] != NULL;
	if (ev->kind == WIFI_NL_TX_STATUS) {
		if (!tb[NL80211_ATTR_COOKIE])
			return fail(why, "TX status without NL80211_ATTR_COOKIE");
		if (get_u64(tb[NL80211_ATTR_COOKIE], &ev->cookie))
			return fail(why, "NL80211_ATTR_COOKIE is not 8 bytes");
		if (!tb[NL80211_ATTR_TX_HW_TIMESTAMP])
			return fail(why, "TX status without NL80211_ATTR_TX_HW_TIMESTAMP (hardware "
			                 "timestamping off for this peer, or the driver has none)");
		if (get_stamp(tb[NL80211_ATTR_TX_HW_TIMESTAMP], &ev->tx_hw, why))
			return -1;
		if (tb[NL80211_ATTR_RX_HW_TIMESTAMP] && ev->ack &&
		    get_stamp(tb[NL80211_ATTR_RX_HW_TIMESTAMP], &ev->rx_hw, why))
			return -1;
	} else {
		if (!tb[NL80211_ATTR_RX_HW_TIMESTAMP])
			return fail(why, "frame without NL80211_ATTR_RX_HW_TIMESTAMP (hardware "
			                 "timestamping off for this peer, or the driver has none)");
		if (get_stamp(tb[NL80211_ATTR_RX_HW_TIMESTAMP], &ev->rx_hw, why))
			return -1;
		if (tb[NL80211_ATTR_TX_HW_TIMESTAMP] &&
		    get_stamp(tb[NL80211_ATTR_TX_HW_TIMESTAMP], &ev->tx_hw, why))
			return -1;
	}
	return 0;
}

/* ---- the socket ------------------------------------------------------------------------- */

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	(void)nla;
	*(int *)arg = e->error;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct wifi_nl *nl = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	if (nl->req_seq && nlh->nlmsg_seq == nl->req_seq) { /* the reply to our request */
		struct nlattr *tb[NL80211_ATTR_MAX + 1];
		if (genlmsg_parse(nlh, 0, tb, NL80211_ATTR_MAX, NULL) == 0 &&
		    tb[NL80211_ATTR_COOKIE] && !get_u64(tb[NL80211_ATTR_COOKIE], &nl->reply_cookie))
			nl->have_reply_cookie = true;
		return NL_OK;
	}
	struct wifi_nl_event ev;
	const char *why;
	if (wifi_nl_parse(nlh, nlh->nlmsg_len, nl->family, &ev, &why)) {
		nl->bad++;
		return NL_OK;
	}
	if (nl->on_event)
		nl->on_event(nl->arg, &ev);
	return NL_OK;
}

/* Send msg (freed) and wait for its ACK: 0 or -errno (the kernel's answer). */
static int request(struct wifi_nl *nl, struct nl_msg *msg)
{
	nl->req_errno = 0;
	nl->have_reply_cookie = false;
	int r = nl_send_auto(nl->sk, msg);
	if (r >= 0) {
		nl->req_seq = nlmsg_hdr(msg)->nlmsg_seq;
		r = nl_wait_for_ack(nl->sk);
	}
	nl->req_seq = 0;
	nlmsg_free(msg);
	if (nl->req_errno < 0)
		return nl->req_errno;
	return r < 0 ? -EIO : 0;
}

static struct nl_msg *new_msg(struct wifi_nl *nl, uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();
	if (!m)
		return NULL;
	if (!genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, 0, cmd, 0) ||
	    nla_put_u32(m, NL80211_ATTR_IFINDEX, (uint32_t)nl->ifindex)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

static int open_phc(struct wifi_nl *nl, const char *iface, char *err, size_t errlen)
{
	char pat[IF_NAMESIZE + 48], dev[64];
	glob_t g;
	snprintf(pat, sizeof(pat), "/sys/class/net/%s/device/ptp/ptp*", iface);
	if (glob(pat, 0, NULL, &g) || !g.gl_pathc) {
		snprintf(err, errlen,
		         "%s: the device has no PHC (no %s): its hardware stamps cannot be mapped "
		         "to the system clock (iwlwifi registers one)",
		         iface, pat);
		globfree(&g);
		return -ENODEV;
	}
	const char *base = strrchr(g.gl_pathv[0], '/') + 1;
	snprintf(dev, sizeof(dev), "/dev/%s", base);
	globfree(&g);
	if (!(nl->phc = tclock_create(TCLOCK_PHC, dev))) {
		int e = -errno;
		snprintf(err, errlen, "%s: %s: %s", iface, dev, strerror(-e));
		return e;
	}
	return 0;
}

int wifi_nl_open(struct wifi_nl *nl, const char *iface, wifi_nl_event_fn on_event, void *arg,
                 char *err, size_t errlen)
{
	memset(nl, 0, sizeof(*nl));
	nl->on_event = on_event;
	nl->arg = arg;
	int e;
	if (!(nl->sk = nl_socket_alloc()) || genl_connect(nl->sk)) {
		snprintf(err, errlen, "%s: cannot open a generic netlink socket", iface);
		e = -ENOMEM;
		goto out;
	}
	if ((nl->family = genl_ctrl_resolve(nl->sk, "nl80211")) < 0) {
		snprintf(err, errlen,
		         "%s: the kernel has no nl80211 (cfg80211 not loaded): no Wi-Fi hardware "
		         "timestamps",
		         iface);
		e = -ENOENT;
		goto out;
	}
	if (!(nl->ifindex = (int)if_nametoindex(iface))) {
		snprintf(err, errlen, "%s: no such interface", iface);
		e = -ENODEV;
		goto out;
	}
	nl_socket_disable_seq_check(nl->sk);
	nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, on_valid, nl);
	nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, on_error, &nl->req_errno);
	struct nl_msg *m = new_msg(nl, NL80211_CMD_GET_INTERFACE);
	e = m ? request(nl, m) : -ENOMEM;
	if (e) {
		snprintf(err, errlen, "%s: not an nl80211 (Wi-Fi) interface (%s)", iface,
		         strerror(-e));
		goto out;
	}
	if ((e = open_phc(nl, iface, err, errlen)))
		goto out;
	return 0;
out:
	wifi_nl_close(nl);
	return e;
}

void wifi_nl_close(struct wifi_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
	tclock_destroy(nl->phc);
	nl->phc = NULL;
}

int wifi_nl_fd(const struct wifi_nl *nl)
{
	return nl->sk ? nl_socket_get_fd(nl->sk) : -1;
}

int wifi_nl_set_hwts(struct wifi_nl *nl, const uint8_t *peer, bool on, char *err, size_t errlen)
{
	struct nl_msg *m = new_msg(nl, NL80211_CMD_SET_HW_TIMESTAMP);
	if (!m || (peer && nla_put(m, NL80211_ATTR_MAC, 6, peer)) ||
	    (on && nla_put_flag(m, NL80211_ATTR_HW_TIMESTAMP_ENABLED))) {
		nlmsg_free(m);
		snprintf(err, errlen, "SET_HW_TIMESTAMP: no memory");
		return -ENOMEM;
	}
	int e = request(nl, m);
	if (e == -EOPNOTSUPP)
		snprintf(err, errlen,
		         "the driver refuses NL80211_CMD_SET_HW_TIMESTAMP (EOPNOTSUPP): only "
		         "iwlwifi implements it, with firmware that has hardware timestamping");
	else if (e)
		snprintf(err, errlen, "NL80211_CMD_SET_HW_TIMESTAMP: %s%s", strerror(-e),
		         e == -EINVAL ? " (more peers than the driver's "
		                        "NL80211_ATTR_MAX_HW_TIMESTAMP_PEERS?)"
		                      : "");
	return e;
}

int wifi_nl_register_tm(struct wifi_nl *nl, char *err, size_t errlen)
{
	static const uint8_t match[2] = {CAT_UNPROT_WNM, ACT_TIMING_MEAS};
	struct nl_msg *m = new_msg(nl, NL80211_CMD_REGISTER_FRAME);
	if (!m || nla_put_u16(m, NL80211_ATTR_FRAME_TYPE, MGMT_ACTION) ||
	    nla_put(m, NL80211_ATTR_FRAME_MATCH, sizeof(match), match)) {
		nlmsg_free(m);
		snprintf(err, errlen, "REGISTER_FRAME: no memory");
		return -ENOMEM;
	}
	int e = request(nl, m);
	if (e)
		snprintf(err, errlen,
		         "NL80211_CMD_REGISTER_FRAME (Timing Measurement action frames): %s%s",
		         strerror(-e), e == -EALREADY ? " (another program registered them)" : "");
	return e;
}

int wifi_nl_send(struct wifi_nl *nl, const uint8_t *frame, size_t len, uint64_t *cookie, char *err,
                 size_t errlen)
{
	struct nl_msg *m = new_msg(nl, NL80211_CMD_FRAME);
	if (!m || nla_put(m, NL80211_ATTR_FRAME, (int)len, frame)) {
		nlmsg_free(m);
		snprintf(err, errlen, "NL80211_CMD_FRAME: no memory");
		return -ENOMEM;
	}
	int e = request(nl, m);
	if (e) {
		snprintf(err, errlen, "NL80211_CMD_FRAME: %s", strerror(-e));
		return e;
	}
	if (!nl->have_reply_cookie) {
		snprintf(err, errlen, "NL80211_CMD_FRAME: the reply has no NL80211_ATTR_COOKIE");
		return -EPROTO;
	}
	*cookie = nl->reply_cookie;
	return 0;
}

int wifi_nl_poll(struct wifi_nl *nl)
{
	for (int i = 0; i < 64; i++) {
		struct pollfd pf = {.fd = wifi_nl_fd(nl), .events = POLLIN};
		if (pf.fd < 0 || poll(&pf, 1, 0) <= 0)
			return 0;
		int r = nl_recvmsgs_default(nl->sk);
		if (r < 0 && r != -NLE_AGAIN)
			return -EIO;
	}
	return 0;
}

int wifi_nl_to_sys(const struct wifi_nl *nl, const struct tsync_ts *hw, int64_t *sys_ns)
{
	tmv_t clk, sys;
	int e;
	if (!nl->phc)
		return -ENODEV;
	if ((e = tclock_read_pair(nl->phc, &clk, &sys, NULL)))
		return e;
	*sys_ns = hw->ns - (clk - sys);
	return 0;
}
