// SPDX-License-Identifier: MIT
/* Management dataField encoders and decoders: the byte layouts pmc expects (see mgmt.h). */
#include <errno.h>
#include <string.h>

#include "mgmt.h"
#include "wire.h"

#define DEFAULT_DS_LEN     20
#define CURRENT_DS_LEN     18
#define PARENT_DS_LEN      32
#define TIME_PROPS_DS_LEN  4
#define PORT_DS_LEN        26
#define PORT_PROPS_MIN_LEN 13

static void put_port_id(uint8_t *p, const struct ptp_port_id *id)
{
	memcpy(p, id->clock.id, 8);
	put16(p + 8, id->port);
}

static void get_port_id(const uint8_t *p, struct ptp_port_id *id)
{
	memcpy(id->clock.id, p, 8);
	id->port = get16(p + 8);
}

static void put_quality(uint8_t *p, const struct ptp_clock_quality *q)
{
	p[0] = q->clock_class;
	p[1] = q->accuracy;
	put16(p + 2, q->variance);
}

static void get_quality(const uint8_t *p, struct ptp_clock_quality *q)
{
	q->clock_class = p[0];
	q->accuracy = p[1];
	q->variance = get16(p + 2);
}

static int enc_default(const struct ds_default *d, uint8_t *p)
{
	memset(p, 0, DEFAULT_DS_LEN);
	p[0] = (uint8_t)((d->two_step ? 1 : 0) | (d->slave_only ? 2 : 0));
	put16(p + 2, d->number_ports);
	p[4] = d->priority1;
	put_quality(p + 5, &d->quality);
	p[9] = d->priority2;
	memcpy(p + 10, d->identity.id, 8);
	p[18] = d->domain;
	return DEFAULT_DS_LEN;
}

static int enc_current(const struct ds_current *c, uint8_t *p)
{
	put16(p, c->steps_removed);
	put64(p + 2, (uint64_t)ptp_ns_to_corr(c->offset_from_master));
	put64(p + 10, (uint64_t)ptp_ns_to_corr(c->mean_path_delay));
	return CURRENT_DS_LEN;
}

static int enc_parent(const struct ds_parent *d, uint8_t *p)
{
	memset(p, 0, PARENT_DS_LEN);
	put_port_id(p, &d->parent_port);
	p[10] = d->parent_stats ? 1 : 0;
	put16(p + 12, d->observed_parent_variance);
	put32(p + 14, (uint32_t)d->observed_parent_phase_change_rate);
	p[18] = d->gm_priority1;
	put_quality(p + 19, &d->gm_quality);
	p[23] = d->gm_priority2;
	memcpy(p + 24, d->gm_identity.id, 8);
	return PARENT_DS_LEN;
}

static int enc_time_props(const struct ds_time_props *t, uint8_t *p)
{
	put16(p, (uint16_t)t->utc_offset);
	p[2] = t->flags & PTP_FLAGS_TIME_PROPS;
	p[3] = t->time_source;
	return TIME_PROPS_DS_LEN;
}

static int enc_port(const struct ds_port *d, uint8_t *p)
{
	put_port_id(p, &d->identity);
	p[10] = d->state;
	p[11] = (uint8_t)d->log_min_delay_req_interval;
	put64(p + 12, (uint64_t)ptp_ns_to_corr(d->peer_mean_path_delay));
	p[20] = (uint8_t)d->log_announce_interval;
	p[21] = d->announce_receipt_timeout;
	p[22] = (uint8_t)d->log_sync_interval;
	p[23] = d->delay_mechanism;
	p[24] = (uint8_t)d->log_min_pdelay_req_interval;
	p[25] = d->version_number & 0x0f;
	return PORT_DS_LEN;
}

static int enc_time_status(const struct mgmt_time_status_np *t, uint8_t *p)
{
	put64(p, (uint64_t)t->master_offset);
	put64(p + 8, (uint64_t)t->ingress_time);
	put32(p + 16, (uint32_t)t->cumulative_scaled_rate_offset);
	put32(p + 20, (uint32_t)t->scaled_last_gm_phase_change);
	put16(p + 24, t->gm_time_base_indicator);
	put16(p + 26, t->last_gm_phase_change.ns_msb);
	put64(p + 28, t->last_gm_phase_change.ns_lsb);
	put16(p + 36, t->last_gm_phase_change.frac_ns);
	put32(p + 38, (uint32_t)t->gm_present);
	memcpy(p + 42, t->gm_identity.id, 8);
	return MGMT_TIME_STATUS_NP_LEN;
}

