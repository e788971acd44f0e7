// SPDX-License-Identifier: MIT
/* The dtpd node (node.h): dtp/core driven from timestamps on a clock-derived tick counter. */
#include <string.h>

#include "core/dtp_counter.h"
#include "node.h"

#define WRAP_NS ((__int128)(DTP_COUNTER_MASK + 1) * DTPD_TICK_PS / 1000)

int64_t dtpd_ns_to_ticks(int64_t ns)
{
	return (int64_t)((__int128)ns * 1000 / DTPD_TICK_PS);
}

uint64_t dtpd_counter_at(int64_t epoch_ns, int64_t t_ns)
{
	__int128 ps = ((__int128)t_ns - epoch_ns) * 1000;
	__int128 q = ps / DTPD_TICK_PS;
	if (ps < 0 && q * DTPD_TICK_PS != ps)
		q--;
	return (uint64_t)q & DTP_COUNTER_MASK;
}

int64_t dtpd_counter_ns(int64_t epoch_ns, uint64_t c, int64_t near_ns)
{
	__int128 t = epoch_ns + (__int128)(c & DTP_COUNTER_MASK) * DTPD_TICK_PS / 1000;
	__int128 d = (__int128)near_ns - t;
	__int128 k = d >= 0 ? (d + WRAP_NS / 2) / WRAP_NS : -((-d + WRAP_NS / 2) / WRAP_NS);
	return (int64_t)(t + k * WRAP_NS);
}

void dtpd_frame_refresh(struct dtp_frame *f, int64_t osc_now)
{
	int64_t delta = osc_now - (int64_t)f->tx_ts;
	if (delta <= 0)
		return;
	f->tx_ts = (uint64_t)osc_now;
	if (f->type == DTP_MSG_BEACON)
		f->counter = dtp_cnt_add(f->counter, dtpd_ns_to_ticks(delta));
	else if (f->type == DTP_MSG_INIT_ACK)
		f->echo_ts += (uint64_t)delta;
}

void dtpd_node_init(struct dtpd_node *nd, unsigned nports, const struct dtpd_node_params *p,
                    int64_t osc_ns, int64_t clk_ns, dtpd_send_fn send, void *arg)
{
	memset(nd, 0, sizeof(*nd));
	nd->n = nports > DTPD_MAX_PORTS ? DTPD_MAX_PORTS : nports;
	nd->p = *p;
	nd->send = send;
	nd->send_arg = arg;
	nd->dev_clk = osc_ns;
	uint64_t gc = dtpd_counter_at(p->epoch_ns, clk_ns);
	if (!p->root)
		gc = dtp_cnt_add(gc, -DTPD_FOLLOWER_LAG);
	dtp_device_init(&nd->dev, nd->ports, nd->n, gc, &p->dtp);
	for (unsigned i = 0; i < nd->n; i++) {
		nd->rt[i].upstream = true;
		nd->rt[i].bdelay_ns = nd->rt[i].bdelay_pair_ns = -1;
	}
}

void dtpd_node_advance(struct dtpd_node *nd, int64_t clk_ns)
{
	if (clk_ns <= nd->dev_clk)
		return;
	__int128 ps = ((__int128)clk_ns - nd->dev_clk) * 1000 + nd->rem_ps;
	int64_t n = (int64_t)(ps / DTPD_TICK_PS);
	nd->rem_ps = (int64_t)(ps % DTPD_TICK_PS);
	nd->dev_clk = clk_ns;
	dtp_device_advance(&nd->dev, n);
}

void dtpd_node_clock_stepped(struct dtpd_node *nd, int64_t delta_ns)
{
	int64_t n = dtpd_ns_to_ticks(delta_ns);
	nd->dev.gc = dtp_cnt_add(nd->dev.gc, n);
	for (unsigned i = 0; i < nd->n; i++)
		nd->ports[i].lc = dtp_cnt_add(nd->ports[i].lc, n);
	nd->dev_clk += delta_ns;
}

int64_t dtpd_median(const int64_t *v, unsigned n)
{
	int64_t s[DTPD_DELAY_RING];
	for (unsigned i = 0; i < n; i++) {
		unsigned j = i;
		for (; j > 0 && s[j - 1] > v[i]; j--)
			s[j] = s[j - 1];
		s[j] = v[i];
	}
	return n ? (n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) : 0;
}

