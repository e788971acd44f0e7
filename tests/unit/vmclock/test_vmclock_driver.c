// SPDX-License-Identifier: MIT
/* What Linux's ptp_vmclock and its users see of vmclockd's pages: status mapping of a silent
 * sync daemon, no error flags without a bound, pages anchored a little before the write, the
 * kernel's TAI offset, the reader's refusals, page take-over on restart (no zero page, the
 * marker moves on, one writer per page). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "vmclockd.h"

#include "honest_host.h"

#define ERROR_FLAGS                                                                                \
	(VMCLOCK_FLAG_TIME_MAXERROR_VALID | VMCLOCK_FLAG_PERIOD_MAXERROR_VALID |                   \
	 VMCLOCK_FLAG_TIME_ESTERROR_VALID | VMCLOCK_FLAG_PERIOD_ESTERROR_VALID)

Test(vmclock_driver, silent_sync_daemon_is_holdover_not_unreliable)
{
	struct vmclockd_ptpd_cfg cfg = {
	        .sigma = 6, .margin_ns = 1000, .freq_locked = 1e-6, .freq_unlocked = 10e-6};
	struct tsync_status st = {
	        .status = TSYNC_SYNCHRONIZED, .est_ns = 100, .offset_ns = 50, .age_ms = 0};
	struct vmclockd_estimate e = {0};
	/* never answered: no bound to give */
	vmclockd_ptpd_silent(&cfg, &e);
	cr_assert_eq(e.status, VMCLOCK_STATUS_INITIALIZING);
	/* answered, then silent: FREERUNNING, the same bound from the same instant, aging faster */
	cfg.answered = true;
	vmclockd_ptpd_estimate(&cfg, &st, 5000000000, &e);
	uint64_t m = e.maxerror_ns;
	int64_t at = e.at_raw_ns;
	vmclockd_ptpd_silent(&cfg, &e);
	cr_assert_eq(e.status, VMCLOCK_STATUS_FREERUNNING);
	cr_assert_neq(e.status, VMCLOCK_STATUS_UNRELIABLE);
	cr_assert_eq(e.maxerror_ns, m);
	cr_assert_eq(e.at_raw_ns, at, "the bound ages from its sample, not from the silence");
	cr_assert(e.grows);
	cr_assert_float_eq(e.freq_maxerror, 10e-6, 1e-15);
	/* the page it gives is bounded (Linux reads it; our reader gives a bound) */
	struct vmclock_host h;
	struct vmclock_pub s;
	struct vmclock_abi page;
	struct vmclock_reading r;
	host(SEC, 1000, 1e-6, &h);
	h.status = e.status;
	vmclock_pub_init(&s, VMCLOCK_POLICY_STEP, 1e-3, 1);
	cr_assert_eq(vmclock_pub_update(&s, &h, SEC, &page), 0);
	cr_assert_eq(page.clock_status, VMCLOCK_STATUS_FREERUNNING);
	cr_assert_eq(page.flags & ERROR_FLAGS, ERROR_FLAGS);
	cr_assert_eq(vmclock_eval(&page, 2 * SEC, &r), 0);
	cr_assert(r.bounded);
}

Test(vmclock_driver, ptpd_unreliable_is_initializing_holdover_or_unreliable)
{
	struct vmclockd_ptpd_cfg cfg = {
	        .sigma = 6, .margin_ns = 1000, .freq_locked = 1e-6, .freq_unlocked = 10e-6};
	struct tsync_status st = {.status = TSYNC_UNRELIABLE,
	                          .est_ns = 500,
	                          .servo = 0,
	                          .age_ms = 0,
	                          .have = TSYNC_ST_SERVO};
	struct vmclockd_estimate e = {0};
	/* calibrating, never synchronized: no bound yet */
	vmclockd_ptpd_update(&cfg, &st, 1000000000, &e);
	cr_assert_eq(e.status, VMCLOCK_STATUS_INITIALIZING);
	cr_assert_not(cfg.answered);
	/* synchronized: the bound */
	st.status = TSYNC_SYNCHRONIZED;
	st.servo = 2;
	st.est_ns = 100;
	st.offset_ns = 30;
	vmclockd_ptpd_update(&cfg, &st, 2000000000, &e);
	cr_assert_eq(e.status, VMCLOCK_STATUS_SYNCHRONIZED);
	cr_assert(cfg.answered);
	uint64_t m = e.maxerror_ns;
	int64_t at = e.at_raw_ns;
	/* stale samples, servo still locked: holdover of that bound, not UNRELIABLE */
	st.status = TSYNC_UNRELIABLE;
	st.est_ns = 5;
	st.age_ms = 9000;
	vmclockd_ptpd_update(&cfg, &st, 11000000000, &e);
	cr_assert_eq(e.status, VMCLOCK_STATUS_FREERUNNING);
	cr_assert_eq(e.maxerror_ns, m, "the last good bound, not the stale estimate's");
	cr_assert_eq(e.at_raw_ns, at);
	cr_assert_float_eq(e.freq_maxerror, 10e-6, 1e-15);
	/* the servo unlocked (it may step the clock): UNRELIABLE */
	st.servo = 1;
	vmclockd_ptpd_update(&cfg, &st, 12000000000, &e);
	cr_assert_eq(e.status, VMCLOCK_STATUS_UNRELIABLE);
}

