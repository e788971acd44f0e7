// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: PTP management messages and their TLV dataFields (ptpd-wl/core/mgmt.c,
 * mgmt_ds.c), as the daemon's UDS and pmc-facing code sees them. Properties: what parses gets
 * a reply that parses; a decoded dataField re-encodes to a fixed point (decode, encode,
 * decode, encode gives the same octets twice).
 */
#include <string.h>

#include "core/mgmt.h"
#include "util.h"

static struct ds_default dflt;
static struct ds_current cur;
static struct ds_parent parent;
static struct ds_time_props tp;
static struct ds_port port;
static struct mgmt_time_status_np ts;
static struct mgmt_port_props_np props;

/* Decode d as the dataField of id into the matching source; 0 if it decoded. */
static int decode(uint16_t id, const uint8_t *d, size_t n)
{
	switch (id) {
	case MGMT_DEFAULT_DATA_SET:
		return mgmt_decode_default(d, n, &dflt);
	case MGMT_CURRENT_DATA_SET:
		return mgmt_decode_current(d, n, &cur);
	case MGMT_PARENT_DATA_SET:
		return mgmt_decode_parent(d, n, &parent);
	case MGMT_TIME_PROPERTIES_DATA_SET:
		return mgmt_decode_time_props(d, n, &tp);
	case MGMT_PORT_DATA_SET:
		return mgmt_decode_port(d, n, &port);
	case MGMT_TIME_STATUS_NP:
		return mgmt_decode_time_status(d, n, &ts);
	case MGMT_PORT_PROPERTIES_NP:
		return mgmt_decode_port_props(d, n, &props);
	default:
		return -1;
	}
}

static const uint16_t ids[] = {MGMT_DEFAULT_DATA_SET,  MGMT_CURRENT_DATA_SET,
                               MGMT_PARENT_DATA_SET,   MGMT_TIME_PROPERTIES_DATA_SET,
                               MGMT_PORT_DATA_SET,     MGMT_TIME_STATUS_NP,
                               MGMT_PORT_PROPERTIES_NP};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mgmt_sources src = {&dflt, &cur, &parent, &tp, &port, &ts, &props};
	static const struct ptp_port_id self = {{{1, 2, 3, 4, 5, 6, 7, 8}}, 1};
	struct mgmt_msg m, r;
	uint8_t out[PTP_MAX_MSG_LEN], e1[PTP_MAX_MSG_LEN], e2[PTP_MAX_MSG_LEN];
	uint8_t *in = malloc(size ? size : 1);
	if (!in)
		return 0;
	memcpy(in, data, size);

	/* every decoder on the raw input, and its encoding as a fixed point */
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (decode(ids[i], in, size))
			continue;
		int n1 = mgmt_encode_data(ids[i], &src, e1, sizeof(e1));
		FUZZ_CHECK(n1 > 0);
		FUZZ_CHECK(decode(ids[i], e1, (size_t)n1) == 0);
		int n2 = mgmt_encode_data(ids[i], &src, e2, sizeof(e2));
		FUZZ_CHECK(n2 == n1 && !memcmp(e1, e2, (size_t)n1));
	}

	int err = mgmt_parse(in, size, &m);
	FUZZ_CHECK(m.msg.reason != NULL);
	if (!err) {
		FUZZ_CHECK(m.data_len == 0 || (m.data >= in && m.data + m.data_len <= in + size));
		(void)mgmt_id_str(m.id);
		(void)mgmt_action_str(m.msg.management.action);
		(void)mgmt_id_is_port_level(m.id);
		(void)mgmt_targets_port(&m, &self);
		if (m.tlv_type == PTP_TLV_MANAGEMENT)
			(void)decode(m.id, m.data, m.data_len);
		int len = mgmt_respond(out, sizeof(out), &m, &self, &src);
		FUZZ_CHECK(len >= 0);
		if (len > 0)
			FUZZ_CHECK(mgmt_parse(out, (size_t)len, &r) == 0);
	}
	free(in);
	return 0;
}
