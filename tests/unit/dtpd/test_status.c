// SPDX-License-Identifier: MIT
/* dtpd/status and dtpd_config: the status line parses back with kv_parse and carries the port
 * states; the config table has dtpd's and the sync fragment's keys and checks its values. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "dtpd_config.h"
#include "dtpd_ext.h"
#include "dtpd_status.h"
#include "tsync/kv.h"

Test(dtpd_status, line_parses_back)
{
	struct dtpd_node nd;
	struct dtpd_node_params p = {
	        .epoch_ns = 0, .margin_ns = 1000, .beacon_ns = 1000000, .retry_ns = 1000000};
	dtpd_node_init(&nd, 2, &p, 6400000, 6400000, NULL, NULL);
	dtpd_node_link(&nd, 1, true, 6400000, 1);
	nd.dev.gc = 1000000; /* 6.4 ms */
	nd.rt[0].samples = 1;
	nd.rt[0].last_offset_ns = -250;
	nd.rt[0].delay_ns = 4000;
	char buf[KV_MAX_LINE];
	struct dtpd_status_extra x = {.servo = "locked",
	                              .clk_ns = 6400000,
	                              .real_ns = 6400100,
	                              .est_ns = 10,
	                              .samples = 3,
	                              .ts = "sys"};
	int n = dtpd_status(&nd, &x, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	struct kv_in in;
	cr_assert_eq(kv_parse(buf, &in), 0, "%s", buf);
	cr_expect_str_eq(in.head, "ok");
	cr_expect_str_eq(kv_get(&in, "role"), "node");
	cr_expect_str_eq(kv_get(&in, "p0_state"), "DOWN");
	cr_expect_str_eq(kv_get(&in, "p1_state"), "SENT");
	long long v;
	cr_expect_eq(kv_get_ll(&in, "gc_minus_real_ns", -1000000, 1000000, &v), 0);
	cr_expect_eq(v, -100);
	cr_expect_eq(kv_get_ll(&in, "bound_ns", 0, 1000000, &v), 0);
	cr_expect_eq(v, 250 + 4000 + 30 + 1000);
	cr_expect_eq(dtpd_own_bound(&nd, -1), 5250);
	/* the largest of the three delays: the BEACON pairs' median above the discipline's */
	nd.rt[0].bdelay_ns = 4500;
	nd.rt[0].bdelay_pair_ns = 6000;
	cr_expect_eq(dtpd_own_bound(&nd, -1), 7250);
	nd.rt[0].bdelay_ns = nd.rt[0].bdelay_pair_ns = -1;
	/* the upstream's own bound (its frames' trailer) adds to ours */
	nd.rt[0].peer_bound_ns = 7000;
	cr_expect_eq(dtpd_own_bound(&nd, -1), 12250);
	nd.rt[0].peer_bound_ns = -1; /* the upstream does not know its own: nor do we */
	cr_expect_eq(dtpd_own_bound(&nd, -1), -1);
	nd.rt[0].peer_bound_ns = 0;
	nd.rt[0].upstream = false; /* only upstream ports count: none has samples */
	cr_expect_eq(dtpd_own_bound(&nd, -1), -1);
	nd.p.root = true;
	cr_expect_eq(dtpd_own_bound(&nd, -1), 0);
}

/* A node with every port it may have: the status still fits a line and parses back (three
 * ports had already gone over the old 512-byte / 32-pair limits). */
Test(dtpd_status, all_ports_fit)
{
	struct dtpd_node nd;
	struct dtpd_node_params p = {
	        .epoch_ns = 0, .margin_ns = 1000, .beacon_ns = 1000000, .retry_ns = 1000000};
	dtpd_node_init(&nd, DTPD_MAX_PORTS, &p, 6400000, 6400000, NULL, NULL);
	unsigned long long tx[DTPD_MAX_PORTS];
	for (unsigned i = 0; i < DTPD_MAX_PORTS; i++) {
		dtpd_node_link(&nd, i, true, 6400000, 1);
		nd.rt[i].delay_ns = nd.rt[i].bdelay_ns = 1234567;
		nd.rt[i].last_offset_ns = -1234567;
		nd.rt[i].unmatched = nd.ports[i].jumps = 123456;
		tx[i] = 1234567890;
	}
	char buf[KV_MAX_LINE];
	struct dtpd_status_extra x = {.servo = "locked",
	                              .clk_ns = 6400000,
	                              .real_ns = 6400100,
	                              .est_ns = 10,
	                              .samples = 1234567890,
	                              .ts = "sys",
	                              .beacons_tx = tx,
	                              .burst_rx = 1234567890,
	                              .burst_refused = 1234567890};
	int n = dtpd_status(&nd, &x, buf, sizeof(buf));
	cr_assert_gt(n, 0, "%d", n);
	struct kv_in in;
	cr_assert_eq(kv_parse(buf, &in), 0, "%s", buf);
	cr_expect_str_eq(kv_get(&in, "p7_beacons_tx"), "1234567890");
	cr_expect_str_eq(kv_get(&in, "burst_refused"), "1234567890");
}