Test(vmclock_driver, initializing_and_unknown_pages_carry_no_error_flags)
{
	static const uint8_t st[] = {VMCLOCK_STATUS_UNKNOWN, VMCLOCK_STATUS_INITIALIZING,
	                             VMCLOCK_STATUS_SYNCHRONIZED, VMCLOCK_STATUS_FREERUNNING};
	for (unsigned i = 0; i < 4; i++) {
		for (int pol = VMCLOCK_POLICY_STEP; pol <= VMCLOCK_POLICY_FREEZE; pol++) {
			struct vmclock_host h;
			struct vmclock_pub s;
			struct vmclock_abi page;
			struct vmclock_reading r;
			host(SEC, 1000, 2e-6, &h);
			h.status = st[i];
			h.tai_valid = true;
			h.tai_offset_sec = -37;
			vmclock_pub_init(&s, (enum vmclock_policy)pol, 1e-3, 1);
			cr_assert_eq(vmclock_pub_update(&s, &h, SEC, &page), 0);
			bool bounded = st[i] >= VMCLOCK_STATUS_SYNCHRONIZED;
			cr_assert_eq(!!(page.flags & ERROR_FLAGS), bounded, "status %u flags %#llx",
			             st[i], (unsigned long long)page.flags);
			if (!bounded)
				cr_assert_eq(page.time_maxerror_nanosec, 0);
			cr_assert(page.flags & VMCLOCK_FLAG_TAI_OFFSET_VALID, "TAI still given");
			cr_assert_eq(vmclock_eval(&page, 2 * SEC, &r), 0);
			cr_assert_eq(r.bounded, bounded);
			cr_assert(r.time_ns > T0, "the time is given either way");
		}
	}
}

Test(vmclock_driver, rebase_keeps_the_line_and_an_honest_bound)
{
	struct vmclock_host h;
	struct vmclock_pub a, b;
	struct vmclock_abi pa, pb;
	struct vmclock_reading ra, rb;
	const uint64_t back = 125000; /* 50 us at 2.5 GHz */
	for (int pol = VMCLOCK_POLICY_STEP; pol <= VMCLOCK_POLICY_FREEZE; pol++) {
		vmclock_pub_init(&a, (enum vmclock_policy)pol, 1e-3, 1);
		vmclock_pub_init(&b, (enum vmclock_policy)pol, 1e-3, 1);
		b.anchor_back_ticks = back;
		for (uint64_t c = SEC; c <= 20 * SEC; c += SEC / 2) {
			host(c - 1000, 30000, 7e-6, &h);
			cr_assert_eq(vmclock_pub_update(&a, &h, c, &pa), 0);
			cr_assert_eq(vmclock_pub_update(&b, &h, c, &pb), 0);
			cr_assert_eq(pb.counter_value, c - back, "anchored before the write");
			/* the same line at the write and after it (to 1 ns of rounding) */
			for (uint64_t x = c; x < c + SEC / 2; x += SEC / 7) {
				cr_assert_eq(vmclock_eval(&pa, x, &ra), 0);
				cr_assert_eq(vmclock_eval(&pb, x, &rb), 0);
				cr_assert(llabs(ra.time_ns - rb.time_ns) <= 1, "%lld vs %lld",
				          (long long)ra.time_ns, (long long)rb.time_ns);
				cr_assert_geq(rb.maxerror_ns, ra.maxerror_ns);
				cr_assert_leq(rb.maxerror_ns, ra.maxerror_ns + 10,
				              "a tiny price: 2 x 50 us x the rate bound");
			}
			/* a reader a little behind (another CPU): a time, and the truth inside */
			for (uint64_t x = c - back; x < c; x += back / 5) {
				cr_assert_eq(vmclock_eval(&pb, x, &rb), 0);
				cr_assert_geq(rb.delta, 0);
				long double t = truth(x);
				cr_assert((long double)(rb.earliest_ns - T0) <= t &&
				          (long double)(rb.latest_ns - T0) >= t);
			}
		}
	}
	/* a page near counter 0 is left as it is */
	host(10, 0, 0, &h);
	vmclock_pub_init(&b, VMCLOCK_POLICY_STEP, 1e-3, 1);
	b.anchor_back_ticks = back;
	cr_assert_eq(vmclock_pub_update(&b, &h, 10, &pb), 0);
	cr_assert_eq(pb.counter_value, 10);
}

