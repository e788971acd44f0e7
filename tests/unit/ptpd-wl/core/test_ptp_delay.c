// SPDX-License-Identifier: MIT
/* ptpd-wl delay math: E2E and P2P formulas with corrections and their signs, epoch-sized
 * timestamps without overflow, rounding, the neighbour rate ratio, and the median filter. */
#include <criterion/criterion.h>
#include <errno.h>

#include "core/delay.h"

#define C(ns) ((int64_t)(ns)*65536) /* ns -> correctionField units */

/* A simulated exchange: the slave's clock is `off` ns ahead of the master, one-way delays
 * d_ms (master -> slave) and d_sm, residence times r_sync and r_req in transparent clocks. */
struct sim {
	tmv_t t1, t2, t3, t4;
	int64_t c_sync, c_delay;
};

static struct sim e2e(tmv_t base, tmv_t off, tmv_t d_ms, tmv_t d_sm, tmv_t r_sync, tmv_t r_req)
{
	struct sim s;

	s.t1 = base;                       /* master clock */
	s.t2 = base + d_ms + r_sync + off; /* slave clock */
	s.t3 = s.t2 + 1000000;             /* slave clock, 1 ms later */
	s.t4 = s.t3 - off + d_sm + r_req;  /* master clock */
	s.c_sync = C(r_sync);
	s.c_delay = C(r_req);
	return s;
}

Test(ptp_delay, e2e_symmetric_path_recovers_offset_and_delay)
{
	const tmv_t base = 1700000000LL * NS_PER_SEC + 123456789; /* epoch-sized, no overflow */
	static const tmv_t offs[] = {0, 1, -1, 1234567, -987654321, 3 * NS_PER_SEC};

	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		struct sim s = e2e(base, offs[i], 3000, 3000, 0, 0);
		cr_assert_eq(delay_e2e_mean_path(s.t1, s.t2, s.t3, s.t4, 0, 0), 3000);
		cr_assert_eq(delay_e2e_offset(s.t1, s.t2, s.t3, s.t4, 0, 0), offs[i],
		             "offset is local minus master: slave ahead -> positive");
		cr_assert_eq(delay_offset(s.t1, s.t2, 0, 3000), offs[i]);
	}
}

Test(ptp_delay, e2e_corrections_remove_residence_times)
{
	const tmv_t base = 5 * NS_PER_SEC;
	struct sim s = e2e(base, -250, 2000, 2000, 700, 1100);

	cr_assert_eq(delay_e2e_mean_path(s.t1, s.t2, s.t3, s.t4, s.c_sync, s.c_delay), 2000);
	cr_assert_eq(delay_e2e_offset(s.t1, s.t2, s.t3, s.t4, s.c_sync, s.c_delay), -250);
	cr_assert_eq(delay_offset(s.t1, s.t2, s.c_sync, 2000), -250);
	/* without the corrections the residence times show up as delay and offset error */
	cr_assert_eq(delay_e2e_mean_path(s.t1, s.t2, s.t3, s.t4, 0, 0), 2900);
	cr_assert_eq(delay_e2e_offset(s.t1, s.t2, s.t3, s.t4, 0, 0), -450);
}

Test(ptp_delay, e2e_asymmetry_shows_as_half_offset_error)
{
	struct sim s = e2e(NS_PER_SEC, 0, 5000, 3000, 0, 0);

	cr_assert_eq(delay_e2e_mean_path(s.t1, s.t2, s.t3, s.t4, 0, 0), 4000);
	cr_assert_eq(delay_e2e_offset(s.t1, s.t2, s.t3, s.t4, 0, 0), 1000,
	             "(d_ms - d_sm) / 2 of apparent offset");
}

Test(ptp_delay, sub_ns_corrections_and_rounding)
{
	/* mpd = (1001 + 1000 - 0.5) / 2 = 1000.25 -> 1000 */
	cr_assert_eq(delay_e2e_mean_path(0, 1001, 0, 1000, 32768, 0), 1000);
	/* 1000.5 -> 1001 (half away from zero), -1000.5 -> -1001 */
	cr_assert_eq(delay_e2e_mean_path(0, 1001, 0, 1000, 0, 0), 1001);
	cr_assert_eq(delay_e2e_offset(0, 0, 0, 2001, 0, 0), -1001);
	cr_assert_eq(delay_offset(0, 10, C(2) + 32768, 0), 8, "10 - 2.5 = 7.5 -> 8");
	cr_assert_eq(delay_offset(0, 10, C(2) + 32767, 0), 8);
	cr_assert_eq(delay_offset(0, 10, C(2) + 32769, 0), 7);
}

Test(ptp_delay, saturates_instead_of_wrapping)
{
	cr_assert_eq(delay_offset(INT64_MIN, INT64_MAX, 0, 0), INT64_MAX);
	cr_assert_eq(delay_offset(INT64_MAX, INT64_MIN, 0, 0), INT64_MIN);
}

/* issue #9: correction sums and samples outside physical bounds */
Test(ptp_delay, correction_sum_is_overflow_checked)
{
	int64_t r = 7;

	cr_assert_eq(delay_corr_add(C(5), C(-2), &r), 0);
	cr_assert_eq(r, C(3));
	cr_assert_eq(delay_corr_add(INT64_MAX, 1, &r), -EOVERFLOW);
	cr_assert_eq(delay_corr_add(INT64_MIN, -1, &r), -EOVERFLOW);
	cr_assert_eq(delay_corr_add(INT64_MAX, INT64_MIN, &r), 0);
	cr_assert_eq(r, -1);
}

