// SPDX-License-Identifier: MIT
/* vmclockd policies (step, slew, freeze) across a migration with the truth known, the TSC
 * period fields and rate tracker, and the control-command parser. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "policy.h"
#include "tsc.h"
#include "vmclockd.h"

#include "honest_host.h"

static void holds(const struct vmclock_abi *p, uint64_t c, struct vmclock_reading *r)
{
	cr_assert_eq(vmclock_eval(p, c, r), 0);
	cr_assert(r->bounded);
	long double t = truth(c);
	cr_assert((long double)(r->earliest_ns - T0) <= t && (long double)(r->latest_ns - T0) >= t,
	          "truth %.1Lf outside [%lld, %lld]", t, (long long)(r->earliest_ns - T0),
	          (long long)(r->latest_ns - T0));
}

/* Host A (+50 us, +10 ppm) publishes; the guest stops at 10 s; 2 s pause; host B (-30 us,
 * -5 ppm) resumes it with `policy`. */
static void migrate(enum vmclock_policy pol, struct vmclock_pub *b, struct vmclock_abi *page,
                    struct vmclock_stop_record *rec)
{
	struct vmclock_pub a;
	struct vmclock_host h;
	vmclock_pub_init(&a, VMCLOCK_POLICY_STEP, 1e-3, 1);
	for (uint64_t c = SEC; c <= 10 * SEC; c += SEC) {
		host(c - 1000, 50000, 10e-6, &h);
		cr_assert_eq(vmclock_pub_update(&a, &h, c, page), 0);
	}
	cr_assert_eq(vmclock_stop_record(page, 10 * SEC + SEC / 2, rec), 0);
	vmclock_pub_init(b, pol, 0.01, 1); /* 1% slew: 2 s are gone in 200 s */
	host(12 * SEC + SEC / 2 - 500, -30000, -5e-6, &h);
	cr_assert_eq(vmclock_pub_migrate_in(b, rec, &h, 12 * SEC + SEC / 2, page), 0);
	cr_assert_eq(page->disruption_marker, rec->disruption_marker + 1);
}

Test(vmclock_policy, step_jumps_to_true_time)
{
	struct vmclock_pub b;
	struct vmclock_abi page;
	struct vmclock_stop_record rec;
	struct vmclock_reading r;
	migrate(VMCLOCK_POLICY_STEP, &b, &page, &rec);
	holds(&page, 12 * SEC + SEC / 2, &r);
	/* guest time jumped by the 2 s pause, less A's +155 us error, plus B's -92.5 us */
	cr_assert(fabs((double)(r.time_ns - rec.time_ns) - (2e9 - 247500)) < 1000);
	cr_assert(r.maxerror_ns < 100000, "bound of host B only: %llu",
	          (unsigned long long)r.maxerror_ns);
	cr_assert_not(page.flags & VMCLOCK_FLAG_TIME_MONOTONIC);
	for (uint64_t c = 12 * SEC + SEC / 2; c < 20 * SEC; c += SEC / 3)
		holds(&page, c, &r);
}

Test(vmclock_policy, freeze_keeps_the_lag_and_says_so)
{
	struct vmclock_pub b;
	struct vmclock_abi page;
	struct vmclock_stop_record rec;
	struct vmclock_reading r;
	struct vmclock_host h;
	migrate(VMCLOCK_POLICY_FREEZE, &b, &page, &rec);
	cr_assert_eq(vmclock_eval(&page, 12 * SEC + SEC / 2, &r), 0);
	cr_assert_eq(r.time_ns, rec.time_ns, "the guest resumes at the frozen value");
	cr_assert(r.maxerror_ns > 1999750000ull, "the bound covers the 2 s lag");
	holds(&page, 12 * SEC + SEC / 2, &r);
	cr_assert(b.offset_ns < -1990000000LL && b.offset_ns > -2010000000LL);
	/* later updates keep the lag (QEMU's behaviour), honestly bounded */
	for (uint64_t c = 13 * SEC; c <= 30 * SEC; c += SEC) {
		host(c - 100, -30000, -5e-6, &h);
		cr_assert_eq(vmclock_pub_update(&b, &h, c, &page), 0);
		holds(&page, c, &r);
		cr_assert(fabs((double)(r.time_ns - T0) - (double)truth(c) + 2e9) < 300000);
	}
}

