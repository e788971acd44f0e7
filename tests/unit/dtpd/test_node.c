// SPDX-License-Identifier: MIT
/* dtpd/node: counter <-> time mapping across the wrap, and two nodes joined by a simulated link
 * (true time, clocks with an offset and a rate error, a fixed one-way delay): both ports reach
 * SYNC, the delay and the follower's offset samples come out right, the margin keeps a slightly
 * fast follower from dragging the root forward while a far one still wins by the max rule, and
 * a link down or a silent peer restarts the port. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/dtp_counter.h"
#include "node.h"

#define MS 1000000LL

Test(dtpd_time, counter_mapping)
{
	int64_t epoch = 1767225600LL * 1000000000LL;
	cr_expect_eq(dtpd_counter_at(epoch, epoch), 0);
	cr_expect_eq(dtpd_counter_at(epoch, epoch + 64), 10);
	cr_expect_eq(dtpd_counter_at(epoch, epoch + 63), 9);
	cr_expect_eq(dtpd_counter_at(epoch, epoch - 1), DTP_COUNTER_MASK); /* rounds down */
	cr_expect_eq(dtpd_counter_ns(epoch, 10, epoch), epoch + 64);
	/* near the wrap (2^53 ticks = 57646075.2303423488 s) the nearest image wins */
	int64_t wrap_ns = 57646075230342349LL;
	uint64_t c = dtpd_counter_at(epoch, epoch + wrap_ns + 6400);
	cr_expect_eq(c, 1000);
	int64_t t = dtpd_counter_ns(epoch, c, epoch + wrap_ns);
	cr_expect_leq(llabs(t - (epoch + wrap_ns + 6400)), 1, "%lld", (long long)t);
	cr_expect_eq(dtpd_counter_ns(epoch, DTP_COUNTER_MASK, epoch + 100), epoch - 6);
	cr_expect_eq(dtpd_ns_to_ticks(6400), 1000);
	cr_expect_eq(dtpd_ns_to_ticks(-64), -10);
}

/* ---- two nodes on a simulated link ---- */
struct inflight {
	int to;
	struct dtp_frame f;
	int64_t at;
	/* the trailer's PREV and PEER blocks (include/uapi/dtpd.h), with two_step */
	bool has_prev, has_peer;
	uint64_t prev_tx_ts;
	int64_t prev_err, peer_x;
	int64_t corr; /* CORR: the sender's clock - time(counter) (with send_err) */
};
struct net {
	struct dtpd_node nd[2];
	int64_t off[2]; /* clock - true time at T = 0, ns */
	double rate[2]; /* clock rate error, ppm */
	int64_t delay;  /* one-way, ns */
	int64_t now;    /* true time */
	struct inflight q[256];
	int nq;
	bool cut;
	int spike_n; /* the next spike_n INIT-ACKs to the follower take spike ns longer */
	int64_t spike;
	int nsamples;
	struct dtpd_sample last;
	/* two-step: a BEACON leaves up to send_err ns after the instant it claims (a send path
	 * predicted wrong) and takes beacon_extra ns more than an INIT / INIT-ACK on the wire */
	bool two_step;
	int64_t send_err, beacon_extra;
	/* skewed one-way times: a BEACON takes tail ns more with probability tail_pct % */
	int tail_pct;
	int64_t tail;
	uint32_t rnd;
	struct {
		bool valid;
		uint64_t tx_ts;
		int64_t err;
	} prev[2];
};
static struct net N;

static int64_t clk(int i, int64_t t)
{
	return t + N.off[i] + (int64_t)(N.rate[i] * 1e-6 * (double)t);
}