static int enc_port_props(const struct mgmt_port_props_np *pp, uint8_t *p, size_t cap)
{
	size_t n = strnlen(pp->interface, sizeof(pp->interface) - 1);
	size_t len = PORT_PROPS_MIN_LEN + n;

	len += len & 1;
	if (len > cap)
		return -ENOSPC;
	memset(p, 0, len);
	put_port_id(p, &pp->identity);
	p[10] = pp->state;
	p[11] = pp->timestamping;
	p[12] = (uint8_t)n;
	memcpy(p + 13, pp->interface, n);
	return (int)len;
}

/* Two-octet value + reserved. */
static int enc_datum(uint8_t *p, uint8_t v)
{
	p[0] = v;
	p[1] = 0;
	return 2;
}

/* Fixed size of an id's dataField, or 0 if it is variable or has none. */
static size_t fixed_len(uint16_t id)
{
	switch (id) {
	case MGMT_DEFAULT_DATA_SET:
		return DEFAULT_DS_LEN;
	case MGMT_CURRENT_DATA_SET:
		return CURRENT_DS_LEN;
	case MGMT_PARENT_DATA_SET:
		return PARENT_DS_LEN;
	case MGMT_TIME_PROPERTIES_DATA_SET:
		return TIME_PROPS_DS_LEN;
	case MGMT_PORT_DATA_SET:
		return PORT_DS_LEN;
	case MGMT_TIME_STATUS_NP:
		return MGMT_TIME_STATUS_NP_LEN;
	default:
		return 2;
	}
}

int mgmt_encode_data(uint16_t id, const struct mgmt_sources *s, uint8_t *p, size_t cap)
{
	const struct ds_default *dd = s->dflt;
	const struct ds_port *pd = s->port;
	const struct ds_time_props *tp = s->time_props;

	if (!mgmt_id_str(id))
		return -ENOENT;
	if (id == MGMT_NULL_MANAGEMENT)
		return 0;
	if (id == MGMT_PORT_PROPERTIES_NP)
		return s->port_props ? enc_port_props(s->port_props, p, cap) : -ENOTSUP;
	if (cap < fixed_len(id))
		return -ENOSPC;
	switch (id) {
	case MGMT_DEFAULT_DATA_SET:
		return dd ? enc_default(dd, p) : -ENOTSUP;
	case MGMT_CURRENT_DATA_SET:
		return s->current ? enc_current(s->current, p) : -ENOTSUP;
	case MGMT_PARENT_DATA_SET:
		return s->parent ? enc_parent(s->parent, p) : -ENOTSUP;
	case MGMT_TIME_PROPERTIES_DATA_SET:
		return tp ? enc_time_props(tp, p) : -ENOTSUP;
	case MGMT_PORT_DATA_SET:
		return pd ? enc_port(pd, p) : -ENOTSUP;
	case MGMT_TIME_STATUS_NP:
		return s->time_status ? enc_time_status(s->time_status, p) : -ENOTSUP;
	case MGMT_PRIORITY1:
		return dd ? enc_datum(p, dd->priority1) : -ENOTSUP;
	case MGMT_PRIORITY2:
		return dd ? enc_datum(p, dd->priority2) : -ENOTSUP;
	case MGMT_DOMAIN:
		return dd ? enc_datum(p, dd->domain) : -ENOTSUP;
	case MGMT_SLAVE_ONLY:
		return dd ? enc_datum(p, dd->slave_only ? 1 : 0) : -ENOTSUP;
	case MGMT_CLOCK_ACCURACY:
		return dd ? enc_datum(p, dd->quality.accuracy) : -ENOTSUP;
	case MGMT_TRACEABILITY_PROPERTIES:
		return tp ? enc_datum(p, tp->flags & (PTP_FLAG_TIME_TRACEABLE |
		                                      PTP_FLAG_FREQ_TRACEABLE))
		          : -ENOTSUP;
	case MGMT_TIMESCALE_PROPERTIES:
		return tp ? enc_datum(p, tp->flags & PTP_FLAG_PTP_TIMESCALE) : -ENOTSUP;
	case MGMT_LOG_ANNOUNCE_INTERVAL:
		return pd ? enc_datum(p, (uint8_t)pd->log_announce_interval) : -ENOTSUP;
	case MGMT_ANNOUNCE_RECEIPT_TIMEOUT:
		return pd ? enc_datum(p, pd->announce_receipt_timeout) : -ENOTSUP;
	case MGMT_LOG_SYNC_INTERVAL:
		return pd ? enc_datum(p, (uint8_t)pd->log_sync_interval) : -ENOTSUP;
	case MGMT_VERSION_NUMBER:
		return pd ? enc_datum(p, pd->version_number & 0x0f) : -ENOTSUP;
	case MGMT_DELAY_MECHANISM:
		return pd ? enc_datum(p, pd->delay_mechanism) : -ENOTSUP;
	case MGMT_LOG_MIN_PDELAY_REQ_INTERVAL:
		return pd ? enc_datum(p, (uint8_t)pd->log_min_pdelay_req_interval) : -ENOTSUP;
	default:
		return -ENOTSUP;
	}
}

