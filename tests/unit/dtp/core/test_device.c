// SPDX-License-Identifier: MIT
/* dtp/core/dtp_counter and device: modulo-2^53 comparison across the wrap, the delay formula, the
 * per-tick rule against the lazy advance, the max rule, jumps and the jump guard, and two
 * devices exchanging INIT / INIT-ACK / BEACON by hand. */
#include <criterion/criterion.h>

#include "core/dtp_counter.h"
#include "core/dtp_device.h"

#define TOP (DTP_COUNTER_MASK - 5) /* 6 ticks before the wrap */

Test(dtp_counter, wrap)
{
	cr_expect_eq(dtp_cnt_add(TOP, 10), 4);
	cr_expect_eq(dtp_cnt_diff(4, TOP), 10);
	cr_expect_eq(dtp_cnt_diff(TOP, 4), -10);
	cr_expect(dtp_cnt_after(4, TOP));
	cr_expect_not(dtp_cnt_after(TOP, 4));
	cr_expect_not(dtp_cnt_after(7, 7));
	cr_expect_eq(dtp_cnt_max(TOP, 4), 4);
	cr_expect_eq(dtp_cnt_max(4, TOP), 4);
	cr_expect_eq(dtp_cnt_add(3, -5), DTP_COUNTER_MASK - 1);
	cr_expect_eq(dtp_cnt_diff(0, 1ull << 52), -(1ll << 52), "half-way is the most negative");
}

Test(dtp_counter, delay_formula)
{
	cr_expect_eq(dtp_delay(100, 60, 0), 20);
	cr_expect_eq(dtp_delay(100, 61, 0), 19, "39/2 rounds down");
	cr_expect_eq(dtp_delay(100, 60, 4), 18);
	cr_expect_eq(dtp_delay(3, TOP, 1), 4, "(9 - 1) / 2 across the wrap");
	cr_expect_eq(dtp_delay(60, 100, 0), 0, "never negative");
}

static struct dtp_params params = {.alpha = 0, .jump_threshold = 8, .guard = 0};

Test(dtp_device, advance_equals_ticks)
{
	struct dtp_port pa[3], pb[3];
	struct dtp_device a, b;
	dtp_device_init(&a, pa, 3, TOP - 100, &params);
	dtp_device_init(&b, pb, 3, TOP - 100, &params);
	for (int i = 0; i < 3; i++) {
		pa[i].state = pb[i].state = DTP_PORT_SYNC;
		pa[i].lc = pb[i].lc = dtp_cnt_add(TOP, 10 * i - 150);
	}
	pa[2].lc = pb[2].lc = TOP - 50; /* ahead of gc */
	for (int i = 0; i < 300; i++)
		dtp_device_tick(&a);
	dtp_device_advance(&b, 300);
	cr_expect_eq(a.gc, b.gc);
	cr_expect_eq(a.gc, dtp_cnt_add(TOP, 250), "gc followed the fastest lc across the wrap");
	for (int i = 0; i < 3; i++)
		cr_expect_eq(pa[i].lc, pb[i].lc);
	dtp_device_advance(&b, 0);
	cr_expect_eq(a.gc, b.gc);
}

/* Bring port 0 of dev to SYNC with delay d (INIT sent at its lc, INIT-ACK 2d later). */
static void sync_port(struct dtp_device *dev, int64_t d)
{
	struct dtp_output o = dtp_device_input(dev, 0, DTP_EV_LINK_UP, NULL);
	cr_assert(o.send);
	cr_assert_eq(o.msg.type, DTP_MSG_INIT);
	cr_assert(o.timers & DTP_ACT_ARM_RETRY);
	dtp_device_advance(dev, 2 * d);
	struct dtp_msg stale = {DTP_MSG_INIT_ACK, o.msg.counter + 1};
	o = dtp_device_input(dev, 0, DTP_EV_RX_INIT_ACK, &stale);
	cr_assert_eq(dev->ports[0].state, DTP_PORT_SENT, "a stale INIT-ACK is ignored");
	struct dtp_msg ack = {DTP_MSG_INIT_ACK, o.msg.counter};
	ack.counter = dev->ports[0].init_c;
	o = dtp_device_input(dev, 0, DTP_EV_RX_INIT_ACK, &ack);
	cr_assert(o.synced);
	cr_assert_eq(dev->ports[0].state, DTP_PORT_SYNC);
	cr_assert_eq(dev->ports[0].d, d);
}

