// SPDX-License-Identifier: MIT
/* tsvmm evacuate, controller rule 8: connections per new migration from window-limited
 * streams (below their share while the bottleneck has headroom). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "manager/controller.h"

#define MB 1e6

/* Each stream gets min(its cap, its host's uplink, conns x win): one TCP connection carries
 * at most win (its window over the RTT); the bottleneck (cap) is shared equally above that. */
struct path {
	double uplink, win, cap;
};

static void run(struct evac_ctl *c, const struct path *pa, struct evac_vm *v, int n, int steps,
                int *conn_events)
{
	for (int s = 0; s < steps; s++) {
		double want[16], sum = 0;
		for (int i = 0; i < n; i++) {
			if (v[i].start)
				v[i].state = EVAC_SETUP;
			else if (v[i].state == EVAC_SETUP)
				v[i].state = EVAC_ACTIVE;
			want[i] = v[i].state == EVAC_ACTIVE ? fmin(fmin(v[i].cap_bps, pa->uplink),
			                                           v[i].conns * pa->win)
			                                    : 0;
			sum += want[i];
		}
		for (int i = 0; i < n; i++) {
			v[i].tput_bps = sum > pa->cap ? want[i] * pa->cap / sum : want[i];
			if (v[i].state == EVAC_ACTIVE &&
			    (v[i].remaining -= v[i].tput_bps * c->p.interval_s) <= 0)
				v[i].state = EVAC_DONE;
		}
		evac_ctl_step(c, v, n);
		*conn_events += !!(c->events & EVAC_EV_CONNS);
	}
}

static void setup(struct evac_ctl *c, struct evac_vm *v, int n, enum evac_policy pol)
{
	struct evac_ctl_params p;
	memset(v, 0, sizeof(*v) * (size_t)n);
	for (int i = 0; i < n; i++) {
		v[i].remaining = 20 * MB * (1 + 0.1 * i);
		v[i].dirty_bps = 0.1 * MB;
		v[i].host = (unsigned)(i % 3);
	}
	evac_ctl_params_default(&p, pol, 25 * MB);
	evac_ctl_init(c, &p);
	evac_ctl_step(c, v, n);
}

static int max_conns_started(const struct evac_vm *v, int n)
{
	int m = 0;
	for (int i = 0; i < n; i++)
		if (v[i].state != EVAC_QUEUED && v[i].conns > m)
			m = v[i].conns;
	return m;
}

Test(vmm_manager_conns, window_limited_streams_get_more_connections)
{
	/* uplinks 10 MB/s, one connection 2.5 MB/s: one stream per host leaves 25 MB/s idle */
	struct path pa = {10 * MB, 2.5 * MB, 25 * MB};
	struct evac_ctl c;
	struct evac_vm v[9];
	int ev = 0;
	setup(&c, v, 9, EVAC_CONTROLLER);
	cr_assert_eq(c.conns, 1);
	run(&c, &pa, v, 9, 200, &ev);
	cr_assert_geq(c.conns, 2, "conns %d", c.conns);
	cr_assert_geq(ev, 1);
	cr_assert_leq(c.conns, c.p.max_conns);
	cr_assert_geq(max_conns_started(v, 9), 2, "no VM was started with more connections");
}

Test(vmm_manager_conns, streams_limited_by_their_uplinks_keep_one_connection)
{
	/* the uplinks are the limit, not one connection's window: the bottleneck is full */
	struct path pa = {10 * MB, 50 * MB, 25 * MB};
	struct evac_ctl c;
	struct evac_vm v[9];
	int ev = 0;
	setup(&c, v, 9, EVAC_CONTROLLER);
	run(&c, &pa, v, 9, 200, &ev);
	/* a stream alone on its host's uplink looks the same from outside: at most one probe
	 * with 2 connections, judged without gain and undone */
	int more = 0;
	for (int i = 0; i < 9; i++)
		more += v[i].conns > 1;
	cr_assert_leq(more, 1, "%d VMs started with more connections", more);
	cr_assert_leq(max_conns_started(v, 9), 2);
	cr_assert(c.conns == 1 || c.conns_probe_vm != -1, "conns %d", c.conns);
}

Test(vmm_manager_conns, baselines_and_max_conns_1_never_add_connections)
{
	struct path pa = {10 * MB, 2.5 * MB, 25 * MB};
	struct evac_ctl c;
	struct evac_vm v[9];
	int ev = 0;
	setup(&c, v, 9, EVAC_FIXED_K);
	c.p.max_concurrency = 3;
	run(&c, &pa, v, 9, 200, &ev);
	cr_assert_eq(max_conns_started(v, 9), 1);
	setup(&c, v, 9, EVAC_SEQUENTIAL); /* --connections 3: every migration with 3 */
	c.p.conns = 3;
	run(&c, &pa, v, 9, 200, &ev);
	for (int i = 0; i < 9; i++)
		cr_assert(v[i].state == EVAC_QUEUED || v[i].conns == 3 || i == 0, "vm %d: %d", i,
		          v[i].conns);
	setup(&c, v, 9, EVAC_CONTROLLER);
	c.p.max_conns = 1;
	run(&c, &pa, v, 9, 200, &ev);
	cr_assert_eq(c.conns, 1);
	cr_assert_eq(max_conns_started(v, 9), 1);
}
