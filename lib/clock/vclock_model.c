// SPDX-License-Identifier: MIT
/*
 * The vclock oscillator and discipline model: pure functions of a page and a raw time.
 * See include/uapi/tsync-vclock.h for the formula.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "tsync/sim.h"
#include "tsync/vclock.h"

/* Phase (ns) accumulated by the wander terms from t0 to raw. */
static double wander_phase_ns(const struct tsync_vclock_page *p, tmv_t raw)
{
	double tau = (double)(raw - p->t0_raw_ns) * 1e-9;
	double x = 0.0;
	for (int i = 0; i < TSYNC_VCLOCK_WANDER; i++) {
		const struct tsync_vclock_wander *w = &p->wander[i];
		if (w->amp_ppb == 0.0)
			continue;
		x += w->amp_ppb / w->omega * (sin(w->omega * tau + w->phase) - sin(w->phase));
	}
	return x;
}

void vclock_model_init(struct tsync_vclock_page *p, const char *name,
                       const struct vclock_params *prm, tmv_t raw_ns, tmv_t ref_ns)
{
	struct sim_rng rng;

	memset(p, 0, sizeof(*p));
	p->magic = TSYNC_VCLOCK_MAGIC;
	p->version = TSYNC_VCLOCK_VERSION;
	p->size = sizeof(*p);
	p->t0_raw_ns = raw_ns;
	p->initial_offset_ns = prm->initial_offset_ns;
	p->nat_ppm = prm->nat_ppm;
	p->wander_ppb = prm->wander_ppb;
	p->seed = prm->seed;
	/* K sinusoids, periods log-uniform in [60 s, 3600 s], random phases, amplitudes such that
	 * the RMS of their sum is wander_ppb (each cos has RMS amp/sqrt(2)). */
	sim_rng_seed(&rng, prm->seed);
	for (int i = 0; i < TSYNC_VCLOCK_WANDER; i++) {
		double period = 60.0 * pow(60.0, sim_rng_uniform(&rng));
		p->wander[i].omega = 2.0 * M_PI / period;
		p->wander[i].phase = 2.0 * M_PI * sim_rng_uniform(&rng);
		p->wander[i].amp_ppb = prm->wander_ppb * sqrt(2.0 / TSYNC_VCLOCK_WANDER);
	}
	p->base_raw_ns = raw_ns;
	p->base_ns = ref_ns + prm->initial_offset_ns;
	p->base_wander_ns = 0.0; /* W(t0) = 0 by definition */
	p->adj_ppb = 0.0;
	if (name)
		snprintf(p->name, sizeof(p->name), "%s", name);
}

tmv_t vclock_model_eval(const struct tsync_vclock_page *p, tmv_t raw_ns)
{
	int64_t e = raw_ns - p->base_raw_ns;
	double rate_ppb = p->adj_ppb + 1000.0 * p->nat_ppm;
	double w = 0.0;
	if (p->wander_ppb != 0.0)
		w = wander_phase_ns(p, raw_ns) - p->base_wander_ns;
	return p->base_ns + e + (int64_t)llround((double)e * rate_ppb * 1e-9 + w);
}

double vclock_model_osc_ppb(const struct tsync_vclock_page *p, tmv_t raw_ns)
{
	double tau = (double)(raw_ns - p->t0_raw_ns) * 1e-9;
	double f = 1000.0 * p->nat_ppm;
	for (int i = 0; i < TSYNC_VCLOCK_WANDER; i++)
		f += p->wander[i].amp_ppb * cos(p->wander[i].omega * tau + p->wander[i].phase);
	return f;
}

void vclock_model_adjfreq(struct tsync_vclock_page *p, tmv_t raw_ns, double ppb)
{
	p->base_ns = vclock_model_eval(p, raw_ns);
	p->base_raw_ns = raw_ns;
	p->base_wander_ns = wander_phase_ns(p, raw_ns);
	p->adj_ppb = ppb;
	p->n_adjfreq++;
}

void vclock_model_step(struct tsync_vclock_page *p, tmv_t raw_ns, tmv_t delta_ns)
{
	p->base_ns = vclock_model_eval(p, raw_ns) + delta_ns;
	p->base_raw_ns = raw_ns;
	p->base_wander_ns = wander_phase_ns(p, raw_ns);
	p->n_step++;
}

int vclock_model_validate(const struct tsync_vclock_page *p, unsigned long len)
{
	if (len < offsetof(struct tsync_vclock_page, size) + sizeof(p->size))
		return -EBADMSG;
	if (p->magic != TSYNC_VCLOCK_MAGIC)
		return -EPROTO;
	if (p->version != TSYNC_VCLOCK_VERSION)
		return -EPROTONOSUPPORT;
	if (p->size < sizeof(*p) || len < sizeof(*p))
		return -EBADMSG;
	if (!isfinite(p->nat_ppm) || !isfinite(p->adj_ppb) || !isfinite(p->wander_ppb))
		return -EINVAL;
	for (int i = 0; i < TSYNC_VCLOCK_WANDER; i++)
		if (p->wander[i].amp_ppb != 0.0 && !(p->wander[i].omega > 0.0))
			return -EINVAL;
	return 0;
}