/* A beacon stamped late (the receiver descheduled before it read the stamp, a queue): its
 * oscillator one-way time (t4 - the sender's tx_ts: the delay plus the oscillators' offset)
 * exceeds the least of the last DTPD_LATE_RING by more than late_ns. Counted, not used for
 * the discipline, unless DTPD_LATE_RING in a row were (the oscillators drifted apart). */
static bool late_stamp(struct dtpd_node *nd, struct dtpd_port_rt *rt, int64_t owd)
{
	int64_t least = owd;
	unsigned n = rt->owd_n < DTPD_LATE_RING ? rt->owd_n : DTPD_LATE_RING;
	for (unsigned i = 0; i < n; i++)
		if (rt->owd[i] < least)
			least = rt->owd[i];
	rt->owd[rt->owd_n++ % DTPD_LATE_RING] = owd;
	if (nd->p.late_ns <= 0 || owd - least <= nd->p.late_ns || rt->late_run >= DTPD_LATE_RING) {
		rt->late_run = 0;
		return false;
	}
	rt->late++;
	rt->late_run++;
	return true;
}

/* A BEACON the max rule would apply (an upstream port's, or any with downstream_max_rule)
 * whose counter (+ d) is more than wild_ns ahead of gc once the node has the network's
 * counter (the root, or a follower that acquired it), in SYNC: dropped and
 * counted (wild, wild_last_ns), never applied (the max rule would keep it for good), unless
 * DTPD_WILD_ACCEPT came in a row (the upstream restarted with a new counter). */
static bool wild_counter(struct dtpd_node *nd, unsigned port, uint64_t c)
{
	struct dtpd_port_rt *rt = &nd->rt[port];
	struct dtp_port *pt = &nd->ports[port];
	/* only where the max rule would apply it: downstream beacons are rejected anyway */
	bool applies = (!nd->p.root && rt->upstream) || nd->p.downstream_max_rule;
	if (nd->p.wild_ns <= 0 || !applies || (!nd->p.root && !nd->acquired) ||
	    pt->state != DTP_PORT_SYNC)
		return false;
	int64_t ahead = dtp_cnt_diff(dtp_cnt_add(c, pt->d), nd->dev.gc);
	int64_t ahead_ns = (int64_t)((__int128)ahead * DTPD_TICK_PS / 1000);
	if (ahead_ns <= nd->p.wild_ns || rt->wild_run >= DTPD_WILD_ACCEPT) {
		rt->wild_run = 0;
		return false;
	}
	rt->wild++;
	rt->wild_run++;
	rt->wild_last_ns = ahead_ns;
	return true;
}

/* Carry out a core output on port at clock time clk (the send happens now). */
static void apply(struct dtpd_node *nd, unsigned port, const struct dtp_output *o, int64_t clk,
                  int64_t mono, int64_t echo_ts)
{
	struct dtpd_port_rt *rt = &nd->rt[port];
	if (o->timers & DTP_ACT_STOP_TIMERS)
		rt->retry_at = rt->beacon_at = 0;
	if (o->timers & DTP_ACT_ARM_RETRY)
		rt->retry_at = mono + nd->p.retry_ns;
	if (o->timers & DTP_ACT_ARM_BEACON)
		rt->beacon_at = mono + dtp_device_beacon_interval(&nd->dev, nd->p.beacon_ns);
	/* a follower's counter means nothing until an upstream beacon has handed it the
	 * network's: it sends no BEACON before (a neighbour would discipline to it) */
	if (!o->send || (o->msg.type == DTP_MSG_BEACON && !nd->p.root && !nd->acquired))
		return;
	struct dtp_frame f = {
	        .type = o->msg.type, .port = (uint16_t)port, .counter = o->msg.counter};
	f.tx_ts = (uint64_t)clk;
	if (o->msg.type == DTP_MSG_INIT)
		rt->init_t1 = clk;
	if (o->msg.type == DTP_MSG_INIT_ACK)
		f.echo_ts = (uint64_t)echo_ts;
	if (nd->send)
		nd->send(nd->send_arg, port, &f);
}

