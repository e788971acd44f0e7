// SPDX-License-Identifier: MIT
/* dtpd's burst request upstream: its trailer block (dtpd_ext, include/uapi/dtpd.h) round-trips
 * and refuses what is out of range or truncated; dtpd_burst takes requests from downstream
 * only, never lengthens a burst by repeating it, passes it on with one hop less and stops
 * passing it on when the burst ends; the status line carries the counts. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "dtpd_burst.h"
#include "dtpd_ext.h"
#include "dtpd_status.h"
#include "tsync/kv.h"

#define MS 1000000LL

Test(dtpd_ext, burst_block)
{
	uint8_t f[DTPD_EXT_BURST_END + 4];
	memset(f, 0xee, sizeof(f));
	struct dtpd_ext x = {.bound_ns = 9, .has_burst = true, .burst_ms = 2500, .burst_hops = 8},
	                y;
	cr_expect_eq(dtpd_ext_encode(f, DTPD_EXT_BURST_END - 1, &x), -ENOSPC);
	cr_assert_eq(dtpd_ext_encode(f, sizeof(f), &x), DTPD_EXT_BURST_END);
	cr_expect_eq(f[47], DTPD_EXT_F_BURST);
	cr_expect_eq(f[60], 0); /* the PREV / PEER block is there, zero */
	cr_expect_eq(f[76] << 24 | f[77] << 16 | f[78] << 8 | f[79], 2500);
	cr_expect_eq(f[80], 8);
	cr_expect_eq(f[81] | f[82] | f[83], 0);
	cr_assert_eq(dtpd_ext_decode(f, DTPD_EXT_BURST_END, &y), 0);
	cr_expect(y.has_burst && !y.has_prev && !y.has_peer);
	cr_expect_eq(y.burst_ms, 2500);
	cr_expect_eq(y.burst_hops, 8);
	cr_expect_eq(y.bound_ns, 9);
	/* the flag in a frame that stops before the block: a bad frame */
	cr_expect_eq(dtpd_ext_decode(f, DTPD_EXT_BURST_END - 1, &y), -EINVAL);
	cr_expect_eq(dtpd_ext_decode(f, DTPD_EXT_LONG_END, &y), -EINVAL);
	/* hostile values: refused by name */
	f[80] = 0;
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &y), -EDOM);
	f[80] = DTPD_BURST_HOPS + 1;
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &y), -EDOM);
	f[80] = 1;
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &y), 0);
	f[76] = 0xff; /* about 71 minutes' worth of ms and more */
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &y), -EDOM);
	memset(f + 76, 0, 4); /* 0 ms */
	cr_expect_eq(dtpd_ext_decode(f, sizeof(f), &y), -EDOM);
	cr_expect(strstr(dtpd_ext_strerror(-EDOM), "burst request out of range"));
	x.burst_ms = DTPD_BURST_MS_MAX + 1;
	cr_expect_eq(dtpd_ext_encode(f, sizeof(f), &x), -EDOM);
	x.burst_ms = DTPD_BURST_MS_MAX;
	x.has_prev = true;
	x.prev_tx_ts = 77;
	cr_assert_eq(dtpd_ext_encode(f, sizeof(f), &x), DTPD_EXT_BURST_END);
	cr_assert_eq(dtpd_ext_decode(f, sizeof(f), &y), 0);
	cr_expect(y.has_prev && y.has_burst);
	cr_expect_eq(y.prev_tx_ts, 77);
	cr_expect_eq(y.burst_ms, DTPD_BURST_MS_MAX);
	/* without the flag, a long frame has no burst: the bytes after 76 are not read */
	x = (struct dtpd_ext){.has_peer = true, .peer_x_ns = 3};
	memset(f, 0xee, sizeof(f));
	cr_assert_eq(dtpd_ext_encode(f, sizeof(f), &x), DTPD_EXT_LONG_END);
	cr_assert_eq(dtpd_ext_decode(f, DTPD_EXT_LONG_END, &y), 0);
	cr_expect(!y.has_burst);
	cr_expect_eq(y.burst_ms, 0);
}

