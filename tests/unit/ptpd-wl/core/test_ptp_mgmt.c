// SPDX-License-Identifier: MIT
/* ptpd-wl management codec: pmc-shaped requests (hand bytes), responses with exact dataField
 * offsets (as linuxptp's structs lay them out), encode/decode round trips, error status
 * replies, targeting, length checks and fuzzing. The real-pmc check is the integration test
 * tests/integration/test_ptp_mgmt_codec.sh. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mgmt.h"

static const struct ptp_clock_id me = {{0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55}};
static const struct ptp_clock_id gm = {{0x0a, 0x0b, 0x0c, 0xff, 0xfe, 0x0d, 0x0e, 0x0f}};

/* What pmc -u -b 0 sends for 'GET CURRENT_DATA_SET' (seq 5, pmc's pid-based port 0x1234). */
static const uint8_t pmc_get_current[48 + 4 + 2 + 18] = {
        0x0d, 0x02, 0x00, 72,   0x00, 0x00, 0x00, 0x00, /* Management, v2.0, len 72 */
        0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
        0,    0xaa, 0xbb, 0xcc, 0xff, 0xfe, 0xdd, 0xee, 0xff, 0x12, 0x34, /* pmc's port identity */
        0x00, 0x05, 0x04, 0x7f,                                     /* seq 5, control 4, 0x7f */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* target: wildcard */
        0x00, 0x00, 0x00, 0x00,                                     /* hops 0/0, GET */
        0x00, 0x01, 0x00, 0x14, 0x20, 0x01, /* MANAGEMENT TLV, len 20, CURRENT_DATA_SET */
};

static struct ds_default dd;
static struct ds_current cur;
static struct ds_parent par;
static struct ds_time_props tp;
static struct ds_port pd;
static struct mgmt_time_status_np tsn;
static struct mgmt_port_props_np pp;
static struct mgmt_sources src;

static void setup(void)
{
	dd = (struct ds_default){true, false, 2, 128, {248, 0xfe, 0xffff}, 127, me, 4};
	cur = (struct ds_current){1, -1234, 5678};
	par = (struct ds_parent){{gm, 1},           false, 0xffff, 0x7fffffff, 100,
	                         {6, 0x21, 0x4e5d}, 99,    gm};
	tp = (struct ds_time_props){37, PTP_FLAG_UTC_OFF_VALID | PTP_FLAG_PTP_TIMESCALE, 0x20};
	pd = (struct ds_port){{me, 1}, PTP_PS_SLAVE, -3, 42, 1, 3, -1, PTP_DM_E2E, 0, 2};
	tsn = (struct mgmt_time_status_np){
	        .master_offset = -1234,
	        .ingress_time = 1700000000123456789LL,
	        .cumulative_scaled_rate_offset = -5,
	        .scaled_last_gm_phase_change = 6,
	        .gm_time_base_indicator = 7,
	        .last_gm_phase_change = {0x1122, 0x33445566778899aaULL, 0xbbcc},
	        .gm_present = 1,
	        .gm_identity = gm};
	pp = (struct mgmt_port_props_np){
	        .identity = {me, 1}, .state = PTP_PS_MASTER, .timestamping = 1};
	strcpy(pp.interface, "eth0");
	src = (struct mgmt_sources){&dd, &cur, &par, &tp, &pd, &tsn, &pp};
}

TestSuite(ptp_mgmt, .init = setup);

Test(ptp_mgmt, parses_pmc_get)
{
	struct mgmt_msg m;

	cr_assert_eq(mgmt_parse(pmc_get_current, sizeof(pmc_get_current), &m), 0, "%s",
	             m.msg.reason);
	cr_assert_eq(m.msg.management.action, PTP_MGMT_GET);
	cr_assert_eq(m.tlv_type, PTP_TLV_MANAGEMENT);
	cr_assert_eq(m.id, MGMT_CURRENT_DATA_SET);
	cr_assert_eq(m.data_len, 18);
	cr_assert_eq(m.msg.hdr.seq, 5);
	cr_assert_eq(m.msg.management.target.port, 0xffff);
	cr_assert(mgmt_targets_port(&m, &(struct ptp_port_id){me, 0}));
	cr_assert(mgmt_targets_port(&m, &(struct ptp_port_id){gm, 7}));
	cr_assert_str_eq(mgmt_id_str(m.id), "CURRENT_DATA_SET");
	cr_assert_str_eq(mgmt_action_str(m.msg.management.action), "GET");
}

