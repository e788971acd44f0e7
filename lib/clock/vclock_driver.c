// SPDX-License-Identifier: MIT
/* vclock driver: the tclock interface over a shared-memory vclock. */
#include <errno.h>
#include <stdlib.h>

#include "clock_private.h"
#include "tsync/vclock.h"

struct vclock_clock {
	struct tclock base;
	struct vclock *v;
};

#define VC(c) (container_of(c, struct vclock_clock, base)->v)

static int vc_gettime(struct tclock *c, tmv_t *ns)
{
	return vclock_gettime(VC(c), ns);
}

static int vc_adjfreq(struct tclock *c, double ppb)
{
	return vclock_adjfreq(VC(c), ppb);
}

static int vc_getfreq(struct tclock *c, double *ppb)
{
	return vclock_getfreq(VC(c), ppb);
}

static int vc_step(struct tclock *c, tmv_t delta)
{
	return vclock_step(VC(c), delta);
}

static int vc_read_pair(struct tclock *c, tmv_t *clk, tmv_t *sys, tmv_t *win)
{
	return vclock_read_pair(VC(c), clk, sys, win);
}

static int vc_from_sys(struct tclock *c, tmv_t sys, tmv_t *clk)
{
	return vclock_from_realtime(VC(c), sys, clk);
}

static void vc_destroy(struct tclock *c)
{
	vclock_close(VC(c));
	free(container_of(c, struct vclock_clock, base));
}

static const struct tclock_ops vclock_ops = {
        .gettime = vc_gettime,
        .adjfreq = vc_adjfreq,
        .getfreq = vc_getfreq,
        .step = vc_step,
        .read_pair = vc_read_pair,
        .from_sys = vc_from_sys,
        .destroy = vc_destroy,
};

struct tclock *tclock_vclock_create(const char *name)
{
	struct vclock_clock *c;
	int err = 0;
	struct vclock *v = vclock_open(name, &err);
	if (!v) {
		errno = -err;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		vclock_close(v);
		return NULL;
	}
	c->v = v;
	tclock_base_init(&c->base, &vclock_ops, TCLOCK_VCLOCK, vclock_name(v), VCLOCK_MAX_ADJ_PPB);
	return &c->base;
}
