// SPDX-License-Identifier: MIT
/* The bound model term by term (vmclock/bound.c). */
#include <criterion/criterion.h>
#include <math.h>

#include "bound.h"
#include "vmclockd.h"

static struct tsync_status sample(uint64_t n, int64_t off, double freq_ppb, double est)
{
	struct tsync_status st = {.status = TSYNC_SYNCHRONIZED,
	                          .est_ns = est,
	                          .offset_ns = off,
	                          .freq_ppb = freq_ppb,
	                          .samples = n,
	                          .have = TSYNC_ST_OFFSET | TSYNC_ST_FREQ | TSYNC_ST_SAMPLES};
	return st;
}

/* A converged servo: offsets alternate +-a around zero, frequency +-f around 1000 ppb. */
static struct tsync_status fill(struct vmclock_bound_hist *h, unsigned n, int64_t a, double f,
                                double est)
{
	struct tsync_status st = {0};
	for (unsigned i = 0; i < n; i++) {
		st = sample(i + 1, i % 2 ? a : -a, 1000 + (i % 2 ? f : -f), est);
		vmclock_bound_add(h, &st);
	}
	return st;
}

Test(vmclock_bound, a_sample_is_added_once)
{
	struct vmclock_bound_hist h;
	vmclock_bound_reset(&h);
	struct tsync_status st = sample(5, 100, 0, 50);
	cr_assert(vmclock_bound_add(&h, &st));
	cr_assert_not(vmclock_bound_add(&h, &st)); /* the same sample pulled again */
	st.samples = 6;
	cr_assert(vmclock_bound_add(&h, &st));
	cr_assert_eq(h.n, 2);
	st.samples = 1; /* the servo restarted: the window starts over */
	cr_assert(vmclock_bound_add(&h, &st));
	cr_assert_eq(h.n, 1);
	st.have = 0; /* no offset: nothing to add */
	cr_assert_not(vmclock_bound_add(&h, &st));
}

Test(vmclock_bound, spread_is_the_rms_of_the_last_window)
{
	struct vmclock_bound_hist h;
	vmclock_bound_reset(&h);
	fill(&h, 4, 300, 0, 10);
	double mean;
	cr_assert_float_eq(vmclock_bound_spread(&h, &mean), 300, 1e-9);
	cr_assert_float_eq(mean, 0, 1e-9);
	/* a big early offset leaves the window after VMCLOCK_BOUND_WIN newer samples */
	vmclock_bound_reset(&h);
	struct tsync_status st = sample(1, 50000, 0, 10);
	vmclock_bound_add(&h, &st);
	for (unsigned i = 0; i < VMCLOCK_BOUND_WIN; i++) {
		st = sample(i + 2, i % 2 ? 100 : -100, 0, 10);
		vmclock_bound_add(&h, &st);
	}
	cr_assert_float_eq(vmclock_bound_spread(&h, NULL), 100, 1e-9);
}

/* ptpd-wl's averaged offset (offset_avg_ns) may only widen the window: the window, the trust
 * test and the convergence term take the larger of it and the last raw offset. */
Test(vmclock_bound, averaged_offset_when_reported)
{
	struct vmclock_bound_hist h;
	vmclock_bound_reset(&h);
	struct tsync_status st = {0};
	for (unsigned i = 0; i < VMCLOCK_BOUND_WIN; i++) {
		st = sample(i + 1, i % 2 ? 400 : -400, 1000, 20);
		st.offset_avg_ns = i % 2 ? 60 : -60;
		st.have |= TSYNC_ST_OFFSET_AVG;
		vmclock_bound_add(&h, &st);
	}
	/* a smaller average never narrows the window: the raw offsets' spread stays */
	cr_assert_float_eq(vmclock_bound_offset(&st), 400, 1e-9);
	cr_assert_float_eq(vmclock_bound_spread(&h, NULL), 400, 1e-9);
	struct vmclock_bound_terms t;
	vmclock_bound_eval(&h, &st, 3, 1000, 1e-7, 1e-6, &t);
	cr_assert(t.trusted);
	cr_assert_float_eq(t.maxerror_ns, 1000 + 3 * 400, 1e-6);
	/* a larger one (the average lagging a transient the last stamp missed) widens it */
	st.offset_avg_ns = -700;
	cr_assert_float_eq(vmclock_bound_offset(&st), -700, 1e-9);
	/* the averaged offset far outside the window: not trusted, converge = its size */
	st.samples++;
	st.offset_avg_ns = 5000;
	vmclock_bound_eval(&h, &st, 3, 1000, 1e-7, 1e-6, &t);
	cr_assert_not(t.trusted);
	cr_assert_float_eq(t.converge_ns, 5000, 1e-6);
	/* not reported: the raw offset */
	st.have &= ~(unsigned)TSYNC_ST_OFFSET_AVG;
	cr_assert_float_eq(vmclock_bound_offset(&st), 400, 1e-9);
}