Test(ptp_mgmt, parse_rejections)
{
	uint8_t b[sizeof(pmc_get_current)];
	struct mgmt_msg m;

	memcpy(b, pmc_get_current, sizeof(b));
	b[46] = 5; /* actionField 5 */
	cr_assert_eq(mgmt_parse(b, sizeof(b), &m), -EBADMSG);
	cr_assert_str_eq(m.msg.reason, "actionField out of range");
	memcpy(b, pmc_get_current, sizeof(b));
	b[0] = 0x0c; /* Signaling */
	cr_assert_eq(mgmt_parse(b, sizeof(b), &m), -EBADMSG);
	memcpy(b, pmc_get_current, sizeof(b));
	b[3] = 48; /* no TLV */
	cr_assert_eq(mgmt_parse(b, sizeof(b), &m), -EBADMSG);
	cr_assert_str_eq(m.msg.reason, "Management message without a TLV");
	memcpy(b, pmc_get_current, sizeof(b));
	b[49] = 0x03; /* ORGANIZATION_EXTENSION first */
	cr_assert_eq(mgmt_parse(b, sizeof(b), &m), -EBADMSG);
	memcpy(b, pmc_get_current, sizeof(b));
	b[51] = 0; /* MANAGEMENT TLV of length 0: no managementId */
	b[3] = 52;
	cr_assert_eq(mgmt_parse(b, 52, &m), -EBADMSG);
	cr_assert_str_eq(m.msg.reason, "MANAGEMENT TLV shorter than managementId");
	memcpy(b, pmc_get_current, sizeof(b));
	b[1] = 0x03;
	cr_assert_eq(mgmt_parse(b, sizeof(b), &m), -EPROTO);
}

/* Answer a GET for id; return the parsed response and its dataField. */
static struct mgmt_msg get(uint16_t id, uint8_t *rsp, int *len)
{
	uint8_t req_buf[128];
	struct mgmt_msg req, out;
	struct ptp_port_id pmc = {{{0xaa, 0xbb, 0xcc, 0xff, 0xfe, 0xdd, 0xee, 0xff}}, 0x1234};
	struct ptp_port_id all = {{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}, 0xffff};
	struct ptp_port_id self = {me, 1};

	int n = mgmt_build_request(req_buf, sizeof(req_buf), &pmc, &all, 4, 77, 1, PTP_MGMT_GET, id,
	                           NULL, 0);
	cr_assert_gt(n, 0);
	cr_assert_eq(mgmt_parse(req_buf, (size_t)n, &req), 0);
	*len = mgmt_respond(rsp, 600, &req, &self, &src);
	cr_assert_gt(*len, 0, "id 0x%04x: %d", id, *len);
	cr_assert_eq(mgmt_parse(rsp, (size_t)*len, &out), 0, "%s", out.msg.reason);
	cr_assert_eq(out.msg.hdr.seq, 77);
	cr_assert_eq(out.msg.hdr.domain, 4);
	cr_assert_eq(out.msg.hdr.control, PTP_CTL_MANAGEMENT);
	cr_assert_eq(out.msg.hdr.log_interval, 0x7f);
	cr_assert(ptp_port_id_eq(&out.msg.management.target, &pmc));
	cr_assert(ptp_port_id_eq(&out.msg.hdr.source, &self));
	cr_assert_eq(out.msg.management.action, PTP_MGMT_RESPONSE);
	cr_assert_eq(out.msg.management.starting_hops, 0, "starting 1 - remaining 1");
	return out;
}