Test(ptp_delay, sample_sanity_gate)
{
	const char *why = NULL;

	cr_assert_eq(delay_path_check(0, &why), 0);
	cr_assert_eq(delay_path_check(25000, &why), 0);
	cr_assert_eq(delay_path_check(-5000, &why), 0, "noise of software stamps");
	cr_assert_eq(delay_path_check(DELAY_PATH_MIN_NS - 1, &why), -ERANGE);
	cr_assert_not_null(why);
	cr_assert_eq(delay_path_check(DELAY_PATH_MAX_NS + 1, &why), -ERANGE);
	cr_assert_eq(delay_path_check(INT64_MIN, &why), -ERANGE);
	/* offsets: a first step of 56 years (a PHC master counting from 1970 vs a 2026 clock)
	 * is legitimate; a saturated result or one beyond +-2^62 ns is not */
	tmv_t off = 0;
	cr_assert_eq(delay_offset_checked(1000, 1766000000000000000LL, 0, 0, &off), 0);
	cr_assert_eq(off, 1766000000000000000LL - 1000);
	cr_assert_eq(delay_offset_checked(0, INT64_MAX, 0, 0, &off), -ERANGE);
	cr_assert_eq(delay_offset_checked(INT64_MAX, 0, 0, 0, &off), -ERANGE);
	cr_assert_eq(delay_offset_checked(INT64_MIN, INT64_MAX, INT64_MIN, 0, &off), -ERANGE);
	cr_assert_eq(delay_offset_checked(10, 20, C(3), 2, &off), 0);
	cr_assert_eq(off, 5);
}

Test(ptp_delay, p2p_two_step)
{
	/* requester times t1, t4 on our clock; responder t2, t3 on its clock (offset +5 ms),
	 * link delay 800 ns each way, responder turnaround 40 us */
	const tmv_t off = 5000000, t1 = 1700000000LL * NS_PER_SEC;
	const tmv_t t2 = t1 + 800 + off, t3 = t2 + 40000, t4 = t3 - off + 800;

	cr_assert_eq(delay_p2p_mean_link(t1, t2, t3, t4, 0, 0, 1.0), 800);
	cr_assert_eq(delay_p2p_turnaround(t2, t3, 0, 0), 40000);
	/* corrections (asymmetry, sub-ns parts) of Pdelay_Resp and its Follow_Up subtract */
	cr_assert_eq(delay_p2p_mean_link(t1, t2, t3, t4, C(100), C(60), 1.0), 720);
	/* P2P offset uses the link delay the same way as E2E uses the path delay */
	cr_assert_eq(delay_offset(t1, t1 + 800 + 77, 0, 800), 77);
}

Test(ptp_delay, p2p_one_step_turnaround_in_correction)
{
	const tmv_t t1 = 10 * NS_PER_SEC, t4 = t1 + 800 + 40000 + 800;

	cr_assert_eq(delay_p2p_mean_link(t1, 0, 0, t4, C(40000), 0, 1.0), 800);
	cr_assert_eq(delay_p2p_turnaround(0, 0, C(40000), 0), 40000);
}

Test(ptp_delay, p2p_neighbor_rate_ratio)
{
	/* responder runs 100 ppm fast: its turnaround of 1 ms reads 1.0001 ms on its clock */
	const double nrr = 1.0001;
	const tmv_t t1 = 0, t4 = 1000000 + 2 * 500; /* our clock: 1 ms turnaround + 2 x 500 */
	const tmv_t t2 = 0, t3 = 1000100;           /* responder clock */

	cr_assert_eq(delay_p2p_mean_link(t1, t2, t3, t4, 0, 0, nrr), 500);
	cr_assert_eq(delay_p2p_mean_link(t1, t2, t3, t4, 0, 0, 1.0), 450, "uncorrected");
	cr_assert_eq(delay_p2p_mean_link(t1, t2, t3, t4, 0, 0, -1.0), 450, "bad nrr ignored");
}

Test(ptp_delay, median_filter)
{
	struct delay_filter f;

	cr_assert_eq(delay_filter_init(&f, 0), -EINVAL);
	cr_assert_eq(delay_filter_init(&f, DELAY_FILTER_MAX + 1), -EINVAL);
	cr_assert_eq(delay_filter_init(&f, 5), 0);
	cr_assert_eq(delay_filter_push(&f, 100), 100);
	cr_assert_eq(delay_filter_push(&f, 300), 200, "even count: mean of the middle two");
	cr_assert_eq(delay_filter_push(&f, 9999999), 300, "an outlier does not move the median");
	cr_assert_eq(delay_filter_push(&f, 110), 205);
	cr_assert_eq(delay_filter_push(&f, 120), 120);
	/* window slides: 100 and 300 leave */
	cr_assert_eq(delay_filter_push(&f, 130), 130);
	cr_assert_eq(delay_filter_push(&f, 140), 130);
	cr_assert_eq(f.count, 5);
	cr_assert_eq(delay_filter_push(&f, -1), 120, "9999999 has left the window");
	delay_filter_reset(&f);
	cr_assert_eq(delay_filter_push(&f, -7), -7);
	cr_assert_eq(delay_filter_push(&f, -8), -8, "floor(-7.5)");
	cr_assert_eq(delay_filter_init(&f, 1), 0);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(delay_filter_push(&f, i * 3), i * 3, "length 1 = no filter");
	struct delay_filter z = {0};
	cr_assert_eq(delay_filter_push(&z, 42), 42, "zeroed filter behaves as length 1");
	cr_assert_eq(delay_filter_push(&f, INT64_MAX), INT64_MAX);
	delay_filter_init(&f, 2);
	delay_filter_push(&f, INT64_MAX);
	cr_assert_eq(delay_filter_push(&f, INT64_MAX - 2), INT64_MAX - 1, "no overflow");
}
