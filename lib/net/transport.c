// SPDX-License-Identifier: MIT
/*
 * Transport dispatcher (linuxptp's transport.c): picks the implementation by enum, validates
 * arguments, tracks the open state, supplies defaults for the optional ops.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "transport_private.h"

void transport_config_defaults(struct transport_config *cfg)
{
	static const uint8_t ptp_mac[6] = {0x01, 0x1B, 0x19, 0x00, 0x00, 0x00};
	static const uint8_t p2p_mac[6] = {0x01, 0x80, 0xC2, 0x00, 0x00, 0x0E};

	memset(cfg, 0, sizeof(*cfg));
	cfg->ts_mode = TS_SOFTWARE;
	cfg->tx_timeout_ms = 1;
	cfg->udp_ttl = 1;
	cfg->udp6_scope = 0x0E;
	memcpy(cfg->ptp_dst_mac, ptp_mac, 6);
	memcpy(cfg->p2p_dst_mac, p2p_mac, 6);
}

static int check_config(const struct transport_config *c)
{
	if (c->tx_timeout_ms < 0 || c->udp_ttl < 1 || c->udp_ttl > 255 || c->udp6_scope < 0 ||
	    c->udp6_scope > 0xF || c->dscp_event < 0 || c->dscp_event > 63 || c->dscp_general < 0 ||
	    c->dscp_general > 63 || c->loop_delay_ns < 0 ||
	    (c->ts_mode != TS_SOFTWARE && c->ts_mode != TS_HARDWARE))
		return -EINVAL;
	return 0;
}

struct transport *transport_create(enum transport_type type, const struct transport_config *cfg)
{
	struct transport_config c;
	struct transport *t;

	if (cfg)
		c = *cfg;
	else
		transport_config_defaults(&c);
	if (check_config(&c)) {
		errno = EINVAL;
		return NULL;
	}
	switch (type) {
	case TRANS_UDP_IPV4:
		t = udp4_transport_create();
		break;
	case TRANS_UDP_IPV6:
		t = udp6_transport_create();
		break;
	case TRANS_IEEE_802_3:
		t = raw_transport_create();
		break;
	case TRANS_LOOP:
		t = loop_transport_create();
		break;
	default:
		errno = EINVAL;
		return NULL;
	}
	if (!t)
		return NULL;
	t->type = type;
	t->cfg = c;
	t->is_open = false;
	t->iface[0] = 0;
	t->err[0] = 0;
	return t;
}

void transport_destroy(struct transport *t)
{
	if (!t)
		return;
	transport_close(t);
	t->ops->destroy(t);
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
                       const struct transport_addr *addr, const void *buf, size_t len, tmv_t *tx_ts)
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
		*tx_ts = 0;
	return t->ops->send(t, ch, dest, addr, buf, len, tx_ts);
}

ssize_t transport_recv(struct transport *t, enum transport_channel ch, void *buf, size_t len,
                       tmv_t *rx_ts, struct transport_addr *src)
{
	if (!t || bad_channel(ch) || !buf)
		return -EINVAL;
	if (!t->is_open)
		return -ENOTCONN;
	if (rx_ts)
		*rx_ts = 0;
	if (src)
		memset(src, 0, sizeof(*src));
	return t->ops->recv(t, ch, buf, len, rx_ts, src);
}

int transport_fd(struct transport *t, enum transport_channel ch)
{
	if (!t || !t->is_open || bad_channel(ch))
		return -1;
	return t->ops->fd(t, ch);
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
        {"UDPv4", TRANS_UDP_IPV4},
        {"UDPv6", TRANS_UDP_IPV6},
        {"L2", TRANS_IEEE_802_3},
        {"loop", TRANS_LOOP},
};

int transport_parse(const char *name, enum transport_type *out)
{
	if (!name)
		return -EINVAL;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(name, names[i].name)) {
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