Test(ptp_mgmt, current_data_set_bytes)
{
	uint8_t r[600];
	int n;
	struct mgmt_msg m = get(MGMT_CURRENT_DATA_SET, r, &n);
	struct ds_current c;

	cr_assert_eq(n, 48 + 6 + 18);
	cr_assert_eq(r[50] << 8 | r[51], 20, "TLV lengthField = id + 18");
	cr_assert_eq(m.data - r, 54);
	cr_assert_eq(m.data[1], 1, "stepsRemoved");
	/* offsetFromMaster -1234 ns as TimeInterval: -1234 * 65536 = 0xffff_ffff_fb2e_0000 */
	static const uint8_t off[8] = {0xff, 0xff, 0xff, 0xff, 0xfb, 0x2e, 0x00, 0x00};
	cr_assert_eq(memcmp(m.data + 2, off, 8), 0);
	cr_assert_eq(mgmt_decode_current(m.data, m.data_len, &c), 0);
	cr_assert_eq(c.steps_removed, 1);
	cr_assert_eq(c.offset_from_master, -1234);
	cr_assert_eq(c.mean_path_delay, 5678);
	cr_assert_eq(mgmt_decode_current(m.data, 17, &c), -EBADMSG);
}

Test(ptp_mgmt, default_data_set_bytes)
{
	uint8_t r[600];
	int n;
	struct mgmt_msg m = get(MGMT_DEFAULT_DATA_SET, r, &n);
	struct ds_default d;

	cr_assert_eq(m.data_len, 20);
	cr_assert_eq(m.data[0], 0x01, "twoStep");
	cr_assert_eq(m.data[3], 2, "numberPorts");
	cr_assert_eq(m.data[4], 128);
	cr_assert_eq(m.data[5], 248);
	cr_assert_eq(m.data[6], 0xfe);
	cr_assert_eq(m.data[9], 127);
	cr_assert_eq(memcmp(m.data + 10, me.id, 8), 0);
	cr_assert_eq(m.data[18], 4);
	cr_assert_eq(mgmt_decode_default(m.data, m.data_len, &d), 0);
	cr_assert_eq(memcmp(&d.identity, &me, 8), 0);
	cr_assert(d.two_step && !d.slave_only);
	cr_assert_eq(d.quality.variance, 0xffff);
}

Test(ptp_mgmt, parent_time_props_port_round_trip)
{
	uint8_t r[600];
	int n;
	struct ds_parent p;
	struct ds_time_props t;
	struct ds_port q;

	struct mgmt_msg m = get(MGMT_PARENT_DATA_SET, r, &n);
	cr_assert_eq(m.data_len, 32);
	cr_assert_eq(m.data[18], 100, "grandmasterPriority1 at 18");
	cr_assert_eq(memcmp(m.data + 24, gm.id, 8), 0, "grandmasterIdentity at 24");
	cr_assert_eq(mgmt_decode_parent(m.data, m.data_len, &p), 0);
	cr_assert_eq(p.parent_port.port, 1);
	cr_assert_eq(p.observed_parent_phase_change_rate, 0x7fffffff);
	cr_assert_eq(p.gm_quality.variance, 0x4e5d);
	cr_assert_eq(p.gm_priority2, 99);

	m = get(MGMT_TIME_PROPERTIES_DATA_SET, r, &n);
	cr_assert_eq(m.data_len, 4);
	cr_assert_eq(mgmt_decode_time_props(m.data, m.data_len, &t), 0);
	cr_assert_eq(t.utc_offset, 37);
	cr_assert_eq(t.flags, PTP_FLAG_UTC_OFF_VALID | PTP_FLAG_PTP_TIMESCALE);
	cr_assert_eq(t.time_source, 0x20);

	m = get(MGMT_PORT_DATA_SET, r, &n);
	cr_assert_eq(m.data_len, 26);
	cr_assert_eq(m.data[10], PTP_PS_SLAVE);
	cr_assert_eq((int8_t)m.data[11], -3);
	cr_assert_eq(mgmt_decode_port(m.data, m.data_len, &q), 0);
	cr_assert_eq(q.peer_mean_path_delay, 42);
	cr_assert_eq(q.log_sync_interval, -1);
	cr_assert_eq(q.announce_receipt_timeout, 3);
	cr_assert_eq(q.version_number, 2);
}

