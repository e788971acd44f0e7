// SPDX-License-Identifier: MIT
/*
 * Transport dispatcher (linuxptp's transport.c): picks the implementation by enum or takes
 * one from outside (transport_create_impl), validates arguments, tracks the open state,
 * supplies defaults for the optional ops (poll on fd-based transports).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "transport_private.h"

void transport_config_defaults(struct transport_config *cfg)
{
	static const uint8_t ptp_mac[6] = TRANS_PTP_DST_MAC;
	static const uint8_t p2p_mac[6] = TRANS_P2P_DST_MAC;

	memset(cfg, 0, sizeof(*cfg));
	cfg->ts_mode = TS_SOFTWARE;
	cfg->tx_timeout_ms = 1;
	cfg->udp_ttl = 1;
	cfg->udp6_scope = 0x0E;
	cfg->l2_ethertype = TRANS_ETH_P_1588;
	memcpy(cfg->ptp_dst_mac, ptp_mac, 6);
	memcpy(cfg->p2p_dst_mac, p2p_mac, 6);
}

static int check_config(const struct transport_config *c)
{
	if (c->tx_timeout_ms < 0 || c->udp_ttl < 1 || c->udp_ttl > 255 || c->udp6_scope < 0 ||
	    c->udp6_scope > 0xF || c->dscp_event < 0 || c->dscp_event > 63 || c->dscp_general < 0 ||
	    c->dscp_general > 63 || c->loop_delay_ns < 0 || c->l2_ethertype < 0x0600 ||
	    (c->ts_mode != TS_SOFTWARE && c->ts_mode != TS_HARDWARE))
		return -EINVAL;
	return 0;
}

static bool ops_ok(const struct transport_ops *o)
{
	return o && o->name && o->size >= o->base_off + sizeof(struct transport) && o->open &&
	       o->close && o->send && o->recv && (o->fd || o->poll);
}

static void *impl_mem(struct transport *t)
{
	return (char *)t - t->ops->base_off;
}

struct transport *transport_create_impl(const struct transport_ops *ops, enum transport_type type,
                                        const struct transport_config *cfg, void *arg)
{
	struct transport_config c;
	struct transport *t;
	char *mem;
	int rc;

	if (cfg)
		c = *cfg;
	else
		transport_config_defaults(&c);
	if (!ops_ok(ops) || check_config(&c)) {
		errno = EINVAL;
		return NULL;
	}
	mem = calloc(1, ops->size);
	if (!mem)
		return NULL;
	t = (struct transport *)(mem + ops->base_off);
	t->ops = ops;
	t->type = type;
	t->cfg = c;
	if (ops->init && (rc = ops->init(t, arg))) {
		if (ops->destroy)
			ops->destroy(t);
		free(mem);
		errno = -rc;
		return NULL;
	}
	return t;
}

struct transport *transport_create(enum transport_type type, const struct transport_config *cfg)
{
	static const struct {
		enum transport_type type;
		const struct transport_ops *ops;
	} impls[] = {
	        {TRANS_UDP_IPV4, &udp4_transport_ops},
	        {TRANS_UDP_IPV6, &udp6_transport_ops},
	        {TRANS_IEEE_802_3, &raw_transport_ops},
	        {TRANS_LOOP, &loop_transport_ops},
	};

	for (unsigned i = 0; i < sizeof(impls) / sizeof(impls[0]); i++)
		if (impls[i].type == type)
			return transport_create_impl(impls[i].ops, type, cfg, NULL);
	errno = EINVAL;
	return NULL;
}

void transport_destroy(struct transport *t)
{
	if (!t)
		return;
	transport_close(t);
	if (t->ops->destroy)
		t->ops->destroy(t);
	free(impl_mem(t));
}

int transport_err(struct transport *t, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	return rc;
}

int transport_open(struct transport *t, const char *iface)
{
	int rc;

	if (!t)
		return -EINVAL;
	t->err[0] = 0;
	if (t->is_open)
		return transport_err(t, -EBUSY, "%s: transport already open", t->iface);
	if (!iface || !*iface || strlen(iface) >= sizeof(t->iface))
		return transport_err(t, -EINVAL, "bad interface name '%s'",
		                     iface ? iface : "(null)");
	rc = t->ops->open(t, iface);
	if (rc) {
		if (!t->err[0])
			transport_err(t, rc, "%s: cannot open %s transport: %s", iface,
			              transport_type_name(t->type), strerror(-rc));
		return rc;
	}
	snprintf(t->iface, sizeof(t->iface), "%s", iface);
	t->is_open = true;
	return 0;
}

void transport_close(struct transport *t)
{
	if (!t || !t->is_open)
		return;
	t->ops->close(t);
	t->is_open = false;
}

static bool bad_channel(enum transport_channel ch)
{
	return ch != TRANS_EVENT && ch != TRANS_GENERAL;
}

ssize_t transport_send(struct transport *t, enum transport_channel ch, enum transport_dest dest,
                       const struct transport_addr *addr, const void *buf, size_t len,
                       struct tsync_ts *tx_ts)
{
	if (!t || bad_channel(ch) || (!buf && len))
		return -EINVAL;
	if (!t->is_open)
		return -ENOTCONN;
	if (dest != TRANS_DEST_DEFAULT && dest != TRANS_DEST_PDELAY && dest != TRANS_DEST_UNICAST)
		return -EINVAL;
	if (dest == TRANS_DEST_UNICAST && (!addr || !addr->len))
		return -EDESTADDRREQ;
	if (tx_ts)
		*tx_ts = tsync_ts_none();
	return t->ops->send(t, ch, dest, addr, buf, len, tx_ts);
}

ssize_t transport_recv(struct transport *t, enum transport_channel ch, void *buf, size_t len,
                       struct tsync_ts *rx_ts, struct transport_addr *src)
{
	if (!t || bad_channel(ch) || !buf)
		return -EINVAL;
	if (!t->is_open)
		return -ENOTCONN;
	if (rx_ts)
		*rx_ts = tsync_ts_none();
	if (src)
		memset(src, 0, sizeof(*src));
	return t->ops->recv(t, ch, buf, len, rx_ts, src);
}

int transport_fd(struct transport *t, enum transport_channel ch)
{
	if (!t || !t->is_open || bad_channel(ch) || !t->ops->fd)
		return -1;
	return t->ops->fd(t, ch);
}

int transport_ts_info(struct transport *t, struct tsync_ts *info)
{
	if (!t || !info)
		return -EINVAL;
	if (!t->is_open)
		return -ENOTCONN;
	*info = ts_mode_tag(t->cfg.ts_mode, -1);
	return t->ops->ts_info ? t->ops->ts_info(t, info) : 0;
}

bool transport_needs_poll(const struct transport *t)
{
	return t && !t->ops->fd;
}

/* Default poll of an fd-based transport: each channel with an fd of its own, in turn. */
static int poll_fds(struct transport *t, int budget, transport_rx_fn fn, void *arg)
{
	int fe = t->ops->fd(t, TRANS_EVENT), fg = t->ops->fd(t, TRANS_GENERAL);
	bool live[2] = {fe >= 0, fg >= 0 && fg != fe};
	unsigned char buf[TRANSPORT_POLL_MAX];
	int done = 0, first_err = 0;

	while (done < budget && (live[0] || live[1])) {
		for (int ch = 0; ch < 2 && done < budget; ch++) {
			struct transport_addr src;
			struct tsync_ts ts;
			ssize_t n;

			if (!live[ch])
				continue;
			n = transport_recv(t, (enum transport_channel)ch, buf, sizeof(buf), &ts,
			                   &src);
			if (n == -EAGAIN) {
				live[ch] = false;
			} else if (n < 0) {
				live[ch] = false; /* an error stops this channel for this round */
				if (!first_err)
					first_err = (int)n;
			} else {
				fn(arg, t, (enum transport_channel)ch, buf, (size_t)n, &ts, &src);
				done++;
			}
		}
	}
	return done || !first_err ? done : first_err;
}

