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

int64_t dtpd_own_bound(const struct dtpd_node *nd, double est_ns)
{
	if (nd->p.root)
		return 0;
	/* the worst upstream port's peer bound + |last offset| + delay (the asymmetry no
	 * exchange can see is at most the one-way delay: both directions take >= 0) */
	int64_t worst = -1;
	for (unsigned i = 0; i < nd->n; i++) {
		const struct dtpd_port_rt *rt = &nd->rt[i];
		if (!rt->upstream || !rt->samples)
			continue;
		if (rt->peer_bound_ns < 0)
			return -1;
		int64_t dl = rt->bdelay_ns > rt->delay_ns ? rt->bdelay_ns : rt->delay_ns;
		dl = rt->bdelay_pair_ns > dl ? rt->bdelay_pair_ns : dl;
		int64_t b = rt->peer_bound_ns + dl + abs64(rt->last_offset_ns);
		if (b > worst)
			worst = b;
	}
	if (worst < 0)
		return -1;
	return worst + (est_ns > 0 ? (int64_t)(3 * est_ns) : 0) + nd->p.margin_ns +
	       nd->p.stamp_err_ns;
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
	unsigned long long late = 0;
	for (unsigned i = 0; i < nd->n; i++)
		late += nd->rt[i].late;
	kv_put_ull(&o, "late", late);
	unsigned long long wild = 0;
	for (unsigned i = 0; i < nd->n; i++)
		wild += nd->rt[i].wild;
	kv_put_ull(&o, "wild", wild);
	kv_put_str(&o, "servo", x->servo ? x->servo : "none");
	kv_put_ull(&o, "samples", x->samples);
	kv_put_ll(&o, "bound_ns", dtpd_own_bound(nd, x->est_ns));
	kv_put_str(&o, "ts", x->ts ? x->ts : "none");
	kv_put_ull(&o, "burst_rx", x->burst_rx);
	kv_put_ull(&o, "burst_refused", x->burst_refused);
	kv_put_ll(&o, "ports", nd->n);
	for (unsigned i = 0; i < nd->n; i++) {
		const struct dtpd_port_rt *rt = &nd->rt[i];
		snprintf(k, sizeof(k), "p%u_state", i);
		kv_put_str(&o, k, rt->link ? dtp_port_state_name(nd->ports[i].state) : "DOWN");
		snprintf(k, sizeof(k), "p%u_delay_ns", i);
		kv_put_ll(&o, k, rt->delay_ns);
		snprintf(k, sizeof(k), "p%u_bdelay_ns", i);
		kv_put_ll(&o, k, rt->bdelay_ns);
		snprintf(k, sizeof(k), "p%u_unmatched", i);
		kv_put_ull(&o, k, rt->unmatched);
		snprintf(k, sizeof(k), "p%u_jumps", i);
		kv_put_ull(&o, k, nd->ports[i].jumps);
		snprintf(k, sizeof(k), "p%u_offset_ns", i);
		kv_put_ll(&o, k, rt->last_offset_ns);
		if (x->beacons_tx) {
			snprintf(k, sizeof(k), "p%u_beacons_tx", i);
			kv_put_ull(&o, k, x->beacons_tx[i]);
		}
	}
	return kv_out_end(&o);
}
