// SPDX-License-Identifier: MIT
/* dtp-sim engine (see sim.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dtp_counter.h"
#include "core/dtp_device.h"
#include "sim/evq.h"
#include "sim/dtp_sim.h"
#include "tsync/sim.h"
#include "tsync/statlog.h"

enum ev_type {
	EV_TIMER,  /* a device's beacon timer (all its SYNC ports) */
	EV_TX,     /* a beacon that waited for an idle block leaves now */
	EV_RX,     /* a message observed by the receiver at ev->tick */
	EV_RETRY,  /* a port's INIT retry timeout */
	EV_LINK,   /* schedule: ev->node = link, ev->gen = 1 up / 0 down */
	EV_SAMPLE, /* offsets */
	EV_WANDER, /* every oscillator's wander takes a step */
	EV_TEMP,   /* one random node's frequency steps (a temperature change) */
	EV_FAULT,  /* faults[ev->node] happens */
	EV_BURST,  /* every node is asked for an on-demand burst */
};

struct node {
	struct dtp_device dev;
	double t0, n0, period, inv_period; /* tick n(t) = n0 + (t - t0) / period */
	int64_t now_tick;                  /* the device's counters are valid at this tick */
	double ppm_static, ppm_wander;
	unsigned port0;
	bool faulty;        /* left out of the offsets */
	uint32_t timer_gen; /* a burst restarts the beacon timer: older EV_TIMERs are void */
};

struct port {
	unsigned link, node, peer; /* peer: global port index */
	uint32_t retry_gen;
};

struct link {
	unsigned pa, pb; /* global port indexes */
	int64_t delay_ps;
	uint32_t gen;
	bool up;
};

struct sim {
	const struct sim_config *cfg;
	const struct topo *topo;
	struct node *nodes;
	struct port *ports;
	struct dtp_port *dports;
	struct link *links;
	bool *up;
	unsigned nsync, nports_up; /* ports in SYNC, ports on up links */
	bool connected;
	int diameter;
	int64_t steady_after; /* ps: offsets count from here on (INT64_MAX: not now) */
	int64_t guard_ps;
	uint64_t jumps_at_settle; /* jumps before the first steady sample */
	bool was_steady;
	struct evq q;
	struct sim_rng rng;
	struct sim_result *res;
	uint64_t load_thresh; /* rng < thresh: the line is busy */
	int64_t load_max_wait;
	int64_t t;    /* now */
	int64_t *off; /* per node, scratch for sample() */
	unsigned ref; /* a healthy node: offsets are taken against it */
	int64_t rate_t0;
	uint64_t rate_gc0;
};

static inline int64_t tick_at(const struct node *n, int64_t t)
{
	return (int64_t)floor(n->n0 + ((double)t - n->t0) * n->inv_period);
}

static inline int64_t time_of_tick(const struct node *n, int64_t m)
{
	return (int64_t)ceil(n->t0 + ((double)m - n->n0) * n->period);
}

static void set_rate(struct node *n, int64_t t)
{
	n->n0 = n->n0 + ((double)t - n->t0) * n->inv_period;
	n->t0 = (double)t;
	n->period = DTP_TICK_PS / (1.0 + (n->ppm_static + n->ppm_wander) * 1e-6);
	n->inv_period = 1.0 / n->period;
}

static inline void advance_to(struct node *n, int64_t m)
{
	if (m > n->now_tick) {
		dtp_device_advance(&n->dev, m - n->now_tick);
		n->now_tick = m;
	}
}

static uint32_t schedule(struct sim *s, int64_t t, enum ev_type type)
{
	uint32_t id = evq_new(&s->q, t);
	if (id == EVQ_NONE) {
		fprintf(stderr, "dtp-sim: out of memory for events\n");
		exit(1);
	}
	evq_ev(&s->q, id)->type = (uint8_t)type;
	return id;
}

