// SPDX-License-Identifier: MIT
/* wifi-medium/dcf: OFDM airtime, immediate access, backoff after a busy medium, collisions
 * with CW doubling and retries, drops, broadcast, offered load against capacity. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "dcf.h"

#define MAXEV 4096

struct log {
	struct dcf_event ev[MAXEV];
	size_t n;
};

static void rec(const struct dcf_event *e, void *arg)
{
	struct log *l = arg;
	if (l->n < MAXEV)
		l->ev[l->n++] = *e;
}

static struct dcf_frame fr(uint64_t id, uint64_t at, int dst)
{
	return (struct dcf_frame){
	        .id = id, .arrival = at, .len = 1500, .rate_kbps = 54000, .dst = (int16_t)dst};
}

Test(dcf, ofdm_airtime)
{
	/* 1500 bytes at 54 Mb/s: 12022 bits / 216 = 56 symbols -> 20 + 224 us */
	cr_assert_eq(dcf_airtime_ns(1500, 54000), 244000);
	/* ACK, 14 bytes at 24 Mb/s: 134 bits / 96 = 2 symbols -> 28 us; at 6 Mb/s: 6 -> 44 us */
	cr_assert_eq(dcf_airtime_ns(14, 24000), 28000);
	cr_assert_eq(dcf_airtime_ns(14, 6000), 44000);
	cr_assert_eq(dcf_airtime_ns(100, 11000), 0, "not an OFDM rate");
	cr_assert_eq(dcf_ack_rate_kbps(54000), 24000);
	cr_assert_eq(dcf_ack_rate_kbps(12000), 12000);
	struct dcf_params p;
	dcf_params_default(&p);
	cr_assert_eq(dcf_difs_ns(&p), 34000);
}

Test(dcf, idle_medium_immediate_access_and_ack)
{
	struct dcf d;
	struct dcf_params p;
	static struct log l;
	l.n = 0;
	dcf_params_default(&p);
	cr_assert_eq(dcf_init(&d, &p, 2, 1), 0);
	struct dcf_frame f = fr(1, 1000000, 1);
	cr_assert_eq(dcf_enqueue(&d, 0, &f), 0);
	cr_assert_eq(dcf_run(&d, 2000000, rec, &l), 1);
	cr_assert_eq(l.ev[0].outcome, DCF_OK);
	cr_assert_eq(l.ev[0].start, 1000000, "idle for DIFS and counter 0: sent at arrival");
	cr_assert_eq(l.ev[0].end, 1244000);
	cr_assert_eq(l.ev[0].ack_start, 1260000);
	cr_assert_eq(l.ev[0].ack_end, 1288000);
	/* a second frame arriving while the first is on the air waits DIFS + its backoff */
	struct dcf_frame g = fr(2, 1100000, 0);
	cr_assert_eq(dcf_enqueue(&d, 1, &g), 0);
	cr_assert_eq(dcf_run(&d, 1100001, rec, &l), 0, "nothing starts before 1.1 ms");
	cr_assert_eq(dcf_run(&d, 3000000, rec, &l), 1);
	uint64_t s = l.ev[1].start;
	cr_assert(s >= 1288000 + 34000 && s <= 1288000 + 34000 + 15 * 9000, "start %lu",
	          (unsigned long)s);
	cr_assert_eq((s - 1288000 - 34000) % 9000, 0, "on a slot boundary");
}

Test(dcf, queue_and_argument_checks)
{
	struct dcf d;
	struct dcf_params p;
	dcf_params_default(&p);
	cr_assert_eq(dcf_init(&d, &p, 0, 1), -EINVAL);
	cr_assert_eq(dcf_init(&d, &p, DCF_MAX_STATIONS + 1, 1), -EINVAL);
	cr_assert_eq(dcf_init(&d, &p, 2, 1), 0);
	struct dcf_frame f = fr(1, 100, 1);
	f.rate_kbps = 11000;
	cr_assert_eq(dcf_enqueue(&d, 0, &f), -EINVAL);
	f = fr(1, 100, 0);
	cr_assert_eq(dcf_enqueue(&d, 0, &f), -EINVAL, "to itself");
	f = fr(1, 100, 1);
	cr_assert_eq(dcf_enqueue(&d, 2, &f), -EINVAL);
	cr_assert_eq(dcf_enqueue(&d, 0, &f), 0);
	f.arrival = 99;
	cr_assert_eq(dcf_enqueue(&d, 0, &f), -EINVAL, "arrivals go forward");
	f.arrival = 100;
	for (int i = 1; i < DCF_QUEUE; i++)
		cr_assert_eq(dcf_enqueue(&d, 0, &f), 0);
	cr_assert_eq(dcf_enqueue(&d, 0, &f), -ENOSPC);
}

/* Two stations with frames waiting at once (arrived during a busy medium): they collide when
 * their draws match; CW doubles; a frame that keeps colliding is dropped after the limit. */
