// SPDX-License-Identifier: MIT
/*
 * The honesty property, randomised: a true clock (counter x true period), hosts whose clocks
 * have bounded offset and rate errors and report honest bounds, vmclockd's policies publishing
 * pages at random intervals, migrations between hosts with random pauses. At any later read
 * (also long after the page went stale), [earliest, latest] contains true time, a later honest
 * page never contradicts an earlier reading, and SLEW pages never go backwards.
 * Seeded; the seed is printed on failure.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "policy.h"

typedef unsigned __int128 u128;

static uint64_t rng;
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}
static double unif(double a, double b)
{
	return a + (b - a) * (double)(rnd() >> 11) / 9007199254740992.0;
}

struct world {
	long double p; /* true ns per tick */
	int64_t t0;    /* true time at c0, ns */
	uint64_t c0;
};
struct hostm {
	long double e0; /* host - true at c0, ns */
	double f;       /* host clock rate error */
	double eps;     /* error of the host's measured period */
	uint64_t slack; /* honest bound minus the true error, ns */
	double rslack;
};

/* true time at c minus w->t0, ns */
static long double truth(const struct world *w, uint64_t c)
{
	return (long double)(int64_t)(c - w->c0) * w->p;
}

static void host_sample(const struct world *w, const struct hostm *h, uint64_t c,
                        struct vmclock_host *out)
{
	long double t = truth(w, c);
	long double hv = t + h->e0 + h->f * t;
	int64_t ht = w->t0 + (int64_t)llroundl(hv);
	long double err = fabsl((long double)(ht - w->t0) - t);
	memset(out, 0, sizeof(*out));
	out->counter = c;
	out->time_ns = ht;
	out->maxerror_ns = (uint64_t)ceill(err) + h->slack;
	out->esterror_ns = out->maxerror_ns / 3;
	out->ns_per_tick = (double)(w->p * (1 + h->eps));
	out->rate_maxerror = fabs(h->eps) * (1 + 1e-9) + 1e-15 + h->rslack;
	out->rate_esterror = out->rate_maxerror / 3;
	out->status = VMCLOCK_STATUS_SYNCHRONIZED;
}

static void random_host(struct hostm *h, double fmax)
{
	h->e0 = unif(-1e6, 1e6);
	h->f = unif(-fmax, fmax);
	h->eps = h->f + unif(-1e-7, 1e-7);
	h->slack = rnd() % 1000;
	h->rslack = unif(0, 1e-6);
}

static uint64_t seed_used;

/* reading at c must hold truth */
static void check_read(const struct world *w, const struct vmclock_abi *p, uint64_t c,
                       struct vmclock_reading *r)
{
	int err = vmclock_eval(p, c, r);
	cr_assert_eq(err, 0, "seed %llu: eval %d", (unsigned long long)seed_used, err);
	cr_assert(r->bounded, "seed %llu", (unsigned long long)seed_used);
	long double t = truth(w, c);
	cr_assert((long double)(r->earliest_ns - w->t0) <= t &&
	                  (long double)(r->latest_ns - w->t0) >= t,
	          "seed %llu: truth %.3Lf outside [%lld, %lld] (policy %d, delta %lld)",
	          (unsigned long long)seed_used, t, (long long)(r->earliest_ns - w->t0),
	          (long long)(r->latest_ns - w->t0), 0, (long long)r->delta);
}

static u128 x6464(const struct vmclock_reading *r)
{
	return ((u128)r->sec << 64) | r->frac;
}

Test(vmclock_prop, bounds_always_hold_truth_across_updates_and_migrations, .timeout = 120)
{
	unsigned scenarios = 400, reads = 0, migrations = 0;
	for (unsigned s = 0; s < scenarios; s++) {
		seed_used = rng = 0x9e3779b97f4a7c15ull * (s + 1);
		struct world w = {.p = unif(0.25, 2.0),
		                  .t0 = 1700000000000000000LL +
		                        (int64_t)(rnd() % 1000000000000ull)};
		w.c0 = (s % 4 == 0) ? UINT64_MAX - rnd() % 2000000000000ull : rnd() >> 2;
		struct hostm hm;
		double fmax = unif(0, 1e-4);
		random_host(&hm, fmax);
		struct vmclock_pub pub;
		vmclock_pub_init(&pub, (enum vmclock_policy)(rnd() % 3), unif(1e-5, 0.1),
		                 unif(0.1, 2));
		uint64_t c = w.c0 + rnd() % 1000000;
		struct vmclock_abi page, old;
		struct vmclock_reading last = {0};
		bool have_page = false, have_last = false;
		unsigned migrate_at = 5 + rnd() % 20;
		for (unsigned k = 0; k < 30; k++) {
			c += (uint64_t)(unif(0.01, 3) * 1e9 / (double)w.p);
			struct vmclock_host h;
			if (k == migrate_at && have_page) {
				/* stop on this host, pause, resume on another */
				struct vmclock_stop_record rec;
				cr_assert_eq(vmclock_stop_record(&page, c, &rec), 0);
				c += (uint64_t)(unif(0, 5) * 1e9 / (double)w.p);
				random_host(&hm, fmax = unif(0, 1e-4));
				struct vmclock_pub dst;
				vmclock_pub_init(&dst, (enum vmclock_policy)(rnd() % 3),
				                 unif(1e-5, 0.1), unif(0.1, 2));
				host_sample(&w, &hm, c - rnd() % 100000, &h);
				old = page;
				cr_assert_eq(vmclock_pub_migrate_in(&dst, &rec, &h, c, &page), 0);
				cr_assert(page.disruption_marker > old.disruption_marker);
				struct vmclock_reading r;
				vmclock_eval(&page, c, &r);
				if (dst.policy != VMCLOCK_POLICY_STEP)
					cr_assert(r.time_ns >= rec.time_ns,
					          "seed %llu: slew/freeze continue from the frozen "
					          "value",
					          (unsigned long long)seed_used);
				pub = dst;
				migrations++;
			} else {
				host_sample(&w, &hm, c - rnd() % 100000, &h);
				old = page;
				cr_assert_eq(vmclock_pub_update(&pub, &h, c, &page), 0);
				if (have_page && pub.policy == VMCLOCK_POLICY_SLEW) {
					struct vmclock_reading a, b;
					vmclock_eval(&old, c, &a);
					vmclock_eval(&page, c, &b);
					cr_assert(x6464(&b) >= x6464(&a),
					          "seed %llu: SLEW went back",
					          (unsigned long long)seed_used);
					cr_assert(page.flags & VMCLOCK_FLAG_TIME_MONOTONIC);
				}
			}
			/* a later honest page never contradicts the last reading */
			if (have_last) {
				struct vmclock_reading r;
				if (vmclock_eval(&page, last.counter, &r) == 0 && r.bounded)
					cr_assert(r.earliest_ns <= last.latest_ns &&
					                  r.latest_ns >= last.earliest_ns,
					          "seed %llu: contradiction",
					          (unsigned long long)seed_used);
			}
			have_page = true;
			for (unsigned j = 0; j < 6; j++) {
				double ahead = j == 5 ? unif(0, 1000) : unif(0, 5);
				uint64_t rc = c + (uint64_t)(ahead * 1e9 / (double)w.p);
				check_read(&w, &page, rc, &last);
				have_last = true;
				reads++;
			}
		}
	}
	cr_log_info("vmclock_prop: %u scenarios, %u reads, %u migrations", scenarios, reads,
	            migrations);
	cr_assert_gt(migrations, scenarios / 2);
}