Test(dtp_device, beacon_max_rule_jumps_and_wrap)
{
	struct dtp_port p[2];
	struct dtp_device dev;
	dtp_device_init(&dev, p, 2, TOP - 40, &params);
	sync_port(&dev, 7);
	cr_expect_eq(dev.gc, TOP - 26);
	/* behind: ignored */
	struct dtp_msg bc = {DTP_MSG_BEACON, TOP - 40};
	struct dtp_output o = dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &bc);
	cr_expect_eq(o.adjust, 0);
	cr_expect_eq(dev.gc, TOP - 26);
	/* 3 ahead after the delay: lc and gc follow, no jump */
	bc.counter = TOP - 30;
	o = dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &bc);
	cr_expect_eq(o.adjust, 3);
	cr_expect_eq(dev.gc, TOP - 23);
	cr_expect_eq(dev.jumps, 0);
	/* far ahead, across the wrap: a jump */
	bc.counter = 100;
	o = dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &bc);
	cr_expect_eq(dev.gc, 107);
	cr_expect_eq(dev.jumps, 1);
	cr_expect_eq(p[0].jumps, 1);
	/* beacons on a port that is not SYNC do nothing */
	bc.counter = 5000;
	o = dtp_device_input(&dev, 1, DTP_EV_RX_BEACON, &bc);
	cr_expect_eq(dev.gc, 107);
	/* the beacon timer sends gc */
	o = dtp_device_input(&dev, 0, DTP_EV_BEACON_TIMER, NULL);
	cr_expect(o.send);
	cr_expect_eq(o.msg.type, DTP_MSG_BEACON);
	cr_expect_eq(o.msg.counter, 107);
	/* a SYNC port answers INIT with the echoed counter */
	struct dtp_msg init = {DTP_MSG_INIT, 31337};
	o = dtp_device_input(&dev, 0, DTP_EV_RX_INIT, &init);
	cr_expect_eq(o.msg.type, DTP_MSG_INIT_ACK);
	cr_expect_eq(o.msg.counter, 31337);
	cr_expect_eq(p[0].state, DTP_PORT_SYNC);
	/* out-of-range port and missing messages are ignored */
	o = dtp_device_input(&dev, 9, DTP_EV_LINK_UP, NULL);
	cr_expect_not(o.send);
	o = dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, NULL);
	cr_expect_not(o.send);
	o = dtp_device_input(&dev, 0, DTP_EV_LINK_DOWN, NULL);
	cr_expect(o.timers & DTP_ACT_STOP_TIMERS);
	cr_expect_eq(p[0].state, DTP_PORT_INIT);
}

Test(dtp_device, guard_rejects_and_counts_once_armed)
{
	struct dtp_params g = params;
	g.guard = 16;
	g.guard_arm = 100;
	struct dtp_port p[1];
	struct dtp_device dev;
	dtp_device_init(&dev, p, 1, 1000, &g);
	sync_port(&dev, 2);
	/* just after SYNC the start-up flood is accepted however far ahead */
	uint64_t gc = dev.gc;
	struct dtp_msg bc = {DTP_MSG_BEACON, gc + 500};
	dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &bc);
	cr_expect_eq(dev.gc, gc + 502);
	cr_expect_eq(dev.rejected, 0);
	dtp_device_advance(&dev, 101);
	gc = dev.gc;
	bc.counter = gc + 10;
	dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &bc);
	cr_expect_eq(dev.gc, gc + 12, "within the guard");
	bc.counter = gc + 1000000;
	dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &bc);
	cr_expect_eq(dev.gc, gc + 12, "rejected");
	cr_expect_eq(dev.rejected, 1);
	cr_expect_eq(p[0].rejected, 1);
	cr_expect_eq(dev.jumps, 2, "+502 and +12 are above the jump threshold 8");
	/* a rejoin (the port enters SYNC again) disarms it */
	dtp_device_input(&dev, 0, DTP_EV_LINK_DOWN, NULL);
	sync_port(&dev, 2);
	gc = dev.gc;
	bc.counter = gc + 1000000;
	dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &bc);
	cr_expect_eq(dev.gc, gc + 1000002);
	cr_expect_eq(dev.rejected, 1);
}