int transport_poll(struct transport *t, int budget, transport_rx_fn fn, void *arg)
{
	if (!t || budget <= 0 || !fn)
		return -EINVAL;
	if (!t->is_open)
		return -ENOTCONN;
	if (t->ops->poll)
		return t->ops->poll(t, budget, fn, arg);
	return poll_fds(t, budget, fn, arg);
}

int transport_physical_addr(struct transport *t, uint8_t *addr, size_t len)
{
	if (!t || !addr)
		return -EINVAL;
	if (!t->is_open)
		return -ENOTCONN;
	return t->ops->physical_addr ? t->ops->physical_addr(t, addr, len) : -EOPNOTSUPP;
}

int transport_protocol_addr(struct transport *t, uint8_t *addr, size_t len)
{
	if (!t || !addr)
		return -EINVAL;
	if (!t->is_open)
		return -ENOTCONN;
	return t->ops->protocol_addr ? t->ops->protocol_addr(t, addr, len) : -EOPNOTSUPP;
}

enum transport_type transport_type(const struct transport *t)
{
	return t->type;
}

const char *transport_name(const struct transport *t)
{
	return t->ops->name;
}

const char *transport_iface(const struct transport *t)
{
	return t->iface;
}

const char *transport_last_error(const struct transport *t)
{
	return t->err;
}

static const struct {
	const char *name;
	enum transport_type type;
} names[] = {
        {"UDPv4", TRANS_UDP_IPV4}, {"UDPv6", TRANS_UDP_IPV6}, {"L2", TRANS_IEEE_802_3},
        {"loop", TRANS_LOOP},      {"impl", TRANS_IMPL},
};

int transport_parse(const char *name, enum transport_type *out)
{
	if (!name)
		return -EINVAL;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].type != TRANS_IMPL && !strcasecmp(name, names[i].name)) {
			*out = names[i].type;
			return 0;
		}
	}
	return -EINVAL;
}

const char *transport_type_name(enum transport_type type)
{
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type)
			return names[i].name;
	return "unknown";
}