Test(dcf, collisions_double_cw_and_drop_after_retry_limit)
{
	struct dcf d;
	struct dcf_params p;
	static struct log l;
	l.n = 0;
	dcf_params_default(&p);
	p.cw_min = 0; /* every draw is 0: every attempt collides */
	p.cw_max = 0;
	p.retry_limit = 3;
	cr_assert_eq(dcf_init(&d, &p, 3, 7), 0);
	struct dcf_frame a = fr(1, 100000, 2), b = fr(2, 100000, 2);
	cr_assert_eq(dcf_enqueue(&d, 0, &a), 0);
	cr_assert_eq(dcf_enqueue(&d, 1, &b), 0);
	cr_assert_eq(dcf_run(&d, 100000000, rec, &l), 8);
	for (int i = 0; i < 6; i++) {
		cr_assert_eq(l.ev[i].outcome, DCF_COLLISION, "event %d", i);
		cr_assert_eq(l.ev[i].colliders, 2);
		cr_assert_eq(l.ev[i].retries, (unsigned)i / 2);
	}
	cr_assert_eq(l.ev[6].outcome, DCF_DROPPED);
	cr_assert_eq(l.ev[7].outcome, DCF_DROPPED);
	/* after a collision the medium waits for the ACK timeout, then DIFS */
	cr_assert_eq(l.ev[2].start, l.ev[0].end + 16000 + 28000 + 34000);
	/* default CW: 15, then 31 after the first collision, capped at cw_max */
	static struct dcf d2;
	static struct log l2;
	dcf_params_default(&p);
	p.cw_max = 31;
	cr_assert_eq(dcf_init(&d2, &p, 3, 3), 0);
	cr_assert_eq(d2.sta[0].cw, 15);
	cr_assert_eq(dcf_enqueue(&d2, 0, &a), 0);
	cr_assert_eq(dcf_enqueue(&d2, 1, &b), 0);
	cr_assert_eq(dcf_run(&d2, 100001, rec, &l2), 2, "both at once: immediate access");
	cr_assert_eq(l2.ev[0].outcome, DCF_COLLISION);
	cr_assert_eq(d2.sta[0].cw, 31);
	cr_assert(d2.sta[0].backoff >= 0 && d2.sta[0].backoff <= 31);
	while (d2.sta[0].retries == 1 && d2.sta[1].retries == 1 && d2.sta[0].count)
		dcf_run(&d2, d2.idle_since + 1000000, rec, &l2);
	cr_assert_leq(d2.sta[0].cw, 31, "capped");
}

Test(dcf, broadcast_is_not_acked_nor_retried)
{
	struct dcf d;
	struct dcf_params p;
	static struct log l;
	l.n = 0;
	dcf_params_default(&p);
	cr_assert_eq(dcf_init(&d, &p, 2, 5), 0);
	struct dcf_frame f = fr(1, 50000, -1);
	cr_assert_eq(dcf_enqueue(&d, 0, &f), 0);
	cr_assert_eq(dcf_run(&d, 1000000, rec, &l), 1);
	cr_assert_eq(l.ev[0].outcome, DCF_OK);
	cr_assert_eq(l.ev[0].ack_end, 0);
	cr_assert_eq(d.idle_since, l.ev[0].end);
}

/* Saturation: N stations always backlogged. Every frame is accounted for (OK + dropped =
 * sent), collisions grow with N, and the throughput stays below the channel's capacity. */
Test(dcf, saturated_stations_share_the_medium)
{
	static struct dcf d;
	struct dcf_params p;
	static struct log l;
	dcf_params_default(&p);
	double coll_frac[2];
	int ns[2] = {2, 10};
	for (int r = 0; r < 2; r++) {
		unsigned n = (unsigned)ns[r];
		l.n = 0;
		cr_assert_eq(dcf_init(&d, &p, n + 1, 11), 0);
		for (unsigned s = 0; s < n; s++)
			for (int i = 0; i < DCF_QUEUE; i++) {
				struct dcf_frame f = fr(s * 1000 + i, 0, (int)n);
				cr_assert_eq(dcf_enqueue(&d, s, &f), 0);
			}
		dcf_run(&d, 400000000, rec, &l);
		size_t ok = 0, coll = 0, drop = 0;
		for (size_t i = 0; i < l.n; i++) {
			ok += l.ev[i].outcome == DCF_OK;
			coll += l.ev[i].outcome == DCF_COLLISION;
			drop += l.ev[i].outcome == DCF_DROPPED;
		}
		cr_assert_eq(ok + drop, n * DCF_QUEUE, "every frame sent or dropped");
		coll_frac[r] = (double)(coll + drop) / (double)l.n;
		/* an exchange takes at least DIFS + frame + SIFS + ACK: 322 us */
		uint64_t last = l.ev[l.n - 1].ack_end;
		cr_assert(last >= ok * 322000ull, "%zu frames in %lu ns", ok, (unsigned long)last);
		for (size_t i = 1; i < l.n; i++)
			cr_assert(l.ev[i].start >= l.ev[i - 1].start, "in time order");
	}
	cr_assert(coll_frac[1] > coll_frac[0], "more stations, more collisions: %g vs %g",
	          coll_frac[1], coll_frac[0]);
}

