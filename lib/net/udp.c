// SPDX-License-Identifier: MIT
/*
 * UDPv4 and UDPv6 transports (linuxptp's udp.c and udp6.c): one socket per channel, bound to
 * port 319 (event) or 320 (general) on the interface (SO_BINDTODEVICE), members of the primary
 * and the peer delay multicast groups, multicast TTL/hop limit udp_ttl, no multicast loopback.
 * The event socket carries SO_TIMESTAMPING (OPT_ID when the kernel has it), the general socket
 * SO_TIMESTAMPNS (as linuxptp).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/net_tstamp.h>

#include "tsync/net.h"
#include "net_private.h"
#include "transport_private.h"

#define EVENT_PORT   319
#define GENERAL_PORT 320

struct udp {
	struct transport base;
	int family; /* AF_INET or AF_INET6 */
	int fd[2];  /* [TRANS_EVENT], [TRANS_GENERAL] */
	int ifindex;
	int phc;                     /* PHC index for tagging hardware stamps, or -1 */
	uint32_t tsflags;            /* SOF_TIMESTAMPING_* on the event socket */
	uint32_t tskey;              /* OPT_ID counter of the next packet on the event socket */
	struct transport_addr mc[2]; /* [0] primary, [1] peer delay multicast (port 0) */
};

#define UDP(t) container_of(t, struct udp, base)

static const char *chname(enum transport_channel ch)
{
	return ch == TRANS_EVENT ? "event" : "general";
}

static void mc_setup(struct udp *u)
{
	memset(u->mc, 0, sizeof(u->mc));
	if (u->family == AF_INET) {
		for (int i = 0; i < 2; i++) {
			u->mc[i].sin.sin_family = AF_INET;
			u->mc[i].len = sizeof(struct sockaddr_in);
		}
		inet_pton(AF_INET, "224.0.1.129", &u->mc[0].sin.sin_addr);
		inet_pton(AF_INET, "224.0.0.107", &u->mc[1].sin.sin_addr);
		return;
	}
	for (int i = 0; i < 2; i++) {
		u->mc[i].sin6.sin6_family = AF_INET6;
		u->mc[i].sin6.sin6_scope_id = u->ifindex;
		u->mc[i].len = sizeof(struct sockaddr_in6);
	}
	inet_pton(AF_INET6, "ff0e::181", &u->mc[0].sin6.sin6_addr);
	/* the scope nibble (linuxptp: addr.s6_addr[1] = udp6_scope) */
	u->mc[0].sin6.sin6_addr.s6_addr[1] = (uint8_t)u->base.cfg.udp6_scope;
	inet_pton(AF_INET6, "ff02::6b", &u->mc[1].sin6.sin6_addr);
}

static int join(struct udp *u, int fd, const char *iface, char *err, size_t errlen)
{
	for (int i = 0; i < 2; i++) {
		char a[INET6_ADDRSTRLEN];
		int rc;
		if (u->family == AF_INET) {
			struct ip_mreqn m = {.imr_multiaddr = u->mc[i].sin.sin_addr,
			                     .imr_ifindex = u->ifindex};
			rc = setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m));
			inet_ntop(AF_INET, &m.imr_multiaddr, a, sizeof(a));
		} else {
			struct ipv6_mreq m = {.ipv6mr_multiaddr = u->mc[i].sin6.sin6_addr,
			                      .ipv6mr_interface = u->ifindex};
			rc = setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m, sizeof(m));
			inet_ntop(AF_INET6, &m.ipv6mr_multiaddr, a, sizeof(a));
		}
		if (rc < 0) {
			int e = errno;
			return net_err(err, errlen, -e, "%s: join multicast group %s: %s", iface, a,
			               strerror(e));
		}
	}
	return 0;
}

static int mc_options(struct udp *u, int fd, const char *iface, int dscp, char *err, size_t n)
{
	const struct transport_config *c = &u->base.cfg;
	int rc;

	if (u->family == AF_INET) {
		struct ip_mreqn m = {.imr_ifindex = u->ifindex};
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof(m)) < 0) {
			int e = errno;
			return net_err(err, n, -e, "%s: IP_MULTICAST_IF: %s", iface, strerror(e));
		}
		if ((rc = net_sockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, c->udp_ttl, iface,
		                      "IP_MULTICAST_TTL", err, n)) ||
		    (rc = net_sockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, iface,
		                      "IP_MULTICAST_LOOP", err, n)) ||
		    (rc = net_sockopt(fd, IPPROTO_IP, IP_TOS, dscp << 2, iface, "IP_TOS", err, n)))
			return rc;
		return 0;
	}
	if ((rc = net_sockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, iface, "IPV6_V6ONLY", err, n)) ||
	    (rc = net_sockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, u->ifindex, iface,
	                      "IPV6_MULTICAST_IF", err, n)) ||
	    (rc = net_sockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, c->udp_ttl, iface,
	                      "IPV6_MULTICAST_HOPS", err, n)) ||
	    (rc = net_sockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, iface,
	                      "IPV6_MULTICAST_LOOP", err, n)) ||
	    (rc = net_sockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, dscp << 2, iface, "IPV6_TCLASS", err,
	                      n)))
		return rc;
	return 0;
}