/* Temperature steps hit the nodes as one Poisson process of rate nnodes / temp_every. */
static int64_t next_temp_step(struct sim *s, int64_t now)
{
	double mean = (double)s->cfg->temp_every_ps / (double)s->topo->nnodes;
	return now + 1 + (int64_t)(-log(1.0 - sim_rng_uniform(&s->rng)) * mean);
}

static void reschedule_steady(struct sim *s)
{
	s->steady_after =
	        (s->connected && s->nsync == s->nports_up) ? s->t + s->guard_ps : INT64_MAX;
}

/* Put msg on the wire from global port gp at the sender's tick m. */
static void transmit(struct sim *s, unsigned gp, const struct dtp_msg *msg, int64_t m)
{
	struct port *p = &s->ports[gp];
	struct link *l = &s->links[p->link];
	if (!l->up)
		return;
	struct node *from = &s->nodes[p->node];
	const struct port *peer = &s->ports[p->peer];
	struct node *to = &s->nodes[peer->node];
	int64_t t_arr = time_of_tick(from, m) + l->delay_ps;
	/* clock-domain crossing: seen at the receiver's next tick, plus 0 or 1 tick */
	int64_t rx = tick_at(to, t_arr) + 1 + (int64_t)(sim_rng_u64(&s->rng) & 1);
	int64_t t_rx = time_of_tick(to, rx);
	uint32_t id = schedule(s, t_rx < s->t ? s->t : t_rx, EV_RX);
	struct sim_event *e = evq_ev(&s->q, id);
	e->tick = rx;
	e->counter = msg->counter;
	e->msg = (uint8_t)msg->type;
	e->node = peer->node;
	e->port = (uint16_t)(p->peer - to->port0);
	e->gen = l->gen;
	evq_push(&s->q, id);
}

static void arm_retry(struct sim *s, unsigned gp, int64_t m)
{
	struct port *p = &s->ports[gp];
	struct node *n = &s->nodes[p->node];
	uint32_t id = schedule(s, time_of_tick(n, m + s->cfg->retry_ticks), EV_RETRY);
	struct sim_event *e = evq_ev(&s->q, id);
	e->node = p->node;
	e->port = (uint16_t)(gp - n->port0);
	e->gen = p->retry_gen;
	evq_push(&s->q, id);
}

/* Feed one event to port lp of node ni at its current tick; carry out the output. */
static void input(struct sim *s, unsigned ni, unsigned lp, enum dtp_port_event ev,
                  const struct dtp_msg *msg)
{
	struct node *n = &s->nodes[ni];
	unsigned gp = n->port0 + lp;
	enum dtp_port_state before = n->dev.ports[lp].state;
	struct dtp_output o = dtp_device_input(&n->dev, lp, ev, msg);
	enum dtp_port_state after = n->dev.ports[lp].state;
	if (o.timers & DTP_ACT_STOP_TIMERS)
		s->ports[gp].retry_gen++;
	if (o.timers & DTP_ACT_ARM_RETRY)
		arm_retry(s, gp, n->now_tick);
	if (o.send) {
		/* the INIT-ACK leaves one tick after the INIT was seen */
		int64_t m = n->now_tick + (o.msg.type == DTP_MSG_INIT_ACK);
		transmit(s, gp, &o.msg, m);
		if (o.msg.type == DTP_MSG_BEACON)
			s->res->beacons++;
		if (o.send_aux) /* the next idle block */
			transmit(s, gp, &o.aux, m + 1);
	}
	if ((before == DTP_PORT_SYNC) != (after == DTP_PORT_SYNC)) {
		s->nsync += after == DTP_PORT_SYNC ? 1 : -1u;
		if (s->nsync == s->nports_up && s->connected && s->res->settle_s < 0)
			s->res->settle_s = (double)s->t * 1e-12;
		reschedule_steady(s);
	}
}

static void arm_timer(struct sim *s, unsigned ni, int64_t m)
{
	struct node *n = &s->nodes[ni];
	uint32_t id = schedule(s, time_of_tick(n, m), EV_TIMER);
	struct sim_event *x = evq_ev(&s->q, id);
	x->node = ni;
	x->tick = m;
	x->gen = n->timer_gen;
	evq_push(&s->q, id);
}