Test(ptp_mgmt, time_status_np_bytes)
{
	uint8_t r[600];
	int n;
	struct mgmt_msg m = get(MGMT_TIME_STATUS_NP, r, &n);
	struct mgmt_time_status_np t;

	cr_assert_eq(m.data_len, MGMT_TIME_STATUS_NP_LEN);
	cr_assert_eq(m.data[7], 0x2e, "master_offset -1234 = ...fb2e");
	cr_assert_eq(m.data[25], 7, "gmTimeBaseIndicator at 24");
	cr_assert_eq(m.data[26], 0x11, "lastGmPhaseChange at 26");
	cr_assert_eq(m.data[41], 1, "gmPresent at 38");
	cr_assert_eq(memcmp(m.data + 42, gm.id, 8), 0, "gmIdentity at 42");
	cr_assert_eq(mgmt_decode_time_status(m.data, m.data_len, &t), 0);
	cr_assert_eq(t.master_offset, -1234);
	cr_assert_eq(t.ingress_time, 1700000000123456789LL);
	cr_assert_eq(t.cumulative_scaled_rate_offset, -5);
	cr_assert_eq(t.scaled_last_gm_phase_change, 6);
	cr_assert_eq(t.last_gm_phase_change.ns_lsb, 0x33445566778899aaULL);
	cr_assert_eq(t.last_gm_phase_change.frac_ns, 0xbbcc);
}

Test(ptp_mgmt, port_properties_np_padding)
{
	uint8_t r[600];
	int n;
	struct mgmt_port_props_np q;

	struct mgmt_msg m = get(MGMT_PORT_PROPERTIES_NP, r, &n);
	cr_assert_eq(m.data_len, 18, "13 + 4 = 17, padded to 18");
	cr_assert_eq(m.data[12], 4);
	cr_assert_eq(mgmt_decode_port_props(m.data, m.data_len, &q), 0);
	cr_assert_str_eq(q.interface, "eth0");
	cr_assert_eq(q.state, PTP_PS_MASTER);
	strcpy(pp.interface, "veth1");
	m = get(MGMT_PORT_PROPERTIES_NP, r, &n);
	cr_assert_eq(m.data_len, 18, "13 + 5, already even");
	cr_assert_eq(mgmt_decode_port_props(m.data, 12, &q), -EBADMSG);
	uint8_t bad[13] = {0};
	bad[12] = 1;
	cr_assert_eq(mgmt_decode_port_props(bad, 13, &q), -EBADMSG, "text past the end");
}

Test(ptp_mgmt, single_values)
{
	static const struct {
		uint16_t id;
		uint8_t v;
	} cases[] = {
	        {MGMT_PRIORITY1, 128},
	        {MGMT_PRIORITY2, 127},
	        {MGMT_DOMAIN, 4},
	        {MGMT_SLAVE_ONLY, 0},
	        {MGMT_CLOCK_ACCURACY, 0xfe},
	        {MGMT_TIMESCALE_PROPERTIES, PTP_FLAG_PTP_TIMESCALE},
	        {MGMT_TRACEABILITY_PROPERTIES, 0},
	        {MGMT_LOG_ANNOUNCE_INTERVAL, 1},
	        {MGMT_ANNOUNCE_RECEIPT_TIMEOUT, 3},
	        {MGMT_LOG_SYNC_INTERVAL, 0xff},
	        {MGMT_VERSION_NUMBER, 2},
	        {MGMT_DELAY_MECHANISM, 1},
	        {MGMT_LOG_MIN_PDELAY_REQ_INTERVAL, 0},
	};
	uint8_t r[600];
	int n;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mgmt_msg m = get(cases[i].id, r, &n);
		cr_assert_eq(m.id, cases[i].id);
		cr_assert_eq(m.data_len, 2, "%s", mgmt_id_str(cases[i].id));
		cr_assert_eq(m.data[0], cases[i].v, "%s", mgmt_id_str(cases[i].id));
		cr_assert_eq(m.data[1], 0);
	}
	struct mgmt_msg m = get(MGMT_NULL_MANAGEMENT, r, &n);
	cr_assert_eq(m.data_len, 0);
}