Test(dtpd_ext, trailer_round_trip_and_refusals)
{
	uint8_t f[64] = {0};
	struct dtpd_ext x = {.bound_ns = 5}, y;
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &y), -ENOENT); /* a plain DTP frame */
	cr_expect_eq(dtpd_ext_encode(f, DTPD_EXT_END - 1, &x), -ENOSPC);
	x = (struct dtpd_ext){.bound_ns = 123456789, .has_corr = true, .corr_ns = -4600};
	cr_assert_eq(dtpd_ext_encode(f, sizeof(f), &x), DTPD_EXT_END);
	cr_expect_eq(f[44], 0xD7);
	cr_expect_eq(f[45], 0xB0);
	cr_expect_eq(f[47], DTPD_EXT_F_CORR);
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &y), 0);
	cr_expect_eq(y.bound_ns, 123456789);
	cr_expect(y.has_corr);
	cr_expect_eq(y.corr_ns, -4600);
	cr_expect_eq(dtpd_ext_decode(f, DTPD_EXT_END - 1, &y), -ENOENT); /* truncated */
	x = (struct dtpd_ext){.bound_ns = -1, .corr_ns = 77};
	cr_assert_eq(dtpd_ext_encode(f, sizeof(f), &x), DTPD_EXT_END);
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &y), 0);
	cr_expect_eq(y.bound_ns, -1);
	cr_expect(!y.has_corr);
	cr_expect_eq(y.corr_ns, 0); /* no correction without the flag */
	f[46] = 2;                  /* another trailer version: ignored */
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &y), -ENOENT);
	f[46] = 1;
	f[48] = 0x7f; /* out of range */
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &y), -ERANGE);
	cr_expect_str_eq(dtpd_ext_strerror(-ERANGE), "bound trailer out of range");
}

Test(dtpd_ext, two_step_block)
{
	uint8_t f[80] = {0};
	struct dtpd_ext x = {.bound_ns = 9,
	                     .has_corr = true,
	                     .corr_ns = 12,
	                     .has_prev = true,
	                     .prev_tx_ts = UINT64_C(0x0102030405060708),
	                     .prev_err_ns = -7300,
	                     .has_peer = true,
	                     .peer_x_ns = -1200},
	                y;
	cr_expect_eq(dtpd_ext_encode(f, DTPD_EXT_LONG_END - 1, &x), -ENOSPC);
	cr_assert_eq(dtpd_ext_encode(f, sizeof(f), &x), DTPD_EXT_LONG_END);
	cr_expect_eq(f[47], DTPD_EXT_F_CORR | DTPD_EXT_F_PREV | DTPD_EXT_F_PEER);
	cr_expect_eq(f[60], 0x01);
	cr_expect_eq(f[67], 0x08);
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &y), 0);
	cr_expect(y.has_prev);
	cr_expect_eq(y.prev_tx_ts, UINT64_C(0x0102030405060708));
	cr_expect_eq(y.prev_err_ns, -7300);
	cr_expect_eq(y.corr_ns, 12);
	cr_expect(y.has_peer);
	cr_expect_eq(y.peer_x_ns, -1200);
	/* a flag in a frame cut before the block: a bad frame, named */
	cr_expect_eq(dtpd_ext_decode(f, DTPD_EXT_LONG_END - 1, &y), -EINVAL);
	cr_expect_str_eq(dtpd_ext_strerror(-EINVAL), "long trailer truncated");
	/* without its flag a block's bytes mean nothing */
	f[47] = DTPD_EXT_F_CORR | DTPD_EXT_F_PEER;
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &y), 0);
	cr_expect(!y.has_prev);
	cr_expect_eq(y.prev_err_ns, 0);
	cr_expect_eq(y.peer_x_ns, -1200);
	f[47] = DTPD_EXT_F_CORR;
	cr_expect_eq(dtpd_ext_decode(f, DTPD_EXT_END, &y), 0);
	cr_expect(!y.has_peer);
}
