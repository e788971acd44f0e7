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
	cr_expect_eq(kv_get_ll(&in, "cbound_ns", 0, 1000000, &v), 0);
	cr_expect_eq(v, 4000 + 1000);
	cr_expect_eq(dtpd_own_bound(&nd, -1), 5250);
	/* the upstream's counter bound (its frames' trailer) adds to both */
	nd.rt[0].peer_cbound_ns = 7000;
	cr_expect_eq(dtpd_own_bound(&nd, -1), 12250);
	cr_expect_eq(dtpd_counter_bound(&nd), 12000);
	nd.rt[0].peer_cbound_ns = -1; /* the upstream does not know its own: nor do we */
	cr_expect_eq(dtpd_own_bound(&nd, -1), -1);
	cr_expect_eq(dtpd_counter_bound(&nd), -1);
	nd.rt[0].peer_cbound_ns = 0;
	nd.rt[0].upstream = false; /* only upstream ports count: none has samples */
	cr_expect_eq(dtpd_own_bound(&nd, -1), -1);
	nd.p.root = true;
	cr_expect_eq(dtpd_own_bound(&nd, -1), 0);
	cr_expect_eq(dtpd_counter_bound(&nd), 0);
}

Test(dtpd_ext, trailer_round_trip_and_refusals)
{
	uint8_t f[64] = {0};
	int64_t b = 5;
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &b), -ENOENT); /* a plain DTP frame */
	cr_expect_eq(dtpd_ext_encode(f, 55, 1), -ENOSPC);
	cr_assert_eq(dtpd_ext_encode(f, sizeof(f), 123456789), DTPD_EXT_END);
	cr_expect_eq(f[44], 0xD7);
	cr_expect_eq(f[45], 0xB0);
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &b), 0);
	cr_expect_eq(b, 123456789);
	cr_expect_eq(dtpd_ext_decode(f, DTPD_EXT_END - 1, &b), -ENOENT); /* truncated */
	cr_assert_eq(dtpd_ext_encode(f, sizeof(f), -1), DTPD_EXT_END);
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &b), 0);
	cr_expect_eq(b, -1);
	f[46] = 2; /* another trailer version: ignored */
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &b), -ENOENT);
	f[46] = 1;
	f[48] = 0x7f; /* out of range */
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &b), -ERANGE);
	cr_expect_str_eq(dtpd_ext_strerror(-ERANGE), "bound trailer out of range");
}

Test(dtpd_config, table_and_node_params)
{
	struct config *cfg = dtpd_config_create();
	cr_assert_not_null(cfg);
	struct config_error ce;
	cr_assert_eq(config_read_string(cfg,
	                                "root 1\nbeacon_interval_ms 50\nclock_servo kalman\n"
	                                "[veth0]\nupstream 0\n",
	                                "t", &ce),
	             0, "%s", ce.msg);
	struct dtpd_node_params p;
	char err[128];
	cr_assert_eq(dtpd_config_node(cfg, &p, err, sizeof(err)), 0);
	cr_expect(p.root);
	cr_expect_eq(p.beacon_ns, 50000000);
	cr_expect_eq(p.epoch_ns, 1767225600LL * 1000000000LL);
	cr_expect_not(config_get_bool(cfg, "veth0", "upstream"));
	cr_expect_neq(config_read_string(cfg, "beacon_interval_ms 0\n", "t", &ce), 0);
	cr_expect_neq(config_read_string(cfg, "[veth1]\nroot 1\n", "t", &ce), 0);
	cr_expect_eq(
	        config_read_string(cfg, "rx_timeout_beacons 1\nbeacon_interval_ms 100\n", "t", &ce),
	        0);
	cr_expect_eq(dtpd_config_node(cfg, &p, err, sizeof(err)), -EINVAL);
	config_destroy(cfg);
}