static struct mgmt_msg expect_error(uint16_t id, enum ptp_mgmt_action action, uint16_t error,
                                    const struct mgmt_sources *s)
{
	uint8_t req_buf[128], rsp[600];
	struct mgmt_msg req, out;
	struct ptp_port_id self = {me, 0};

	int n = mgmt_build_request(req_buf, sizeof(req_buf), &self, &self, 0, 1, 0, action, id,
	                           "\x05\x00", 2);
	cr_assert_gt(n, 0);
	cr_assert_eq(mgmt_parse(req_buf, (size_t)n, &req), 0);
	n = mgmt_respond(rsp, sizeof(rsp), &req, &self, s);
	cr_assert_gt(n, 0);
	cr_assert_eq(n, 48 + 4 + 8);
	cr_assert_eq(mgmt_parse(rsp, (size_t)n, &out), 0, "%s", out.msg.reason);
	cr_assert_eq(out.tlv_type, PTP_TLV_MANAGEMENT_ERROR_STATUS);
	cr_assert_eq(out.error, error, "id 0x%04x: error %u", id, out.error);
	cr_assert_eq(out.id, id);
	return out;
}

Test(ptp_mgmt, error_status_replies)
{
	static const struct mgmt_sources none;

	expect_error(0x1234, PTP_MGMT_GET, MGMT_ERR_NO_SUCH_ID, &src);
	expect_error(MGMT_CLOCK_DESCRIPTION, PTP_MGMT_GET, MGMT_ERR_NOT_SUPPORTED, &src);
	expect_error(MGMT_GRANDMASTER_SETTINGS_NP, PTP_MGMT_GET, MGMT_ERR_NOT_SUPPORTED, &src);
	expect_error(MGMT_CURRENT_DATA_SET, PTP_MGMT_GET, MGMT_ERR_NOT_SUPPORTED, &none);
	expect_error(MGMT_PORT_PROPERTIES_NP, PTP_MGMT_GET, MGMT_ERR_NOT_SUPPORTED, &none);
	struct mgmt_msg m =
	        expect_error(MGMT_PRIORITY1, PTP_MGMT_SET, MGMT_ERR_NOT_SUPPORTED, &src);
	cr_assert_eq(m.msg.management.action, PTP_MGMT_RESPONSE);
	expect_error(0x7777, PTP_MGMT_SET, MGMT_ERR_NO_SUCH_ID, &src);
	m = expect_error(MGMT_INITIALIZE, PTP_MGMT_COMMAND, MGMT_ERR_NOT_SUPPORTED, &src);
	cr_assert_eq(m.msg.management.action, PTP_MGMT_ACKNOWLEDGE);
}

Test(ptp_mgmt, no_reply_to_replies)
{
	uint8_t b[128], rsp[256];
	struct mgmt_msg req;
	struct ptp_port_id self = {me, 0};

	for (int a = PTP_MGMT_RESPONSE; a <= PTP_MGMT_ACKNOWLEDGE; a += 2) {
		int n = mgmt_build_request(b, sizeof(b), &self, &self, 0, 1, 0, a,
		                           MGMT_CURRENT_DATA_SET, NULL, 0);
		cr_assert_eq(mgmt_parse(b, (size_t)n, &req), 0);
		cr_assert_eq(mgmt_respond(rsp, sizeof(rsp), &req, &self, &src), 0);
	}
	/* an error status is never answered either */
	int n = mgmt_build_request(b, sizeof(b), &self, &self, 0, 1, 0, PTP_MGMT_GET, 0x1234, NULL,
	                           0);
	cr_assert_eq(mgmt_parse(b, (size_t)n, &req), 0);
	n = mgmt_build_error(rsp, sizeof(rsp), &req, &self, MGMT_ERR_NO_SUCH_ID);
	cr_assert_eq(mgmt_parse(rsp, (size_t)n, &req), 0);
	cr_assert_eq(mgmt_respond(b, sizeof(b), &req, &self, &src), 0);
}

