// SPDX-License-Identifier: MIT
/* dtpd/dtpd_cpage: the counter page round-trips under its seqlock, a reader refuses a page of
 * another magic or version and gives up on a writer that stays busy, and the counter is
 * extrapolated from the TSC pair at 156.25 MHz. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "dtpd_cpage.h"
#include "node.h"

Test(dtpd_cpage, write_read_extrapolate)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/dtpd-cpage-test-%d", (int)getpid());
	struct dtpd_counter_page *w;
	cr_assert_eq(dtpd_cpage_create(path, &w), 0);
	struct dtpd_counter_page v = {.flags = DTPD_CPAGE_F_SYNC | DTPD_CPAGE_F_TSC,
	                              .counter = 1000000,
	                              .tsc = 5000000000ULL,
	                              .tsc_ns_q32 = 4294967296ULL / 2, /* 0.5 ns a TSC tick */
	                              .epoch_ns = 1000,
	                              .clock_minus_counter_ns = -42,
	                              .bound_ns = 25000};
	dtpd_cpage_write(w, &v);
	dtpd_cpage_write(w, &v);
	const struct dtpd_counter_page *r;
	cr_assert_eq(dtpd_cpage_open(path, &r), 0);
	struct dtpd_counter_page s;
	cr_assert_eq(dtpd_cpage_read(r, &s, 4), 0);
	cr_expect_eq(s.counter, 1000000);
	cr_expect_eq(s.updates, 2);
	cr_expect_eq(s.seq, 4);
	cr_expect_eq(s.bound_ns, 25000);
	cr_expect_eq(s.clock_minus_counter_ns, -42);
	/* 12800 TSC ticks = 6400 ns = 1000 counter ticks; backwards too */
	cr_expect_eq(dtpd_cpage_counter_at(&s, 5000012800ULL), 1001000);
	cr_expect_eq(dtpd_cpage_counter_at(&s, 5000000000ULL - 12800), 999000);
	cr_expect_eq(dtpd_cpage_time_at(&s, 5000012800ULL, 1000), 1000 + 1001000LL * 64 / 10);
	/* a writer in the middle of an update (odd seq): the reader gives up after its tries */
	w->seq++;
	cr_expect_eq(dtpd_cpage_read(r, &s, 3), -EAGAIN);
	w->seq++;
	cr_expect_eq(dtpd_cpage_read(r, &s, 3), 0);
	w->version = 2;
	cr_expect_eq(dtpd_cpage_read(r, &s, 3), -EPROTO);
	dtpd_cpage_unmap(r);
	cr_expect_eq(dtpd_cpage_open(path, &r), -EPROTO);
	dtpd_cpage_unmap(w);
	unlink(path);
	cr_expect_eq(dtpd_cpage_open(path, &r), -ENOENT);
}
