// SPDX-License-Identifier: MIT
/*
 * sys driver: CLOCK_REALTIME through clock_adjtime(). For real deployments only: tests, CI and
 * the demo never create it (they use vclock or sim).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include "clock_private.h"
#include "clockadj.h"

struct sys_clock {
	struct tclock base;
	clockid_t id;
};

static int sys_gettime(struct tclock *c, tmv_t *ns)
{
	return tmv_clock_read(container_of(c, struct sys_clock, base)->id, ns);
}

static int sys_adjfreq(struct tclock *c, double ppb)
{
	return clockadj_set_freq(container_of(c, struct sys_clock, base)->id, ppb);
}

static int sys_getfreq(struct tclock *c, double *ppb)
{
	return clockadj_get_freq(container_of(c, struct sys_clock, base)->id, ppb);
}

static int sys_step(struct tclock *c, tmv_t delta)
{
	return clockadj_step(container_of(c, struct sys_clock, base)->id, delta);
}

static int sys_getres(struct tclock *c, tmv_t *ns)
{
	struct timespec ts;
	if (clock_getres(container_of(c, struct sys_clock, base)->id, &ts))
		return -errno;
	*ns = tmv_from_timespec(ts);
	return 0;
}

static int sys_from_sys(struct tclock *c, tmv_t sys, tmv_t *clk)
{
	(void)c;
	*clk = sys;
	return 0;
}

static void sys_destroy(struct tclock *c)
{
	free(container_of(c, struct sys_clock, base));
}

static const struct tclock_ops sys_ops = {
        .gettime = sys_gettime,
        .adjfreq = sys_adjfreq,
        .getfreq = sys_getfreq,
        .step = sys_step,
        .getres = sys_getres,
        .from_sys = sys_from_sys,
        .destroy = sys_destroy,
};

struct tclock *tclock_sys_create(void)
{
	struct sys_clock *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->id = CLOCK_REALTIME;
	/* the kernel's limit for ADJ_FREQUENCY is 500 ppm (32768000 << 16 scaled ppm) */
	tclock_base_init(&s->base, &sys_ops, TCLOCK_SYS, "CLOCK_REALTIME", 500000.0);
	return &s->base;
}
