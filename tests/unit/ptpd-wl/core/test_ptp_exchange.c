// SPDX-License-Identifier: MIT
/* core/exchange.h: Sync/Follow_Up pairing, Delay_Req/Resp, Pdelay; corrections, asymmetry,
 * sequence mismatches, reordering, loss, overflow. Expected values are computed from the
 * timestamps in each test, never copied from an earlier run. */
#include <criterion/criterion.h>
#include <errno.h>

#include "core/exchange.h"

#define S16 65536LL

static struct exch_cfg cfg(int64_t asym_ns, bool assume)
{
	struct exch_cfg c;
	cr_assert_eq(exch_cfg_init(&c, asym_ns, assume), 0);
	return c;
}

Test(ptp_exchange, cfg_bounds)
{
	struct exch_cfg c;
	cr_expect_eq(exch_cfg_init(&c, 1LL << 31, false), -ERANGE);
	cr_expect_eq(exch_cfg_init(&c, -(1LL << 31) - 1, false), -ERANGE);
	cr_expect_eq(exch_cfg_init(&c, -(1LL << 31), true), 0);
	cr_expect_eq(c.asymmetry, -(1LL << 47));
	cr_expect(c.assume_two_step);
}

Test(ptp_exchange, one_step_sync)
{
	struct exch_cfg c = cfg(0, false);
	struct exch_sync s = {0};
	struct exch_ovf o;
	cr_assert_eq(exch_sync_rx(&s, &c, 7, false, 1000, 5 * S16, 1600, &o), EXCH_DONE);
	cr_expect_eq(s.t1, 1000);
	cr_expect_eq(s.t2, 1600);
	cr_expect_eq(s.corr, 5 * S16);
	/* offset = t2 - t1 - c - delay */
	cr_expect_eq(exch_offset(s.t1, s.t2, s.corr, 100), 1600 - 1000 - 5 - 100);
}

Test(ptp_exchange, two_step_sync_and_corrections)
{
	struct exch_cfg c = cfg(20, false);
	struct exch_sync s = {0};
	struct exch_ovf o;
	cr_assert_eq(exch_sync_rx(&s, &c, 3, true, 999999, 3 * S16, 5000, &o), EXCH_WAIT);
	cr_expect_not(exch_sync_complete(&s));
	cr_assert_eq(exch_fup_rx(&s, 3, 4000, 2 * S16 + S16 / 2, &o), EXCH_DONE);
	cr_expect(exch_sync_complete(&s));
	cr_expect_eq(s.t1, 4000); /* preciseOrigin, not the Sync's origin */
	cr_expect_eq(s.corr, 3 * S16 + 20 * S16 + 2 * S16 + S16 / 2);
}

Test(ptp_exchange, assume_two_step)
{
	struct exch_cfg c = cfg(0, true);
	struct exch_sync s = {0};
	struct exch_ovf o;
	cr_expect_eq(exch_sync_rx(&s, &c, 1, false, 10, 0, 20, &o), EXCH_WAIT);
	cr_expect_eq(exch_fup_rx(&s, 1, 11, 0, &o), EXCH_DONE);
	cr_expect_eq(s.t1, 11);
}

Test(ptp_exchange, follow_up_mismatch_and_reordering)
{
	struct exch_cfg c = cfg(0, false);
	struct exch_sync s = {0};
	struct exch_ovf o;
	/* a Follow_Up of another sequence does not complete the held Sync */
	cr_assert_eq(exch_sync_rx(&s, &c, 10, true, 0, 0, 500, &o), EXCH_WAIT);
	cr_expect_eq(exch_fup_rx(&s, 9, 100, 0, &o), EXCH_WAIT);
	cr_expect_not(exch_sync_complete(&s));
	/* the Follow_Up of 11 overtakes its Sync: kept, used when the Sync comes */
	cr_expect_eq(exch_fup_rx(&s, 11, 1300, 7 * S16, &o), EXCH_WAIT);
	cr_expect_eq(exch_sync_rx(&s, &c, 11, true, 0, S16, 1500, &o), EXCH_DONE);
	cr_expect_eq(s.t1, 1300);
	cr_expect_eq(s.t2, 1500);
	cr_expect_eq(s.corr, 8 * S16);
	/* it is used once: a repeated Sync 11 waits again */
	cr_expect_eq(exch_sync_rx(&s, &c, 11, true, 0, 0, 1600, &o), EXCH_WAIT);
	/* loss: the Follow_Up of 12 never comes; 13 completes on its own */
	cr_expect_eq(exch_sync_rx(&s, &c, 12, true, 0, 0, 2500, &o), EXCH_WAIT);
	cr_expect_eq(exch_sync_rx(&s, &c, 13, true, 0, 0, 3500, &o), EXCH_WAIT);
	cr_expect_eq(exch_fup_rx(&s, 12, 2300, 0, &o), EXCH_WAIT); /* late: not for 13 */
	cr_expect_eq(exch_fup_rx(&s, 13, 3300, 0, &o), EXCH_DONE);
	cr_expect_eq(s.seq, 13);
	cr_expect_eq(s.t2 - s.t1, 200);
}