static void input(struct dtpd_node *nd, unsigned port, enum dtp_port_event ev, int64_t clk,
                  int64_t mono)
{
	struct dtp_output o = dtp_device_input(&nd->dev, port, ev, NULL);
	apply(nd, port, &o, clk, mono, 0);
}

/* What a port knew of its peer's BEACONs (a new link or a silent peer: start over). */
static void port_forget(struct dtpd_port_rt *rt)
{
	rt->pend = rt->x_ok = rt->peer_x_ok = false;
	rt->bn = 0;
	rt->bdelay_ns = rt->bdelay_pair_ns = -1;
}

void dtpd_node_link(struct dtpd_node *nd, unsigned port, bool up, int64_t clk, int64_t mono)
{
	if (port >= nd->n || nd->rt[port].link == up)
		return;
	dtpd_node_advance(nd, clk);
	nd->rt[port].link = up;
	nd->rt[port].last_rx = mono;
	nd->rt[port].dn = 0;
	port_forget(&nd->rt[port]);
	input(nd, port, up ? DTP_EV_LINK_UP : DTP_EV_LINK_DOWN, clk, mono);
}

int64_t dtpd_port_delay(const struct dtpd_port_rt *rt)
{
	return rt->bdelay_ns >= 0 ? rt->bdelay_ns : rt->delay_ns;
}

/* The BEACON delays from the rings (node.h): bdelay_pair_ns the median of the pair averages,
 * bdelay_ns the mean of the two directions' medians, kept within the pair averages' range. */
static void beacon_delay(struct dtpd_port_rt *rt)
{
	unsigned n = rt->bn < DTPD_DELAY_RING ? (unsigned)rt->bn : DTPD_DELAY_RING;
	int64_t lo = rt->bring[0], hi = rt->bring[0];
	for (unsigned i = 1; i < n; i++) {
		lo = rt->bring[i] < lo ? rt->bring[i] : lo;
		hi = rt->bring[i] > hi ? rt->bring[i] : hi;
	}
	int64_t pair = dtpd_median(rt->bring, n);
	int64_t dir = (dtpd_median(rt->xring, n) + dtpd_median(rt->pxring, n)) / 2;
	dir = dir < lo ? lo : dir > hi ? hi : dir;
	rt->bdelay_pair_ns = pair > 0 ? pair : 0;
	rt->bdelay_ns = dir > 0 ? dir : 0;
}

/* A BEACON's measurement x (our clock at its rx t4_clk - the sender's clock at its departure)
 * on port: kept for our BEACONs' trailer, with the peer's x a delay sample, and on a port
 * that disciplines us a sample (1 with *s). */
static int measured(struct dtpd_node *nd, unsigned port, int64_t x, int64_t t4_clk,
                    struct dtpd_sample *s)
{
	struct dtpd_port_rt *rt = &nd->rt[port];
	rt->x_ok = true;
	rt->x_ns = x;
	if (rt->peer_x_ok) {
		unsigned k = (unsigned)(rt->bn++ % DTPD_DELAY_RING);
		rt->bring[k] = (x + rt->peer_x_ns) / 2;
		rt->xring[k] = x;
		rt->pxring[k] = rt->peer_x_ns;
		if (rt->bn >= DTPD_ACQUIRE_SAMPLES)
			beacon_delay(rt);
	}
	if (nd->p.root || !rt->upstream)
		return 0;
	int64_t d = dtpd_port_delay(rt);
	*s = (struct dtpd_sample){.port = port,
	                          .offset_ns = x - d,
	                          .delay_ns = d,
	                          .clk_ns = t4_clk,
	                          .sys_ns = rt->rx_sys_ns};
	rt->last_offset_ns = s->offset_ns;
	rt->samples++;
	return 1;
}

