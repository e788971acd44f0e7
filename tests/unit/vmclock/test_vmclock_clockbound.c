// SPDX-License-Identifier: MIT
/* The ClockBound segment from a vmclock page, read back with ClockBound's own layout (byte
 * offsets of aws/clock-bound docs/PROTOCOL.md v2, not our struct) and its client's rule:
 * earliest/latest = realtime -/+ (bound + drift x (mono - as_of)), Unknown after void_after. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsync/clockbound.h"

#define SEC 1000000000LL

/* What a ClockBound client reads, by offset. */
struct cb_view {
	uint16_t version, generation;
	uint32_t size, drift_ppb;
	int64_t asof_ns, void_ns, bound;
	uint64_t marker;
	int32_t status;
	uint8_t support;
};

static uint64_t u64_at(const uint8_t *b, int off)
{
	uint64_t v;
	memcpy(&v, b + off, 8);
	return v;
}

static void cb_read(const uint8_t *b, struct cb_view *v)
{
	static const uint8_t magic[8] = {0x41, 0x4D, 0x5A, 0x4E, 0x43, 0x42, 0x02, 0x00};
	cr_assert_eq(memcmp(b, magic, 8), 0, "ClockBound magic bytes");
	memcpy(&v->size, b + 8, 4);
	memcpy(&v->version, b + 12, 2);
	memcpy(&v->generation, b + 14, 2);
	v->asof_ns = (int64_t)u64_at(b, 16) * SEC + (int64_t)u64_at(b, 24);
	v->void_ns = (int64_t)u64_at(b, 32) * SEC + (int64_t)u64_at(b, 40);
	v->bound = (int64_t)u64_at(b, 48);
	v->marker = u64_at(b, 56);
	memcpy(&v->drift_ppb, b + 64, 4);
	memcpy(&v->status, b + 68, 4);
	v->support = b[72];
}

/* clockbound_now() at (realtime, mono): earliest, latest, status (-1: Unknown, void) */
static int cb_now(const struct cb_view *v, int64_t rt, int64_t mono, int64_t *e, int64_t *l)
{
	if (mono > v->void_ns)
		return -1;
	int64_t ceb = v->bound + (int64_t)((double)(mono - v->asof_ns) * v->drift_ppb / 1e9);
	*e = rt - ceb;
	*l = rt + ceb;
	return v->status;
}

static struct clockbound_sample mk(int64_t page_t, uint64_t maxerr, int64_t rt0, int64_t rt1,
                                   uint8_t st)
{
	struct clockbound_sample s;
	memset(&s, 0, sizeof(s));
	s.r.time_ns = page_t;
	s.r.maxerror_ns = maxerr;
	s.r.earliest_ns = page_t - (int64_t)maxerr;
	s.r.latest_ns = page_t + (int64_t)maxerr;
	s.r.bounded = st != VMCLOCK_STATUS_UNRELIABLE && st != VMCLOCK_STATUS_INITIALIZING;
	s.r.clock_status = st;
	s.r.disruption_marker = 7;
	s.rt_before_ns = rt0;
	s.rt_after_ns = rt1;
	s.mono = (struct clockbound_ts){100, 500000000};
	return s;
}

