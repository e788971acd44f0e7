// SPDX-License-Identifier: MIT
/* dtpd/dtpd_req and dtpd_ctl: control requests parse strictly (bad ones name what was wrong),
 * and a node's `tsync status` says what vmclockd's page should (root freerunning, a locked
 * follower with fresh samples synchronized, else unreliable) and encodes for tsync_status. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "dtpd_ctl.h"
#include "dtpd_req.h"

Test(dtpd_req, parse)
{
	struct dtpd_req r;
	char err[160];
	cr_expect_eq(dtpd_req_parse("status", &r, err, sizeof(err)), 0);
	cr_expect_eq(r.kind, DTPD_REQ_STATUS);
	cr_expect_eq(dtpd_req_parse("burst 2.5", &r, err, sizeof(err)), 0);
	cr_expect_eq(r.kind, DTPD_REQ_BURST);
	cr_expect_eq(r.seconds, 2.5);
	cr_expect_eq(dtpd_req_parse("tsync status", &r, err, sizeof(err)), 0);
	cr_expect_eq(r.kind, DTPD_REQ_TSYNC_STATUS);
	cr_expect_eq(dtpd_req_parse("tsync burst log_sync=-6 seconds=4", &r, err, sizeof(err)), 0);
	cr_expect_eq(r.kind, DTPD_REQ_TSYNC_BURST);
	cr_expect_eq(r.seconds, 4);
	cr_expect_eq(r.log_sync, -6);
	static const struct {
		const char *req, *why;
	} bad[] = {
	        {"burst", "bad_seconds"},
	        {"burst 0", "bad_seconds"},
	        {"burst 2x", "bad_seconds"},
	        {"burst nan", "bad_seconds"},
	        {"burst 4000", "bad_seconds"},
	        {"tsync burst", "missing_seconds"},
	        {"tsync burst seconds=1 seconds=2", "bad_argument"},
	        {"tsync burst seconds=1 log_sync=abc", "bad_log_sync"},
	        {"tsync burst seconds=1 log_sync=1.5", "bad_log_sync"},
	        {"tsync burst seconds=700", "bad_seconds"},
	        {"tsync statusx", "unknown_command"},
	        {"statu", "unknown_command"},
	        {"", "unknown_command"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(dtpd_req_parse(bad[i].req, &r, err, sizeof(err)), -EINVAL, "%s",
		             bad[i].req);
		cr_expect(strstr(err, bad[i].why), "'%s': %s", bad[i].req, err);
	}
	char longreq[300];
	memset(longreq, 'a', sizeof(longreq) - 1);
	longreq[sizeof(longreq) - 1] = 0;
	cr_expect_eq(dtpd_req_parse(longreq, &r, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "error reason=too_long");
}

Test(dtpd_ctl, tsync_status)
{
	struct dtpd_node nd;
	struct dtpd_node_params p = {
	        .margin_ns = 1000, .beacon_ns = 100000000, .retry_ns = 1000000};
	dtpd_node_init(&nd, 1, &p, 0, 0, NULL, NULL);
	dtpd_node_link(&nd, 0, true, 0, 1);
	nd.ports[0].state = DTP_PORT_SYNC;
	nd.rt[0].samples = 5;
	nd.rt[0].last_offset_ns = -321;
	nd.rt[0].delay_ns = 1500;
	struct tsync_status st, back;
	dtpd_ctl_tsync_status(&nd, 2, 250, 5, 50, 0, &st);
	cr_expect_eq(st.status, TSYNC_SYNCHRONIZED);
	cr_expect_eq(st.offset_ns, -321);
	cr_expect_eq(st.log_sync, -4); /* 100 ms */
	char buf[512];
	cr_assert_gt(tsync_status_encode(&st, buf, sizeof(buf)), 0);
	cr_assert_eq(tsync_status_decode(buf, &back), 0, "%s", buf);
	cr_expect_eq(back.est_ns, 250);
	cr_expect_eq(back.delay_ns, 1500);
	/* no averages it does not compute: vmclockd's bound takes the last offset and delay */
	cr_expect_eq(back.have & (TSYNC_ST_OFFSET_AVG | TSYNC_ST_DELAY_AVG | TSYNC_ST_OFFSET_MED |
	                          TSYNC_ST_OFFSET_PEAK),
	             0, "%s", buf);
	dtpd_ctl_tsync_status(&nd, 2, 250, 5, 500, 0, &st); /* 5 beacons since the last sample */
	cr_expect_eq(st.status, TSYNC_UNRELIABLE);
	dtpd_ctl_tsync_status(&nd, 0, 250, 5, 50, 0, &st); /* servo not locked */
	cr_expect_eq(st.status, TSYNC_UNRELIABLE);
	nd.p.root = true;
	dtpd_ctl_tsync_status(&nd, 0, -1, 0, -1, 0, &st);
	cr_expect_eq(st.status, TSYNC_FREERUNNING);
	cr_assert_gt(tsync_status_encode(&st, buf, sizeof(buf)), 0);
	cr_expect_eq(tsync_status_decode(buf, &back), 0, "%s", buf);
}
