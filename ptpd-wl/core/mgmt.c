// SPDX-License-Identifier: MIT
/* Management messages: parse, build requests/responses/error status, answer GETs. */
#include <errno.h>
#include <string.h>

#include "mgmt.h"
#include "wire.h"

static int reject(struct mgmt_msg *m, int err, const char *why)
{
	m->msg.reason = why;
	return err;
}

int mgmt_parse(const uint8_t *buf, size_t len, struct mgmt_msg *out)
{
	struct ptp_tlv tlv;
	size_t off = 0;
	int err;

	memset(out, 0, sizeof(*out));
	err = msg_parse(buf, len, &out->msg);
	if (err)
		return err;
	if (out->msg.hdr.type != PTP_MANAGEMENT)
		return reject(out, -EBADMSG, "not a Management message");
	if (out->msg.management.action > PTP_MGMT_ACKNOWLEDGE)
		return reject(out, -EBADMSG, "actionField out of range");
	if (!msg_tlv_next(&out->msg, &off, &tlv))
		return reject(out, -EBADMSG, "Management message without a TLV");
	out->tlv_type = tlv.type;
	if (tlv.type == PTP_TLV_MANAGEMENT) {
		if (tlv.length < 2)
			return reject(out, -EBADMSG, "MANAGEMENT TLV shorter than managementId");
		out->id = get16(tlv.value);
		out->data = tlv.value + 2;
		out->data_len = tlv.length - 2u;
	} else if (tlv.type == PTP_TLV_MANAGEMENT_ERROR_STATUS) {
		if (tlv.length < MGMT_ERROR_STATUS_MIN)
			return reject(out, -EBADMSG, "MANAGEMENT_ERROR_STATUS TLV too short");
		out->error = get16(tlv.value);
		out->id = get16(tlv.value + 2);
		out->data = tlv.value + 8;
		out->data_len = tlv.length - 8u;
	} else {
		return reject(out, -EBADMSG, "first TLV is not a management TLV");
	}
	return 0;
}

const char *mgmt_action_str(unsigned action)
{
	static const char *const names[] = {"GET", "SET", "RESPONSE", "COMMAND", "ACKNOWLEDGE"};

	return action < 5 ? names[action] : "?";
}

const char *mgmt_id_str(uint16_t id)
{
	switch (id) {
#define N(x)                                                                                       \
	case MGMT_##x:                                                                             \
		return #x
		N(NULL_MANAGEMENT);
		N(CLOCK_DESCRIPTION);
		N(USER_DESCRIPTION);
		N(SAVE_IN_NON_VOLATILE_STORAGE);
		N(RESET_NON_VOLATILE_STORAGE);
		N(INITIALIZE);
		N(FAULT_LOG);
		N(FAULT_LOG_RESET);
		N(DEFAULT_DATA_SET);
		N(CURRENT_DATA_SET);
		N(PARENT_DATA_SET);
		N(TIME_PROPERTIES_DATA_SET);
		N(PORT_DATA_SET);
		N(PRIORITY1);
		N(PRIORITY2);
		N(DOMAIN);
		N(SLAVE_ONLY);
		N(LOG_ANNOUNCE_INTERVAL);
		N(ANNOUNCE_RECEIPT_TIMEOUT);
		N(LOG_SYNC_INTERVAL);
		N(VERSION_NUMBER);
		N(ENABLE_PORT);
		N(DISABLE_PORT);
		N(TIME);
		N(CLOCK_ACCURACY);
		N(UTC_PROPERTIES);
		N(TRACEABILITY_PROPERTIES);
		N(TIMESCALE_PROPERTIES);
		N(DELAY_MECHANISM);
		N(LOG_MIN_PDELAY_REQ_INTERVAL);
		N(TIME_STATUS_NP);
		N(GRANDMASTER_SETTINGS_NP);
		N(PORT_DATA_SET_NP);
		N(SUBSCRIBE_EVENTS_NP);
		N(PORT_PROPERTIES_NP);
		N(PORT_STATS_NP);
		N(SYNCHRONIZATION_UNCERTAIN_NP);
#undef N
	default:
		return NULL;
	}
}

bool mgmt_id_is_port_level(uint16_t id)
{
	switch (id) {
	case MGMT_NULL_MANAGEMENT:
	case MGMT_CLOCK_DESCRIPTION:
	case MGMT_PORT_DATA_SET:
	case MGMT_LOG_ANNOUNCE_INTERVAL:
	case MGMT_ANNOUNCE_RECEIPT_TIMEOUT:
	case MGMT_LOG_SYNC_INTERVAL:
	case MGMT_VERSION_NUMBER:
	case MGMT_ENABLE_PORT:
	case MGMT_DISABLE_PORT:
	case MGMT_DELAY_MECHANISM:
	case MGMT_LOG_MIN_PDELAY_REQ_INTERVAL:
	case MGMT_PORT_DATA_SET_NP:
	case MGMT_PORT_PROPERTIES_NP:
	case MGMT_PORT_STATS_NP:
		return true;
	default:
		return false;
	}
}