int dtpd_node_rx(struct dtpd_node *nd, unsigned port, const struct dtp_frame *f, int64_t t4,
                 int64_t t4_clk, int64_t clk_now, int64_t mono, struct dtpd_sample *s)
{
	if (port >= nd->n || !nd->rt[port].link)
		return 0;
	struct dtpd_port_rt *rt = &nd->rt[port];
	struct dtp_port *pt = &nd->ports[port];
	int rc = 0;
	bool took = false;
	rt->last_rx = mono;
	rt->rx_frames++;
	dtpd_node_advance(nd, t4);
	struct dtp_msg m = {.type = f->type, .counter = f->counter};
	int64_t saved_alpha = nd->dev.params.alpha;
	if (f->type == DTP_MSG_INIT_ACK && pt->state != DTP_PORT_INIT &&
	    dtp_cnt_diff(f->counter, pt->init_c) == 0) {
		int64_t turn = (int64_t)f->echo_ts - rt->init_t1;
		int64_t d = ((int64_t)t4 - (int64_t)f->echo_ts) / 2;
		if (turn < 0)
			turn = 0;
		if (d < 0)
			d = 0;
		/* the median of the last DTPD_DELAY_RING exchanges since the link came up
		 * (delay_samples asks the core for several): the discipline's delay */
		rt->dring[rt->dn % DTPD_DELAY_RING] = d;
		if (!rt->dn || d < rt->dmin_ns)
			rt->dmin_ns = d;
		rt->dn++;
		rt->delay_ns = dtpd_median(rt->dring, rt->dn < DTPD_DELAY_RING ? (unsigned)rt->dn
		                                                               : DTPD_DELAY_RING);
		nd->dev.params.alpha = dtpd_ns_to_ticks(turn + 2 * nd->p.margin_ns);
		took = true;
	}
	/* a beacon before the port has DTPD_ACQUIRE_SAMPLES delay samples (or delay_samples,
	 * if fewer) is not used: the first lc would rest on one round trip */
	unsigned need = nd->dev.params.delay_samples < DTPD_ACQUIRE_SAMPLES
	                        ? nd->dev.params.delay_samples
	                        : DTPD_ACQUIRE_SAMPLES;
	if (f->type == DTP_MSG_BEACON && rt->dn < (int64_t)need) {
		rt->early++;
		return 0;
	}
	if (f->type == DTP_MSG_BEACON && wild_counter(nd, port, f->counter))
		return 0;
	bool beacon = f->type == DTP_MSG_BEACON;
	bool disc = beacon && !nd->p.root && rt->upstream; /* its samples discipline us */
	/* two-step: this BEACON brings the correction of the one before (whose x waits),
	 * brought forward to this BEACON's rx instant (the sender's clock runs at the
	 * oscillator's rate: it follows the counter) */
	if (beacon && rt->pend) {
		rt->pend = false;
		if (rt->peer_prev && rt->peer_prev_tx_ts == rt->pend_tx_ts) {
			const struct dtpd_pend *q = &rt->pend_s;
			int64_t moved = (t4_clk - q->t4_clk) - (t4 - q->t4);
			rc = measured(nd, port, q->x_ns - rt->peer_prev_err_ns + moved, t4_clk, s);
		} else {
			rt->unmatched++;
		}
	}
	/* an upstream port's first BEACON only seeds the late filter (nothing to compare its
	 * one-way time with: one stamped 2.2 ms late at start-up was seen under load; taken, it
	 * stepped the clock ms off and set acquired, so the next, right, counters were dropped
	 * as wild for DTPD_WILD_ACCEPT beacons) */
	bool seed = disc && rt->owd_n == 0;
	if (beacon && pt->state == DTP_PORT_SYNC &&
	    (!disc || !late_stamp(nd, rt, t4 - (int64_t)f->tx_ts)) && !seed) {
		int64_t x = t4_clk - (dtpd_counter_ns(nd->p.epoch_ns, f->counter, t4_clk) +
		                      rt->peer_corr_ns);
		if (disc)
			nd->acquired = true;
		if (rt->peer_prev) { /* a two-step sender: wait for the next BEACON */
			rt->pend = true;
			rt->pend_tx_ts = f->tx_ts;
			rt->pend_s = (struct dtpd_pend){x, t4, t4_clk};
		} else {
			rc = measured(nd, port, x, t4_clk, s);
		}
	}
	/* counters flow from the root down: a beacon from a downstream port (every port of the
	 * root's) that would move lc forward is rejected and counted, unless the plain max rule
	 * is asked for */
	if (f->type == DTP_MSG_BEACON && (nd->p.root || !rt->upstream) &&
	    !nd->p.downstream_max_rule && pt->state == DTP_PORT_SYNC &&
	    dtp_cnt_diff(dtp_cnt_add(f->counter, pt->d), pt->lc) > 0) {
		rt->rejected++;
		return rc;
	}
	enum dtp_port_event ev = f->type == DTP_MSG_INIT       ? DTP_EV_RX_INIT
	                         : f->type == DTP_MSG_INIT_ACK ? DTP_EV_RX_INIT_ACK
	                                                       : DTP_EV_RX_BEACON;
	struct dtp_output o = dtp_device_input(&nd->dev, port, ev, &m);
	nd->dev.params.alpha = saved_alpha;
	/* the core's d: the least delay seen less the margin, not the core's mean (one round
	 * trip stretched by a loaded machine would set lc ahead of the upstream's counter for
	 * good: the max rule never takes a lead back) */
	if (took && pt->state == DTP_PORT_SYNC) {
		int64_t dd = rt->dmin_ns - nd->p.margin_ns;
		pt->d = dd > 0 ? dtpd_ns_to_ticks(dd) : 0;
	}
	/* the INIT-ACK's echo: the INIT's tx time advanced by our turnaround (t3 - t2), t3 = now
	 * (the caller sends at once) */
	int64_t echo = (int64_t)f->tx_ts + (clk_now > t4 ? clk_now - t4 : 0);
	apply(nd, port, &o, clk_now, mono, echo);
	return rc;
}