Test(ptp_exchange, correction_overflow)
{
	struct exch_cfg c = cfg(100, false);
	struct exch_sync s = {0};
	struct exch_ovf o = {0};
	cr_expect_eq(exch_sync_rx(&s, &c, 1, false, 0, INT64_MAX, 1, &o), -EOVERFLOW);
	cr_expect_str_eq(o.what, "Sync");
	cr_expect_eq(o.a, INT64_MAX);
	cr_expect_eq(o.b, 100 * S16);
	cr_expect_not(s.valid);
	cr_expect_eq(exch_sync_rx(&s, &c, 2, true, 0, INT64_MAX - 100 * S16, 1, &o), EXCH_WAIT);
	cr_expect_eq(exch_fup_rx(&s, 2, 0, 1, &o), -EOVERFLOW);
	cr_expect_str_eq(o.what, "Follow_Up");
	cr_expect_not(s.valid);
	/* Delay_Resp: its correction minus the asymmetry */
	struct exch_dreq d = {.pending = true, .seq = 1};
	tmv_t mpd;
	cr_expect_eq(exch_dresp_sample(&d, &c, 0, INT64_MIN, &mpd, &o), -EOVERFLOW);
	cr_expect_str_eq(o.what, "Delay_Resp");
}

Test(ptp_exchange, e2e_delay_with_asymmetry)
{
	/* master-to-slave 1200 ns, slave-to-master 800 ns, slave 300 ns ahead, asymmetry 200 */
	struct exch_cfg c = cfg(200, false);
	struct exch_sync s = {0};
	struct exch_dreq d = {0};
	struct exch_ovf o;
	tmv_t t1 = 1000000, t2 = t1 + 1200 + 300 + 40; /* 40 ns residence in the Sync corr */
	cr_assert_eq(exch_sync_rx(&s, &c, 5, false, t1, 40 * S16, t2, &o), EXCH_DONE);
	cr_expect_eq(exch_dreq_sent(&d, &s, 77, t2 + 5000), 0);
	tmv_t t4 = t2 + 5000 - 300 + 800 + 60; /* 60 ns residence in the Delay_Resp corr */
	cr_expect_not(exch_dresp_match(&d, 76));
	cr_expect(exch_dresp_match(&d, 77));
	cr_expect_not(exch_dresp_match(&d, 77)); /* a duplicate finds nothing pending */
	tmv_t mpd;
	cr_assert_eq(exch_dresp_sample(&d, &c, t4, 60 * S16, &mpd, &o), 0);
	cr_expect_eq(mpd, (1200 + 800) / 2);
	/* the offset with that delay: the asymmetry is taken out */
	cr_expect_eq(exch_offset(s.t1, s.t2, s.corr, mpd), 300);
	/* without a complete Sync no request is recorded */
	struct exch_sync none = {0};
	cr_expect_eq(exch_dreq_sent(&d, &none, 78, 0), -EAGAIN);
	cr_expect_not(d.pending);
}

Test(ptp_exchange, e2e_rounding_and_sub_ns_corrections)
{
	/* 1.5 ns of correction: legs 10 - 1.5 and 7; mean 7.75 -> 8, offset 0.75 -> 1 */
	cr_expect_eq(exch_e2e_mean_path(0, 10, 100, 107, S16 + S16 / 2, 0), 8);
	cr_expect_eq(exch_e2e_offset(0, 10, 100, 107, S16 + S16 / 2, 0), 1);
	cr_expect_eq(exch_e2e_offset(0, 7, 100, 110, 0, 0), -2); /* -1.5 away from zero */
	/* saturates instead of wrapping */
	cr_expect_eq(exch_e2e_mean_path(INT64_MIN, INT64_MAX, INT64_MIN, INT64_MAX, 0, 0),
	             INT64_MAX);
}

Test(ptp_exchange, pdelay_two_step)
{
	struct exch_pdelay pd;
	tmv_t mld;
	exch_pdelay_sent(&pd, 40, 10000);
	/* responder: t2 = 500000 on its clock, t3 = t2 + 30000; link 700 ns each way */
	cr_expect_eq(exch_pdelay_resp_rx(&pd, 39, true, 500000, 0, 0, &mld), -ENOENT);
	cr_expect_eq(exch_pdelay_fup_rx(&pd, 40, 530000, 0, &mld), -ENOENT); /* no Resp yet */
	cr_assert_eq(exch_pdelay_resp_rx(&pd, 40, true, 500000, 10000 + 700 + 30000 + 700 + 3,
	                                 2 * S16, &mld),
	             EXCH_WAIT);
	cr_expect_eq(exch_pdelay_resp_rx(&pd, 40, true, 1, 2, 0, &mld), -EALREADY);
	cr_assert_eq(exch_pdelay_fup_rx(&pd, 40, 530000, S16, &mld), EXCH_DONE);
	cr_expect_eq(mld, 700); /* (31403 - 30000 - 2 - 1) / 2 */
	cr_expect_eq(exch_pdelay_fup_rx(&pd, 40, 530000, 0, &mld), -ENOENT); /* ended */
}

Test(ptp_exchange, pdelay_one_step)
{
	struct exch_pdelay pd;
	tmv_t mld = -1;
	exch_pdelay_sent(&pd, 1, 1000);
	/* the turnaround 25000 ns is in the correction; t2 in the message is ignored */
	cr_assert_eq(exch_pdelay_resp_rx(&pd, 1, false, 123456, 1000 + 25000 + 2 * 450, 25000 * S16,
	                                 &mld),
	             EXCH_DONE);
	cr_expect_eq(mld, 450);
	cr_expect_not(pd.pending);
	/* loss: a new request forgets the old one */
	exch_pdelay_sent(&pd, 2, 5000);
	cr_expect_eq(exch_pdelay_resp_rx(&pd, 1, false, 0, 9000, 0, &mld), -ENOENT);
}
