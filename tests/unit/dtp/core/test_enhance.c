// SPDX-License-Identifier: MIT
/* dtp/core enhancements: the per-node error bound (BOUND messages, hop distance vector to the
 * root), the on-demand burst's beacon interval, and the periodic delay re-measurement. */
#include <criterion/criterion.h>

#include "core/dtp_counter.h"
#include "core/dtp_device.h"

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
	struct dtp_params pr = {
	        .bound = true, .hop_bound = 4, .self_bound = 1, .bound_every = 4, .jump_threshold = 8};
	struct dtp_port p[3];
	struct dtp_device dev;
	dtp_device_init(&dev, p, 3, 1000, &pr);
	cr_expect_eq(dtp_device_bound(&dev), -1, "no route to the root yet");
	cr_expect_eq(dtp_device_hops(&dev), DTP_HOPS_UNKNOWN);
	struct dtp_msg b5 = {DTP_MSG_BOUND, 5};
	cr_expect_not(dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &b5).send);
	cr_expect_eq(p[0].peer_hops, DTP_HOPS_UNKNOWN, "ignored before SYNC");
	sync_port(&dev, 0, 10);
	sync_port(&dev, 1, 10);
	uint64_t gc = dev.gc;
	dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &b5);
	cr_expect_eq(dev.gc, gc, "a BOUND never moves the counters");
	cr_expect_eq(dtp_device_hops(&dev), 6);
	cr_expect_eq(dtp_device_bound(&dev), 6 * 4 + 1);
	struct dtp_msg b2 = {DTP_MSG_BOUND, 2};
	dtp_device_input(&dev, 1, DTP_EV_RX_BEACON, &b2);
	cr_expect_eq(dtp_device_bound(&dev), 3 * 4 + 1, "the shortest route counts");
	/* the port's timer: BOUND(hops) first, then BEACON x3, then BOUND again */
	struct dtp_output o = timer(&dev, 0);
	cr_expect_eq(o.msg.type, DTP_MSG_BOUND);
	cr_expect_eq(o.msg.counter, 3);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(timer(&dev, 0).msg.type, DTP_MSG_BEACON);
	cr_expect_eq(timer(&dev, 0).msg.type, DTP_MSG_BOUND);
	/* the short route goes down: back to the long one; then none */
	dtp_device_input(&dev, 1, DTP_EV_LINK_DOWN, NULL);
	cr_expect_eq(dtp_device_hops(&dev), 6);
	struct dtp_msg unk = {DTP_MSG_BOUND, DTP_HOPS_UNKNOWN};
	dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &unk);
	cr_expect_eq(dtp_device_bound(&dev), -1);
	struct dtp_msg wide = {DTP_MSG_BOUND, 1ull << 40};
	dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &wide);
	cr_expect_eq(dtp_device_hops(&dev), DTP_HOPS_UNKNOWN, "out of range is unknown");
	/* the root is 0 hops with no port at all; the enhancement off exports nothing */
	dev.params.root = true;
	cr_expect_eq(dtp_device_bound(&dev), 1);
	dev.params.bound = false;
	cr_expect_eq(dtp_device_bound(&dev), -1);
	cr_expect_eq(timer(&dev, 0).msg.type, DTP_MSG_BEACON, "plain DTP sends no BOUND");
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
