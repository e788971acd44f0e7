// SPDX-License-Identifier: MIT
/* DTP device: counters, delay and the max rule around the port FSM (see device.h). */
#include "core/dtp_device.h"
#include "core/dtp_counter.h"
#include "core/dtp_enhance.h"

void dtp_device_init(struct dtp_device *dev, struct dtp_port *ports, unsigned nports, uint64_t gc,
                     const struct dtp_params *params)
{
	*dev = (struct dtp_device){.gc = dtp_cnt(gc), .ports = ports, .nports = nports};
	if (params)
		dev->params = *params;
	for (unsigned i = 0; i < nports; i++)
		ports[i] = (struct dtp_port){
		        .state = DTP_PORT_INIT, .lc = dev->gc, .peer_hops = DTP_HOPS_UNKNOWN};
}

void dtp_device_tick(struct dtp_device *dev)
{
	int64_t step = 1 + dtp_rate_extra(dev, 1);
	uint64_t gc = dtp_cnt_add(dev->gc, step);
	for (unsigned i = 0; i < dev->nports; i++) {
		struct dtp_port *p = &dev->ports[i];
		p->lc = dtp_cnt_add(p->lc, step);
		if (p->state == DTP_PORT_SYNC)
			gc = dtp_cnt_max(gc, p->lc);
	}
	dev->gc = gc;
	dev->since_sync++;
	dev->free = dtp_cnt_add(dev->free, 1);
}

void dtp_device_advance(struct dtp_device *dev, int64_t n)
{
	if (n <= 0)
		return;
	/* after the first tick gc is already >= every SYNC lc; further ticks keep the order */
	dtp_device_tick(dev);
	int64_t m = n - 1 + dtp_rate_extra(dev, n - 1);
	dev->since_sync += n - 1;
	dev->free = dtp_cnt_add(dev->free, n - 1);
	dev->gc = dtp_cnt_add(dev->gc, m);
	for (unsigned i = 0; i < dev->nports; i++)
		dev->ports[i].lc = dtp_cnt_add(dev->ports[i].lc, m);
}

int64_t dtp_delay(uint64_t lc_now, uint64_t c, int64_t alpha)
{
	int64_t rtt = dtp_cnt_diff(lc_now, c) - alpha;
	return rtt <= 0 ? 0 : rtt / 2;
}

static void apply_beacon(struct dtp_device *dev, struct dtp_port *p, uint64_t c,
                         struct dtp_output *out)
{
	uint64_t target = dtp_cnt_add(c, p->d);
	int64_t ahead = dtp_cnt_diff(target, p->lc);
	p->beacons++;
	if (p->out_of_spec) { /* the rate check: its oscillator is out of spec */
		p->rejected++;
		dev->rejected++;
		return;
	}
	if (ahead > 0 && dev->params.guard > 0 && ahead > dev->params.guard &&
	    dev->since_sync > dev->params.guard_arm) {
		p->rejected++;
		dev->rejected++;
		return;
	}
	if (ahead > 0) {
		p->lc = target;
		out->adjust = ahead;
		if (ahead > dev->params.jump_threshold) {
			p->jumps++;
			dev->jumps++;
		}
	}
	dev->gc = dtp_cnt_max(dev->gc, p->lc);
}

static int64_t rounded_mean_half(int64_t sum, unsigned n)
{
	return (sum + (int64_t)n) / (2 * (int64_t)n);
}

/* Ask the peer for one more round trip, timed on the free-running count. */
static void send_free_init(struct dtp_device *dev, struct dtp_port *port, struct dtp_output *out)
{
	port->init_c = dev->free;
	port->init_free = true;
	out->send = true;
	out->msg = (struct dtp_msg){DTP_MSG_INIT, dev->free};
}

/* Multi-sample delay: add the sample of a matching INIT-ACK; ask for another while short. A
 * periodic re-measurement collects K new samples aside and replaces d when it has them all. */