Test(dtpd_burst, taken_from_downstream_only)
{
	struct dtpd_burst b = {0};
	const char *why = NULL;
	uint32_t ms;
	uint8_t hops;
	int64_t t = 1000 * MS;
	cr_expect(!dtpd_burst_tx(&b, t, &ms, &hops)); /* no burst: no request */
	/* a follower: a request on its upstream port is refused, with a reason, and counted */
	struct dtpd_burst_port up = {.upstream = true, .takes = true}, down = {.takes = true};
	cr_expect_eq(dtpd_burst_rx(&b, &up, 500, 8, t, &why), -EPERM);
	cr_expect_eq(b.refused, 1);
	cr_expect(why && strstr(why, "upstream"));
	cr_expect(!dtpd_burst_tx(&b, t, &ms, &hops));
	/* from downstream: taken, the burst lasts that long and goes on up with one hop less */
	cr_expect_eq(dtpd_burst_rx(&b, &down, 500, 8, t, &why), 500 * MS);
	cr_expect_eq(b.rx, 1);
	cr_assert(dtpd_burst_tx(&b, t + 100 * MS, &ms, &hops));
	cr_expect_eq(ms, 400);
	cr_expect_eq(hops, 7);
	/* the same request repeated (what is left of it) does not restart or lengthen it */
	cr_expect_eq(dtpd_burst_rx(&b, &down, 400, 8, t + 100 * MS, &why), 0);
	cr_expect_eq(b.until, t + 500 * MS);
	/* a longer one lengthens it */
	cr_expect_eq(dtpd_burst_rx(&b, &down, 1000, 8, t + 100 * MS, &why), 1000 * MS);
	cr_expect_eq(b.until, t + 1100 * MS);
	/* over: no request any more */
	cr_expect(!dtpd_burst_tx(&b, t + 1100 * MS, &ms, &hops));
	/* the last hop: taken, not passed on */
	cr_expect_eq(dtpd_burst_rx(&b, &down, 300, 1, t + 2000 * MS, &why), 300 * MS);
	cr_expect(!dtpd_burst_tx(&b, t + 2100 * MS, &ms, &hops));
	/* a port with burst_requests 0 takes none */
	struct dtpd_burst_port off = {.takes = false};
	cr_expect_eq(dtpd_burst_rx(&b, &off, 300, 8, t + 3000 * MS, &why), -EPERM);
	cr_expect(why && strstr(why, "burst_requests 0"));
	cr_expect_eq(b.refused, 2);
	/* the root takes it on any port */
	struct dtpd_burst r = {0};
	struct dtpd_burst_port root = {.root = true, .upstream = true, .takes = true};
	cr_expect_eq(dtpd_burst_rx(&r, &root, 200, 3, t, &why), 200 * MS);
	cr_expect_eq(r.refused, 0);
}

Test(dtpd_burst, local_burst_asks_upstream)
{
	struct dtpd_burst b = {0};
	uint32_t ms;
	uint8_t hops;
	dtpd_burst_local(&b, 2000 * MS, 0);
	cr_assert(dtpd_burst_tx(&b, 500 * MS, &ms, &hops));
	cr_expect_eq(ms, 1500);
	cr_expect_eq(hops, DTPD_BURST_HOPS);
	/* an hour asked on the ctl socket goes up as the most a frame carries */
	dtpd_burst_local(&b, 3600000 * MS, 0);
	cr_assert(dtpd_burst_tx(&b, 0, &ms, &hops));
	cr_expect_eq(ms, DTPD_BURST_MS_MAX);
}

Test(dtpd_burst, status_counts)
{
	struct dtpd_node nd;
	struct dtpd_node_params p = {
	        .epoch_ns = 0, .margin_ns = 1000, .beacon_ns = 1000000, .retry_ns = 1000000};
	dtpd_node_init(&nd, 2, &p, 6400000, 6400000, NULL, NULL);
	unsigned long long tx[2] = {12, 96};
	struct dtpd_status_extra x = {.servo = "locked",
	                              .ts = "sys",
	                              .beacons_tx = tx,
	                              .burst_rx = 4,
	                              .burst_refused = 2};
	char buf[KV_MAX_LINE];
	cr_assert_gt(dtpd_status(&nd, &x, buf, sizeof(buf)), 0);
	struct kv_in in;
	cr_assert_eq(kv_parse(buf, &in), 0, "%s", buf);
	cr_expect_str_eq(kv_get(&in, "p1_beacons_tx"), "96");
	cr_expect_str_eq(kv_get(&in, "p0_beacons_tx"), "12");
	cr_expect_str_eq(kv_get(&in, "burst_rx"), "4");
	cr_expect_str_eq(kv_get(&in, "burst_refused"), "2");
}
