// SPDX-License-Identifier: MIT
/* vmclock reader/writer: round trips, exact bounds arithmetic at the edges, rounding direction,
 * torn-page retry limit, page files, the stop record. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tsync/vmclock.h"

typedef unsigned __int128 u128;

/* A page: time T0 at counter C0, period p (frac, shift), maxerror m ns, rate r. */
static void mk(struct vmclock_abi *p, uint64_t c0, uint64_t sec, uint64_t frac, uint64_t period,
               uint8_t shift, uint64_t m, uint64_t rate)
{
	vmclock_page_init(p, VMCLOCK_PAGE_SIZE, VMCLOCK_COUNTER_X86_TSC, VMCLOCK_TIME_UTC);
	p->counter_value = c0;
	p->time_sec = sec;
	p->time_frac_sec = frac;
	p->counter_period_frac_sec = period;
	p->counter_period_shift = shift;
	p->time_maxerror_nanosec = m;
	p->counter_period_maxerror_rate_frac_sec = rate;
	p->flags = VMCLOCK_FLAG_TIME_MAXERROR_VALID | VMCLOCK_FLAG_PERIOD_MAXERROR_VALID;
	p->clock_status = VMCLOCK_STATUS_SYNCHRONIZED;
}

static uint64_t fixed_counter(void *ctx)
{
	return *(uint64_t *)ctx;
}

Test(vmclock_read, writer_reader_round_trip)
{
	static struct vmclock_abi shared; /* as if mapped */
	struct vmclock_abi src;
	vmclock_page_init(&shared, VMCLOCK_PAGE_SIZE, VMCLOCK_COUNTER_X86_TSC, VMCLOCK_TIME_UTC);
	/* 1 ns per tick: period 2^64 / 1e9 in units of 2^-64 s (shift 0) */
	mk(&src, 1000, 1700000000, 0, 18446744073ull, 0, 500, 0);
	src.disruption_marker = 7;
	src.vm_generation_counter = 9;
	src.tai_offset_sec = -37;
	vmclock_publish(&shared, &src);
	cr_assert_eq(shared.seq_count, 2);
	cr_assert_eq(shared.magic, VMCLOCK_MAGIC, "constant fields untouched");
	uint64_t c = 1000 + 1000000; /* 1 ms later */
	struct vmclock_reading r;
	cr_assert_eq(vmclock_read(&shared, fixed_counter, &c, 10, &r), 0);
	cr_assert_eq(r.tries, 1);
	cr_assert_eq(r.disruption_marker, 7);
	cr_assert_eq(r.vm_generation_counter, 9);
	cr_assert_eq(r.tai_offset_sec, -37);
	cr_assert_eq(r.delta, 1000000);
	/* period is 2^64/1e9 rounded down: 1e6 ticks give just under 1 ms */
	cr_assert_eq(r.time_ns, 1700000000LL * 1000000000 + 999999);
	cr_assert(r.bounded);
	cr_assert_eq(r.maxerror_ns, 500);
	cr_assert_eq(r.earliest_ns, r.time_ns - 500);
	cr_assert_eq(r.latest_ns, 1700000000LL * 1000000000 + 1000000 + 500);
}

/* Exact reference: x = T + delta * period / 2^shift in 2^-64 s units, as a rational compared
 * through 128-bit cross products (delta, period < 2^32 to stay within 128 bits). */
Test(vmclock_read, every_shift_0_to_63_rounds_the_right_way)
{
	for (unsigned shift = 0; shift < 64; shift++) {
		for (uint64_t d = 1; d < (1ull << 32); d = d * 7 + 3) {
			uint64_t period = 0x9e3779b9u; /* < 2^32 */
			struct vmclock_abi p;
			struct vmclock_reading r;
			mk(&p, 0, 100, 0x8000000000000000ull, period, (uint8_t)shift, 0, period);
			cr_assert_eq(vmclock_eval(&p, d, &r), 0);
			u128 prod = (u128)d * period; /* exact, < 2^64 */
			u128 t = ((u128)100 << 64) | 0x8000000000000000ull;
			u128 fl = t + (prod >> shift);
			cr_assert_eq(r.sec, (uint64_t)(fl >> 64), "shift %u d %llu", shift,
			             (unsigned long long)d);
			cr_assert_eq(r.frac, (uint64_t)fl);
			/* time_ns = floor(x * 1e9 / 2^64); earliest <= it - err, latest >= ceil */
			u128 num = (u128)(uint64_t)fl * 1000000000u;
			int64_t ns = 100LL * 1000000000 + (int64_t)(num >> 64);
			cr_assert_eq(r.time_ns, ns);
			/* error = the same product: |err| in ns rounded up, never down */
			long double err_ns = (long double)prod / powl(2, 64 + shift) * 1e9L;
			cr_assert(r.maxerror_ns >= err_ns, "shift %u: %llu < %Lf", shift,
			          (unsigned long long)r.maxerror_ns, err_ns);
			cr_assert(r.maxerror_ns <= err_ns + 1);
			cr_assert(r.earliest_ns <= r.time_ns - (int64_t)r.maxerror_ns);
			cr_assert(r.latest_ns >= r.time_ns + (int64_t)r.maxerror_ns);
			if (d > (1ull << 20))
				break;
		}
	}
}

