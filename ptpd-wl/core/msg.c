// SPDX-License-Identifier: MIT
/* IEEE 1588-2019 message parser and TLV walker; see msg.h for the wire layout. */
#include <errno.h>
#include <string.h>

#include "msg.h"
#include "wire.h"

size_t msg_body_len(unsigned type)
{
	switch (type) {
	case PTP_SYNC:
	case PTP_DELAY_REQ:
	case PTP_FOLLOW_UP:
		return PTP_HDR_LEN + PTP_TS_LEN;
	case PTP_DELAY_RESP:
	case PTP_PDELAY_REQ:
	case PTP_PDELAY_RESP:
	case PTP_PDELAY_RESP_FUP:
		return PTP_HDR_LEN + 2 * PTP_TS_LEN;
	case PTP_ANNOUNCE:
		return PTP_HDR_LEN + 30;
	case PTP_SIGNALING:
		return PTP_HDR_LEN + 10;
	case PTP_MANAGEMENT:
		return PTP_HDR_LEN + 14;
	default:
		return 0;
	}
}

const char *msg_type_str(unsigned type)
{
	switch (type) {
	case PTP_SYNC:
		return "Sync";
	case PTP_DELAY_REQ:
		return "Delay_Req";
	case PTP_PDELAY_REQ:
		return "Pdelay_Req";
	case PTP_PDELAY_RESP:
		return "Pdelay_Resp";
	case PTP_FOLLOW_UP:
		return "Follow_Up";
	case PTP_DELAY_RESP:
		return "Delay_Resp";
	case PTP_PDELAY_RESP_FUP:
		return "Pdelay_Resp_Follow_Up";
	case PTP_ANNOUNCE:
		return "Announce";
	case PTP_SIGNALING:
		return "Signaling";
	case PTP_MANAGEMENT:
		return "Management";
	default:
		return "unknown";
	}
}

static void get_port_id(const uint8_t *p, struct ptp_port_id *id)
{
	memcpy(id->clock.id, p, 8);
	id->port = get16(p + 8);
}

/* The last instant tmv_t (int64 ns) holds: 2262-04-11T23:47:16.854775807 (PTP epoch). */
#define TS_SEC_MAX  ((uint64_t)(INT64_MAX / NS_PER_SEC))
#define TS_NSEC_MAX ((uint32_t)(INT64_MAX % NS_PER_SEC))

bool ptp_ts_valid(const struct ptp_ts *ts)
{
	if (ts->nsec >= NS_PER_SEC)
		return false;
	return ts->sec < TS_SEC_MAX || (ts->sec == TS_SEC_MAX && ts->nsec <= TS_NSEC_MAX);
}

/* Reads 10 octets; returns 0, or why the timestamp is invalid input. */
static const char *get_ts(const uint8_t *p, struct ptp_ts *ts)
{
	ts->sec = get48(p);
	ts->nsec = get32(p + 6);
	if (ts->nsec >= NS_PER_SEC)
		return "timestamp nanoseconds >= 1e9";
	if (!ptp_ts_valid(ts))
		return "timestamp beyond the int64 ns range (year 2262)";
	return NULL;
}

static int reject(struct ptp_msg *m, int err, const char *why)
{
	m->reason = why;
	return err;
}

static int parse_body(const uint8_t *b, struct ptp_msg *m)
{
	const char *bad = NULL;

	switch (m->hdr.type) {
	case PTP_SYNC:
	case PTP_DELAY_REQ:
		bad = get_ts(b, &m->sync.origin);
		break;
	case PTP_PDELAY_REQ: /* 10 reserved octets follow the timestamp */
		bad = get_ts(b, &m->pdelay_req.origin);
		break;
	case PTP_FOLLOW_UP:
		bad = get_ts(b, &m->follow_up.precise_origin);
		break;
	case PTP_DELAY_RESP:
		bad = get_ts(b, &m->delay_resp.receive);
		get_port_id(b + 10, &m->delay_resp.requesting);
		break;
	case PTP_PDELAY_RESP:
		bad = get_ts(b, &m->pdelay_resp.request_receipt);
		get_port_id(b + 10, &m->pdelay_resp.requesting);
		break;
	case PTP_PDELAY_RESP_FUP:
		bad = get_ts(b, &m->pdelay_resp_fup.response_origin);
		get_port_id(b + 10, &m->pdelay_resp_fup.requesting);
		break;
	case PTP_ANNOUNCE: {
		struct ptp_announce *a = &m->announce;
		bad = get_ts(b, &a->origin);
		a->utc_offset = (int16_t)get16(b + 10);
		/* b[12] reserved */
		a->gm_priority1 = b[13];
		a->gm_quality.clock_class = b[14];
		a->gm_quality.accuracy = b[15];
		a->gm_quality.variance = get16(b + 16);
		a->gm_priority2 = b[18];
		memcpy(a->gm_identity.id, b + 19, 8);
		a->steps_removed = get16(b + 27);
		a->time_source = b[29];
		break;
	}
	case PTP_SIGNALING:
		get_port_id(b, &m->signaling.target);
		break;
	case PTP_MANAGEMENT:
		get_port_id(b, &m->management.target);
		m->management.starting_hops = b[10];
		m->management.hops = b[11];
		m->management.action = b[12] & 0x0f;
		break;
	}
	return bad ? reject(m, -EBADMSG, bad) : 0;
}

