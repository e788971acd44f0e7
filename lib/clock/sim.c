// SPDX-License-Identifier: MIT
/* sim driver: the vclock model evaluated on a simulated time base (struct sim_time). */
#include <errno.h>
#include <stdlib.h>

#include "clock_private.h"
#include "tsync/sim.h"

struct sim_clock {
	struct tclock base;
	struct sim_time *t;
	struct tsync_vclock_page page;
};

#define SIMC(c) container_of(c, struct sim_clock, base)

static int sim_gettime(struct tclock *c, tmv_t *ns)
{
	*ns = vclock_model_eval(&SIMC(c)->page, SIMC(c)->t->now_ns);
	return 0;
}

static int sim_adjfreq(struct tclock *c, double ppb)
{
	vclock_model_adjfreq(&SIMC(c)->page, SIMC(c)->t->now_ns, ppb);
	return 0;
}

static int sim_getfreq(struct tclock *c, double *ppb)
{
	*ppb = SIMC(c)->page.adj_ppb;
	return 0;
}

static int sim_step(struct tclock *c, tmv_t delta)
{
	vclock_model_step(&SIMC(c)->page, SIMC(c)->t->now_ns, delta);
	return 0;
}

static int sim_read_pair(struct tclock *c, tmv_t *clk, tmv_t *sys, tmv_t *win)
{
	/* the simulation's "system clock" is true time itself */
	*sys = SIMC(c)->t->now_ns;
	*clk = vclock_model_eval(&SIMC(c)->page, *sys);
	if (win)
		*win = 0;
	return 0;
}

static int sim_from_sys(struct tclock *c, tmv_t sys, tmv_t *clk)
{
	/* the simulation's "system clock" is true time itself */
	*clk = vclock_model_eval(&SIMC(c)->page, sys);
	return 0;
}

static void sim_destroy(struct tclock *c)
{
	free(SIMC(c));
}

static const struct tclock_ops sim_ops = {
        .gettime = sim_gettime,
        .adjfreq = sim_adjfreq,
        .getfreq = sim_getfreq,
        .step = sim_step,
        .read_pair = sim_read_pair,
        .from_sys = sim_from_sys,
        .destroy = sim_destroy,
};

struct tclock *tclock_sim_create(struct sim_time *t, const struct vclock_params *prm)
{
	struct sim_clock *s;
	if (!t || !prm) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->t = t;
	vclock_model_init(&s->page, "sim", prm, t->now_ns, t->now_ns);
	tclock_base_init(&s->base, &sim_ops, TCLOCK_SIM, "sim", VCLOCK_MAX_ADJ_PPB);
	return &s->base;
}

tmv_t tclock_sim_error(struct tclock *c)
{
	if (c->type != TCLOCK_SIM)
		return 0;
	return vclock_model_eval(&SIMC(c)->page, SIMC(c)->t->now_ns) - SIMC(c)->t->now_ns;
}
