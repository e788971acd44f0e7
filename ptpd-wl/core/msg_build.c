// SPDX-License-Identifier: MIT
/* IEEE 1588-2019 message serialisers: header, bodies, TLV append; see msg.h. */
#include <errno.h>
#include <string.h>

#include "msg.h"
#include "wire.h"

static uint8_t control_for(unsigned type)
{
	switch (type) {
	case PTP_SYNC:
		return PTP_CTL_SYNC;
	case PTP_DELAY_REQ:
		return PTP_CTL_DELAY_REQ;
	case PTP_FOLLOW_UP:
		return PTP_CTL_FOLLOW_UP;
	case PTP_DELAY_RESP:
		return PTP_CTL_DELAY_RESP;
	case PTP_MANAGEMENT:
		return PTP_CTL_MANAGEMENT;
	default:
		return PTP_CTL_OTHER;
	}
}

void msg_hdr_init(struct ptp_header *h, enum ptp_msg_type type, const struct ptp_port_id *src,
                  uint8_t domain, uint16_t seq, int8_t log_interval)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->version = PTP_VERSION;
	h->minor_version = PTP_MINOR_VERSION;
	h->domain = domain;
	if (src)
		h->source = *src;
	h->seq = seq;
	h->control = control_for(type);
	h->log_interval = log_interval;
}

static void put_port_id(uint8_t *p, const struct ptp_port_id *id)
{
	memcpy(p, id->clock.id, 8);
	put16(p + 8, id->port);
}

static bool ts_ok(const struct ptp_ts *ts)
{
	return ts->sec <= PTP_SECONDS_MAX && ts->nsec < NS_PER_SEC;
}

static void put_ts(uint8_t *p, const struct ptp_ts *ts)
{
	put48(p, ts->sec);
	put32(p + 6, ts->nsec);
}

/* The timestamp a body starts with, or NULL for bodies without one. */
static const struct ptp_ts *body_ts(const struct ptp_msg *m)
{
	switch (m->hdr.type) {
	case PTP_SYNC:
	case PTP_DELAY_REQ:
		return &m->sync.origin;
	case PTP_PDELAY_REQ:
		return &m->pdelay_req.origin;
	case PTP_FOLLOW_UP:
		return &m->follow_up.precise_origin;
	case PTP_DELAY_RESP:
		return &m->delay_resp.receive;
	case PTP_PDELAY_RESP:
		return &m->pdelay_resp.request_receipt;
	case PTP_PDELAY_RESP_FUP:
		return &m->pdelay_resp_fup.response_origin;
	case PTP_ANNOUNCE:
		return &m->announce.origin;
	default:
		return NULL;
	}
}

static void put_body(uint8_t *b, const struct ptp_msg *m)
{
	const struct ptp_announce *a = &m->announce;

	switch (m->hdr.type) {
	case PTP_DELAY_RESP:
		put_port_id(b + 10, &m->delay_resp.requesting);
		break;
	case PTP_PDELAY_RESP:
		put_port_id(b + 10, &m->pdelay_resp.requesting);
		break;
	case PTP_PDELAY_RESP_FUP:
		put_port_id(b + 10, &m->pdelay_resp_fup.requesting);
		break;
	case PTP_ANNOUNCE:
		put16(b + 10, (uint16_t)a->utc_offset);
		b[13] = a->gm_priority1;
		b[14] = a->gm_quality.clock_class;
		b[15] = a->gm_quality.accuracy;
		put16(b + 16, a->gm_quality.variance);
		b[18] = a->gm_priority2;
		memcpy(b + 19, a->gm_identity.id, 8);
		put16(b + 27, a->steps_removed);
		b[29] = a->time_source;
		break;
	case PTP_SIGNALING:
		put_port_id(b, &m->signaling.target);
		break;
	case PTP_MANAGEMENT:
		put_port_id(b, &m->management.target);
		b[10] = m->management.starting_hops;
		b[11] = m->management.hops;
		b[12] = m->management.action & 0x0f;
		break;
	}
}