static void on_timer(struct sim *s, struct sim_event *e)
{
	struct node *n = &s->nodes[e->node];
	if (e->gen != n->timer_gen)
		return;
	advance_to(n, e->tick);
	for (unsigned lp = 0; lp < n->dev.nports; lp++) {
		if (n->dev.ports[lp].state != DTP_PORT_SYNC)
			continue;
		if (s->load_thresh && sim_rng_u64(&s->rng) < s->load_thresh) {
			int64_t wait =
			        1 + (int64_t)(sim_rng_u64(&s->rng) % (uint64_t)s->load_max_wait);
			uint32_t id = schedule(s, time_of_tick(n, n->now_tick + wait), EV_TX);
			struct sim_event *x = evq_ev(&s->q, id);
			x->node = e->node;
			x->port = (uint16_t)lp;
			x->tick = n->now_tick + wait;
			evq_push(&s->q, id);
			continue;
		}
		input(s, e->node, lp, DTP_EV_BEACON_TIMER, NULL);
	}
	arm_timer(s, e->node, e->tick + dtp_device_beacon_interval(&n->dev, s->cfg->beacon_ticks));
}

static void on_burst(struct sim *s)
{
	int64_t ticks = s->cfg->burst_dur_ps / DTP_TICK_PS;
	for (unsigned i = 0; i < s->topo->nnodes; i++) {
		struct node *n = &s->nodes[i];
		advance_to(n, tick_at(n, s->t));
		dtp_device_burst(&n->dev, ticks);
		n->timer_gen++;
		arm_timer(s, i, n->now_tick + 1);
	}
}

static void on_rx(struct sim *s, struct sim_event *e)
{
	struct node *n = &s->nodes[e->node];
	const struct link *l = &s->links[s->ports[n->port0 + e->port].link];
	if (e->gen != l->gen || !l->up)
		return; /* sent before a link failure */
	advance_to(n, e->tick);
	struct dtp_msg msg = {(enum dtp_msg_type)e->msg, e->counter};
	/* BOUND is told apart by the device from its type */
	static const enum dtp_port_event evs[] = {DTP_EV_RX_INIT, DTP_EV_RX_INIT_ACK,
	                                          DTP_EV_RX_BEACON, DTP_EV_RX_BEACON};
	input(s, e->node, e->port, evs[e->msg], &msg);
}

static void set_link(struct sim *s, unsigned li, bool up)
{
	struct link *l = &s->links[li];
	if (l->up == up)
		return;
	l->up = up;
	l->gen++;
	s->up[li] = up;
	s->nports_up += up ? 2 : -2u;
	s->diameter = topo_diameter(s->topo, s->up);
	s->connected = s->diameter >= 0;
	unsigned gps[2] = {l->pa, l->pb};
	for (int k = 0; k < 2; k++) {
		struct port *p = &s->ports[gps[k]];
		struct node *n = &s->nodes[p->node];
		advance_to(n, tick_at(n, s->t));
		input(s, p->node, gps[k] - n->port0, up ? DTP_EV_LINK_UP : DTP_EV_LINK_DOWN, NULL);
	}
	reschedule_steady(s);
}

/* Each healthy node's actual error against the root (the reference node) and its own bound;
 * *worst and *worst_bound: the largest error of this sample and that node's bound. */
static void sample_bounds(struct sim *s, const int64_t *off, int64_t *worst, int64_t *worst_bound)
{
	struct sim_result *r = s->res;
	for (unsigned i = 0; i < s->topo->nnodes; i++) {
		const struct node *n = &s->nodes[i];
		if (n->faulty)
			continue;
		int64_t b = dtp_device_bound(&n->dev);
		int64_t err = off[i] - off[s->ref];
		err = err < 0 ? -err : err;
		if (b < 0) {
			r->self_unknown++;
			continue;
		}
		if (b > r->self_bound_max)
			r->self_bound_max = b;
		if (err > r->self_error_max)
			r->self_error_max = err;
		if (b - err < r->self_slack_min)
			r->self_slack_min = b - err;
		if (err > b)
			r->self_violations++;
		if (err >= *worst) {
			*worst = err;
			*worst_bound = b;
		}
	}
}