/* One channel's socket: bound to its port on iface, in both groups. */
static int open_channel(struct udp *u, enum transport_channel ch, const char *iface)
{
	struct transport *t = &u->base;
	int port = ch == TRANS_EVENT ? EVENT_PORT : GENERAL_PORT;
	int dscp = ch == TRANS_EVENT ? t->cfg.dscp_event : t->cfg.dscp_general;
	struct transport_addr any;
	int fd, rc;

	memset(&any, 0, sizeof(any));
	if (u->family == AF_INET) {
		any.sin.sin_family = AF_INET;
		any.sin.sin_port = htons(port);
		any.len = sizeof(any.sin);
	} else {
		any.sin6.sin6_family = AF_INET6;
		any.sin6.sin6_port = htons(port);
		any.len = sizeof(any.sin6);
	}
	fd = socket(u->family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0) {
		rc = -errno;
		return transport_err(t, rc, "%s: %s socket: %s", iface, chname(ch), strerror(-rc));
	}
	if ((rc = net_sockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1, iface, "SO_REUSEADDR", t->err,
	                      sizeof(t->err))) ||
	    (rc = mc_options(u, fd, iface, dscp, t->err, sizeof(t->err))))
		goto fail;
	if (bind(fd, &any.sa, any.len) < 0) {
		rc = -errno;
		transport_err(t, rc, "%s: %s %s socket: bind port %d: %s", iface,
		              transport_type_name(t->type), chname(ch), port, strerror(-rc));
		goto fail;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface, strlen(iface)) < 0) {
		rc = -errno;
		transport_err(t, rc, "%s: SO_BINDTODEVICE: %s", iface, strerror(-rc));
		goto fail;
	}
	if ((rc = join(u, fd, iface, t->err, sizeof(t->err))))
		goto fail;
	if (ch == TRANS_EVENT)
		rc = ts_enable(fd, iface, t->cfg.ts_mode, TS_OPT_ID, &u->tsflags, t->err,
		               sizeof(t->err));
	else
		rc = net_sockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1, iface, "SO_TIMESTAMPNS", t->err,
		                 sizeof(t->err));
	if (rc)
		goto fail;
	u->fd[ch] = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

static void udp_close(struct transport *t)
{
	struct udp *u = UDP(t);

	for (int i = 0; i < 2; i++) {
		if (u->fd[i] >= 0)
			close(u->fd[i]);
		u->fd[i] = -1;
	}
}

static int udp_open(struct transport *t, const char *iface)
{
	struct udp *u = UDP(t);
	int rc = net_if_index(iface, &u->ifindex);

	if (rc)
		return transport_err(t, rc, "%s: no such interface", iface);
	mc_setup(u);
	u->tskey = 0;
	u->phc = ts_phc_of(iface, t->cfg.ts_mode);
	if ((rc = open_channel(u, TRANS_EVENT, iface)) ||
	    (rc = open_channel(u, TRANS_GENERAL, iface))) {
		udp_close(t);
		return rc;
	}
	return 0;
}

static ssize_t udp_send(struct transport *t, enum transport_channel ch, enum transport_dest dest,
                        const struct transport_addr *addr, const void *buf, size_t len,
                        struct tsync_ts *tx_ts)
{
	struct udp *u = UDP(t);
	struct transport_addr to;
	uint16_t port = htons(ch == TRANS_EVENT ? EVENT_PORT : GENERAL_PORT);
	ssize_t n;