Test(vmclock_driver, tai_offset_from_the_kernel)
{
	struct vmclockd_estimate e = {0};
	vmclockd_tai_apply(&e, 37);
	cr_assert(e.tai_valid);
	cr_assert_eq(e.tai_offset_sec, -37, "stored as UTC - TAI");
	vmclockd_tai_apply(&e, 0);
	cr_assert_not(e.tai_valid, "0: the kernel does not know");
	cr_assert_eq(e.tai_offset_sec, 0);
	vmclockd_tai_apply(&e, -3);
	cr_assert_not(e.tai_valid);
	/* with tai_kernel the daemon reads it (adjtimex, modes 0) */
	struct vmclockd d;
	memset(&d, 0, sizeof(d));
	d.tai_kernel = true;
	d.est.tai_valid = true;
	d.est.tai_offset_sec = -99;
	cr_assert_eq(vmclockd_tai_refresh(&d), 0);
	cr_assert_neq(d.est.tai_offset_sec, -99, "replaced by the kernel's view");
	/* without it, the command line's offset stays */
	d.tai_kernel = false;
	d.est.tai_offset_sec = -99;
	cr_assert_eq(vmclockd_tai_refresh(&d), 0);
	cr_assert_eq(d.est.tai_offset_sec, -99);
}

static uint64_t fixed(void *ctx)
{
	return *(uint64_t *)ctx;
}

Test(vmclock_driver, reader_refuses_what_linux_refuses)
{
	struct vmclock_abi p;
	struct vmclock_reading r;
	uint64_t c;
	vmclock_page_init(&p, VMCLOCK_PAGE_SIZE, VMCLOCK_COUNTER_X86_TSC, VMCLOCK_TIME_UTC);
	p.clock_status = VMCLOCK_STATUS_SYNCHRONIZED;
	p.counter_value = 1000;
	p.time_sec = 1700000000;
	p.counter_period_frac_sec = 18446744074ull; /* ~1 ns */
	c = 1000;
	cr_assert_eq(vmclock_read(&p, fixed, &c, 10, &r), 0);
	c = 999; /* Linux: delta ~2^64 ticks, a time centuries ahead */
	cr_assert_eq(vmclock_read(&p, fixed, &c, 10, &r), -VMCLOCK_ERANGE);
	cr_assert_eq(r.delta, -1, "the reading says why");
	cr_assert_eq(vmclock_eval(&p, 999, &r), 0, "eval still extrapolates back (stop record)");
	c = 2000;
	p.time_type = VMCLOCK_TIME_MONOTONIC; /* Linux registers no clock for it */
	cr_assert_eq(vmclock_read(&p, fixed, &c, 10, &r), -VMCLOCK_ENODATA);
	p.time_type = VMCLOCK_TIME_TAI; /* read in TAI; no UTC without the offset */
	cr_assert_eq(vmclock_read(&p, fixed, &c, 10, &r), 0);
	cr_assert_eq(vmclock_reading_convert(&r, VMCLOCK_TIME_UTC), -VMCLOCK_EINVAL);
}

static char dir[64];

Test(vmclock_driver, take_over_keeps_the_page_and_one_writer_per_page)
{
	struct vmclock_page_map m, m2;
	snprintf(dir, sizeof(dir), "/tmp/vmclock-driver-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(dfd, 0);
	cr_assert_eq(vmclock_page_create_at(dfd, "p", &m), 0);
	cr_assert_not(m.taken_over);
	/* a second writer while the first holds it */
	cr_assert_eq(vmclock_page_create_at(dfd, "p", &m2), -EBUSY);
	struct vmclock_abi pg;
	vmclock_page_init(&pg, VMCLOCK_PAGE_SIZE, VMCLOCK_COUNTER_X86_TSC, VMCLOCK_TIME_UTC);
	pg.disruption_marker = 41;
	pg.time_sec = 1700000000;
	pg.clock_status = VMCLOCK_STATUS_SYNCHRONIZED;
	for (int i = 0; i < 5; i++)
		vmclock_publish(m.abi, &pg);
	uint32_t seq = m.abi->seq_count;
	vmclock_page_close(&m);
	/* the writer is gone (restart): taken over as it is, nothing goes back to zero */
	cr_assert_eq(vmclock_page_create_at(dfd, "p", &m), 0);
	cr_assert(m.taken_over);
	cr_assert_eq(m.abi->seq_count, seq);
	cr_assert_eq(m.abi->disruption_marker, 41);
	cr_assert_eq(m.abi->time_sec, 1700000000);
	cr_assert_eq(m.abi->clock_status, VMCLOCK_STATUS_SYNCHRONIZED);
	cr_assert_eq(vmclockd_next_marker(m.abi->disruption_marker), 42);
	cr_assert_eq(vmclockd_next_marker(UINT64_MAX), 1, "never 0");
	vmclock_page_close(&m);
	unlinkat(dfd, "p", 0);
	close(dfd);
	rmdir(dir);
}