static void sample(struct sim *s)
{
	struct sim_result *r = s->res;
	unsigned nn = s->topo->nnodes;
	int64_t *off = s->off;
	int64_t lo = 0, hi = 0;
	/* counters at the sample instant: advancing is exact (syntonization's fractional steps
	 * included), and no pending event is earlier */
	for (unsigned i = 0; i < nn; i++)
		advance_to(&s->nodes[i], tick_at(&s->nodes[i], s->t));
	uint64_t ref = s->nodes[s->ref].dev.gc;
	for (unsigned i = 0; i < nn; i++) {
		struct node *n = &s->nodes[i];
		off[i] = dtp_cnt_diff(n->dev.gc, ref);
		if (n->faulty)
			continue;
		if (off[i] < lo)
			lo = off[i];
		if (off[i] > hi)
			hi = off[i];
	}
	int64_t hop = 0;
	bool steady = s->t >= s->steady_after && s->t >= s->cfg->warmup_ps;
	int64_t own = -1, own_bound = -1;
	if (steady && s->cfg->bound)
		sample_bounds(s, off, &own, &own_bound);
	for (unsigned li = 0; li < s->topo->nlinks; li++) {
		if (!s->links[li].up || s->nodes[s->topo->links[li].a].faulty ||
		    s->nodes[s->topo->links[li].b].faulty)
			continue;
		int64_t d = off[s->topo->links[li].a] - off[s->topo->links[li].b];
		if (d < 0)
			d = -d;
		if (d > hop)
			hop = d;
	}
	uint64_t jumps = 0;
	for (unsigned i = 0; i < nn; i++)
		jumps += s->nodes[i].dev.jumps;
	r->samples++;
	if (steady && !s->was_steady) {
		s->jumps_at_settle = jumps; /* the start-up convergence is not counted */
		s->rate_t0 = s->t;
		s->rate_gc0 = ref;
	}
	if (s->was_steady && s->t > s->rate_t0) {
		double ticks = (double)(s->t - s->rate_t0) / DTP_TICK_PS;
		r->rate_ppm = ((double)dtp_cnt_diff(ref, s->rate_gc0) / ticks - 1) * 1e6;
	}
	s->was_steady |= steady;
	if (steady) {
		r->steady_samples++;
		if (hi - lo > r->max_offset)
			r->max_offset = hi - lo;
		if (hop > r->max_hop_offset)
			r->max_hop_offset = hop;
		if (hop > r->bound_hop)
			r->hop_violations++;
		if (hi - lo > 4 * (int64_t)s->diameter)
			r->net_violations++;
		const struct sim_config *c = s->cfg;
		/* the burst's samples start once D + 2 burst intervals have passed */
		int64_t settle = (s->diameter + 2) *
		                 (c->beacon_ticks / (c->burst_div ? c->burst_div : 8)) *
		                 DTP_TICK_PS;
		if (c->burst_dur_ps > 0 && s->t >= c->burst_start_ps + settle &&
		    s->t < c->burst_start_ps + c->burst_dur_ps) {
			r->burst_samples++;
			if (hi - lo > r->burst_max_offset)
				r->burst_max_offset = hi - lo;
			if (hop > r->burst_max_hop_offset)
				r->burst_max_hop_offset = hop;
		}
	}
	if (s->cfg->statlog) {
		double tick_ns = DTP_TICK_PS * 1e-3;
		double row[] = {(double)s->t * 1e-12,
		                steady ? (double)(hi - lo) * tick_ns : NAN,
		                steady ? (double)hop * tick_ns : NAN,
		                steady,
		                s->nsync,
		                (double)(jumps - s->jumps_at_settle),
		                own_bound >= 0 ? (double)own * tick_ns : NAN,
		                own_bound >= 0 ? (double)own_bound * tick_ns : NAN};
		statlog_write(s->cfg->statlog, row);
	}
}

