// SPDX-License-Identifier: MIT
/* dtp/core enhancements: the per-node error bound (BOUND messages, hop distance vector to the
 * root), the on-demand burst's beacon interval, and the periodic delay re-measurement. */
#include <criterion/criterion.h>

#include "core/dtp_counter.h"
#include "core/dtp_device.h"
#include "core/dtp_enhance.h"

#include <math.h>
#include <string.h>

/* Bring port p of dev to SYNC with a single exchange of round trip 2d (alpha 0). */
static void sync_port(struct dtp_device *dev, unsigned p, int64_t d)
{
	struct dtp_output o = dtp_device_input(dev, p, DTP_EV_LINK_UP, NULL);
	cr_assert(o.send);
	dtp_device_advance(dev, 2 * d);
	struct dtp_msg ack = {DTP_MSG_INIT_ACK, dev->ports[p].init_c};
	o = dtp_device_input(dev, p, DTP_EV_RX_INIT_ACK, &ack);
	cr_assert(o.synced);
}

static struct dtp_output timer(struct dtp_device *dev, unsigned p)
{
	return dtp_device_input(dev, p, DTP_EV_BEACON_TIMER, NULL);
}

Test(dtp_enhance, bound_hops_from_bound_messages)
{
	struct dtp_params pr = {.bound = true,
	                        .hop_bound = 4,
	                        .self_bound = 1,
	                        .aux_every = 4,
	                        .jump_threshold = 8};
	struct dtp_port p[3];
	struct dtp_device dev;
	dtp_device_init(&dev, p, 3, 1000, &pr);
	cr_expect_eq(dtp_device_bound(&dev), -1, "no route to the root yet");
	cr_expect_eq(dtp_device_hops(&dev), DTP_HOPS_UNKNOWN);
	struct dtp_msg b5 = {DTP_MSG_AUX, 5};
	cr_expect_not(dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &b5).send);
	cr_expect_eq(p[0].peer_hops, DTP_HOPS_UNKNOWN, "ignored before SYNC");
	sync_port(&dev, 0, 10);
	sync_port(&dev, 1, 10);
	uint64_t gc = dev.gc;
	dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &b5);
	cr_expect_eq(dev.gc, gc, "a BOUND never moves the counters");
	cr_expect_eq(dtp_device_hops(&dev), 6);
	cr_expect_eq(dtp_device_bound(&dev), 6 * 4 + 1);
	struct dtp_msg b2 = {DTP_MSG_AUX, 2};
	dtp_device_input(&dev, 1, DTP_EV_RX_BEACON, &b2);
	cr_expect_eq(dtp_device_bound(&dev), 3 * 4 + 1, "the shortest route counts");
	/* the port's timer: BEACON always; beside it AUX BOUND(hops) first, then every 4th */
	struct dtp_output o = timer(&dev, 0);
	cr_expect_eq(o.msg.type, DTP_MSG_BEACON);
	cr_assert(o.send_aux);
	cr_expect_eq(o.aux.type, DTP_MSG_AUX);
	cr_expect_eq(o.aux.counter, (uint64_t)DTP_AUX_BOUND << DTP_AUX_KIND_SHIFT | 3);
	for (int i = 0; i < 3; i++) {
		o = timer(&dev, 0);
		cr_expect_eq(o.msg.type, DTP_MSG_BEACON);
		cr_expect_not(o.send_aux);
	}
	cr_expect(timer(&dev, 0).send_aux);
	/* the short route goes down: back to the long one; then none */
	dtp_device_input(&dev, 1, DTP_EV_LINK_DOWN, NULL);
	cr_expect_eq(dtp_device_hops(&dev), 6);
	struct dtp_msg far = {DTP_MSG_AUX, 63};
	dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &far);
	cr_expect_eq(dtp_device_hops(&dev), 64, "64 hops is the cap");
	far.counter = 64;
	dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &far);
	cr_expect_eq(dtp_device_bound(&dev), -1, "65 hops: a root cut off, counting up");
	struct dtp_msg unk = {DTP_MSG_AUX, DTP_HOPS_UNKNOWN};
	dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &unk);
	cr_expect_eq(dtp_device_bound(&dev), -1);
	struct dtp_msg wide = {DTP_MSG_AUX, 1ull << 40};
	dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &wide);
	cr_expect_eq(dtp_device_hops(&dev), DTP_HOPS_UNKNOWN, "out of range is unknown");
	/* the root is 0 hops with no port at all; the enhancement off exports nothing */
	dev.params.root = true;
	cr_expect_eq(dtp_device_bound(&dev), 1);
	dev.params.bound = false;
	cr_expect_eq(dtp_device_bound(&dev), -1);
	for (int i = 0; i < 8; i++)
		cr_expect_not(timer(&dev, 0).send_aux, "plain DTP sends no AUX");
}