	if (dest == TRANS_DEST_UNICAST) {
		if (addr->sa.sa_family != u->family)
			return -EAFNOSUPPORT;
		to = *addr;
		to.len = u->family == AF_INET ? sizeof(to.sin) : sizeof(to.sin6);
	} else {
		to = u->mc[dest == TRANS_DEST_PDELAY];
	}
	if (u->family == AF_INET) {
		to.sin.sin_port = port;
	} else {
		to.sin6.sin6_port = port;
		if (IN6_IS_ADDR_LINKLOCAL(&to.sin6.sin6_addr) && !to.sin6.sin6_scope_id)
			to.sin6.sin6_scope_id = u->ifindex;
	}
	if (ch == TRANS_EVENT)
		ts_drain_errqueue(u->fd[ch]);
	n = sendto(u->fd[ch], buf, len, 0, &to.sa, to.len);
	if (n < 0) {
		int e = errno;
		return transport_err(t, -e, "%s: sendto (%s): %s", t->iface, chname(ch),
		                     strerror(e));
	}
	if (ch != TRANS_EVENT)
		return n;
	/* every event message's TX timestamp is consumed, so the error queue never fills up */
	struct ts_tx_match m = {.use_id = u->tsflags & SOF_TIMESTAMPING_OPT_ID,
	                        .id = u->tskey++,
	                        .payload = buf,
	                        .len = len};
	struct tsync_ts ts = tsync_ts_none();
	int rc = ts_fetch_tx(u->fd[ch], &m, t->cfg.tx_timeout_ms, t->cfg.ts_mode, u->phc, &ts);
	if (m.use_id && !rc)
		u->tskey = m.id;
	if (rc && tx_ts)
		return transport_err(t, rc, "%s: timed out while polling for tx timestamp (%d ms)",
		                     t->iface, t->cfg.tx_timeout_ms);
	if (tx_ts)
		*tx_ts = ts;
	return n;
}

static ssize_t udp_recv(struct transport *t, enum transport_channel ch, void *buf, size_t len,
                        struct tsync_ts *rx_ts, struct transport_addr *src)
{
	struct udp *u = UDP(t);
	struct transport_addr from;
	struct ts_cmsg c;
	socklen_t sl = sizeof(from.ss);
	ssize_t n;

	memset(&from, 0, sizeof(from));
	n = ts_recv(u->fd[ch], buf, len, &from.sa, &sl, &c);
	if (n == -EAGAIN && ch == TRANS_EVENT)
		ts_drain_errqueue(u->fd[ch]); /* a late TX timestamp would keep POLLERR up */
	if (n < 0)
		return n;
	if (rx_ts)
		*rx_ts = ts_cmsg_tag(&c, ch == TRANS_EVENT ? t->cfg.ts_mode : TS_SOFTWARE, u->phc);
	if (src) {
		*src = from;
		src->len = sl;
	}
	return n;
}

static int udp_fd(struct transport *t, enum transport_channel ch)
{
	return UDP(t)->fd[ch];
}

static int udp_ts_info(struct transport *t, struct tsync_ts *info)
{
	*info = ts_mode_tag(t->cfg.ts_mode, UDP(t)->phc);
	return 0;
}

static int udp_physical_addr(struct transport *t, uint8_t *addr, size_t len)
{
	int rc;

	if (len < NET_MAC_LEN)
		return -ENOSPC;
	rc = net_if_mac(t->iface, addr);
	return rc ? rc : NET_MAC_LEN;
}

static int udp_protocol_addr(struct transport *t, uint8_t *addr, size_t len)
{
	struct udp *u = UDP(t);
	int rc;

	if (u->family == AF_INET) {
		struct in_addr a;
		if (len < sizeof(a))
			return -ENOSPC;
		if ((rc = net_if_ipv4(t->iface, &a)))
			return rc;
		memcpy(addr, &a, sizeof(a));
		return sizeof(a);
	}
	struct in6_addr a6;
	if (len < sizeof(a6))
		return -ENOSPC;
	if ((rc = net_if_ipv6(t->iface, false, &a6)) && (rc = net_if_ipv6(t->iface, true, &a6)))
		return rc;
	memcpy(addr, &a6, sizeof(a6));
	return sizeof(a6);
}

static int udp4_init(struct transport *t, void *arg)
{
	(void)arg;
	UDP(t)->family = AF_INET;
	UDP(t)->fd[0] = UDP(t)->fd[1] = -1;
	return 0;
}

static int udp6_init(struct transport *t, void *arg)
{
	(void)arg;
	UDP(t)->family = AF_INET6;
	UDP(t)->fd[0] = UDP(t)->fd[1] = -1;
	return 0;
}

#define UDP_OPS(nm, initfn)                                                                        \
	{                                                                                          \
		.name = nm, .size = sizeof(struct udp), .base_off = offsetof(struct udp, base),    \
		.init = initfn, .open = udp_open, .close = udp_close, .send = udp_send,            \
		.recv = udp_recv, .fd = udp_fd, .ts_info = udp_ts_info,                            \
		.physical_addr = udp_physical_addr, .protocol_addr = udp_protocol_addr,            \
	}

const struct transport_ops udp4_transport_ops = UDP_OPS("UDPv4", udp4_init);
const struct transport_ops udp6_transport_ops = UDP_OPS("UDPv6", udp6_init);
