// SPDX-License-Identifier: MIT
/* The `tsync status` reply: what ptpd-wl writes vmclockd reads back exactly; hostile replies
 * are refused whole. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "tsync/status.h"

static struct tsync_status full(void)
{
	struct tsync_status st = {.status = TSYNC_SYNCHRONIZED,
	                          .est_ns = 110,
	                          .servo = 2,
	                          .offset_ns = -417,
	                          .freq_ppb = -20143.0,
	                          .delay_ns = 1676,
	                          .log_sync = -3,
	                          .samples = 56,
	                          .age_ms = 24,
	                          .burst_s = 1.5,
	                          .offset_avg_ns = -380,
	                          .delay_avg_ns = 1650,
	                          .offset_med_ns = -301,
	                          .offset_peak_ns = -512,
	                          .have = TSYNC_ST_ALL};
	strcpy(st.port_state, "SLAVE");
	return st;
}

Test(ipc_status, round_trip)
{
	struct tsync_status st = full(), back;
	char buf[512];
	int n = tsync_status_encode(&st, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_str_eq(buf,
	                 "ok port_state=SLAVE servo=s2 status=synchronized offset_ns=-417 "
	                 "est_ns=110 freq_ppb=-20143.0 delay_ns=1676 log_sync=-3 samples=56 "
	                 "age_ms=24 burst_s=1.5 offset_avg_ns=-380 delay_avg_ns=1650 "
	                 "offset_med_ns=-301 offset_peak_ns=-512",
	                 "the reply ptpd-wl has always written (offset_avg_ns, offset_med_ns, "
	                 "offset_peak_ns added for issue 14)");
	cr_assert_eq(tsync_status_decode(buf, &back), 0);
	cr_assert_eq(memcmp(&st, &back, sizeof(st)), 0, "decode(encode(st)) == st");
	/* every state, extremes, the fields alone */
	for (int s = TSYNC_SYNCHRONIZED; s <= TSYNC_UNRELIABLE; s++) {
		st.status = (enum tsync_sync_state)s;
		st.offset_ns = INT64_MIN;
		st.samples = INT64_MAX;
		st.est_ns = -1;
		st.age_ms = -1;
		st.log_sync = -128;
		cr_assert_gt(tsync_status_encode(&st, buf, sizeof(buf)), 0);
		cr_assert_eq(tsync_status_decode(buf, &back), 0, "%s", buf);
		cr_assert_eq(memcmp(&st, &back, sizeof(st)), 0, "%s", buf);
	}
	struct tsync_status min = {.status = TSYNC_FREERUNNING, .est_ns = -1};
	cr_assert_gt(tsync_status_encode(&min, buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "ok status=freerunning est_ns=-1");
	cr_assert_eq(tsync_status_decode(buf, &back), 0);
	cr_assert_eq(back.have, 0);
	cr_assert_eq(back.status, TSYNC_FREERUNNING);
}

Test(ipc_status, encode_refuses)
{
	struct tsync_status st = full();
	char buf[512];
	cr_assert_eq(tsync_status_encode(&st, buf, 40), -EMSGSIZE);
	cr_assert_str_eq(buf, "");
	st.est_ns = NAN;
	cr_assert_eq(tsync_status_encode(&st, buf, sizeof(buf)), -EINVAL);
	st = full();
	strcpy(st.port_state, "A B");
	cr_assert_eq(tsync_status_encode(&st, buf, sizeof(buf)), -EINVAL);
	st = full();
	st.status = 0;
	cr_assert_eq(tsync_status_encode(&st, buf, sizeof(buf)), -EINVAL);
}

Test(ipc_status, hostile_replies)
{
	struct tsync_status st;
	static const char *const bad[] = {
	        "err unknown command",
	        "ok",
	        "ok status=synchronized", /* est_ns missing */
	        "ok est_ns=3",            /* status missing */
	        "ok status=bogus est_ns=3",
	        "ok status=unknown est_ns=3", /* a vmclock word ptpd-wl never says */
	        "ok status=synchronized est_ns=12x",
	        "ok status=synchronized est_ns=nan",
	        "ok status=synchronized est_ns=1 offset_ns=abc",
	        "ok status=synchronized est_ns=1 offset_ns=1.5",
	        "ok status=synchronized est_ns=1 samples=-3",
	        "ok status=synchronized est_ns=1 log_sync=128",
	        "ok status=synchronized est_ns=1 servo=2",
	        "ok status=synchronized est_ns=1 servo=s",
	        "ok status=synchronized est_ns=1 age_ms=inf",
	        "ok status=synchronized est_ns=1 offset_med_ns=x",
	        "ok status=synchronized est_ns=1 offset_peak_ns=inf",
	        "ok status=synchronized est_ns=1 est_ns=2", /* twice */
	        "ok status=synchronized status=unreliable est_ns=1",
	        "ok status=synchronized est_ns=1 junk",
	        "ok status=synchronized est_ns=1 port_state=ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	        "OK status=synchronized est_ns=1",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(tsync_status_decode(bad[i], &st), -EPROTO, "'%s' refused", bad[i]);
	/* unknown keys from a newer ptpd-wl are skipped */
	cr_assert_eq(tsync_status_decode("ok status=unreliable est_ns=5 future_key=1\n", &st), 0);
	cr_assert_eq(st.status, TSYNC_UNRELIABLE);
	cr_assert_float_eq(st.est_ns, 5, 1e-12);
}