static void send_cb(void *arg, unsigned port, const struct dtp_frame *f)
{
	int from = (int)(intptr_t)arg;
	(void)port;
	if (N.cut || N.nq == 256)
		return;
	int64_t extra = 0;
	if (from == 0 && f->type == DTP_MSG_INIT_ACK && N.spike_n > 0) {
		N.spike_n--;
		extra = N.spike;
	}
	struct inflight m = {.to = 1 - from, .f = *f, .at = N.now + N.delay + extra};
	if (f->type == DTP_MSG_BEACON && N.send_err) {
		N.rnd = N.rnd * 1103515245u + 12345u;
		int64_t e = (int64_t)((N.rnd >> 8) % (uint32_t)N.send_err);
		m.at += e + N.beacon_extra;
		N.rnd = N.rnd * 1103515245u + 12345u;
		if ((int)((N.rnd >> 8) % 100u) < N.tail_pct)
			m.at += N.tail;
		int64_t c = clk(from, N.now);
		m.corr = c - dtpd_counter_ns(0, f->counter, c);
		if (N.two_step) {
			m.has_prev = N.prev[from].valid;
			m.prev_tx_ts = N.prev[from].tx_ts;
			m.prev_err = N.prev[from].err;
			m.has_peer = N.nd[from].rt[0].x_ok;
			m.peer_x = N.nd[from].rt[0].x_ns;
			N.prev[from].valid = true;
			N.prev[from].tx_ts = f->tx_ts;
			N.prev[from].err = e;
		}
	}
	N.q[N.nq++] = m;
}

static void setup_net(int64_t off1, double rate1, int64_t margin)
{
	memset(&N, 0, sizeof(N));
	N.off[0] = 5 * MS;
	N.off[1] = 5 * MS + off1;
	N.rate[1] = rate1;
	N.delay = 20000;
	struct dtpd_node_params p = {.epoch_ns = 0,
	                             .margin_ns = margin,
	                             .beacon_ns = 10 * MS,
	                             .retry_ns = 50 * MS,
	                             .rx_timeout_ns = 200 * MS};
	p.dtp.jump_threshold = 8;
	p.root = true;
	dtpd_node_init(&N.nd[0], 1, &p, clk(0, 0), clk(0, 0), send_cb, (void *)(intptr_t)0);
	p.root = false;
	dtpd_node_init(&N.nd[1], 1, &p, clk(1, 0), clk(1, 0), send_cb, (void *)(intptr_t)1);
}

static void run(int64_t until)
{
	for (; N.now < until; N.now += 100000) {
		for (int k = 0; k < N.nq;) {
			if (N.q[k].at > N.now) {
				k++;
				continue;
			}
			struct inflight m = N.q[k];
			N.q[k] = N.q[--N.nq];
			struct dtpd_sample s;
			struct dtpd_port_rt *rt = &N.nd[m.to].rt[0];
			if (m.f.type == DTP_MSG_BEACON) {
				rt->peer_prev = m.has_prev;
				rt->peer_prev_tx_ts = m.prev_tx_ts;
				rt->peer_prev_err_ns = m.prev_err;
				rt->peer_x_ok = m.has_peer;
				rt->peer_x_ns = m.peer_x;
				rt->peer_corr_ns = m.corr;
			}
			if (dtpd_node_rx(&N.nd[m.to], 0, &m.f, clk(m.to, m.at), clk(m.to, m.at),
			                 clk(m.to, N.now), N.now, &s)) {
				N.nsamples++;
				N.last = s;
			}
		}
		for (int i = 0; i < 2; i++) {
			dtpd_node_link(&N.nd[i], 0, true, clk(i, N.now), N.now);
			dtpd_node_timers(&N.nd[i], clk(i, N.now), N.now);
		}
	}
}

Test(dtpd_node, two_nodes_sync_delay_and_offset)
{
	setup_net(-3 * MS, 0, 20000);
	run(500 * MS);
	cr_assert(dtpd_node_all_sync(&N.nd[0]));
	cr_assert(dtpd_node_all_sync(&N.nd[1]));
	cr_expect_leq(llabs(N.nd[1].rt[0].delay_ns - N.delay), 1, "%lld",
	              (long long)N.nd[1].rt[0].delay_ns);
	cr_expect_leq(llabs(N.nd[0].rt[0].delay_ns - N.delay), 1, "%lld",
	              (long long)N.nd[0].rt[0].delay_ns);
	cr_assert_gt(N.nsamples, 10);
	/* the follower's clock is 3 ms behind the root's: local - master = -3 ms (to a tick) */
	cr_expect_leq(llabs(N.last.offset_ns + 3 * MS), 7, "offset %lld",
	              (long long)N.last.offset_ns);
	cr_expect_eq(N.nd[0].dev.jumps, 0); /* the root was never dragged */
	/* the follower's counter follows the root's, less at most the margin and a tick */
	int64_t lag = dtp_cnt_diff(N.nd[0].dev.gc, N.nd[1].dev.gc);
	cr_expect(lag >= 0 && lag <= dtpd_ns_to_ticks(20000) + 2, "lag %lld", (long long)lag);
}