Test(dtp_enhance, burst_shortens_the_interval_for_a_while)
{
	struct dtp_params pr = {.burst_div = 10};
	struct dtp_port p[1];
	struct dtp_device dev;
	dtp_device_init(&dev, p, 1, 0, &pr);
	dev.free = DTP_COUNTER_MASK - 100; /* across the wrap */
	cr_expect_eq(dtp_device_beacon_interval(&dev, 200), 200);
	dtp_device_burst(&dev, 500);
	cr_expect_eq(dtp_device_beacon_interval(&dev, 200), 20);
	cr_expect_eq(dtp_device_beacon_interval(&dev, 5), 1, "never below one tick");
	dtp_device_advance(&dev, 499);
	cr_expect_eq(dtp_device_beacon_interval(&dev, 200), 20);
	dtp_device_advance(&dev, 1);
	cr_expect_eq(dtp_device_beacon_interval(&dev, 200), 200, "over after 500 ticks");
	dev.params.burst_div = 0;
	dtp_device_burst(&dev, 10);
	cr_expect_eq(dtp_device_beacon_interval(&dev, 200), 25, "default divisor 8");
	dtp_device_burst(&dev, 0);
	cr_expect_eq(dtp_device_beacon_interval(&dev, 200), 25, "0 ticks asks for nothing");
}

/* Answer the INIT in o after a round trip of rtt ticks. */
static struct dtp_output answer(struct dtp_device *dev, struct dtp_output o, int64_t rtt)
{
	cr_assert(o.send);
	cr_assert_eq(o.msg.type, DTP_MSG_INIT);
	dtp_device_advance(dev, rtt);
	struct dtp_msg ack = {DTP_MSG_INIT_ACK, o.msg.counter};
	return dtp_device_input(dev, 0, DTP_EV_RX_INIT_ACK, &ack);
}

Test(dtp_enhance, periodic_remeasure_replaces_d_when_complete)
{
	struct dtp_params pr = {.alpha = 0, .delay_samples = 3, .remeasure = 1000};
	struct dtp_port p[1];
	struct dtp_device dev;
	dtp_device_init(&dev, p, 1, 5000, &pr);
	struct dtp_output o = dtp_device_input(&dev, 0, DTP_EV_LINK_UP, NULL);
	for (int i = 0; i < 3; i++)
		o = answer(&dev, o, 20);
	cr_expect_eq(p[0].d, 10);
	cr_expect_not(o.send);
	dtp_device_advance(&dev, 500);
	cr_expect_eq(timer(&dev, 0).msg.type, DTP_MSG_BEACON, "not due yet");
	dtp_device_advance(&dev, 500);
	o = timer(&dev, 0);
	cr_expect_eq(o.msg.type, DTP_MSG_INIT, "due: the beacon slot starts a round");
	cr_expect(p[0].remeasuring);
	/* the cable got longer: round trips of 40; d keeps the old value until all 3 are in */
	o = answer(&dev, o, 40);
	cr_expect_eq(p[0].d, 10);
	o = answer(&dev, o, 40);
	cr_expect_eq(p[0].d, 10);
	cr_expect_eq(timer(&dev, 0).msg.type, DTP_MSG_BEACON, "one round at a time");
	o = answer(&dev, o, 40);
	cr_expect_eq(p[0].d, 20);
	cr_expect_not(o.send);
	cr_expect_not(p[0].remeasuring);
	cr_expect_eq(p[0].remeasures, 1);
	cr_expect_eq(timer(&dev, 0).msg.type, DTP_MSG_BEACON, "the period starts again");
	/* without the enhancement: never again */
	dev.params.remeasure = 0;
	dtp_device_advance(&dev, 5000);
	cr_expect_eq(timer(&dev, 0).msg.type, DTP_MSG_BEACON);
}

#define Q(ppm) ((int64_t)((ppm)*1e-6 * (double)(INT64_C(1) << DTP_RATE_FRAC_BITS)))

static uint64_t aux(enum dtp_aux_kind k, uint64_t v)
{
	return (uint64_t)k << DTP_AUX_KIND_SHIFT | (v & DTP_AUX_VALUE_MASK);
}

/* Feed port p FREE samples of a peer whose oscillator runs (1 + ppm) against ours, every
 * step ticks for n steps, starting from the peer's count p0. */
static uint64_t feed_free(struct dtp_device *dev, unsigned p, double ppm, uint64_t p0, int n,
                          int64_t step)
{
	uint64_t own0 = dev->free;
	for (int i = 0; i <= n; i++) {
		if (i)
			dtp_device_advance(dev, step);
		double own = (double)dtp_cnt_diff(dev->free, own0);
		struct dtp_msg m = {
		        DTP_MSG_AUX,
		        aux(DTP_AUX_FREE, p0 + (uint64_t)llround(own * (1 + ppm * 1e-6)))};
		dtp_device_input(dev, p, DTP_EV_RX_BEACON, &m);
	}
	return own0;
}

