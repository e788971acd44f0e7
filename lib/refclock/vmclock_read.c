// SPDX-License-Identifier: MIT
/*
 * vmclock page reader: seqlock snapshot, exact 128-bit evaluation with bounds.
 *
 * Freestanding: no libc includes, no 128-bit division, no floating point. It builds with the
 * tsvmm guest flags (-ffreestanding -nostdlib -mgeneral-regs-only); vmclock/module.mk checks
 * that it has no undefined symbols beyond what GCC's freestanding contract allows.
 *
 * Rounding: every time is first computed as an exact 64.64 interval [x_lo, x_hi] around the
 * rational value, then earliest = floor(x_lo - maxerror), latest = ceil(x_hi + maxerror), with
 * maxerror itself rounded up. So the reported [earliest, latest] always contains the exact
 * interval the page describes.
 */
#include "tsync/vmclock.h"

typedef unsigned __int128 u128;

#define NSEC 1000000000ull

static inline void read_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

/* between attempts: let the writer (maybe on our hyperthread sibling) finish */
static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("pause" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/*
 * One consistent copy of the page under its seqlock, with the counter (if any) read inside the
 * same window, so that (page, counter) belong together. Copies as 14 aligned 64-bit loads: no
 * torn words, no memcpy call. Returns 0 with *tries set, or -VMCLOCK_EAGAIN after max_tries.
 */
static int seq_copy(const volatile struct vmclock_abi *page, unsigned max_tries,
                    struct vmclock_abi *out, vmclock_counter_fn counter, void *ctx, uint64_t *c,
                    unsigned *tries)
{
	const volatile uint64_t *src = (const volatile uint64_t *)page;
	uint64_t *dst = (uint64_t *)out;
	unsigned n;

	if (max_tries == 0)
		max_tries = 1;
	for (n = 1; n <= max_tries; n++) {
		if (n > 1)
			relax();
		uint32_t seq = __atomic_load_n(&page->seq_count, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		for (unsigned i = 0; i < VMCLOCK_ABI_SIZE / 8; i++)
			dst[i] = src[i];
		if (counter)
			*c = counter(ctx);
		read_barrier();
		if (__atomic_load_n(&page->seq_count, __ATOMIC_RELAXED) != seq)
			continue;
		out->seq_count = seq;
		*tries = n;
		return 0;
	}
	*tries = max_tries;
	return -VMCLOCK_EAGAIN;
}

int vmclock_snapshot(const volatile struct vmclock_abi *page, unsigned max_tries,
                     struct vmclock_abi *out, unsigned *tries)
{
	unsigned n;
	int err = seq_copy(page, max_tries, out, 0, 0, 0, &n);

	if (tries)
		*tries = n;
	if (err)
		return err;
	if (out->magic != VMCLOCK_MAGIC)
		return -VMCLOCK_ENODEV;
	if (out->version != VMCLOCK_VERSION || out->size < VMCLOCK_ABI_SIZE)
		return -VMCLOCK_EPROTO;
	return 0;
}

int vmclock_read(const volatile struct vmclock_abi *page, vmclock_counter_fn counter, void *ctx,
                 unsigned max_tries, struct vmclock_reading *out)
{
	struct vmclock_abi p;
	uint64_t c = 0;
	int err = seq_copy(page, max_tries, &p, counter, ctx, &c, &out->tries);

	if (!err)
		err = vmclock_eval(&p, c, out);
	if (err)
		return err;
	/* what Linux's ptp_vmclock refuses (or gets wrong), refused here too */
	if (p.time_type == VMCLOCK_TIME_MONOTONIC)
		return -VMCLOCK_ENODATA;
	if (out->delta < 0)
		return -VMCLOCK_ERANGE;
	return 0;
}

/* x >> s rounded down and up (s may exceed 127). */
static void shr_floor_ceil(u128 x, unsigned s, u128 *fl, u128 *ce)
{
	if (s >= 128) {
		*fl = 0;
		*ce = x != 0;
		return;
	}
	*fl = x >> s;
	*ce = *fl + ((s && (x & (((u128)1 << s) - 1))) ? 1 : 0);
}

/* 64.64 value x (128 bits) -> ns, floor or ceil; -ERANGE beyond INT64_MAX. */
static int x_to_ns(u128 x, bool up, int64_t *ns)
{
	uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
	u128 f = (u128)lo * NSEC; /* ns fraction in 2^-64 ns units */
	uint64_t fns = (uint64_t)(f >> 64) + ((up && (uint64_t)f) ? 1 : 0);
	if (hi > (uint64_t)INT64_MAX / NSEC)
		return -VMCLOCK_ERANGE;
	uint64_t r = hi * NSEC + fns;
	if (r > (uint64_t)INT64_MAX)
		return -VMCLOCK_ERANGE;
	*ns = (int64_t)r;
	return 0;
}

int vmclock_6464_to_ns_floor(uint64_t sec, uint64_t frac, int64_t *ns)
{
	return x_to_ns(((u128)sec << 64) | frac, false, ns);
}

int vmclock_6464_to_ns_ceil(uint64_t sec, uint64_t frac, int64_t *ns)
{
	return x_to_ns(((u128)sec << 64) | frac, true, ns);
}

void vmclock_ns_to_6464(int64_t ns, uint64_t *sec, uint64_t *frac)
{
	uint64_t u = ns < 0 ? 0 : (uint64_t)ns;
	uint64_t r = u % NSEC; /* divisions by constants: no libgcc call */
	/* ceil(r * 2^64 / 1e9) by long division in two 32-bit digits; t < 1e9 * 2^32 < 2^62 */
	uint64_t t = r << 32;
	uint64_t q1 = t / NSEC;
	t = (t % NSEC) << 32;
	uint64_t q0 = t / NSEC + (t % NSEC ? 1 : 0);
	*sec = u / NSEC;
	*frac = (q1 << 32) + q0; /* r < 1e9: no carry into sec */
}

/* a + b saturating at UINT64_MAX */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* ceil(|delta| * rate / 2^(64 + shift) s) in ns, saturating. */
static uint64_t rate_err_ns(uint64_t ad, uint64_t rate, unsigned shift)
{
	u128 fl, ce;
	shr_floor_ceil((u128)ad * rate, shift, &fl, &ce); /* 2^-64 s units, rounded up */
	uint64_t hi = (uint64_t)(ce >> 64), lo = (uint64_t)ce;
	u128 f = (u128)lo * NSEC;
	uint64_t fns = (uint64_t)(f >> 64) + ((uint64_t)f ? 1 : 0);
	if (hi > UINT64_MAX / NSEC)
		return UINT64_MAX;
	return sat_add(hi * NSEC, fns);
}

int vmclock_eval(const struct vmclock_abi *p, uint64_t counter, struct vmclock_reading *out)
{
	out->seq = p->seq_count;
	out->disruption_marker = p->disruption_marker;
	out->flags = p->flags;
	out->vm_generation_counter = p->vm_generation_counter;
	out->clock_status = p->clock_status;
	out->time_type = p->time_type;
	out->leap_indicator = p->leap_indicator;
	out->tai_offset_sec = p->tai_offset_sec;
	out->counter = counter;
	out->delta = 0;
	out->sec = out->frac = 0;
	out->time_ns = out->earliest_ns = out->latest_ns = 0;
	out->maxerror_ns = VMCLOCK_NO_BOUND;
	out->esterror_ns = 0;
	out->bounded = false;

	if (p->magic != VMCLOCK_MAGIC)
		return -VMCLOCK_ENODEV;
	if (p->version != VMCLOCK_VERSION || p->size < VMCLOCK_ABI_SIZE)
		return -VMCLOCK_EPROTO;
	if (p->counter_id == VMCLOCK_COUNTER_INVALID || p->time_type > VMCLOCK_TIME_MONOTONIC)
		return -VMCLOCK_ENODATA;

	uint64_t d = counter - p->counter_value; /* mod 2^64 */
	int64_t sd = (int64_t)d;
	uint64_t ad = sd < 0 ? (uint64_t)0 - d : d;
	unsigned shift = p->counter_period_shift;
	out->delta = sd;

	/* exact time x = T +- P with P = ad * period / 2^shift (2^-64 s units) */
	u128 t = ((u128)p->time_sec << 64) | p->time_frac_sec;
	u128 pf, pc, lo, hi;
	shr_floor_ceil((u128)ad * p->counter_period_frac_sec, shift, &pf, &pc);
	if (sd >= 0) {
		if (__builtin_add_overflow(t, pf, &lo) || __builtin_add_overflow(t, pc, &hi))
			return -VMCLOCK_ERANGE;
	} else {
		if (t < pc)
			return -VMCLOCK_ERANGE;
		lo = t - pc; /* floor(T - P) */
		hi = t - pf;
	}
	out->sec = (uint64_t)(lo >> 64);
	out->frac = (uint64_t)lo;
	if ((lo >> 64) >> 64)
		return -VMCLOCK_ERANGE;
	int64_t lo_ns, hi_ns;
	int err = x_to_ns(lo, false, &lo_ns);
	if (!err)
		err = x_to_ns(hi, true, &hi_ns);
	if (err)
		return err;
	out->time_ns = lo_ns;

	if (p->flags & VMCLOCK_FLAG_TIME_ESTERROR_VALID) {
		uint64_t r =
		        (p->flags & VMCLOCK_FLAG_PERIOD_ESTERROR_VALID)
		                ? rate_err_ns(ad, p->counter_period_esterror_rate_frac_sec, shift)
		                : 0;
		out->esterror_ns = sat_add(p->time_esterror_nanosec, r);
	}
	bool tvalid = p->flags & VMCLOCK_FLAG_TIME_MAXERROR_VALID;
	bool pvalid = (p->flags & VMCLOCK_FLAG_PERIOD_MAXERROR_VALID) || ad == 0;
	if (!tvalid || !pvalid || p->clock_status == VMCLOCK_STATUS_UNRELIABLE) {
		out->earliest_ns = INT64_MIN;
		out->latest_ns = INT64_MAX;
		return 0;
	}
	uint64_t rate = (p->flags & VMCLOCK_FLAG_PERIOD_MAXERROR_VALID)
	                        ? p->counter_period_maxerror_rate_frac_sec
	                        : 0;
	uint64_t m = sat_add(p->time_maxerror_nanosec, rate_err_ns(ad, rate, shift));
	out->maxerror_ns = m;
	out->bounded = m != VMCLOCK_NO_BOUND;
	/* earliest = lo_ns - m, latest = hi_ns + m, clamped to the int64 range */
	out->earliest_ns = m > (uint64_t)lo_ns + (uint64_t)INT64_MAX + 1
	                           ? INT64_MIN
	                           : (int64_t)((uint64_t)lo_ns - m);
	out->latest_ns = m > (uint64_t)(INT64_MAX - hi_ns) ? INT64_MAX : hi_ns + (int64_t)m;
	return 0;
}

int vmclock_reading_convert(struct vmclock_reading *r, uint8_t time_type)
{
	if (r->time_type == time_type)
		return 0;
	bool ok = (r->time_type == VMCLOCK_TIME_UTC || r->time_type == VMCLOCK_TIME_TAI) &&
	          (time_type == VMCLOCK_TIME_UTC || time_type == VMCLOCK_TIME_TAI) &&
	          (r->flags & VMCLOCK_FLAG_TAI_OFFSET_VALID);
	if (!ok)
		return -VMCLOCK_EINVAL;
	/* UTC = TAI + off; TAI = UTC - off (off = UTC - TAI, -37 s in 2017..) */
	int64_t ds =
	        time_type == VMCLOCK_TIME_UTC ? r->tai_offset_sec : -(int64_t)r->tai_offset_sec;
	int64_t dns = ds * (int64_t)NSEC, t, e = 0, l = 0;
	/* a time within |offset| of 2262 (or of 1970) does not fit: refuse before changing r
	 * (fuzz finding: the sum overflowed int64) */
	if ((int64_t)r->sec + ds < 0 || __builtin_add_overflow(r->time_ns, dns, &t) || t < 0)
		return -VMCLOCK_ERANGE;
	/* the bounds saturate like vmclock_eval's */
	if (r->earliest_ns != INT64_MIN && __builtin_add_overflow(r->earliest_ns, dns, &e))
		e = dns < 0 ? INT64_MIN : INT64_MAX;
	if (r->latest_ns != INT64_MAX && __builtin_add_overflow(r->latest_ns, dns, &l))
		l = dns < 0 ? INT64_MIN : INT64_MAX;
	r->sec = (uint64_t)((int64_t)r->sec + ds);
	r->time_ns = t;
	if (r->earliest_ns != INT64_MIN)
		r->earliest_ns = e;
	if (r->latest_ns != INT64_MAX)
		r->latest_ns = l;
	r->time_type = time_type;
	return 0;
}

uint64_t vmclock_counter_tsc(void *ctx)
{
	(void)ctx;
#if defined(__x86_64__)
	return vmclock_rdtsc();
#else
	return 0;
#endif
}