Test(dcf, same_seed_same_run)
{
	static struct dcf a, b;
	struct dcf_params p;
	static struct log la, lb;
	dcf_params_default(&p);
	la.n = lb.n = 0;
	cr_assert_eq(dcf_init(&a, &p, 4, 99), 0);
	cr_assert_eq(dcf_init(&b, &p, 4, 99), 0);
	for (unsigned s = 0; s < 3; s++)
		for (int i = 0; i < 20; i++) {
			struct dcf_frame f = fr(i, (uint64_t)i * 100000, 3);
			dcf_enqueue(&a, s, &f);
			dcf_enqueue(&b, s, &f);
		}
	dcf_run(&a, 1000000000, rec, &la);
	dcf_run(&b, 1000000000, rec, &lb);
	cr_assert_eq(la.n, lb.n);
	cr_assert_eq(memcmp(la.ev, lb.ev, la.n * sizeof(la.ev[0])), 0);
}

/* Saturation throughput against Bianchi's model (IEEE JSAC 18(3), 2000): n always-backlogged
 * stations, W = CWmin + 1, m doublings up to CWmax; a slot is idle, a success (Ts) or a
 * collision (Tc), both frame + SIFS + ACK + DIFS here (a collision waits for the ACK timeout).
 * The simulated share of the medium carrying delivered payload must match within 3 %. */
struct sat {
	struct dcf *d;
	uint64_t delivered, last_end;
};

static void refill(const struct dcf_event *e, void *arg)
{
	struct sat *s = arg;
	if (e->outcome != DCF_COLLISION) { /* the frame left the queue: keep it backlogged */
		struct dcf_frame f = fr(e->frame.id + 1, 0, e->frame.dst);
		cr_assert_eq(dcf_enqueue(s->d, e->station, &f), 0);
	}
	if (e->outcome == DCF_OK) {
		s->delivered++;
		s->last_end = e->ack_end;
	}
}

static double bianchi(unsigned n, const struct dcf_params *p, double ts, double tc)
{
	double w = p->cw_min + 1.0, tau = 0, pc = 0, lo = 0, hi = 1;
	int m = 0;
	while ((p->cw_min + 1u) << (m + 1) <= p->cw_max + 1u)
		m++;
	for (int it = 0; it < 200; it++) { /* bisection on the collision probability */
		pc = (lo + hi) / 2;
		tau = 2 * (1 - 2 * pc) / ((1 - 2 * pc) * (w + 1) + pc * w * (1 - pow(2 * pc, m)));
		if (1 - pow(1 - tau, n - 1) > pc)
			lo = pc;
		else
			hi = pc;
	}
	double ptr = 1 - pow(1 - tau, n), ps = n * tau * pow(1 - tau, n - 1) / ptr;
	double payload = (double)dcf_airtime_ns(1500, 54000);
	return ps * ptr * payload / ((1 - ptr) * p->slot_ns + ptr * ps * ts + ptr * (1 - ps) * tc);
}

Test(dcf, saturation_throughput_matches_bianchi)
{
	static struct dcf d;
	struct dcf_params p;
	dcf_params_default(&p);
	double t_cycle = (double)dcf_airtime_ns(1500, 54000) + p.sifs_ns +
	                 (double)dcf_airtime_ns(14, 24000) + (double)dcf_difs_ns(&p);
	unsigned ns[] = {2, 5, 10, 20};
	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		unsigned n = ns[k];
		struct sat s = {.d = &d};
		cr_assert_eq(dcf_init(&d, &p, n + 1, 1234 + n), 0);
		for (unsigned i = 0; i < n; i++) {
			struct dcf_frame f = fr(0, 0, (int)n); /* all to the silent station n */
			cr_assert_eq(dcf_enqueue(&d, i, &f), 0);
		}
		dcf_run(&d, 20000000000ull, refill, &s); /* 20 s of medium time */
		double sim = (double)s.delivered * (double)dcf_airtime_ns(1500, 54000) /
		             (double)s.last_end;
		double model = bianchi(n, &p, t_cycle, t_cycle);
		cr_log_info("n=%u: %lu delivered, simulated %.4f, Bianchi %.4f", n,
		            (unsigned long)s.delivered, sim, model);
		cr_assert(fabs(sim / model - 1) < 0.03, "n=%u: simulated %.4f, Bianchi %.4f", n,
		          sim, model);
	}
}