Test(dtp_enhance, syntonization_follows_the_fastest_peer)
{
	struct dtp_params pr = {.sync = true,
	                        .sync_base = 100000,
	                        .sync_eps = Q(1),
	                        .sync_margin = Q(5),
	                        .aux_every = 1};
	struct dtp_port p[2];
	struct dtp_device dev;
	dtp_device_init(&dev, p, 2, 1000, &pr);
	sync_port(&dev, 0, 5);
	sync_port(&dev, 1, 5);
	/* port 0's peer is 60 ppm fast and is itself the fastest (network rate 0); port 1's peer
	 * is 30 ppm slow but says the network runs 100 ppm over it; the counter wraps (2^48) */
	struct dtp_msg r0 = {DTP_MSG_AUX, aux(DTP_AUX_RATE, 0)};
	struct dtp_msg r1 = {DTP_MSG_AUX, aux(DTP_AUX_RATE, (uint64_t)Q(100))};
	dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &r0);
	dtp_device_input(&dev, 1, DTP_EV_RX_BEACON, &r1);
	feed_free(&dev, 0, 60, DTP_AUX_VALUE_MASK - 50000, 10, 20000);
	cr_expect(p[0].rho_ok);
	cr_expect(p[0].rho > Q(59) && p[0].rho < Q(61), "rho %lld", (long long)p[0].rho);
	cr_expect(dev.net_rate > Q(58) && dev.net_rate < Q(60), "60 ppm - eps");
	feed_free(&dev, 1, -30, 7, 10, 20000);
	/* (1 - 30e-6)(1 + 100e-6) - 1 = 69.997 ppm, - eps 1 */
	cr_expect(dev.net_rate > Q(68.5) && dev.net_rate < Q(69.5), "the faster route: %lld",
	          (long long)dev.net_rate);
	cr_expect_eq(dev.rate, dev.net_rate - Q(5), "counters run a margin below");
	/* a burst's 8x shorter interval takes 8x the margin, until it ends */
	dtp_device_burst(&dev, 100);
	cr_expect_eq(dev.rate, dev.net_rate - 8 * Q(5));
	dtp_device_advance(&dev, 100);
	cr_expect_eq(dtp_device_beacon_interval(&dev, 800), 800);
	cr_expect_eq(dev.rate, dev.net_rate - Q(5));
	/* the counters advance at 1 + rate, the free count at 1; tick by tick equals at once */
	struct dtp_port q[2];
	struct dtp_device twin = dev;
	memcpy(q, p, sizeof(q));
	twin.ports = q;
	uint64_t gc0 = dev.gc, free0 = dev.free;
	for (int i = 0; i < 1000; i++)
		dtp_device_tick(&twin);
	dtp_device_advance(&dev, 1000);
	cr_expect_eq(twin.gc, dev.gc);
	cr_expect_eq(q[0].lc, p[0].lc);
	dtp_device_advance(&dev, 999000);
	cr_expect_eq(dtp_cnt_diff(dev.free, free0), 1000000);
	int64_t extra = dtp_cnt_diff(dev.gc, gc0) - 1000000;
	cr_expect(extra >= 62 && extra <= 65, "1e6 ticks at ~63.5 ppm: %lld", (long long)extra);
	/* AUX RATE advertises the network rate (no margin) */
	struct dtp_output o = timer(&dev, 0);
	for (int i = 0; i < 3 && (o.aux.counter >> DTP_AUX_KIND_SHIFT) != DTP_AUX_RATE; i++)
		o = timer(&dev, 0);
	cr_expect_eq(o.aux.counter, aux(DTP_AUX_RATE, (uint64_t)dev.net_rate));
	/* a link down forgets the port; without the enhancement the rate is 0 */
	dtp_device_input(&dev, 1, DTP_EV_LINK_DOWN, NULL);
	cr_expect(dev.net_rate > Q(58) && dev.net_rate < Q(60));
	dev.params.sync = false;
	dtp_rate_update(&dev);
	cr_expect_eq(dev.rate, 0);
}

Test(dtp_enhance, rate_check_rejects_an_out_of_spec_peer)
{
	struct dtp_params pr = {.rate_limit = Q(250), .sync_base = 100000, .jump_threshold = 8};
	struct dtp_port p[2];
	struct dtp_device dev;
	dtp_device_init(&dev, p, 2, 1000, &pr);
	sync_port(&dev, 0, 5);
	sync_port(&dev, 1, 5);
	feed_free(&dev, 0, 3000, 0, 10, 20000);
	feed_free(&dev, 1, 150, 0, 10, 20000);
	cr_expect(p[0].out_of_spec, "3000 ppm is out of spec");
	cr_expect_not(p[1].out_of_spec, "150 ppm is not");
	uint64_t gc = dev.gc;
	struct dtp_msg bc = {DTP_MSG_BEACON, dtp_cnt_add(dev.gc, 2)};
	struct dtp_output o = dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &bc);
	cr_expect_eq(o.adjust, 0);
	cr_expect_eq(dev.gc, gc, "a small step from a fast peer is still rejected");
	cr_expect_eq(dev.rejected, 1);
	o = dtp_device_input(&dev, 1, DTP_EV_RX_BEACON, &bc);
	cr_expect_gt(o.adjust, 0, "the in-spec peer is followed");
	/* FREE messages are sent (rate check on, no syntonization): no RATE */
	for (int i = 0; i < 32; i++) {
		o = timer(&dev, 1);
		if (o.send_aux)
			cr_expect_eq(o.aux.counter >> DTP_AUX_KIND_SHIFT, DTP_AUX_FREE);
	}
}
