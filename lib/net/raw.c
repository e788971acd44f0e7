// SPDX-License-Identifier: MIT
/*
 * L2 transport (linuxptp's raw.c): one AF_PACKET SOCK_RAW socket bound to ethertype 0x88F7 on
 * the interface, member of ptp_dst_mac and p2p_dst_mac, outgoing frames ignored. Event and
 * general messages share the socket; every frame is timestamped. Frames are Ethernet II
 * without VLAN tag: destination, source (the interface's MAC), 0x88F7, PTP message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/net_tstamp.h>

#include "tsync/net.h"
#include "net_private.h"
#include "transport_private.h"

#define ETH_P_1588_ 0x88F7

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

struct raw {
	struct transport base;
	int fd;
	int ifindex;
	uint8_t mac[NET_MAC_LEN];
	uint32_t tsflags;
	uint32_t tskey;
};

#define RAW(t) container_of(t, struct raw, base)

static void raw_close(struct transport *t)
{
	struct raw *r = RAW(t);

	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static int join(struct raw *r, const uint8_t *mac, const char *iface)
{
	struct packet_mreq m;
	char a[18];

	memset(&m, 0, sizeof(m));
	m.mr_ifindex = r->ifindex;
	m.mr_type = PACKET_MR_MULTICAST;
	m.mr_alen = NET_MAC_LEN;
	memcpy(m.mr_address, mac, NET_MAC_LEN);
	if (setsockopt(r->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &m, sizeof(m)) == 0)
		return 0;
	int e = errno;
	return transport_err(&r->base, -e, "%s: join multicast %s: %s", iface,
	                     net_mac_fmt(mac, a, sizeof(a)), strerror(e));
}

static int raw_open(struct transport *t, const char *iface)
{
	struct raw *r = RAW(t);
	struct sockaddr_ll sll;
	int rc;

	if ((rc = net_if_index(iface, &r->ifindex)))
		return transport_err(t, rc, "%s: no such interface", iface);
	if ((rc = net_if_mac(iface, r->mac)))
		return transport_err(t, rc, "%s: no Ethernet address: %s", iface, strerror(-rc));
	r->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_1588_));
	if (r->fd < 0) {
		rc = -errno;
		return transport_err(t, rc, "%s: AF_PACKET socket: %s", iface, strerror(-rc));
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_1588_);
	sll.sll_ifindex = r->ifindex;
	if (bind(r->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		rc = -errno;
		transport_err(t, rc, "%s: bind AF_PACKET: %s", iface, strerror(-rc));
		goto fail;
	}
	/* our own frames would come back otherwise (older kernels: filtered in recv) */
	(void)setsockopt(r->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &(int){1}, sizeof(int));
	if ((rc = join(r, t->cfg.ptp_dst_mac, iface)) || (rc = join(r, t->cfg.p2p_dst_mac, iface)))
		goto fail;
	rc = ts_enable(r->fd, iface, t->cfg.ts_mode, TS_OPT_ID | TS_OPT_L2, &r->tsflags, t->err,
	               sizeof(t->err));
	if (rc)
		goto fail;
	r->tskey = 0;
	return 0;
fail:
	raw_close(t);
	return rc;
}