int mgmt_decode_default(const uint8_t *p, size_t n, struct ds_default *d)
{
	if (n != DEFAULT_DS_LEN)
		return -EBADMSG;
	d->two_step = p[0] & 1;
	d->slave_only = (p[0] >> 1) & 1;
	d->number_ports = get16(p + 2);
	d->priority1 = p[4];
	get_quality(p + 5, &d->quality);
	d->priority2 = p[9];
	memcpy(d->identity.id, p + 10, 8);
	d->domain = p[18];
	return 0;
}

int mgmt_decode_current(const uint8_t *p, size_t n, struct ds_current *c)
{
	if (n != CURRENT_DS_LEN)
		return -EBADMSG;
	c->steps_removed = get16(p);
	c->offset_from_master = ptp_corr_to_ns((int64_t)get64(p + 2));
	c->mean_path_delay = ptp_corr_to_ns((int64_t)get64(p + 10));
	return 0;
}

int mgmt_decode_parent(const uint8_t *p, size_t n, struct ds_parent *d)
{
	if (n != PARENT_DS_LEN)
		return -EBADMSG;
	get_port_id(p, &d->parent_port);
	d->parent_stats = p[10] != 0;
	d->observed_parent_variance = get16(p + 12);
	d->observed_parent_phase_change_rate = (int32_t)get32(p + 14);
	d->gm_priority1 = p[18];
	get_quality(p + 19, &d->gm_quality);
	d->gm_priority2 = p[23];
	memcpy(d->gm_identity.id, p + 24, 8);
	return 0;
}

int mgmt_decode_time_props(const uint8_t *p, size_t n, struct ds_time_props *t)
{
	if (n != TIME_PROPS_DS_LEN)
		return -EBADMSG;
	t->utc_offset = (int16_t)get16(p);
	t->flags = p[2];
	t->time_source = p[3];
	return 0;
}

int mgmt_decode_port(const uint8_t *p, size_t n, struct ds_port *d)
{
	if (n != PORT_DS_LEN)
		return -EBADMSG;
	get_port_id(p, &d->identity);
	d->state = p[10];
	d->log_min_delay_req_interval = (int8_t)p[11];
	d->peer_mean_path_delay = ptp_corr_to_ns((int64_t)get64(p + 12));
	d->log_announce_interval = (int8_t)p[20];
	d->announce_receipt_timeout = p[21];
	d->log_sync_interval = (int8_t)p[22];
	d->delay_mechanism = p[23];
	d->log_min_pdelay_req_interval = (int8_t)p[24];
	d->version_number = p[25] & 0x0f;
	return 0;
}

int mgmt_decode_time_status(const uint8_t *p, size_t n, struct mgmt_time_status_np *t)
{
	if (n != MGMT_TIME_STATUS_NP_LEN)
		return -EBADMSG;
	t->master_offset = (int64_t)get64(p);
	t->ingress_time = (int64_t)get64(p + 8);
	t->cumulative_scaled_rate_offset = (int32_t)get32(p + 16);
	t->scaled_last_gm_phase_change = (int32_t)get32(p + 20);
	t->gm_time_base_indicator = get16(p + 24);
	t->last_gm_phase_change.ns_msb = get16(p + 26);
	t->last_gm_phase_change.ns_lsb = get64(p + 28);
	t->last_gm_phase_change.frac_ns = get16(p + 36);
	t->gm_present = (int32_t)get32(p + 38);
	memcpy(t->gm_identity.id, p + 42, 8);
	return 0;
}

int mgmt_decode_port_props(const uint8_t *p, size_t n, struct mgmt_port_props_np *pp)
{
	if (n < PORT_PROPS_MIN_LEN || p[12] > n - PORT_PROPS_MIN_LEN ||
	    p[12] >= sizeof(pp->interface))
		return -EBADMSG;
	get_port_id(p, &pp->identity);
	pp->state = p[10];
	pp->timestamping = p[11];
	memcpy(pp->interface, p + 13, p[12]);
	pp->interface[p[12]] = '\0';
	return 0;
}