static void delay_sample(struct dtp_device *dev, struct dtp_port *port, uint64_t c,
                         struct dtp_output *out)
{
	unsigned k = dev->params.delay_samples;
	if (k <= 1 || (port->dn >= k && !port->remeasuring))
		return;
	/* in SYNC beacons move lc during the round trip: time it on the free-running count */
	int64_t sample =
	        dtp_cnt_diff(port->init_free ? dev->free : port->lc, c) - dev->params.alpha;
	sample = sample > 0 ? sample : 0;
	unsigned n;
	if (port->dn < k) {
		port->dsum += sample;
		n = ++port->dn;
		port->d = rounded_mean_half(port->dsum, n);
	} else {
		port->rsum += sample;
		n = ++port->rn;
		if (n == k) {
			port->dsum = port->rsum;
			port->d = rounded_mean_half(port->rsum, n);
			port->remeasuring = false;
			port->remeasures++;
		}
	}
	if (n == k)
		port->measured_at = dev->free;
	else if (!out->send)
		send_free_init(dev, port, out);
}

/* The beacon timer of a SYNC port: BEACON(gc), or in its place a re-measurement's first INIT
 * when one is due; and beside it every aux_every-th time an AUX (dtp_enhance.h). */
static void beacon_timer(struct dtp_device *dev, struct dtp_port *port, struct dtp_output *out)
{
	const struct dtp_params *pr = &dev->params;
	out->send = true;
	if (pr->remeasure > 0 && pr->delay_samples > 1 && port->dn >= pr->delay_samples &&
	    !port->remeasuring && dtp_cnt_diff(dev->free, port->measured_at) >= pr->remeasure) {
		port->remeasuring = true;
		port->rsum = 0;
		port->rn = 0;
		send_free_init(dev, port, out);
	} else {
		out->msg = (struct dtp_msg){DTP_MSG_BEACON, dev->gc};
	}
	dtp_aux_tx(dev, port, out);
}

struct dtp_output dtp_device_input(struct dtp_device *dev, unsigned p, enum dtp_port_event ev,
                                   const struct dtp_msg *msg)
{
	struct dtp_output out = {0};
	if (p >= dev->nports)
		return out;
	struct dtp_port *port = &dev->ports[p];
	if (ev == DTP_EV_RX_INIT_ACK && (!msg || msg->counter != port->init_c))
		return out; /* stale: answers an INIT we no longer wait for */
	if ((ev == DTP_EV_RX_INIT || ev == DTP_EV_RX_BEACON) && !msg)
		return out;
	if (msg && msg->type == DTP_MSG_AUX) { /* the enhancements' side channel, not the FSM */
		dtp_aux_rx(dev, port, msg->counter);
		return out;
	}
	struct dtp_port_next next = dtp_port_step(port->state, ev);
	bool more = ev == DTP_EV_RX_INIT_ACK && port->state == DTP_PORT_SYNC;
	unsigned a = next.actions;
	out.synced = port->state != DTP_PORT_SYNC && next.state == DTP_PORT_SYNC;
	port->state = next.state;
	if (out.synced)
		dev->since_sync = 0;
	if (a & DTP_ACT_LC_FROM_GC) {
		port->lc = dev->gc;
		port->dsum = 0;
		port->dn = 0;
		port->remeasuring = false;
		dtp_aux_reset(port);
	}
	if (a & DTP_ACT_SET_DELAY)
		port->d = dtp_delay(port->lc, msg->counter, dev->params.alpha);
	if (a & DTP_ACT_APPLY_BEACON)
		apply_beacon(dev, port, msg->counter, &out);
	if (a & DTP_ACT_SEND_INIT) {
		port->init_c = port->lc;
		port->init_free = false;
		out.send = true;
		out.msg = (struct dtp_msg){DTP_MSG_INIT, port->lc};
	} else if (a & DTP_ACT_SEND_INIT_ACK) {
		out.send = true;
		out.msg = (struct dtp_msg){DTP_MSG_INIT_ACK, msg->counter};
	} else if (a & DTP_ACT_SEND_BEACON) {
		beacon_timer(dev, port, &out);
	}
	if ((a & DTP_ACT_SET_DELAY) || more)
		delay_sample(dev, port, msg->counter, &out);
	if (out.synced || (a & DTP_ACT_STOP_TIMERS))
		dtp_rate_update(dev); /* the set of SYNC ports changed */
	out.timers = a & (DTP_ACT_ARM_RETRY | DTP_ACT_ARM_BEACON | DTP_ACT_STOP_TIMERS);
	return out;
}