Test(dtpd_node, margin_against_a_fast_follower)
{
	setup_net(0, 100, 20000);
	N.nd[0].p.downstream_max_rule = true; /* the margin alone keeps the root */
	run(300 * MS);
	cr_expect_eq(N.nd[0].dev.jumps, 0);
	/* 100 ppm fast, stepped onto the root's time: leads by < 1 us per 10 ms beacon */
	setup_net(0, 100, 20000);
	run(300 * MS);
	cr_expect_eq(N.nd[0].dev.jumps, 0);
	cr_expect_lt(N.last.offset_ns, 40000);
	cr_expect_gt(N.last.offset_ns, 0);
	/* without a margin, and with the plain max rule, every follower beacon drags the root */
	setup_net(0, 100, 0);
	N.nd[0].p.downstream_max_rule = true;
	run(300 * MS);
	cr_expect_gt(N.nd[0].dev.jumps, 5);
	/* by default the root rejects (and counts) what would drag it */
	setup_net(0, 100, 0);
	run(300 * MS);
	cr_expect_eq(N.nd[0].dev.jumps, 0);
	cr_expect_gt(N.nd[0].rt[0].rejected, 5);
}

Test(dtpd_node, a_stretched_round_trip_sets_no_lead)
{
	/* the first round trip is 400 us long (a loaded machine): the follower's counter must
	 * not take it as the delay (it would lead the root's by ~180 us for good) */
	setup_net(-3 * MS, 0, 20000);
	N.nd[1].dev.params.delay_samples = 8;
	N.nd[0].dev.params.delay_samples = 8;
	N.spike_n = 1;
	N.spike = 400000;
	run(500 * MS);
	cr_assert(dtpd_node_all_sync(&N.nd[1]));
	int64_t lag = dtp_cnt_diff(N.nd[0].dev.gc, N.nd[1].dev.gc);
	cr_expect(lag >= 0 && lag <= dtpd_ns_to_ticks(20000) + 2, "lag %lld ticks", (long long)lag);
	cr_expect_eq(N.nd[1].rt[0].dmin_ns, N.delay);
	cr_expect_leq(llabs(N.last.offset_ns + 3 * MS), 7, "offset %lld",
	              (long long)N.last.offset_ns);
}

Test(dtpd_node, late_stamps_give_no_sample)
{
	setup_net(-3 * MS, 0, 20000);
	N.nd[1].p.late_ns = 50000;
	run(300 * MS);
	cr_assert(dtpd_node_all_sync(&N.nd[1]));
	int before = N.nsamples;
	/* the next beacons arrive 200 us late (a descheduled reader): no samples, counted */
	N.delay += 200000;
	run(600 * MS);
	cr_expect_eq(N.nd[1].rt[0].late, DTPD_LATE_RING, "late %llu",
	             (unsigned long long)N.nd[1].rt[0].late);
	/* after DTPD_LATE_RING in a row the new delay is taken (the oscillators drifted) */
	cr_expect_gt(N.nsamples, before);
	cr_expect_eq(N.nd[1].rt[0].late_run, 0);
}

Test(dtpd_node, burst_beacons_faster_for_a_while)
{
	setup_net(-3 * MS, 0, 20000);
	run(300 * MS);
	uint64_t rx0 = N.nd[1].rt[0].rx_frames;
	run(400 * MS); /* 10 ms beacons: about 10 in 100 ms */
	uint64_t normal = N.nd[1].rt[0].rx_frames - rx0;
	int64_t iv = dtpd_node_burst(&N.nd[0], 100 * MS, N.now);
	cr_expect_eq(iv, 10 * MS / 8);
	rx0 = N.nd[1].rt[0].rx_frames;
	run(500 * MS);
	uint64_t burst = N.nd[1].rt[0].rx_frames - rx0;
	cr_expect_gt(burst, 6 * normal, "burst %llu, normal %llu", (unsigned long long)burst,
	             (unsigned long long)normal);
	rx0 = N.nd[1].rt[0].rx_frames;
	run(700 * MS); /* over: back to the base interval (200 ms) */
	cr_expect_leq(N.nd[1].rt[0].rx_frames - rx0, 2 * normal + 2);
}

