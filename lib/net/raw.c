// SPDX-License-Identifier: MIT
/*
 * L2 transport (linuxptp's raw.c): one AF_PACKET SOCK_RAW socket bound to cfg.l2_ethertype
 * (PTP: 0x88F7, DTP: 0x88B5) on the interface, member of the multicast ones of ptp_dst_mac and
 * p2p_dst_mac, outgoing frames ignored. Event and general messages share the socket; every
 * frame is timestamped. Frames are Ethernet II without VLAN tag: destination, source (the
 * interface's MAC), the ethertype, the message. Nothing here is PTP's but the defaults.
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

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

struct raw {
	struct transport base;
	int fd;
	int ifindex;
	int phc; /* PHC index for tagging hardware stamps, or -1 */
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

static bool mac_none(const uint8_t *mac)
{
	static const uint8_t zero[NET_MAC_LEN];
	return !memcmp(mac, zero, NET_MAC_LEN);
}

static int join(struct raw *r, const uint8_t *mac, const char *iface)
{
	struct packet_mreq m;
	char a[18];

	if (!(mac[0] & 1))
		return 0; /* none (all-zero) or unicast: nothing to join */

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
	uint16_t proto = htons(t->cfg.l2_ethertype);
	unsigned tsopts = TS_OPT_ID | TS_OPT_L2;
	struct sockaddr_ll sll;
	int rc;

	if (t->cfg.l2_ethertype != TRANS_ETH_P_1588)
		tsopts |= TS_OPT_ALL;
	if ((rc = net_if_index(iface, &r->ifindex)))
		return transport_err(t, rc, "%s: no such interface", iface);
	if ((rc = net_if_mac(iface, r->mac)))
		return transport_err(t, rc, "%s: no Ethernet address: %s", iface, strerror(-rc));
	r->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (r->fd < 0) {
		rc = -errno;
		return transport_err(t, rc, "%s: AF_PACKET socket: %s", iface, strerror(-rc));
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = proto;
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
	rc = ts_enable(r->fd, iface, t->cfg.ts_mode, tsopts, &r->tsflags, t->err, sizeof(t->err));
	if (rc)
		goto fail;
	r->tskey = 0;
	r->phc = ts_phc_of(iface, t->cfg.ts_mode);
	return 0;
fail:
	raw_close(t);
	return rc;
}

static ssize_t raw_send(struct transport *t, enum transport_channel ch, enum transport_dest dest,
                        const struct transport_addr *addr, const void *buf, size_t len,
                        struct tsync_ts *tx_ts)
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
		const uint8_t *d =
		        dest == TRANS_DEST_PDELAY ? t->cfg.p2p_dst_mac : t->cfg.ptp_dst_mac;
		if (mac_none(d))
			return -EDESTADDRREQ;
		memcpy(eh.ether_dhost, d, NET_MAC_LEN);
	}
	memcpy(eh.ether_shost, r->mac, NET_MAC_LEN);
	eh.ether_type = htons(t->cfg.l2_ethertype);
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
	struct tsync_ts ts = tsync_ts_none();
	int rc = ts_fetch_tx(r->fd, &m, t->cfg.tx_timeout_ms, t->cfg.ts_mode, r->phc, &ts);
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
                        struct tsync_ts *rx_ts, struct transport_addr *src)
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
		*rx_ts = ts_cmsg_tag(&c, t->cfg.ts_mode, r->phc);
	if (src) {
		memset(src, 0, sizeof(*src));
		src->sll.sll_family = AF_PACKET;
		src->sll.sll_protocol = htons(t->cfg.l2_ethertype);
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

static int raw_ts_info(struct transport *t, struct tsync_ts *info)
{
	*info = ts_mode_tag(t->cfg.ts_mode, RAW(t)->phc);
	return 0;
}

static int raw_physical_addr(struct transport *t, uint8_t *addr, size_t len)
{
	if (len < NET_MAC_LEN)
		return -ENOSPC;
	memcpy(addr, RAW(t)->mac, NET_MAC_LEN);
	return NET_MAC_LEN;
}

static int raw_init(struct transport *t, void *arg)
{
	(void)arg;
	RAW(t)->fd = -1;
	RAW(t)->phc = -1;
	return 0;
}

const struct transport_ops raw_transport_ops = {
        .name = "L2",
        .size = sizeof(struct raw),
        .base_off = offsetof(struct raw, base),
        .init = raw_init,
        .open = raw_open,
        .close = raw_close,
        .send = raw_send,
        .recv = raw_recv,
        .fd = raw_fd,
        .ts_info = raw_ts_info,
        .physical_addr = raw_physical_addr,
        .protocol_addr = raw_physical_addr,
};