/* ptpd-wl's robust per-sample estimate (offset_peak_ns) is what the window takes when reported:
 * one noisy stamp in the last offset does not widen it, a lasting change (the peak) does, and
 * the trust test and the convergence term see the same value. */
Test(vmclock_bound, robust_peak_when_reported)
{
	struct vmclock_bound_hist h;
	vmclock_bound_reset(&h);
	struct tsync_status st = {0};
	for (unsigned i = 0; i < VMCLOCK_BOUND_WIN; i++) {
		st = sample(i + 1, i == 9 ? 40000 : (i % 2 ? 400 : -400), 1000, 20);
		st.offset_avg_ns = i == 9 ? 3000 : 0; /* the spike in the average too */
		st.offset_peak_ns = i % 2 ? 150 : -150;
		st.have |= TSYNC_ST_OFFSET_AVG | TSYNC_ST_OFFSET_PEAK;
		vmclock_bound_add(&h, &st);
	}
	cr_assert_float_eq(vmclock_bound_offset(&st), 150, 1e-9);
	cr_assert_float_eq(vmclock_bound_spread(&h, NULL), 150, 1e-9, "the spike left no trace");
	struct vmclock_bound_terms t;
	vmclock_bound_eval(&h, &st, 3, 200, 1e-7, 1e-6, &t);
	cr_assert(t.trusted);
	cr_assert_float_eq(t.maxerror_ns, 200 + 3 * 150, 1e-6);
	/* a transient that lasts: the next poll's peak is far outside the window */
	st.samples++;
	st.offset_ns = 100;
	st.offset_peak_ns = -2500;
	vmclock_bound_eval(&h, &st, 3, 200, 1e-7, 1e-6, &t);
	cr_assert_not(t.trusted);
	cr_assert_float_eq(t.converge_ns, 2500, 1e-6);
	cr_assert_geq(t.maxerror_ns, 2500 + 200 + 3 * 150);
	vmclock_bound_add(&h, &st);
	cr_assert_gt(vmclock_bound_spread(&h, NULL), 600, "and it widens the window");
	/* not reported (dtpd, an older ptpd-wl): the larger of the average and the last offset */
	st.have &= ~(unsigned)TSYNC_ST_OFFSET_PEAK;
	st.offset_avg_ns = -700;
	cr_assert_float_eq(vmclock_bound_offset(&st), -700, 1e-9);
}

/* With ptpd-wl's averaged delay (delay_avg_ns) the path term is how far the average moved. */
Test(vmclock_bound, averaged_delay_when_reported)
{
	struct vmclock_bound_hist h;
	vmclock_bound_reset(&h);
	struct tsync_status st = {0};
	for (unsigned i = 0; i < VMCLOCK_BOUND_WIN; i++) {
		st = sample(i + 1, 0, 1000, 20);
		st.delay_ns = i % 2 ? 1400 : 600; /* one filter output's jitter */
		st.delay_avg_ns = i % 2 ? 1050.4 : 950;
		st.have |= TSYNC_ST_DELAY | TSYNC_ST_DELAY_AVG;
		vmclock_bound_add(&h, &st);
	}
	cr_assert_float_eq(vmclock_bound_delay(&st), 1050, 1e-9, "whole ns");
	cr_assert_float_eq(vmclock_bound_path(&h, &st), 100, 1e-9);
	st.have &= ~(unsigned)TSYNC_ST_DELAY_AVG;
	cr_assert_float_eq(vmclock_bound_delay(&st), 1400, 1e-9);
}