static bool all_ones(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

bool mgmt_targets_port(const struct mgmt_msg *m, const struct ptp_port_id *port)
{
	const struct ptp_port_id *t = &m->msg.management.target;
	bool clock_ok = all_ones(t->clock.id, 8) || !ptp_clock_id_cmp(&t->clock, &port->clock);

	return clock_ok && (t->port == 0xffff || t->port == port->port);
}

/* Header + Management body with the given fields; returns MGMT_HDR_LEN or -errno. */
static int build_head(uint8_t *buf, size_t cap, const struct ptp_port_id *self,
                      const struct ptp_port_id *target, uint8_t domain, uint16_t seq,
                      uint8_t starting_hops, uint8_t hops, uint8_t action)
{
	struct ptp_msg m;

	memset(&m, 0, sizeof(m));
	msg_hdr_init(&m.hdr, PTP_MANAGEMENT, self, domain, seq, PTP_LOG_INTERVAL_UNUSED);
	m.management.target = *target;
	m.management.starting_hops = starting_hops;
	m.management.hops = hops;
	m.management.action = action;
	return msg_build(buf, cap, &m);
}

/* MANAGEMENT TLV value = managementId + data; built in place after the head. */
static int append_mgmt_tlv(uint8_t *buf, size_t cap, int len, uint16_t id, const void *data,
                           size_t data_len)
{
	size_t padded = data_len + (data_len & 1);

	if (len < 0)
		return len;
	if (data_len && !data)
		return -EINVAL;
	if (data_len > 65000)
		return -EINVAL;
	if ((size_t)len + 6 + padded > cap)
		return -ENOSPC;
	/* write id + data where msg_tlv_append puts the value, then let it frame them */
	uint8_t *v = buf + len + 4;
	if (data_len)
		memmove(v + 2, data, data_len);
	put16(v, id);
	return msg_tlv_append(buf, cap, (size_t)len, PTP_TLV_MANAGEMENT, v, 2 + data_len);
}

int mgmt_build_request(uint8_t *buf, size_t cap, const struct ptp_port_id *self,
                       const struct ptp_port_id *target, uint8_t domain, uint16_t seq, uint8_t hops,
                       enum ptp_mgmt_action action, uint16_t id, const void *data, size_t data_len)
{
	int len = build_head(buf, cap, self, target, domain, seq, hops, hops, (uint8_t)action);

	return append_mgmt_tlv(buf, cap, len, id, data, data_len);
}

static int reply_head(uint8_t *buf, size_t cap, const struct mgmt_msg *req,
                      const struct ptp_port_id *self)
{
	const struct ptp_mgmt_body *b = &req->msg.management;
	uint8_t hops = b->starting_hops >= b->hops ? (uint8_t)(b->starting_hops - b->hops) : 0;
	uint8_t action = b->action == PTP_MGMT_COMMAND ? PTP_MGMT_ACKNOWLEDGE : PTP_MGMT_RESPONSE;

	return build_head(buf, cap, self, &req->msg.hdr.source, req->msg.hdr.domain,
	                  req->msg.hdr.seq, hops, hops, action);
}

int mgmt_build_response(uint8_t *buf, size_t cap, const struct mgmt_msg *req,
                        const struct ptp_port_id *self, uint16_t id, const void *data,
                        size_t data_len)
{
	return append_mgmt_tlv(buf, cap, reply_head(buf, cap, req, self), id, data, data_len);
}

int mgmt_build_error(uint8_t *buf, size_t cap, const struct mgmt_msg *req,
                     const struct ptp_port_id *self, uint16_t error)
{
	uint8_t v[MGMT_ERROR_STATUS_MIN] = {0};
	int len = reply_head(buf, cap, req, self);

	if (len < 0)
		return len;
	put16(v, error);
	put16(v + 2, req->id);
	return msg_tlv_append(buf, cap, (size_t)len, PTP_TLV_MANAGEMENT_ERROR_STATUS, v, sizeof(v));
}

int mgmt_respond(uint8_t *buf, size_t cap, const struct mgmt_msg *req,
                 const struct ptp_port_id *self, const struct mgmt_sources *src)
{
	static const struct mgmt_sources none;
	uint8_t data[512];
	int n;

	if (req->tlv_type != PTP_TLV_MANAGEMENT)
		return 0;
	switch (req->msg.management.action) {
	case PTP_MGMT_GET:
		break;
	case PTP_MGMT_SET:
	case PTP_MGMT_COMMAND:
		return mgmt_build_error(buf, cap, req, self,
		                        mgmt_id_str(req->id) ? MGMT_ERR_NOT_SUPPORTED
		                                             : MGMT_ERR_NO_SUCH_ID);
	default:
		return 0;
	}
	n = mgmt_encode_data(req->id, src ? src : &none, data, sizeof(data));
	if (n == -ENOENT)
		return mgmt_build_error(buf, cap, req, self, MGMT_ERR_NO_SUCH_ID);
	if (n == -ENOSPC)
		return mgmt_build_error(buf, cap, req, self, MGMT_ERR_RESPONSE_TOO_BIG);
	if (n < 0)
		return mgmt_build_error(buf, cap, req, self, MGMT_ERR_NOT_SUPPORTED);
	return mgmt_build_response(buf, cap, req, self, req->id, data, (size_t)n);
}
