// SPDX-License-Identifier: MIT
/* Clock driver dispatcher: picks the driver, defaults for optional ops, common checks. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock_private.h"

void tclock_base_init(struct tclock *c, const struct tclock_ops *ops, enum tclock_type type,
                      const char *name, double max_adj_ppb)
{
	c->ops = ops;
	c->type = type;
	c->max_adj_ppb = max_adj_ppb;
	c->last_ppb = 0.0;
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "");
}

struct tclock *tclock_create(enum tclock_type type, const char *name)
{
	switch (type) {
	case TCLOCK_SYS:
		return tclock_sys_create();
	case TCLOCK_PHC:
		return tclock_phc_create(name);
	case TCLOCK_VCLOCK:
		return tclock_vclock_create(name);
	case TCLOCK_SIM:
		break; /* needs a sim_time: tclock_sim_create() */
	}
	errno = EINVAL;
	return NULL;
}

void tclock_destroy(struct tclock *c)
{
	if (c)
		c->ops->destroy(c);
}

const char *tclock_name(const struct tclock *c)
{
	return c->name;
}

enum tclock_type tclock_type(const struct tclock *c)
{
	return c->type;
}

int tclock_parse_type(const char *s, enum tclock_type *out)
{
	static const char *const names[] = {"sys", "phc", "vclock", "sim"};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (s && strcmp(s, names[i]) == 0) {
			*out = (enum tclock_type)i;
			return 0;
		}
	}
	return -EINVAL;
}

int tclock_gettime(struct tclock *c, tmv_t *ns)
{
	return c->ops->gettime(c, ns);
}

int tclock_adjfreq(struct tclock *c, double ppb)
{
	int err;
	if (!isfinite(ppb))
		return -EINVAL;
	if (ppb > c->max_adj_ppb)
		ppb = c->max_adj_ppb;
	if (ppb < -c->max_adj_ppb)
		ppb = -c->max_adj_ppb;
	err = c->ops->adjfreq(c, ppb);
	if (!err)
		c->last_ppb = ppb;
	return err;
}

int tclock_getfreq(struct tclock *c, double *ppb)
{
	if (c->ops->getfreq)
		return c->ops->getfreq(c, ppb);
	*ppb = c->last_ppb;
	return 0;
}

int tclock_step(struct tclock *c, tmv_t delta_ns)
{
	return c->ops->step(c, delta_ns);
}

double tclock_max_adj(struct tclock *c)
{
	return c->max_adj_ppb;
}

int tclock_getres(struct tclock *c, tmv_t *ns)
{
	if (c->ops->getres)
		return c->ops->getres(c, ns);
	*ns = 1;
	return 0;
}

int tclock_read_pair(struct tclock *c, tmv_t *clk, tmv_t *sys, tmv_t *window_ns)
{
	tmv_t a, b;
	int err;

	if (c->ops->read_pair)
		return c->ops->read_pair(c, clk, sys, window_ns);
	if ((err = tmv_clock_read(CLOCK_REALTIME, &a)))
		return err;
	if ((err = c->ops->gettime(c, clk)))
		return err;
	if ((err = tmv_clock_read(CLOCK_REALTIME, &b)))
		return err;
	*sys = a + (b - a) / 2;
	if (window_ns)
		*window_ns = b - a;
	return 0;
}

int tclock_from_sys(struct tclock *c, tmv_t sys, tmv_t *clk)
{
	tmv_t now_clk, now_sys;
	int err;

	if (!sys) {
		*clk = 0;
		return 0;
	}
	if (c->ops->from_sys)
		return c->ops->from_sys(c, sys, clk);
	if ((err = tclock_read_pair(c, &now_clk, &now_sys, NULL)))
		return err;
	*clk = sys + (now_clk - now_sys);
	return 0;
}
