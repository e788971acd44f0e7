// SPDX-License-Identifier: MIT
/* dtpd's status reply (status.h). */
#include <stdio.h>

#include "core/dtp_port.h"
#include "dtpd_status.h"
#include "tsync/kv.h"

static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* The worst upstream port's peer counter bound + (clock: delay + |last offset|; counter:
 * max(delay + margin, the core's d)), or
 * -1 when a port with samples has an unknown peer bound or no port has samples. */
static int64_t worst_upstream(const struct dtpd_node *nd, bool with_offset)
{
	/* per upstream port: the asymmetry no exchange can see is at most the one-way delay
	 * (both directions take >= 0) */
	int64_t worst = -1;
	for (unsigned i = 0; i < nd->n; i++) {
		const struct dtpd_port_rt *rt = &nd->rt[i];
		if (!rt->upstream || !rt->samples)
			continue;
		if (rt->peer_cbound_ns < 0)
			return -1;
		/* the counter: behind the peer's by up to margin + delay, ahead by up to the
		 * core's d (a delay over-estimate) */
		int64_t dc = (int64_t)((__int128)nd->ports[i].d * DTPD_TICK_PS / 1000);
		int64_t b = rt->peer_cbound_ns +
		            (with_offset ? rt->delay_ns + abs64(rt->last_offset_ns)
		                         : max64(rt->delay_ns + nd->p.margin_ns, dc));
		if (b > worst)
			worst = b;
	}
	return worst;
}

int64_t dtpd_own_bound(const struct dtpd_node *nd, double est_ns)
{
	if (nd->p.root)
		return 0;
	int64_t w = worst_upstream(nd, true);
	if (w < 0)
		return -1;
	return w + (est_ns > 0 ? (int64_t)(3 * est_ns) : 0) + nd->p.margin_ns;
}

int64_t dtpd_counter_bound(const struct dtpd_node *nd)
{
	if (nd->p.root)
		return 0;
	return worst_upstream(nd, false);
}

int dtpd_status(const struct dtpd_node *nd, const struct dtpd_status_extra *x, char *buf,
                size_t cap)
{
	struct kv_out o;
	char k[32];
	kv_out_init(&o, buf, cap, "ok");
	kv_put_str(&o, "role", nd->p.root ? "root" : "node");
	kv_put_str(&o, "sync", dtpd_node_all_sync(nd) ? "yes" : "no");
	kv_put_ull(&o, "gc", nd->dev.gc);
	int64_t gct = dtpd_counter_ns(nd->p.epoch_ns, nd->dev.gc, x->clk_ns);
	kv_put_ll(&o, "gc_minus_clock_ns", gct - x->clk_ns);
	kv_put_ll(&o, "gc_minus_real_ns", gct - x->real_ns);
	kv_put_ull(&o, "jumps", nd->dev.jumps);
	unsigned long long rej = nd->dev.rejected;
	for (unsigned i = 0; i < nd->n; i++)
		rej += nd->rt[i].rejected;
	kv_put_ull(&o, "rejected", rej);
	unsigned long long early = 0;
	for (unsigned i = 0; i < nd->n; i++)
		early += nd->rt[i].early;
	kv_put_ull(&o, "early", early);
	kv_put_str(&o, "servo", x->servo ? x->servo : "none");
	kv_put_ull(&o, "samples", x->samples);
	kv_put_ll(&o, "bound_ns", dtpd_own_bound(nd, x->est_ns));
	kv_put_ll(&o, "cbound_ns", dtpd_counter_bound(nd));
	kv_put_str(&o, "ts", x->ts ? x->ts : "none");
	kv_put_ll(&o, "ports", nd->n);
	for (unsigned i = 0; i < nd->n; i++) {
		const struct dtpd_port_rt *rt = &nd->rt[i];
		snprintf(k, sizeof(k), "p%u_state", i);
		kv_put_str(&o, k, rt->link ? dtp_port_state_name(nd->ports[i].state) : "DOWN");
		snprintf(k, sizeof(k), "p%u_delay_ns", i);
		kv_put_ll(&o, k, rt->delay_ns);
		snprintf(k, sizeof(k), "p%u_jumps", i);
		kv_put_ull(&o, k, nd->ports[i].jumps);
		snprintf(k, sizeof(k), "p%u_offset_ns", i);
		kv_put_ll(&o, k, rt->last_offset_ns);
	}
	return kv_out_end(&o);
}