Test(vmclock_bound, path_is_how_far_the_path_delay_moved)
{
	struct vmclock_bound_hist h;
	vmclock_bound_reset(&h);
	struct tsync_status st = {0};
	for (unsigned i = 0; i < 10; i++) {
		st = sample(i + 1, 0, 0, 10);
		st.have |= TSYNC_ST_DELAY;
		st.delay_ns = 1500 + (i == 3 ? 300 : 0) - (i == 6 ? 700 : 0);
		vmclock_bound_add(&h, &st);
	}
	cr_assert_float_eq(vmclock_bound_path(&h, &st), 1000, 1e-9);
	st.delay_ns = 2000; /* the status counts too */
	cr_assert_float_eq(vmclock_bound_path(&h, &st), 1200, 1e-9);
	vmclock_bound_reset(&h); /* no delay reported: no term */
	fill(&h, 10, 100, 0, 10);
	st = sample(11, 0, 0, 10);
	cr_assert_eq(vmclock_bound_path(&h, &st), 0);
}

Test(vmclock_bound, adev_from_successive_frequencies)
{
	struct vmclock_bound_hist h;
	vmclock_bound_reset(&h);
	fill(&h, 10, 0, 5, 10); /* steps of 10 ppb: sqrt(100 / 2) ppb */
	cr_assert_float_eq(vmclock_bound_adev(&h), sqrt(50) * 1e-9, 1e-15);
	vmclock_bound_reset(&h);
	fill(&h, 1, 0, 5, 10);
	cr_assert_eq(vmclock_bound_adev(&h), 0); /* one sample: no stability yet */
}

Test(vmclock_bound, trusted_only_when_the_window_agrees)
{
	struct vmclock_bound_hist h;
	vmclock_bound_reset(&h);
	fill(&h, VMCLOCK_BOUND_MIN - 1, 200, 0, 50);
	cr_assert_not(vmclock_bound_trusted(&h, 200, 50, 3)); /* too few samples */
	fill(&h, VMCLOCK_BOUND_MIN, 200, 0, 50);
	cr_assert(vmclock_bound_trusted(&h, 200, 50, 3));
	cr_assert(vmclock_bound_trusted(&h, 600, 50, 3));
	/* an innovation the window has not seen: disturbed, or not converged yet */
	cr_assert_not(vmclock_bound_trusted(&h, 601, 50, 3));
	cr_assert_not(vmclock_bound_trusted(&h, -5000, 50, 3));
	/* unless the servo's own estimate says so */
	cr_assert(vmclock_bound_trusted(&h, -5000, 2000, 3));
}

Test(vmclock_bound, asymmetry_by_timestamp_source)
{
	cr_assert_eq(vmclock_bound_asym_default(TS_SRC_SYS), 1000);
	cr_assert_eq(vmclock_bound_asym_default(TS_SRC_PHC), 100);
	cr_assert_eq(vmclock_bound_asym_default(TS_SRC_NIC), 20);
	cr_assert_lt(vmclock_bound_asym_default(TS_SRC_NIC),
	             vmclock_bound_asym_default(TS_SRC_PHC));
}

Test(vmclock_bound, converged_terms)
{
	struct vmclock_bound_hist h;
	vmclock_bound_reset(&h);
	struct tsync_status st = fill(&h, VMCLOCK_BOUND_WIN, 200, 5, 50);
	struct vmclock_bound_terms t;
	vmclock_bound_eval(&h, &st, 3, 1000, 100e-9, 1e-6, &t);
	cr_assert(t.trusted);
	cr_assert_float_eq(t.spread_ns, 200, 1e-9);
	cr_assert_float_eq(t.sigma_ns, 200, 1e-9); /* the spread, not the optimistic est */
	cr_assert_eq(t.converge_ns, 0);
	cr_assert_eq(t.path_ns, 0);
	cr_assert_float_eq(t.maxerror_ns, 1000 + 3 * 200, 1e-9);
	cr_assert_float_eq(t.freq_maxerror, 100e-9, 1e-18); /* 3 x 7 ppb < the floor */
	/* the path delay moved by 400 ns: counted in full */
	st.have |= TSYNC_ST_DELAY;
	st.delay_ns = 400;
	st.samples++;
	vmclock_bound_add(&h, &st);
	st.delay_ns = 0;
	st.samples++;
	vmclock_bound_add(&h, &st);
	vmclock_bound_eval(&h, &st, 3, 1000, 100e-9, 1e-6, &t);
	cr_assert_float_eq(t.path_ns, 400, 1e-9);
	cr_assert_float_eq(t.maxerror_ns, 1000 + 400 + 3 * t.sigma_ns, 1e-9);
	/* a noisier oscillator: its stability sets the rate */
	vmclock_bound_reset(&h);
	st = fill(&h, VMCLOCK_BOUND_WIN, 200, 50, 50);
	vmclock_bound_eval(&h, &st, 3, 1000, 100e-9, 1e-6, &t);
	cr_assert_float_eq(t.freq_maxerror, 3 * sqrt(100.0 * 100 / 2) * 1e-9, 1e-15);
	/* servo steering (ppm between samples) is capped at the locked rate */
	vmclock_bound_reset(&h);
	st = fill(&h, VMCLOCK_BOUND_WIN, 200, 5000, 50);
	vmclock_bound_eval(&h, &st, 3, 1000, 100e-9, 1e-6, &t);
	cr_assert_float_eq(t.freq_maxerror, 1e-6, 1e-18);
	/* the servo's own estimate wins when it is the larger */
	st.est_ns = 400;
	vmclock_bound_eval(&h, &st, 3, 1000, 100e-9, 1e-6, &t);
	cr_assert_float_eq(t.maxerror_ns, 1000 + 3 * 400, 1e-9);
}