static int parse_tlvs(const uint8_t *p, size_t n, struct ptp_msg *m)
{
	size_t off = 0;

	m->tlvs = n ? p : NULL;
	m->tlv_len = n;
	m->tlv_count = 0;
	while (off < n) {
		if (n - off < 4)
			return reject(m, -EBADMSG, "truncated TLV header");
		size_t tl = get16(p + off + 2);
		if (tl & 1)
			return reject(m, -EBADMSG, "odd TLV lengthField");
		if (tl > n - off - 4)
			return reject(m, -EBADMSG, "TLV overruns messageLength");
		off += 4 + tl;
		m->tlv_count++;
	}
	return 0;
}

int msg_parse(const uint8_t *buf, size_t len, struct ptp_msg *m)
{
	struct ptp_header *h = &m->hdr;
	size_t body;
	int err;

	memset(m, 0, sizeof(*m));
	if (!buf || len < PTP_HDR_LEN)
		return reject(m, -EBADMSG, "shorter than the 34-octet header");
	h->major_sdo_id = buf[0] >> 4;
	h->type = buf[0] & 0x0f;
	h->minor_version = buf[1] >> 4;
	h->version = buf[1] & 0x0f;
	h->length = get16(buf + 2);
	h->domain = buf[4];
	h->minor_sdo_id = buf[5];
	h->flags = get16(buf + 6);
	h->correction = (int64_t)get64(buf + 8);
	h->type_specific = get32(buf + 16);
	get_port_id(buf + 20, &h->source);
	h->seq = get16(buf + 30);
	h->control = buf[32];
	h->log_interval = (int8_t)buf[33];

	if (h->version != PTP_VERSION)
		return reject(m, -EPROTO, "versionPTP is not 2");
	if (h->minor_version > 1)
		return reject(m, -EPROTO, "minorVersionPTP is not 0 or 1");
	body = msg_body_len(h->type);
	if (!body)
		return reject(m, -EPROTO, "unknown messageType");
	if (h->length < body)
		return reject(m, -EBADMSG, "messageLength shorter than the message type");
	if (h->length > len)
		return reject(m, -EBADMSG, "messageLength exceeds the received octets");
	err = parse_body(buf + PTP_HDR_LEN, m);
	if (err)
		return err;
	err = parse_tlvs(buf + body, h->length - body, m);
	if (err)
		return err;
	m->reason = "ok";
	return 0;
}

const char *msg_strerror(const struct ptp_msg *m)
{
	return m && m->reason ? m->reason : "not parsed";
}

int msg_tlv_next(const struct ptp_msg *m, size_t *off, struct ptp_tlv *tlv)
{
	if (!m->tlvs || *off + 4 > m->tlv_len)
		return 0;
	const uint8_t *p = m->tlvs + *off;
	size_t tl = get16(p + 2);
	if (tl > m->tlv_len - *off - 4)
		return 0; /* cannot happen after msg_parse; defensive */
	tlv->type = get16(p);
	tlv->length = (uint16_t)tl;
	tlv->value = p + 4;
	*off += 4 + tl;
	return 1;
}

int msg_tlv_find(const struct ptp_msg *m, uint16_t type, struct ptp_tlv *tlv)
{
	size_t off = 0;

	while (msg_tlv_next(m, &off, tlv))
		if (tlv->type == type)
			return 0;
	return -ENOENT;
}

tmv_t ptp_ts_to_tmv(const struct ptp_ts *ts)
{
	if (!ptp_ts_valid(ts))
		return INT64_MAX; /* msg_parse() rejects these: saturate, never wrap */
	return (tmv_t)ts->sec * NS_PER_SEC + ts->nsec;
}

int ptp_ts_from_tmv(tmv_t t, struct ptp_ts *ts)
{
	if (t < 0)
		return -ERANGE;
	ts->sec = (uint64_t)(t / NS_PER_SEC);
	ts->nsec = (uint32_t)(t % NS_PER_SEC);
	return 0;
}

tmv_t ptp_corr_to_ns(int64_t scaled)
{
	uint64_t mag = scaled >= 0 ? (uint64_t)scaled : (uint64_t)(-(scaled + 1)) + 1;
	tmv_t ns = (tmv_t)((mag + 0x8000) >> 16);

	return scaled >= 0 ? ns : -ns;
}

int64_t ptp_ns_to_corr(tmv_t ns)
{
	if (ns > INT64_MAX >> 16)
		return INT64_MAX;
	if (ns < INT64_MIN >> 16)
		return INT64_MIN;
	return (int64_t)((uint64_t)ns << 16);
}

int ptp_clock_id_cmp(const struct ptp_clock_id *a, const struct ptp_clock_id *b)
{
	return memcmp(a->id, b->id, sizeof(a->id));
}

int ptp_port_id_cmp(const struct ptp_port_id *a, const struct ptp_port_id *b)
{
	int c = ptp_clock_id_cmp(&a->clock, &b->clock);

	if (c)
		return c < 0 ? -1 : 1;
	return a->port < b->port ? -1 : a->port > b->port;
}

bool ptp_port_id_eq(const struct ptp_port_id *a, const struct ptp_port_id *b)
{
	return !ptp_port_id_cmp(a, b);
}