Test(dtp_device, two_devices_converge)
{
	/* a and b, one link, 5 ticks of delay each way, a starts 1000 ticks ahead */
	struct dtp_port pa[1], pb[1];
	struct dtp_device a, b;
	dtp_device_init(&a, pa, 1, 5000, &params);
	dtp_device_init(&b, pb, 1, 4000, &params);
	struct dtp_output oa = dtp_device_input(&a, 0, DTP_EV_LINK_UP, NULL);
	dtp_device_input(&b, 0, DTP_EV_LINK_UP, NULL);
	dtp_device_advance(&a, 5);
	dtp_device_advance(&b, 5);
	struct dtp_output ob = dtp_device_input(&b, 0, DTP_EV_RX_INIT, &oa.msg);
	cr_assert_eq(ob.msg.type, DTP_MSG_INIT_ACK);
	dtp_device_advance(&a, 5);
	dtp_device_advance(&b, 5);
	dtp_device_input(&a, 0, DTP_EV_RX_INIT_ACK, &ob.msg);
	cr_assert_eq(pa[0].state, DTP_PORT_SYNC);
	cr_assert_eq(pa[0].d, 5);
	pb[0].state = DTP_PORT_SYNC; /* b's own exchange is symmetric */
	pb[0].d = 5;
	oa = dtp_device_input(&a, 0, DTP_EV_BEACON_TIMER, NULL);
	dtp_device_advance(&a, 5);
	dtp_device_advance(&b, 5);
	dtp_device_input(&b, 0, DTP_EV_RX_BEACON, &oa.msg);
	cr_expect_eq(a.gc, b.gc, "b adopted a's counter exactly");
}

Test(dtp_device, multi_sample_delay_averages_on_the_free_count)
{
	struct dtp_params m = params;
	m.alpha = 1;
	m.delay_samples = 4;
	struct dtp_port p[1];
	struct dtp_device dev;
	dtp_device_init(&dev, p, 1, 5000, &m);
	struct dtp_output o = dtp_device_input(&dev, 0, DTP_EV_LINK_UP, NULL);
	/* round trips (ticks): 21, 23, 22, 24 -> (rtt - alpha) 20, 22, 21, 23 -> mean/2 = 10.75 */
	const int64_t rtt[] = {21, 23, 22, 24};
	for (int i = 0; i < 4; i++) {
		cr_assert(o.send, "sample %d: an INIT goes out", i);
		cr_assert_eq(o.msg.type, DTP_MSG_INIT);
		struct dtp_msg ack = {DTP_MSG_INIT_ACK, o.msg.counter};
		dtp_device_advance(&dev, rtt[i] / 2);
		if (i > 0) {
			/* a beacon far ahead moves lc in the middle of the round trip */
			struct dtp_msg bc = {DTP_MSG_BEACON, dtp_cnt_add(dev.gc, 300)};
			dtp_device_input(&dev, 0, DTP_EV_RX_BEACON, &bc);
		}
		dtp_device_advance(&dev, rtt[i] - rtt[i] / 2);
		struct dtp_msg stale = {DTP_MSG_INIT_ACK, ack.counter + 1};
		cr_expect_not(dtp_device_input(&dev, 0, DTP_EV_RX_INIT_ACK, &stale).send);
		o = dtp_device_input(&dev, 0, DTP_EV_RX_INIT_ACK, &ack);
		cr_expect_eq(p[0].state, DTP_PORT_SYNC);
		cr_expect_eq(p[0].dn, (unsigned)i + 1);
	}
	cr_expect_eq(p[0].d, 11, "10.75 rounds to 11 (a single exchange gave %d)", 10);
	cr_expect_not(o.send, "no INIT after the 4th sample");
	/* a link flap starts over */
	dtp_device_input(&dev, 0, DTP_EV_LINK_DOWN, NULL);
	o = dtp_device_input(&dev, 0, DTP_EV_LINK_UP, NULL);
	cr_expect_eq(p[0].dn, 0);
	cr_expect(o.send);
}