Test(vmclock_policy, slew_is_monotonic_converges_at_the_bounded_rate)
{
	struct vmclock_pub b;
	struct vmclock_abi page, old;
	struct vmclock_stop_record rec;
	struct vmclock_reading r, ro;
	struct vmclock_host h;
	migrate(VMCLOCK_POLICY_SLEW, &b, &page, &rec);
	cr_assert_eq(vmclock_eval(&page, 12 * SEC + SEC / 2, &r), 0);
	cr_assert(r.time_ns >= rec.time_ns && r.time_ns <= rec.time_ns + 2);
	cr_assert(page.flags & VMCLOCK_FLAG_TIME_MONOTONIC);
	cr_assert_eq(b.slew, 0.01, "behind by 2 s: full slew, guest runs fast");
	double left = vmclock_pub_slew_remaining_s(&b);
	cr_assert(left > 195 && left < 205, "2 s at 1%%: ~200 s, got %f", left);
	holds(&page, 12 * SEC + SEC / 2, &r);
	int64_t prev_ns = r.time_ns, off = 0;
	uint64_t c;
	for (c = 13 * SEC; c <= 400 * SEC; c += SEC) {
		host(c - 100, -30000, -5e-6, &h);
		old = page;
		cr_assert_eq(vmclock_pub_update(&b, &h, c, &page), 0);
		vmclock_eval(&old, c, &ro);
		holds(&page, c, &r);
		cr_assert(r.time_ns >= ro.time_ns, "monotonic at the switch");
		cr_assert(r.time_ns >= prev_ns);
		/* the rate of guest time never exceeds host rate x (1 + slew_max) */
		double rate = (double)(r.time_ns - prev_ns) / (double)(SEC * P_TRUE);
		cr_assert(rate <= (1 + 0.01) * (1 + 1e-5) && rate > 0);
		prev_ns = r.time_ns;
		off = b.slew_offset_ns;
	}
	cr_assert(llabs(off) < 50, "converged: guest - host = %lld ns", (long long)off);
	cr_assert(r.maxerror_ns < h.maxerror_ns + 1000, "bound back to host B's: %llu vs %llu",
	          (unsigned long long)r.maxerror_ns, (unsigned long long)h.maxerror_ns);
}

Test(vmclock_policy, markers_generation_and_errors)
{
	struct vmclock_pub p;
	struct vmclock_abi page;
	struct vmclock_host h;
	struct vmclock_stop_record rec = {
	        .counter = 1, .time_ns = T0, .disruption_marker = 41, .vm_generation_counter = 3};
	vmclock_pub_init(&p, VMCLOCK_POLICY_STEP, 1e-3, 1);
	p.gen_present = true;
	host(SEC, 0, 0, &h);
	cr_assert_eq(vmclock_pub_migrate_in(&p, &rec, &h, SEC, &page), 0);
	cr_assert_eq(page.disruption_marker, 42);
	cr_assert_eq(page.vm_generation_counter, 3);
	cr_assert(page.flags & VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT);
	rec.disruption_marker = 1; /* an older marker: still a new value */
	cr_assert_eq(vmclock_pub_migrate_in(&p, &rec, &h, SEC, &page), 0);
	cr_assert_eq(page.disruption_marker, 43);
	rec.time_type = VMCLOCK_TIME_TAI;
	cr_assert_eq(vmclock_pub_migrate_in(&p, &rec, &h, SEC, &page), -EINVAL);
	h.ns_per_tick = 0;
	cr_assert_eq(vmclock_pub_update(&p, &h, SEC, &page), -EINVAL);
	enum vmclock_policy pol;
	cr_assert_eq(vmclock_policy_parse("freeze", &pol), 0);
	cr_assert_eq(pol, VMCLOCK_POLICY_FREEZE);
	cr_assert_str_eq(vmclock_policy_name(VMCLOCK_POLICY_SLEW), "slew");
	cr_assert_eq(vmclock_policy_parse("jump", &pol), -EINVAL);
}

Test(vmclock_policy, tai_offset_and_status_are_published)
{
	struct vmclock_pub p;
	struct vmclock_abi page;
	struct vmclock_host h;
	struct vmclock_reading r;
	vmclock_pub_init(&p, VMCLOCK_POLICY_STEP, 1e-3, 1);
	host(SEC, 0, 0, &h);
	h.tai_valid = true;
	h.tai_offset_sec = -37;
	h.status = VMCLOCK_STATUS_FREERUNNING;
	cr_assert_eq(vmclock_pub_update(&p, &h, SEC, &page), 0);
	cr_assert_eq(page.time_type, VMCLOCK_TIME_UTC);
	cr_assert_eq(page.clock_status, VMCLOCK_STATUS_FREERUNNING);
	cr_assert(page.flags & VMCLOCK_FLAG_TAI_OFFSET_VALID);
	cr_assert_eq(vmclock_eval(&page, SEC, &r), 0);
	int64_t utc = r.time_ns;
	cr_assert_eq(vmclock_reading_convert(&r, VMCLOCK_TIME_TAI), 0);
	cr_assert_eq(r.time_ns - utc, 37000000000LL, "TAI = UTC + 37 s");
}