Test(dtpd_node, wild_counters_are_dropped)
{
	setup_net(-3 * MS, 0, 20000);
	N.nd[1].p.wild_ns = 1000000;
	run(300 * MS);
	cr_assert(N.nd[1].acquired);
	uint64_t gc = N.nd[1].dev.gc;
	/* a beacon a day ahead: dropped, counted, the counter untouched */
	struct dtp_frame f = {
	        .type = DTP_MSG_BEACON,
	        .counter = dtp_cnt_add(N.nd[0].dev.gc, dtpd_ns_to_ticks(86400000000000LL)),
	        .tx_ts = (uint64_t)clk(0, N.now)};
	struct dtpd_sample s;
	cr_expect_eq(dtpd_node_rx(&N.nd[1], 0, &f, clk(1, N.now), clk(1, N.now), clk(1, N.now),
	                          N.now, &s),
	             0);
	cr_expect_eq(N.nd[1].rt[0].wild, 1);
	cr_expect_gt(N.nd[1].rt[0].wild_last_ns, 86399000000000LL);
	cr_expect_lt(dtp_cnt_diff(N.nd[1].dev.gc, gc), dtpd_ns_to_ticks(1000000));
	/* DTPD_WILD_ACCEPT in a row: the upstream restarted, the counter is taken */
	for (int i = 0; i < DTPD_WILD_ACCEPT + 1; i++)
		dtpd_node_rx(&N.nd[1], 0, &f, clk(1, N.now), clk(1, N.now), clk(1, N.now), N.now,
		             &s);
	cr_expect_eq(N.nd[1].rt[0].wild, DTPD_WILD_ACCEPT);
	cr_expect_gt(dtp_cnt_diff(N.nd[1].dev.gc, gc), dtpd_ns_to_ticks(86000000000000LL));
}

Test(dtpd_node, step_moves_the_counters)
{
	setup_net(-3 * MS, 0, 20000);
	run(200 * MS);
	uint64_t gc = N.nd[1].dev.gc;
	dtpd_node_clock_stepped(&N.nd[1], 1 * MS);
	cr_expect_eq(dtp_cnt_diff(N.nd[1].dev.gc, gc), dtpd_ns_to_ticks(MS));
}

Test(dtpd_node, link_down_and_silence_restart)
{
	setup_net(0, 0, 20000);
	run(200 * MS);
	cr_assert(dtpd_node_all_sync(&N.nd[1]));
	dtpd_node_link(&N.nd[1], 0, false, clk(1, N.now), N.now);
	cr_expect_eq(N.nd[1].ports[0].state, DTP_PORT_INIT);
	cr_expect_not(dtpd_node_all_sync(&N.nd[1]));
	run(400 * MS); /* run() brings the link back up */
	cr_expect(dtpd_node_all_sync(&N.nd[1]));
	/* a silent peer: after rx_timeout the port starts over and stays out of SYNC */
	N.cut = true;
	N.nq = 0;
	run(700 * MS);
	cr_expect_gt(N.nd[1].rt[0].silences, 0);
	cr_expect_neq(N.nd[1].ports[0].state, DTP_PORT_SYNC);
	N.cut = false;
	run(1000 * MS);
	cr_expect(dtpd_node_all_sync(&N.nd[1]));
	cr_expect(dtpd_node_all_sync(&N.nd[0]));
}

Test(dtpd_node, frame_refresh)
{
	struct dtp_frame b = {.type = DTP_MSG_BEACON, .counter = 1000, .tx_ts = 5000};
	dtpd_frame_refresh(&b, 5064);
	cr_expect_eq(b.counter, 1010);
	cr_expect_eq(b.tx_ts, 5064);
	struct dtp_frame a = {.type = DTP_MSG_INIT_ACK, .counter = 7, .tx_ts = 100, .echo_ts = 40};
	dtpd_frame_refresh(&a, 130);
	cr_expect_eq(a.counter, 7);
	cr_expect_eq(a.echo_ts, 70);
	struct dtp_frame i = {.type = DTP_MSG_INIT, .counter = 9, .tx_ts = 100};
	dtpd_frame_refresh(&i, 90); /* never backwards */
	cr_expect_eq(i.tx_ts, 100);
	dtpd_frame_refresh(&i, 150);
	cr_expect_eq(i.counter, 9);
	cr_expect_eq(i.tx_ts, 150);
}

