// SPDX-License-Identifier: MIT
/* DTP enhancements: per-node bound, burst, AUX messages and syntonization (see dtp_enhance.h). */
#include "core/dtp_enhance.h"
#include "core/dtp_counter.h"

uint32_t dtp_device_hops(const struct dtp_device *dev)
{
	if (dev->params.root)
		return 0;
	uint32_t h = DTP_HOPS_UNKNOWN;
	for (unsigned i = 0; i < dev->nports; i++) {
		const struct dtp_port *p = &dev->ports[i];
		if (p->state == DTP_PORT_SYNC && p->peer_hops < h - 1)
			h = p->peer_hops + 1;
	}
	/* a root cut off: the stale routes count up (each hop adds 1) until they pass the cap */
	uint32_t cap = dev->params.bound_max_hops ? dev->params.bound_max_hops : 64;
	return h > cap ? DTP_HOPS_UNKNOWN : h;
}

int64_t dtp_device_bound(const struct dtp_device *dev)
{
	uint32_t h = dtp_device_hops(dev);
	if (!dev->params.bound || h == DTP_HOPS_UNKNOWN)
		return -1;
	return (int64_t)h * dev->params.hop_bound + dev->params.self_bound;
}

static int64_t burst_div(const struct dtp_device *dev)
{
	return dev->params.burst_div > 1 ? dev->params.burst_div : 8;
}

void dtp_device_burst(struct dtp_device *dev, int64_t ticks)
{
	if (ticks > 0) {
		dev->burst_until = dtp_cnt_add(dev->free, ticks);
		dev->burst = true;
		dtp_rate_update(dev);
	}
}

int64_t dtp_device_beacon_interval(struct dtp_device *dev, int64_t base)
{
	if (dev->burst && dtp_cnt_diff(dev->burst_until, dev->free) <= 0) {
		dev->burst = false;
		dtp_rate_update(dev);
	}
	if (!dev->burst)
		return base;
	int64_t div = burst_div(dev);
	return base / div > 0 ? base / div : 1;
}

void dtp_aux_reset(struct dtp_port *port)
{
	port->peer_hops = DTP_HOPS_UNKNOWN;
	port->ntimer = 0;
	port->fanchors = 0;
	port->rho_ok = port->peer_rate_ok = port->out_of_spec = false;
}

static uint64_t aux_field(enum dtp_aux_kind kind, uint64_t value)
{
	return (uint64_t)kind << DTP_AUX_KIND_SHIFT | (value & DTP_AUX_VALUE_MASK);
}

void dtp_aux_tx(struct dtp_device *dev, struct dtp_port *port, struct dtp_output *out)
{
	const struct dtp_params *pr = &dev->params;
	bool free_on = pr->sync || pr->rate_limit > 0;
	enum dtp_aux_kind kinds[3];
	unsigned nk = 0;
	if (pr->bound)
		kinds[nk++] = DTP_AUX_BOUND;
	if (free_on)
		kinds[nk++] = DTP_AUX_FREE;
	if (pr->sync)
		kinds[nk++] = DTP_AUX_RATE;
	unsigned every = pr->aux_every ? pr->aux_every : 16;
	if (!nk || port->ntimer++ % every)
		return;
	enum dtp_aux_kind k = kinds[port->aux_next++ % nk];
	uint64_t v = k == DTP_AUX_BOUND  ? dtp_device_hops(dev)
	             : k == DTP_AUX_FREE ? dev->free
	                                 : (uint64_t)dev->net_rate;
	out->send_aux = true;
	out->aux = (struct dtp_msg){DTP_MSG_AUX, aux_field(k, v)};
}

/* A FREE sample: the peer's free count against ours. The estimate spans at least sync_base
 * ticks (anchor a); anchor b, taken once a is sync_base old, replaces a at twice that. */
static void free_sample(struct dtp_device *dev, struct dtp_port *port, uint64_t peer)
{
	int64_t base = dev->params.sync_base > 0 ? dev->params.sync_base : INT64_C(1) << 19;
	if (port->fanchors == 0) {
		port->fa_peer = peer;
		port->fa_own = dev->free;
		port->fanchors = 1;
		return;
	}
	int64_t down = dtp_cnt_diff(dev->free, port->fa_own);
	int64_t dpeer = (int64_t)((peer - port->fa_peer) & DTP_AUX_VALUE_MASK);
	if (down < base || down <= 0)
		return;
	port->rho =
	        (int64_t)(((__int128)(dpeer - down) * ((__int128)1 << DTP_RATE_FRAC_BITS)) / down);
	port->rho_ok = true;
	int64_t lim = dev->params.rate_limit;
	port->out_of_spec = lim > 0 && (port->rho > lim || port->rho < -lim);
	if (port->fanchors == 1) {
		port->fb_peer = peer;
		port->fb_own = dev->free;
		port->fanchors = 2;
	} else if (down >= 2 * base) {
		port->fa_peer = port->fb_peer;
		port->fa_own = port->fb_own;
		port->fb_peer = peer;
		port->fb_own = dev->free;
	}
}

void dtp_aux_rx(struct dtp_device *dev, struct dtp_port *port, uint64_t field)
{
	if (port->state != DTP_PORT_SYNC)
		return;
	uint64_t v = field & DTP_AUX_VALUE_MASK;
	switch ((enum dtp_aux_kind)(field >> DTP_AUX_KIND_SHIFT)) {
	case DTP_AUX_BOUND:
		port->peer_hops = v < DTP_HOPS_UNKNOWN ? (uint32_t)v : DTP_HOPS_UNKNOWN;
		return;
	case DTP_AUX_FREE:
		free_sample(dev, port, v);
		break;
	case DTP_AUX_RATE:
		port->peer_rate = (int64_t)v;
		port->peer_rate_ok = true;
		break;
	default:
		return; /* a kind we do not know */
	}
	dtp_rate_update(dev);
}

void dtp_rate_update(struct dtp_device *dev)
{
	int64_t r = 0;
	for (unsigned i = 0; dev->params.sync && i < dev->nports; i++) {
		const struct dtp_port *p = &dev->ports[i];
		if (p->state != DTP_PORT_SYNC || !p->rho_ok || !p->peer_rate_ok || p->out_of_spec)
			continue;
		/* (1 + rho)(1 + peer's network rate) - 1 - eps */
		int64_t v = p->rho + p->peer_rate +
		            (int64_t)(((__int128)p->rho * p->peer_rate) >> DTP_RATE_FRAC_BITS) -
		            dev->params.sync_eps;
		if (v > r)
			r = v;
	}
	dev->net_rate = r;
	/* the margin is per beacon interval: a burst's shorter interval needs it div times */
	int64_t margin = dev->params.sync_margin * (dev->burst ? burst_div(dev) : 1);
	dev->rate = r > margin ? r - margin : 0;
}