int msg_build(uint8_t *buf, size_t cap, const struct ptp_msg *m)
{
	const struct ptp_header *h = &m->hdr;
	const struct ptp_ts *ts = body_ts(m);
	size_t len = msg_body_len(h->type);

	if (!len || h->version != PTP_VERSION || h->minor_version > 15 || h->major_sdo_id > 15)
		return -EINVAL;
	if (ts && !ts_ok(ts))
		return -EINVAL;
	if (!buf || cap < len)
		return -ENOSPC;
	memset(buf, 0, len);
	buf[0] = (uint8_t)(h->major_sdo_id << 4 | h->type);
	buf[1] = (uint8_t)(h->minor_version << 4 | h->version);
	put16(buf + 2, (uint16_t)len);
	buf[4] = h->domain;
	buf[5] = h->minor_sdo_id;
	put16(buf + 6, h->flags);
	put64(buf + 8, (uint64_t)h->correction);
	put32(buf + 16, h->type_specific);
	put_port_id(buf + 20, &h->source);
	put16(buf + 30, h->seq);
	buf[32] = h->control;
	buf[33] = (uint8_t)h->log_interval;
	if (ts)
		put_ts(buf + PTP_HDR_LEN, ts);
	put_body(buf + PTP_HDR_LEN, m);
	return (int)len;
}

int msg_tlv_append(uint8_t *buf, size_t cap, size_t len, uint16_t type, const void *value,
                   size_t vlen)
{
	size_t padded = vlen + (vlen & 1);
	size_t total = len + 4 + padded;

	if (!buf || len < PTP_HDR_LEN || vlen > 65534 || total > 65535 || (vlen && !value))
		return -EINVAL;
	if (total > cap)
		return -ENOSPC;
	put16(buf + len, type);
	put16(buf + len + 2, (uint16_t)padded);
	if (vlen)
		memmove(buf + len + 4, value, vlen);
	if (padded != vlen)
		buf[len + 4 + vlen] = 0;
	put16(buf + 2, (uint16_t)total);
	return (int)total;
}

static int build_typed(uint8_t *buf, size_t cap, const struct ptp_header *hdr, unsigned type,
                       struct ptp_msg *m)
{
	m->hdr = *hdr;
	m->hdr.type = (uint8_t)type;
	return msg_build(buf, cap, m);
}

int msg_build_sync(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                   const struct ptp_ts *origin)
{
	struct ptp_msg m = {.sync.origin = *origin};
	return build_typed(buf, cap, hdr, PTP_SYNC, &m);
}

int msg_build_delay_req(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                        const struct ptp_ts *origin)
{
	struct ptp_msg m = {.delay_req.origin = *origin};
	return build_typed(buf, cap, hdr, PTP_DELAY_REQ, &m);
}

int msg_build_follow_up(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                        const struct ptp_ts *precise_origin)
{
	struct ptp_msg m = {.follow_up.precise_origin = *precise_origin};
	return build_typed(buf, cap, hdr, PTP_FOLLOW_UP, &m);
}

int msg_build_delay_resp(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                         const struct ptp_ts *receive, const struct ptp_port_id *requesting)
{
	struct ptp_msg m = {.delay_resp = {*receive, *requesting}};
	return build_typed(buf, cap, hdr, PTP_DELAY_RESP, &m);
}

int msg_build_pdelay_req(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                         const struct ptp_ts *origin)
{
	struct ptp_msg m = {.pdelay_req.origin = *origin};
	return build_typed(buf, cap, hdr, PTP_PDELAY_REQ, &m);
}

int msg_build_pdelay_resp(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                          const struct ptp_ts *request_receipt,
                          const struct ptp_port_id *requesting)
{
	struct ptp_msg m = {.pdelay_resp = {*request_receipt, *requesting}};
	return build_typed(buf, cap, hdr, PTP_PDELAY_RESP, &m);
}

int msg_build_pdelay_resp_fup(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                              const struct ptp_ts *response_origin,
                              const struct ptp_port_id *requesting)
{
	struct ptp_msg m = {.pdelay_resp_fup = {*response_origin, *requesting}};
	return build_typed(buf, cap, hdr, PTP_PDELAY_RESP_FUP, &m);
}

int msg_build_announce(uint8_t *buf, size_t cap, const struct ptp_header *hdr,
                       const struct ptp_announce *a)
{
	struct ptp_msg m = {.announce = *a};
	return build_typed(buf, cap, hdr, PTP_ANNOUNCE, &m);
}