static void on_fault(struct sim *s, const struct sim_fault *f)
{
	struct node *n = &s->nodes[f->node];
	advance_to(n, tick_at(n, s->t));
	n->dev.gc = dtp_cnt_add(n->dev.gc, f->ticks);
	for (unsigned p = 0; p < n->dev.nports; p++)
		n->dev.ports[p].lc = dtp_cnt_add(n->dev.ports[p].lc, f->ticks);
}

static double now_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int64_t ppm_q(double ppm)
{
	return (int64_t)llround(ppm * 1e-6 * (double)(INT64_C(1) << DTP_RATE_FRAC_BITS));
}

static int setup(struct sim *s, char *err, size_t errlen)
{
	const struct topo *t = s->topo;
	const struct sim_config *c = s->cfg;
	unsigned nn = t->nnodes, nl = t->nlinks;
	s->nodes = calloc(nn, sizeof(*s->nodes));
	s->ports = calloc(2 * (size_t)nl, sizeof(*s->ports));
	s->dports = calloc(2 * (size_t)nl, sizeof(*s->dports));
	s->links = calloc(nl, sizeof(*s->links));
	s->up = calloc(nl, sizeof(*s->up));
	s->off = calloc(nn, sizeof(*s->off));
	unsigned *deg = calloc(nn, sizeof(*deg));
	int64_t max_delay = 0;
	if (!s->nodes || !s->ports || !s->dports || !s->links || !s->up || !s->off || !deg) {
		free(deg);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned l = 0; l < nl; l++) {
		deg[t->links[l].a]++;
		deg[t->links[l].b]++;
	}
	sim_rng_seed(&s->rng, c->seed);
	int diam = topo_diameter(t, NULL);
	struct dtp_params prm = {
	        .alpha = c->alpha_ticks,
	        .jump_threshold = c->jump_ticks,
	        .guard = c->guard_ticks,
	        .guard_arm = 4 * (diam + 2) * c->beacon_ticks,
	        .delay_samples = c->delay_samples,
	        .remeasure = c->remeasure_ticks,
	        .bound = c->bound,
	        .hop_bound = 3 + (int64_t)ceil((double)c->beacon_ticks * 2 * c->max_ppm * 1e-6),
	        .self_bound = 1,
	        .burst_div = c->burst_div,
	        .aux_every = c->beacon_ticks >= 3200 ? 1 : (unsigned)(3200 / c->beacon_ticks),
	        .sync = c->sync,
	        .sync_base = 1 << 19,
	        .sync_margin = ppm_q(c->sync_margin_ppm),
	        .sync_eps = ppm_q(4),
	        .rate_limit = c->rate_check ? ppm_q(2 * c->max_ppm + 50) : 0};
	unsigned next = 0;
	for (unsigned i = 0; i < nn; i++) {
		struct node *n = &s->nodes[i];
		n->port0 = next;
		uint64_t gc = c->gc0 + (sim_rng_u64(&s->rng) & ((1u << 20) - 1));
		dtp_device_init(&n->dev, s->dports + next, deg[i], gc, &prm);
		next += deg[i];
		deg[i] = 0; /* reused as the fill cursor */
		n->ppm_static = (2 * sim_rng_uniform(&s->rng) - 1) * c->max_ppm;
		n->t0 = 0;
		n->n0 = sim_rng_uniform(&s->rng); /* phase */
		set_rate(n, 0);
	}
	for (unsigned f = 0; f < c->nfaults; f++)
		s->nodes[c->faults[f].node].faulty = true;
	while (s->ref < nn - 1 && s->nodes[s->ref].faulty)
		s->ref++;
	s->nodes[s->ref].dev.params.root = true; /* the per-node bound's reference */
	for (unsigned f = 0; f < c->nfaults; f++)
		if (c->faults[f].kind == SIM_FAULT_FAST) {
			s->nodes[c->faults[f].node].ppm_static = c->faults[f].ppm;
			set_rate(&s->nodes[c->faults[f].node], 0);
		}
	for (unsigned l = 0; l < nl; l++) {
		unsigned a = t->links[l].a, b = t->links[l].b;
		struct link *k = &s->links[l];
		k->pa = s->nodes[a].port0 + deg[a]++;
		k->pb = s->nodes[b].port0 + deg[b]++;
		k->delay_ps = (int64_t)llround(t->links[l].metres * 5000.0) + c->phy_ps;
		if (k->delay_ps > max_delay)
			max_delay = k->delay_ps;
		s->ports[k->pa] = (struct port){.link = l, .node = a, .peer = k->pb};
		s->ports[k->pb] = (struct port){.link = l, .node = b, .peer = k->pa};
	}
	free(deg);
	s->load_max_wait = c->frame_bytes / 8 > 0 ? c->frame_bytes / 8 : 1;
	s->load_thresh = c->load > 0 ? (uint64_t)(c->load * 18446744073709551616.0) : 0;
	int64_t tick_max = (int64_t)(DTP_TICK_PS * 1.01);
	int64_t horizon = (c->beacon_ticks + s->load_max_wait + 4) * tick_max + max_delay;
	if (evq_init(&s->q, horizon)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->diameter = topo_diameter(t, NULL);
	s->res->diameter = s->diameter;
	s->guard_ps = (s->diameter + 2) * c->beacon_ticks * tick_max + 4 * max_delay;
	s->steady_after = INT64_MAX;
	/* links come up in the first 10 us, devices start their beacon timers at random ticks */
	for (unsigned l = 0; l < nl; l++) {
		uint32_t id = schedule(s, (int64_t)(sim_rng_uniform(&s->rng) * 1e7), EV_LINK);
		evq_ev(&s->q, id)->node = l;
		evq_ev(&s->q, id)->gen = 1;
		evq_push(&s->q, id);
	}
	for (unsigned i = 0; i < nn; i++)
		arm_timer(s, i, (int64_t)(sim_rng_u64(&s->rng) % (uint64_t)c->beacon_ticks) + 1);
	if (c->burst_dur_ps > 0)
		evq_push(&s->q, schedule(s, c->burst_start_ps, EV_BURST));
	for (unsigned f = 0; f < c->nflaps; f++) {
		const struct sim_flap *fl = &c->flaps[f];
		for (int k = 0; k < 2; k++) {
			uint32_t id = schedule(s, fl->start_ps + k * fl->dur_ps, EV_LINK);
			evq_ev(&s->q, id)->node = fl->link;
			evq_ev(&s->q, id)->gen = (uint32_t)k;
			evq_push(&s->q, id);
		}
	}
	for (unsigned f = 0; f < c->nfaults; f++)
		if (c->faults[f].kind == SIM_FAULT_WILD) {
			uint32_t id = schedule(s, c->faults[f].at_ps, EV_FAULT);
			evq_ev(&s->q, id)->node = f;
			evq_push(&s->q, id);
		}
	evq_push(&s->q, schedule(s, c->sample_ps, EV_SAMPLE));
	if (c->wander_ppb > 0)
		evq_push(&s->q, schedule(s, c->wander_step_ps, EV_WANDER));
	if (c->temp_step_ppm > 0)
		evq_push(&s->q, schedule(s, next_temp_step(s, 0), EV_TEMP));
	return 0;
}

static void teardown(struct sim *s)
{
	evq_free(&s->q);
	free(s->nodes);
	free(s->ports);
	free(s->dports);
	free(s->links);
	free(s->up);
	free(s->off);
}

static void progress(struct sim *s, double wall0, double *last)
{
	double w = now_wall();
	if (w - wall0 < 2 || w - *last < 1)
		return;
	*last = w;
	double done = (double)s->t / (double)s->cfg->duration_ps;
	fprintf(stderr, "dtp-sim: %5.1f%% (%.4f of %.4f s simulated), %llu events, %.1f Mev/s\n",
	        100 * done, (double)s->t * 1e-12, (double)s->cfg->duration_ps * 1e-12,
	        (unsigned long long)s->res->events, (double)s->res->events / (w - wall0) * 1e-6);
}

int sim_run(const struct topo *t, const struct sim_config *cfg, struct sim_result *res, char *err,
            size_t errlen)
{
	struct sim s = {.cfg = cfg, .topo = t, .res = res};
	*res = (struct sim_result){.nodes = t->nnodes,
	                           .links = t->nlinks,
	                           .settle_s = -1,
	                           .bound_hop = 4,
	                           .self_slack_min = INT64_MAX};
	if (setup(&s, err, errlen)) {
		teardown(&s);
		return -1;
	}
	res->bound_net = 4 * (int64_t)res->diameter;
	double wall0 = now_wall(), last = wall0;
	uint32_t id;
	while ((id = evq_pop(&s.q)) != EVQ_NONE) {
		struct sim_event *e = evq_ev(&s.q, id);
		if (e->t > cfg->duration_ps) {
			evq_release(&s.q, id);
			break;
		}
		if (e->t > s.t)
			s.t = e->t;
		res->events++;
		switch ((enum ev_type)e->type) {
		case EV_TIMER:
			on_timer(&s, e);
			break;
		case EV_TX:
			advance_to(&s.nodes[e->node], e->tick);
			input(&s, e->node, e->port, DTP_EV_BEACON_TIMER, NULL);
			break;
		case EV_RX:
			on_rx(&s, e);
			break;
		case EV_RETRY:
			if (e->gen == s.ports[s.nodes[e->node].port0 + e->port].retry_gen) {
				struct node *n = &s.nodes[e->node];
				advance_to(n, tick_at(n, s.t));
				input(&s, e->node, e->port, DTP_EV_RETRY_TIMEOUT, NULL);
			}
			break;
		case EV_LINK:
			set_link(&s, e->node, e->gen != 0);
			break;
		case EV_SAMPLE:
			sample(&s);
			evq_push(&s.q, schedule(&s, s.t + cfg->sample_ps, EV_SAMPLE));
			if ((res->samples & 255) == 0 && cfg->progress)
				progress(&s, wall0, &last);
			break;
		case EV_WANDER:
			for (unsigned i = 0; i < t->nnodes; i++) {
				s.nodes[i].ppm_wander +=
				        sim_rng_gauss(&s.rng) * cfg->wander_ppb * 1e-3;
				set_rate(&s.nodes[i], s.t);
			}
			evq_push(&s.q, schedule(&s, s.t + cfg->wander_step_ps, EV_WANDER));
			break;
		case EV_TEMP: {
			unsigned i = (unsigned)(sim_rng_uniform(&s.rng) * t->nnodes) % t->nnodes;
			s.nodes[i].ppm_wander += sim_rng_gauss(&s.rng) * cfg->temp_step_ppm;
			set_rate(&s.nodes[i], s.t);
			res->temp_steps++;
			evq_push(&s.q, schedule(&s, next_temp_step(&s, s.t), EV_TEMP));
			break;
		}
		case EV_FAULT:
			on_fault(&s, &cfg->faults[e->node]);
			break;
		case EV_BURST:
			on_burst(&s);
			break;
		}
		evq_release(&s.q, id);
	}
	res->wall_s = now_wall() - wall0;
	res->sim_s = (double)cfg->duration_ps * 1e-12;
	res->max_events_in_flight = s.q.npool;
	uint64_t jumps = 0, rejected = 0;
	for (unsigned i = 0; i < t->nnodes; i++) {
		jumps += s.nodes[i].dev.jumps;
		rejected += s.nodes[i].dev.rejected;
		for (unsigned p = 0; p < s.nodes[i].dev.nports; p++)
			res->remeasures += s.nodes[i].dev.ports[p].remeasures;
	}
	res->jumps = s.was_steady ? jumps - s.jumps_at_settle : 0;
	res->rejected = rejected;
	teardown(&s);
	return 0;
}