Test(vmclock_clockbound, segment_read_with_clockbound_layout_holds_the_truth)
{
	char path[] = "/tmp/tsync-cb-XXXXXX";
	int tfd = mkstemp(path);
	cr_assert_geq(tfd, 0);
	close(tfd);
	unlink(path);
	volatile struct clockbound_shm *seg;
	int fd;
	cr_assert_eq(clockbound_open(path, &seg, &fd), 0);
	/* truth 1e18 ns; the page says +3 us with a 10 us bound; the system clock is 40 us
	 * ahead of the truth, read 2 us around the page */
	const int64_t T = 1000000000000000000LL;
	struct clockbound_sample s =
	        mk(T + 3000, 10000, T + 40000, T + 42000, VMCLOCK_STATUS_SYNCHRONIZED);
	struct clockbound_shm out;
	clockbound_fill(&s, 4000000, 3 * SEC, 20000, &out);
	clockbound_publish(seg, &out);
	uint8_t b[CLOCKBOUND_SIZE];
	cr_assert_eq(pread(fd, b, sizeof(b), 0), (ssize_t)sizeof(b));
	struct cb_view v;
	cb_read(b, &v);
	cr_assert_eq(v.size, 80);
	cr_assert_eq(v.version, 2);
	cr_assert_eq(v.generation % 2, 0, "even: no update in progress");
	cr_assert_eq(v.status, CLOCKBOUND_SYNCHRONIZED);
	cr_assert_eq(v.marker, 7);
	cr_assert_eq(v.support, 1);
	cr_assert_eq(v.asof_ns, 100 * SEC + 500000000 - 4000000, "one coarse tick before the read");
	cr_assert_eq(v.void_ns, v.asof_ns + 3 * SEC);
	/* the bound covers the system clock's true error at the read: 41 +- 1 us off */
	cr_assert_geq(v.bound, 42000);
	cr_assert_leq(v.bound, 42000 - 3000 + 10000 + 2000 + 1, "not loose: %lld",
	              (long long)v.bound);
	/* later: the system clock drifts 15 ppm from the truth, the segment says 20 ppm */
	for (int64_t dt = 0; dt < 3 * SEC - 4000000; dt += SEC / 4) {
		int64_t truth = T + dt, rt = truth + 41000 + dt * 15 / 1000000;
		int64_t e, l;
		int st = cb_now(&v, rt, 100 * SEC + 500000000 + dt, &e, &l);
		cr_assert_eq(st, CLOCKBOUND_SYNCHRONIZED);
		cr_assert(e <= truth && truth <= l, "dt %lld: truth outside [%lld, %lld]",
		          (long long)dt, (long long)(e - truth), (long long)(l - truth));
	}
	int64_t e, l;
	cr_assert_eq(cb_now(&v, T, 100 * SEC + 500000000 + 3 * SEC, &e, &l), -1, "void after");
	/* UNRELIABLE: Disrupted; INITIALIZING: Unknown */
	s = mk(T, 0, T, T, VMCLOCK_STATUS_UNRELIABLE);
	clockbound_fill(&s, 0, SEC, 0, &out);
	cr_assert_eq(out.clock_status, CLOCKBOUND_DISRUPTED);
	s = mk(T, 0, T, T, VMCLOCK_STATUS_INITIALIZING);
	clockbound_fill(&s, 0, SEC, 0, &out);
	cr_assert_eq(out.clock_status, CLOCKBOUND_UNKNOWN);
	s = mk(T, 5, T, T, VMCLOCK_STATUS_FREERUNNING);
	clockbound_fill(&s, 0, SEC, 0, &out);
	cr_assert_eq(out.clock_status, CLOCKBOUND_FREE_RUNNING);
	clockbound_close(seg, fd);
	unlink(path);
}

Test(vmclock_clockbound, generation_odd_during_update_and_skips_zero)
{
	struct clockbound_shm seg, src;
	memset(&seg, 0, sizeof(seg));
	memset(&src, 0, sizeof(src));
	src.bound_ns = 5;
	clockbound_publish(&seg, &src);
	cr_assert_eq(seg.generation, 2);
	cr_assert_eq(seg.bound_ns, 5);
	cr_assert_eq(seg.magic, CLOCKBOUND_MAGIC);
	seg.generation = 65534;
	clockbound_publish(&seg, &src);
	cr_assert_eq(seg.generation, 2, "65535 + 1 rolls over to 2, not 0");
	seg.generation = 5; /* a writer that died mid-update */
	clockbound_publish(&seg, &src);
	cr_assert_eq(seg.generation, 6);
}