Test(vmclock_read, rounding_direction_earliest_down_latest_up)
{
	struct vmclock_abi p;
	struct vmclock_reading r;
	/* time = 1 s + 0.5 ns exactly (frac = 2^64 * 1.5e-9 ... use half a ns: 2^63 / 1e9) */
	uint64_t half_ns = 9223372036ull;       /* 2^63 / 1e9 rounded down: just under 0.5 ns */
	mk(&p, 0, 1, half_ns * 3, 0, 0, 10, 0); /* ~1.5 ns past 1 s */
	cr_assert_eq(vmclock_eval(&p, 0, &r), 0);
	cr_assert_eq(r.time_ns, 1000000001);
	cr_assert_eq(r.earliest_ns, 1000000001 - 10, "floor(x) - m");
	cr_assert_eq(r.latest_ns, 1000000002 + 10, "ceil(x) + m");
	/* an exact ns: no widening */
	mk(&p, 0, 1, 0, 0, 0, 10, 0);
	cr_assert_eq(vmclock_eval(&p, 0, &r), 0);
	cr_assert_eq(r.earliest_ns, 1000000000 - 10);
	cr_assert_eq(r.latest_ns, 1000000000 + 10);
	/* the rate error: 1 tick of a period of 1 unit (2^-64 s) rounds up to 1 ns */
	mk(&p, 0, 1, 0, 1ull << 32, 0, 0, 1);
	cr_assert_eq(vmclock_eval(&p, 1, &r), 0);
	cr_assert_eq(r.maxerror_ns, 1);
	cr_assert_eq(r.time_ns, 1000000000);
	cr_assert_eq(r.latest_ns, 1000000001 + 1, "x just above 1 s: ceil(x) + 1 ns of rate error");
}

Test(vmclock_read, counter_wraparound_and_negative_delta)
{
	struct vmclock_abi p;
	struct vmclock_reading r;
	uint64_t one_ns = 18446744074ull; /* 2^64/1e9 rounded up: a hair over 1 ns per tick */
	/* counter_value just below 2^64, counter wrapped to a small value: delta = +16 */
	mk(&p, UINT64_MAX - 5, 1000, 0, one_ns, 0, 0, 0);
	cr_assert_eq(vmclock_eval(&p, 10, &r), 0);
	cr_assert_eq(r.delta, 16);
	cr_assert_eq(r.time_ns, 1000LL * 1000000000 + 16);
	/* a counter slightly before counter_value (another CPU's TSC): time goes back */
	mk(&p, 1000, 1000, 0, one_ns, 0, 0, one_ns / 1000);
	cr_assert_eq(vmclock_eval(&p, 990, &r), 0);
	cr_assert_eq(r.delta, -10);
	/* exact: 1000 s - 10 * (1 ns + eps): floor is 1000 s - 11 ns */
	cr_assert_eq(r.time_ns, 1000LL * 1000000000 - 11);
	cr_assert_eq(r.maxerror_ns, 1, "the error grows with |delta|, rounded up");
	cr_assert(r.latest_ns >= 1000LL * 1000000000 - 10 + 1);
	/* before the epoch: a range error, not a wrapped time */
	mk(&p, 1000, 0, 0, one_ns, 0, 0, 0);
	cr_assert_eq(vmclock_eval(&p, 0, &r), -VMCLOCK_ERANGE);
}