/* Two-step BEACONs and the delay from the BEACONs of both directions: every BEACON leaves up
 * to 8 us after the instant its counter claims and takes 1 us more on the wire than the INIT
 * exchanges do (both measured on veth). One-step, the follower's samples carry both; with
 * the trailer's PREV and PEER it is back to its true offset. */
Test(dtpd_node, two_step_and_beacon_delay)
{
	setup_net(-3 * MS, 0, 20000);
	N.send_err = 8000;
	N.beacon_extra = 1000;
	run(2000 * MS);
	int64_t one_step = N.last.offset_ns + 3 * MS; /* the error of the last one-step sample */
	cr_expect_gt(llabs(one_step), 1000, "one-step error %lld", (long long)one_step);
	cr_expect_eq(N.nd[1].rt[0].bdelay_ns, -1); /* no PEER: the INIT exchanges' delay */

	setup_net(-3 * MS, 0, 20000);
	N.send_err = 8000;
	N.beacon_extra = 1000;
	N.two_step = true;
	run(2000 * MS);
	cr_assert_gt(N.nsamples, 50);
	cr_expect_eq(N.nd[1].rt[0].unmatched, 0);
	/* the BEACONs' own one-way time, both directions alike */
	cr_expect_leq(llabs(N.nd[1].rt[0].bdelay_ns - (N.delay + N.beacon_extra)), 10, "%lld",
	              (long long)N.nd[1].rt[0].bdelay_ns);
	cr_expect_eq(dtpd_port_delay(&N.nd[1].rt[0]), N.nd[1].rt[0].bdelay_ns);
	/* every sample is the true offset again (to a tick) */
	cr_expect_leq(llabs(N.last.offset_ns + 3 * MS), 7, "offset %lld",
	              (long long)N.last.offset_ns);
	/* a lost BEACON: the held sample never gets its correction and is dropped, counted */
	N.prev[0].tx_ts ^= 1;
	run(2050 * MS);
	cr_expect_eq(N.nd[1].rt[0].unmatched, 1);
}

/* One-way BEACON times skewed right, alike in both directions: 35 % of BEACONs take 4 us more.
 * Each direction's median is delay + beacon_extra, and a servo holding its input's median at 0
 * sits at the true offset only with that delay; the median of the per-pair averages is 2 us
 * above it (both BEACONs of a pair on time only 42 % of the time). The own bound still covers
 * the larger, pairwise delay. */
Test(dtpd_node, beacon_delay_from_each_directions_median)
{
	setup_net(-3 * MS, 0, 20000);
	N.send_err = 8000;
	N.beacon_extra = 1000;
	N.two_step = true;
	N.tail_pct = 35;
	N.tail = 4000;
	int64_t want = N.delay + N.beacon_extra;
	int64_t err = 0, pair = 0;
	int offs = 0;
	for (int64_t t = 1000 * MS; t <= 3000 * MS; t += 50 * MS) {
		run(t);
		struct dtpd_port_rt *rt = &N.nd[1].rt[0];
		cr_assert_geq(rt->bdelay_ns, 0);
		err += llabs(rt->bdelay_ns - want);
		pair += rt->bdelay_pair_ns - want;
		offs += llabs(N.last.offset_ns + 3 * MS) <= 10;
	}
	/* 41 looks: the medians of 16 skewed draws stray now and then, so their means */
	cr_expect_leq(err / 41, 300, "bdelay off the directions' median by %lld on average",
	              (long long)(err / 41));
	cr_expect_geq(pair / 41, 1000, "pairwise median above it by %lld on average",
	              (long long)(pair / 41));
	cr_expect_eq(dtpd_port_delay(&N.nd[1].rt[0]), N.nd[1].rt[0].bdelay_ns);
	cr_expect_geq(offs, 5, "offset samples at the true offset %d of 41", offs);
}