Test(vmclock_tsc, period_fields_are_exact_to_the_last_bit)
{
	double npts[] = {0.385190, 1.0, 0.25, 3.3333333, 1000.0, 1e-3};
	for (unsigned i = 0; i < sizeof(npts) / sizeof(npts[0]); i++) {
		uint64_t frac;
		uint8_t shift;
		cr_assert_eq(tsc_period_fields(npts[i], &frac, &shift), 0);
		cr_assert(frac >= (1ull << 63), "uses all 64 bits: %g", npts[i]);
		long double back = ldexpl((long double)frac, -(64 + shift)) * 1e9L;
		cr_assert(fabsl(back / npts[i] - 1) < 1e-15, "%g -> %.20Lg", npts[i], back);
	}
	uint64_t f;
	uint8_t s;
	cr_assert_eq(tsc_period_fields(0, &f, &s), -EINVAL);
	cr_assert_eq(tsc_period_fields(2e9, &f, &s), -EINVAL);
}

Test(vmclock_tsc, calibration_against_monotonic_raw)
{
	struct tsc_cal c;
	struct counter *tsc = counter_tsc_create(0);
	cr_assert_not_null(tsc);
	cr_assert_eq(tsc_calibrate(tsc, 50, &c), 0);
	counter_destroy(tsc);
	cr_assert(c.ns_per_tick > 0.05 && c.ns_per_tick < 10, "%f", c.ns_per_tick);
	cr_assert(c.rel_err > 0 && c.rel_err < 1e-4, "%g", c.rel_err);
}

Test(vmclock_ctl, parsers_and_commands_without_a_clock)
{
	uint64_t ns;
	double f;
	uint8_t st;
	cr_assert_eq(vmclockd_parse_ns("1.5ms", &ns), 0);
	cr_assert_eq(ns, 1500000);
	cr_assert_eq(vmclockd_parse_ns("-1ms", &ns), -EINVAL);
	cr_assert_eq(vmclockd_parse_rate("25ppm", &f), 0);
	cr_assert(fabs(f - 25e-6) < 1e-15);
	cr_assert_eq(vmclockd_parse_rate("300ppb", &f), 0);
	cr_assert(fabs(f - 300e-9) < 1e-18);
	cr_assert_eq(vmclockd_parse_rate("0.6", &f), -EINVAL);
	cr_assert_eq(vmclockd_parse_rate("5ppx", &f), -EINVAL);
	cr_assert_eq(vmclockd_parse_state("freerunning", &st), 0);
	cr_assert_eq(st, VMCLOCK_STATUS_FREERUNNING);
	cr_assert_str_eq(vmclockd_state_name(VMCLOCK_STATUS_UNRELIABLE), "unreliable");

	static struct vmclockd d;
	char reply[512];
	bool quit = false;
	cr_assert_eq(vmclockd_command(&d,
	                              "estimate maxerror=2ms freq-maxerror=30ppm "
	                              "state=freerunning tai-offset=37",
	                              reply, sizeof(reply), &quit),
	             0, "%s", reply);
	cr_assert_eq(d.est.maxerror_ns, 2000000);
	cr_assert(fabs(d.est.freq_maxerror - 30e-6) < 1e-15);
	cr_assert_eq(d.est.status, VMCLOCK_STATUS_FREERUNNING);
	cr_assert_eq(d.est.tai_offset_sec, -37, "given as TAI - UTC, stored as UTC - TAI");
	cr_assert(d.est.grows, "socket estimates age unless static=1");
	cr_assert_eq(vmclockd_command(&d, "estimate maxerror=banana", reply, sizeof(reply), &quit),
	             -EINVAL);
	cr_assert_eq(d.est.maxerror_ns, 2000000, "a bad estimate changes nothing");
	cr_assert_eq(vmclockd_command(&d, "status", reply, sizeof(reply), &quit), 0);
	cr_assert(strstr(reply, "state=freerunning"), "%s", reply);
	cr_assert_eq(vmclockd_command(&d, "vm-del nothere", reply, sizeof(reply), &quit), -ENOENT);
	cr_assert_eq(vmclockd_command(&d, "migrate-in", reply, sizeof(reply), &quit), -EINVAL);
	cr_assert_eq(vmclockd_command(&d, "launch", reply, sizeof(reply), &quit), -EINVAL);
	cr_assert(strncmp(reply, "err", 3) == 0);
	cr_assert_not(quit);
	cr_assert_eq(vmclockd_command(&d, "quit", reply, sizeof(reply), &quit), 0);
	cr_assert(quit);
}