Test(vmclock_read, huge_counts_saturate_the_bound_not_the_time)
{
	struct vmclock_abi p;
	struct vmclock_reading r;
	/* shift 0, period 2^-33 s, 2^62 ticks: 2^29 s later (17 years) */
	mk(&p, 0, 1000000000, 0, 1ull << 31, 0, 0, UINT64_MAX);
	cr_assert_eq(vmclock_eval(&p, 1ull << 62, &r), 0);
	cr_assert_eq(r.sec, 1000000000ull + (1ull << 29));
	/* maxerror: 2^62 * (2^64 - 1) / 2^64 s ~ 4.6e18 s: saturates to "no bound" */
	cr_assert_eq(r.maxerror_ns, VMCLOCK_NO_BOUND);
	cr_assert_not(r.bounded);
	cr_assert_eq(r.earliest_ns, INT64_MIN);
	cr_assert_eq(r.latest_ns, INT64_MAX);
	/* time itself beyond int64 ns (year 2262): ERANGE */
	mk(&p, 0, 9300000000ull, 0, 0, 0, 0, 0);
	cr_assert_eq(vmclock_eval(&p, 0, &r), -VMCLOCK_ERANGE);
	/* the full 128-bit product with shift 63 */
	mk(&p, 0, 0, 0, UINT64_MAX, 63, 0, 0);
	cr_assert_eq(vmclock_eval(&p, UINT64_MAX >> 1, &r), 0);
	u128 x = ((u128)(UINT64_MAX >> 1) * UINT64_MAX) >> 63;
	cr_assert_eq(r.sec, (uint64_t)(x >> 64));
	cr_assert_eq(r.frac, (uint64_t)x);
}

Test(vmclock_read, validity_and_status)
{
	struct vmclock_abi p;
	struct vmclock_reading r;
	memset(&p, 0, sizeof(p));
	cr_assert_eq(vmclock_eval(&p, 0, &r), -VMCLOCK_ENODEV, "a zero page is no page");
	mk(&p, 0, 1, 0, 0, 0, 0, 0);
	p.version = 2;
	cr_assert_eq(vmclock_eval(&p, 0, &r), -VMCLOCK_EPROTO);
	mk(&p, 0, 1, 0, 0, 0, 0, 0);
	p.size = 104;
	cr_assert_eq(vmclock_eval(&p, 0, &r), -VMCLOCK_EPROTO);
	mk(&p, 0, 1, 0, 0, 0, 0, 0);
	p.counter_id = VMCLOCK_COUNTER_INVALID;
	p.disruption_marker = 3;
	cr_assert_eq(vmclock_eval(&p, 0, &r), -VMCLOCK_ENODATA);
	cr_assert_eq(r.disruption_marker, 3, "the marker is still reported");
	mk(&p, 0, 1, 0, 1 << 20, 0, 5, 0);
	p.clock_status = VMCLOCK_STATUS_UNRELIABLE;
	cr_assert_eq(vmclock_eval(&p, 10, &r), 0);
	cr_assert_not(r.bounded, "UNRELIABLE gives no bound");
	mk(&p, 0, 1, 0, 1 << 20, 0, 5, 0);
	p.flags = VMCLOCK_FLAG_TIME_MAXERROR_VALID;
	cr_assert_eq(vmclock_eval(&p, 0, &r), 0);
	cr_assert(r.bounded, "no period bound needed at delta 0");
	cr_assert_eq(vmclock_eval(&p, 1, &r), 0);
	cr_assert_not(r.bounded, "but needed at delta 1");
}

/* counter callback that plays a writer: each call moves seq on (the page is never stable) */
static uint64_t meddling_counter(void *ctx)
{
	struct vmclock_abi *p = ctx;
	p->seq_count += 2;
	return 0;
}

Test(vmclock_read, torn_page_retry_limit)
{
	static struct vmclock_abi page;
	struct vmclock_reading r;
	struct vmclock_abi copy;
	unsigned tries;
	mk(&page, 0, 1, 0, 0, 0, 0, 0);
	page.seq_count = 5; /* a writer died mid-update */
	uint64_t c = 0;
	cr_assert_eq(vmclock_read(&page, fixed_counter, &c, 7, &r), -VMCLOCK_EAGAIN);
	cr_assert_eq(r.tries, 7);
	cr_assert_eq(vmclock_snapshot(&page, 3, &copy, &tries), -VMCLOCK_EAGAIN);
	cr_assert_eq(tries, 3);
	page.seq_count = 6;
	cr_assert_eq(vmclock_read(&page, meddling_counter, &page, 50, &r), -VMCLOCK_EAGAIN,
	             "seq changed under every attempt");
	cr_assert_eq(r.tries, 50);
	cr_assert_eq(vmclock_read(&page, fixed_counter, &c, 0, &r), 0, "0 tries means 1");
	cr_assert_eq(vmclock_snapshot(&page, 1, &copy, &tries), 0);
	cr_assert_eq(tries, 1);
	cr_assert_eq(memcmp(&copy, &page, sizeof(copy)), 0);
}