/* The flake of test_vmclock_e2e: at startup (and just after a burst starts) the Kalman
 * estimate shrinks before the clock has converged; the window still holds the big offsets. */
Test(vmclock_bound, converging_servo_is_not_trusted)
{
	struct vmclock_bound_hist h;
	vmclock_bound_reset(&h);
	struct tsync_status st = {0};
	for (unsigned i = 0; i < 6; i++) {
		st = sample(i + 1, 9300 - 1500 * (int64_t)i, 1000, 300);
		vmclock_bound_add(&h, &st);
	}
	struct vmclock_bound_terms t;
	vmclock_bound_eval(&h, &st, 3, 1000, 100e-9, 1e-6, &t);
	cr_assert_not(t.trusted);
	cr_assert_float_eq(t.converge_ns, 9300, 1e-9); /* the largest offset in the window */
	cr_assert_gt(t.maxerror_ns, 9300);
	cr_assert_float_eq(t.freq_maxerror, 1e-6, 1e-18); /* the locked rate until trusted */
	/* a disturbance after convergence: untrusted again, the offset counts in full */
	vmclock_bound_reset(&h);
	st = fill(&h, VMCLOCK_BOUND_WIN, 200, 5, 50);
	st.samples++;
	st.offset_ns = 9300;
	vmclock_bound_add(&h, &st);
	vmclock_bound_eval(&h, &st, 3, 1000, 100e-9, 1e-6, &t);
	cr_assert_not(t.trusted);
	cr_assert_geq(t.maxerror_ns, 9300 + 1000);
	/* a burst: the estimate drops at once, the window keeps the 1 Sync/s spread */
	vmclock_bound_reset(&h);
	for (unsigned i = 0; i < VMCLOCK_BOUND_WIN; i++) { /* a slow +-2 us wander at 1 Sync/s */
		st = sample(i + 1, (i / 4) % 2 ? 2000 : -2000, 1000, 700);
		vmclock_bound_add(&h, &st);
	}
	st.samples++;
	st.est_ns = 30;
	st.offset_ns = 100;
	vmclock_bound_add(&h, &st);
	vmclock_bound_eval(&h, &st, 3, 1000, 100e-9, 1e-6, &t);
	cr_assert_gt(t.sigma_ns, 1000); /* the 1 Sync/s wander, not the burst's 30 ns */
}

Test(vmclock_bound, ptpd_estimate_uses_the_window)
{
	struct vmclockd_ptpd_cfg cfg = {.sigma = 3,
	                                .margin_ns = 1000,
	                                .freq_floor = 100e-9,
	                                .freq_locked = 1e-6,
	                                .freq_unlocked = 10e-6};
	struct tsync_status st = {0};
	struct vmclockd_estimate e = {0};
	for (unsigned i = 0; i < VMCLOCK_BOUND_WIN; i++) {
		st = sample(i + 1, i % 2 ? 200 : -200, 1000, 50);
		vmclockd_ptpd_update(&cfg, &st, 1000000000, &e);
	}
	cr_assert_eq(e.maxerror_ns, 1000 + 3 * 200); /* the window's spread, not est 50 */
	cr_assert_float_eq(e.freq_maxerror, 100e-9, 1e-18);
	/* the servo not locked after a good estimate: UNRELIABLE, and the window starts over */
	st.status = TSYNC_UNRELIABLE;
	st.have |= TSYNC_ST_SERVO;
	st.servo = 0;
	vmclockd_ptpd_update(&cfg, &st, 2000000000, &e);
	cr_assert_eq(cfg.hist.n, 0);
}