static ssize_t raw_send(struct transport *t, enum transport_channel ch, enum transport_dest dest,
                        const struct transport_addr *addr, const void *buf, size_t len,
                        tmv_t *tx_ts)
{
	struct raw *r = RAW(t);
	struct ether_header eh;
	struct iovec iov[2];
	struct msghdr msg;
	ssize_t n;

	(void)ch; /* both channels share the socket; every frame is timestamped */
	if (dest == TRANS_DEST_UNICAST) {
		if (addr->sa.sa_family != AF_PACKET || addr->sll.sll_halen != NET_MAC_LEN)
			return -EAFNOSUPPORT;
		memcpy(eh.ether_dhost, addr->sll.sll_addr, NET_MAC_LEN);
	} else {
		memcpy(eh.ether_dhost,
		       dest == TRANS_DEST_PDELAY ? t->cfg.p2p_dst_mac : t->cfg.ptp_dst_mac,
		       NET_MAC_LEN);
	}
	memcpy(eh.ether_shost, r->mac, NET_MAC_LEN);
	eh.ether_type = htons(ETH_P_1588_);
	iov[0].iov_base = &eh;
	iov[0].iov_len = sizeof(eh);
	iov[1].iov_base = (void *)buf;
	iov[1].iov_len = len;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	ts_drain_errqueue(r->fd);
	n = sendmsg(r->fd, &msg, 0);
	if (n < 0) {
		int e = errno;
		return transport_err(t, -e, "%s: send L2 frame: %s", t->iface, strerror(e));
	}
	struct ts_tx_match m = {.use_id = r->tsflags & SOF_TIMESTAMPING_OPT_ID,
	                        .id = r->tskey++,
	                        .payload = buf,
	                        .len = len};
	tmv_t ts = 0;
	int rc = ts_fetch_tx(r->fd, &m, t->cfg.tx_timeout_ms, t->cfg.ts_mode, &ts);
	if (m.use_id && !rc)
		r->tskey = m.id;
	if (rc && tx_ts)
		return transport_err(t, rc, "%s: timed out while polling for tx timestamp (%d ms)",
		                     t->iface, t->cfg.tx_timeout_ms);
	if (tx_ts)
		*tx_ts = ts;
	return n - (ssize_t)sizeof(eh);
}

static ssize_t raw_recv(struct transport *t, enum transport_channel ch, void *buf, size_t len,
                        tmv_t *rx_ts, struct transport_addr *src)
{
	struct raw *r = RAW(t);
	unsigned char frame[ETH_HLEN + 1536];
	struct sockaddr_ll from;
	socklen_t sl = sizeof(from);
	struct ts_cmsg c;
	ssize_t n;

	(void)ch;
	for (;;) {
		n = ts_recv(r->fd, frame, sizeof(frame), (struct sockaddr *)&from, &sl, &c);
		if (n == -EAGAIN)
			ts_drain_errqueue(r->fd);
		if (n < 0)
			return n;
		if (from.sll_pkttype != PACKET_OUTGOING)
			break;
	}
	if (n < ETH_HLEN)
		return -EBADMSG;
	n -= ETH_HLEN;
	if ((size_t)n > len)
		return -EMSGSIZE;
	memcpy(buf, frame + ETH_HLEN, n);
	if (rx_ts)
		*rx_ts = ts_cmsg_pick(&c, t->cfg.ts_mode);
	if (src) {
		memset(src, 0, sizeof(*src));
		src->sll.sll_family = AF_PACKET;
		src->sll.sll_protocol = htons(ETH_P_1588_);
		src->sll.sll_ifindex = r->ifindex;
		src->sll.sll_halen = NET_MAC_LEN;
		memcpy(src->sll.sll_addr, frame + NET_MAC_LEN, NET_MAC_LEN); /* source MAC */
		src->len = sizeof(src->sll);
	}
	return n;
}

static int raw_fd(struct transport *t, enum transport_channel ch)
{
	return ch == TRANS_EVENT ? RAW(t)->fd : -1;
}

static int raw_physical_addr(struct transport *t, uint8_t *addr, size_t len)
{
	if (len < NET_MAC_LEN)
		return -ENOSPC;
	memcpy(addr, RAW(t)->mac, NET_MAC_LEN);
	return NET_MAC_LEN;
}

static void raw_destroy(struct transport *t)
{
	free(RAW(t));
}

static const struct transport_ops raw_ops = {
        .open = raw_open,
        .close = raw_close,
        .send = raw_send,
        .recv = raw_recv,
        .fd = raw_fd,
        .physical_addr = raw_physical_addr,
        .protocol_addr = raw_physical_addr,
        .destroy = raw_destroy,
};

struct transport *raw_transport_create(void)
{
	struct raw *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->base.ops = &raw_ops;
	r->fd = -1;
	return &r->base;
}