Test(vmclock_read, ns_6464_conversions_are_exact)
{
	uint64_t s, f;
	int64_t ns;
	for (int64_t v = 0; v < 3000000000LL; v += 99999989) {
		vmclock_ns_to_6464(v, &s, &f);
		cr_assert_eq(s, (uint64_t)(v / 1000000000));
		/* f = ceil(r * 2^64 / 1e9) */
		u128 num = (u128)(uint64_t)(v % 1000000000) << 64;
		u128 want = num / 1000000000u + (num % 1000000000u ? 1 : 0);
		cr_assert_eq(f, (uint64_t)want);
		cr_assert_eq(vmclock_6464_to_ns_floor(s, f, &ns), 0);
		cr_assert_eq(ns, v, "floor(ceil(v)) == v: the round trip is exact");
		cr_assert_eq(vmclock_6464_to_ns_ceil(s, f, &ns), 0);
		cr_assert(ns == v || ns == v + 1);
	}
	cr_assert_eq(vmclock_6464_to_ns_floor(1ull << 40, 0, &ns), -VMCLOCK_ERANGE);
}

Test(vmclock_read, page_file_round_trip_read_only_like_dev_vmclock0)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/vmclock-unit-%d", (int)getpid());
	struct vmclock_page_map w, rd;
	cr_assert_eq(vmclock_page_create(path, &w), 0);
	cr_assert_eq(w.abi->magic, VMCLOCK_MAGIC);
	cr_assert_eq(w.abi->size, VMCLOCK_PAGE_SIZE);
	cr_assert_eq(w.abi->clock_status, VMCLOCK_STATUS_INITIALIZING);
	struct vmclock_abi src;
	mk(&src, 0, 42, 0, 0, 0, 3, 0);
	vmclock_publish(w.abi, &src);
	cr_assert_eq(vmclock_page_open(path, false, &rd), 0);
	struct vmclock_reading r;
	uint64_t c = 0;
	cr_assert_eq(vmclock_read(rd.abi, fixed_counter, &c, 10, &r), 0);
	cr_assert_eq(r.time_ns, 42000000000LL);
	cr_assert_eq(r.maxerror_ns, 3);
	vmclock_page_close(&rd);
	vmclock_page_close(&w);
	unlink(path);
	char buf[64];
	cr_assert_eq(vmclock_page_path("vm1", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/dev/shm/tsync-vmclock.vm1");
	cr_assert_eq(vmclock_page_path("../x", buf, sizeof(buf)), 0, "a path is taken as is");
	cr_assert_eq(vmclock_page_path("a b", buf, sizeof(buf)), -VMCLOCK_EINVAL);
	cr_assert_eq(vmclock_page_path("", buf, sizeof(buf)), -VMCLOCK_EINVAL);
	cr_assert_eq(vmclock_page_open("/nonexistent/x", false, &rd), -2);
}

Test(vmclock_read, stop_record_text_round_trip)
{
	struct vmclock_abi p;
	struct vmclock_stop_record rec, back;
	memset(&rec, 0, sizeof(rec)); /* padding bytes compare equal */
	memset(&back, 0, sizeof(back));
	mk(&p, 100, 1700000000, 0, 1ull << 34, 0, 1000, 0);
	p.disruption_marker = 4;
	p.vm_generation_counter = 2;
	cr_assert_eq(vmclock_stop_record(&p, 100, &rec), 0);
	cr_assert_eq(rec.time_ns, 1700000000LL * 1000000000);
	cr_assert_eq(rec.maxerror_ns, 1000);
	char buf[256];
	vmclock_stop_record_format(&rec, buf, sizeof(buf));
	cr_assert_eq(vmclock_stop_record_parse(buf, &back), 0, "%s", buf);
	cr_assert_eq(memcmp(&rec, &back, sizeof(rec)), 0);
	cr_assert_eq(vmclock_stop_record_parse("counter=1 time_ns=2", &back), -VMCLOCK_EINVAL);
	cr_assert_eq(vmclock_stop_record_parse("counter=-1 time_ns=2 maxerror_ns=1 marker=1 gen=0",
	                                       &back),
	             -VMCLOCK_EINVAL);
}