int dtpd_node_self_sample(struct dtpd_node *nd, int64_t osc, int64_t clk, struct dtpd_sample *s)
{
	if (!nd->p.root)
		return 0;
	dtpd_node_advance(nd, osc);
	s->port = 0;
	s->delay_ns = 0;
	s->clk_ns = clk;
	s->sys_ns = 0;
	s->offset_ns = clk - dtpd_counter_ns(nd->p.epoch_ns, nd->dev.gc, clk);
	return 1;
}

void dtpd_node_timers(struct dtpd_node *nd, int64_t clk, int64_t mono)
{
	bool fired = false;
	dtpd_node_advance(nd, clk);
	for (unsigned i = 0; i < nd->n; i++) {
		struct dtpd_port_rt *rt = &nd->rt[i];
		if (rt->link && nd->p.rx_timeout_ns > 0 && nd->ports[i].state == DTP_PORT_SYNC &&
		    mono - rt->last_rx > nd->p.rx_timeout_ns) {
			/* the peer went silent (restarted, or its link flapped unseen): start over */
			rt->silences++;
			rt->last_rx = mono;
			rt->dn = 0;
			port_forget(rt);
			input(nd, i, DTP_EV_LINK_DOWN, clk, mono);
			input(nd, i, DTP_EV_LINK_UP, clk, mono);
			continue;
		}
		if (rt->retry_at && mono >= rt->retry_at) {
			rt->retry_at = 0;
			input(nd, i, DTP_EV_RETRY_TIMEOUT, clk, mono);
		}
		if (rt->beacon_at && mono >= rt->beacon_at && !(nd->p.beacon_stagger && fired)) {
			rt->beacon_at = 0;
			input(nd, i, DTP_EV_BEACON_TIMER, clk, mono);
			fired = true;
		}
	}
}

int64_t dtpd_node_burst(struct dtpd_node *nd, int64_t dur_ns, int64_t mono)
{
	dtp_device_burst(&nd->dev, dtpd_ns_to_ticks(dur_ns));
	int64_t iv = dtp_device_beacon_interval(&nd->dev, nd->p.beacon_ns);
	for (unsigned i = 0; i < nd->n; i++)
		if (nd->rt[i].beacon_at && nd->rt[i].beacon_at > mono + iv)
			nd->rt[i].beacon_at = mono + iv;
	return iv;
}

int64_t dtpd_node_next_deadline(const struct dtpd_node *nd)
{
	int64_t next = 0;
	for (unsigned i = 0; i < nd->n; i++) {
		int64_t d[2] = {nd->rt[i].retry_at, nd->rt[i].beacon_at};
		for (int k = 0; k < 2; k++)
			if (d[k] && (!next || d[k] < next))
				next = d[k];
	}
	return next;
}

bool dtpd_node_all_sync(const struct dtpd_node *nd)
{
	unsigned up = 0;
	for (unsigned i = 0; i < nd->n; i++) {
		if (!nd->rt[i].link)
			continue;
		up++;
		if (nd->ports[i].state != DTP_PORT_SYNC)
			return false;
	}
	return up > 0;
}