Test(ptp_mgmt, targeting_and_port_level)
{
	uint8_t b[128];
	struct mgmt_msg m;
	struct ptp_port_id p1 = {me, 1}, p2 = {me, 2}, other = {gm, 1};
	struct ptp_port_id any_port = {me, 0xffff};

	int n = mgmt_build_request(b, sizeof(b), &other, &p1, 0, 1, 0, PTP_MGMT_GET,
	                           MGMT_PORT_DATA_SET, NULL, 0);
	cr_assert_eq(mgmt_parse(b, (size_t)n, &m), 0);
	cr_assert(mgmt_targets_port(&m, &p1));
	cr_assert_not(mgmt_targets_port(&m, &p2));
	cr_assert_not(mgmt_targets_port(&m, &other));
	n = mgmt_build_request(b, sizeof(b), &other, &any_port, 0, 1, 0, PTP_MGMT_GET,
	                       MGMT_PORT_DATA_SET, NULL, 0);
	cr_assert_eq(mgmt_parse(b, (size_t)n, &m), 0);
	cr_assert(mgmt_targets_port(&m, &p2));
	cr_assert_not(mgmt_targets_port(&m, &other));
	cr_assert(mgmt_id_is_port_level(MGMT_PORT_DATA_SET));
	cr_assert(mgmt_id_is_port_level(MGMT_PORT_PROPERTIES_NP));
	cr_assert_not(mgmt_id_is_port_level(MGMT_CURRENT_DATA_SET));
	cr_assert_not(mgmt_id_is_port_level(MGMT_TIME_STATUS_NP));
	cr_assert_null(mgmt_id_str(0x1234));
	cr_assert_str_eq(mgmt_action_str(9), "?");
}

Test(ptp_mgmt, reply_hops_and_length_checks)
{
	uint8_t b[128], r[128];
	struct mgmt_msg req;
	struct ptp_port_id self = {me, 0};

	int n = mgmt_build_request(b, sizeof(b), &self, &self, 0, 1, 5, PTP_MGMT_GET,
	                           MGMT_PRIORITY1, NULL, 0);
	b[45] = 2; /* two hops left of five */
	cr_assert_eq(mgmt_parse(b, (size_t)n, &req), 0);
	n = mgmt_respond(r, sizeof(r), &req, &self, &src);
	cr_assert_eq(n, 48 + 6 + 2);
	cr_assert_eq(r[44], 3, "startingBoundaryHops = 5 - 2");
	cr_assert_eq(r[45], 3);
	for (size_t cap = 0; cap < 56; cap++) {
		uint8_t *p = malloc(cap ? cap : 1);
		cr_assert_lt(mgmt_respond(p, cap, &req, &self, &src), 0, "cap %zu", cap);
		free(p);
	}
	uint8_t small[8];
	cr_assert_eq(mgmt_encode_data(MGMT_PARENT_DATA_SET, &src, small, sizeof(small)), -ENOSPC);
	cr_assert_eq(mgmt_encode_data(MGMT_PORT_PROPERTIES_NP, &src, small, sizeof(small)),
	             -ENOSPC);
	cr_assert_eq(mgmt_encode_data(0x4321, &src, small, sizeof(small)), -ENOENT);
	cr_assert_eq(mgmt_encode_data(MGMT_FAULT_LOG, &src, small, sizeof(small)), -ENOTSUP);
}

static uint32_t rng(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

Test(ptp_mgmt, fuzz_parse_and_respond)
{
	uint64_t seed = 0x6d676d74, s = seed;
	uint8_t rsp[600];
	struct ptp_port_id self = {me, 1};

	for (int i = 0; i < 40000; i++) {
		size_t len = sizeof(pmc_get_current);
		uint8_t *b = malloc(len);
		struct mgmt_msg m;
		memcpy(b, pmc_get_current, len);
		for (unsigned k = rng(&s) % 4 + 1; k; k--)
			b[rng(&s) % len] = (uint8_t)rng(&s);
		if (rng(&s) % 3 == 0)
			len = rng(&s) % (len + 1);
		/* keep the id in the interesting ranges most of the time */
		if (len > 53 && rng(&s) % 2)
			b[52] = (uint8_t)(0x20 | (rng(&s) & 1) << 7 | (rng(&s) & 0x40));
		if (mgmt_parse(b, len, &m) == 0) {
			cr_assert_leq((size_t)(m.data - b) + m.data_len, len, "seed %llu i %d",
			              (unsigned long long)seed, i);
			int n = mgmt_respond(rsp, sizeof(rsp), &m, &self, &src);
			cr_assert_geq(n, 0, "seed %llu i %d", (unsigned long long)seed, i);
			if (n > 0) {
				struct mgmt_msg r;
				cr_assert_eq(mgmt_parse(rsp, (size_t)n, &r), 0, "%s", r.msg.reason);
			}
		}
		free(b);
	}
}
