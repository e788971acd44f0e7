// SPDX-License-Identifier: MIT
/* vmclockd <- ptpd-wl: the status reply parser and the estimate rules. */
#include <criterion/criterion.h>
#include <errno.h>

#include "vmclockd.h"

Test(vmclock_ptpd, parse_status_reply)
{
	struct tsync_status st;
	cr_assert_eq(tsync_status_decode("ok port_state=SLAVE servo=s2 status=synchronized "
	                                 "offset_ns=-417 est_ns=110 freq_ppb=-20143.0 "
	                                 "delay_ns=1676 log_sync=-3 samples=56 age_ms=24 "
	                                 "burst_s=0.0",
	                                 &st),
	             0);
	cr_assert_eq(st.status, VMCLOCK_STATUS_SYNCHRONIZED);
	cr_assert_float_eq(st.est_ns, 110, 1e-9);
	cr_assert_eq(st.offset_ns, -417);
	cr_assert_eq(st.log_sync, -3);
	cr_assert_eq(st.samples, 56);
	cr_assert_float_eq(st.age_ms, 24, 1e-9);
	cr_assert_eq(tsync_status_decode("ok status=freerunning est_ns=-1", &st), 0);
	cr_assert_eq(st.status, VMCLOCK_STATUS_FREERUNNING);
	cr_assert_eq(tsync_status_decode("err unknown command", &st), -EPROTO);
	cr_assert_eq(tsync_status_decode("ok status=bogus est_ns=3", &st), -EPROTO);
	cr_assert_eq(tsync_status_decode("ok status=synchronized", &st), -EPROTO);
}

Test(vmclock_ptpd, estimate_rules)
{
	struct vmclockd_ptpd_cfg cfg = {
	        .sigma = 6, .margin_ns = 1000, .freq_locked = 1e-6, .freq_unlocked = 10e-6};
	struct tsync_status st = {
	        .status = TSYNC_SYNCHRONIZED, .est_ns = 100, .offset_ns = -250, .age_ms = 20};
	struct vmclockd_estimate e = {0};
	vmclockd_ptpd_estimate(&cfg, &st, 1000000000, &e);
	cr_assert_eq(e.maxerror_ns, 600 + 250 + 1000);
	cr_assert_eq(e.esterror_ns, 350);
	cr_assert_float_eq(e.freq_maxerror, 1e-6, 1e-15);
	cr_assert(e.grows);
	cr_assert_eq(e.at_raw_ns, 1000000000 - 20000000); /* aged from the sample */
	cr_assert_eq(e.status, VMCLOCK_STATUS_SYNCHRONIZED);
	st.status = TSYNC_UNRELIABLE;
	vmclockd_ptpd_estimate(&cfg, &st, 1000000000, &e);
	cr_assert_float_eq(e.freq_maxerror, 10e-6, 1e-15);
	cr_assert_eq(e.status, VMCLOCK_STATUS_UNRELIABLE);
	st.status = TSYNC_SYNCHRONIZED; /* a servo without an estimate */
	st.est_ns = -1;
	vmclockd_ptpd_estimate(&cfg, &st, 1000000000, &e);
	cr_assert_eq(e.maxerror_ns, 250 + 1000);
	cr_assert_float_eq(e.freq_maxerror, 10e-6, 1e-15);
}
