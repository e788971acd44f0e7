// SPDX-License-Identifier: MIT
/* tsvmm evacuate: the controller's live-feedback rules (capacity estimate, hosts, deadline)
 * and the fixed-k baseline, against a small model of uplinks into one bottleneck. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "manager/controller.h"

#define MB 1e6

/* Hosts with uplink u each, into a bottleneck of capacity cap: every stream wants
 * min(its cap, its host's uplink / streams on that host); the bottleneck is shared max-min. */
struct model {
	double uplink, cap;
	int slow_host; /* this host's uplink is slow_uplink instead (-1: none) */
	double slow_uplink;
};

static void serve(const struct model *m, struct evac_vm *v, int n)
{
	double want[16], left = m->cap;
	int on_host[16] = {0}, open = 0;
	for (int i = 0; i < n; i++)
		if (v[i].state == EVAC_ACTIVE)
			on_host[v[i].host]++;
	for (int i = 0; i < n; i++) {
		want[i] = 0;
		if (v[i].state == EVAC_ACTIVE) {
			double up = (int)v[i].host == m->slow_host ? m->slow_uplink : m->uplink;
			want[i] = fmin(v[i].cap_bps, up / on_host[v[i].host]);
			open++;
		}
		v[i].tput_bps = 0;
	}
	while (open > 0) { /* water filling */
		double share = left / open;
		bool fixed = false;
		for (int i = 0; i < n; i++)
			if (want[i] > 0 && v[i].tput_bps == 0 && want[i] <= share) {
				v[i].tput_bps = want[i];
				left -= want[i];
				open--;
				fixed = true;
			}
		if (!fixed) {
			for (int i = 0; i < n; i++)
				if (want[i] > 0 && v[i].tput_bps == 0)
					v[i].tput_bps = share;
			break;
		}
	}
}

/* One interval: starts become SETUP, SETUP becomes ACTIVE, the model serves, bytes leave. */
static int step(struct evac_ctl *c, const struct model *m, struct evac_vm *v, int n)
{
	for (int i = 0; i < n; i++) {
		if (v[i].start)
			v[i].state = EVAC_SETUP;
		else if (v[i].state == EVAC_SETUP)
			v[i].state = EVAC_ACTIVE;
	}
	serve(m, v, n);
	for (int i = 0; i < n; i++)
		if (v[i].state == EVAC_ACTIVE) {
			v[i].remaining -= v[i].tput_bps * c->p.interval_s;
			if (v[i].remaining <= 0)
				v[i].state = EVAC_DONE;
		}
	return evac_ctl_step(c, v, n);
}

static void vms(struct evac_vm *v, int n, int hosts, double size)
{
	memset(v, 0, sizeof(*v) * (size_t)n);
	for (int i = 0; i < n; i++) {
		v[i].remaining = size * (1 + 0.1 * i);
		v[i].dirty_bps = 0.2 * MB;
		v[i].host = i % hosts;
	}
}

static int running(const struct evac_vm *v, int n)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		k += v[i].state == EVAC_SETUP || v[i].state == EVAC_ACTIVE;
	return k;
}

/* 9 VMs on 3 hosts under the controller with a 25 MB/s budget, 40 intervals into the run. */
static void three_hosts(struct evac_ctl *c, const struct model *m, struct evac_vm *v)
{
	struct evac_ctl_params p;
	vms(v, 9, 3, 400 * MB);
	evac_ctl_params_default(&p, EVAC_CONTROLLER, 25 * MB);
	evac_ctl_init(c, &p);
	evac_ctl_step(c, v, 9);
	for (int s = 0; s < 40; s++)
		step(c, m, v, 9);
}

Test(vmm_manager_feedback, fills_the_bottleneck_with_one_stream_per_host)
{
	/* uplinks 10 MB/s, bottleneck 25 MB/s: three hosts' streams are needed */
	struct model m = {10 * MB, 25 * MB, -1, 0};
	struct evac_ctl c;
	struct evac_vm v[9];
	three_hosts(&c, &m, v);
	cr_assert_eq(running(v, 9), 3, "k %d", running(v, 9));
	bool hosts[3] = {false};
	for (int i = 0; i < 9; i++)
		if (v[i].state == EVAC_ACTIVE) {
			cr_assert(!hosts[v[i].host], "two streams on host %d", v[i].host);
			hosts[v[i].host] = true;
		}
}

Test(vmm_manager_feedback, a_capacity_drop_is_measured_and_concentrated_on_the_first)
{
	struct model m = {10 * MB, 25 * MB, -1, 0};
	struct evac_ctl c;
	struct evac_vm v[9];
	three_hosts(&c, &m, v);
	cr_assert_eq(c.drops, 0, "no drop on a steady link");
	m.cap = 6 * MB; /* the WAN falls to less than one uplink */
	bool seen = false;
	for (int s = 0; s < 6 && !seen; s++) {
		step(&c, &m, v, 9);
		seen = c.events & EVAC_EV_CAP_DOWN;
	}
	cr_assert(seen, "the drop is seen within 6 intervals");
	cr_assert(c.cap_est < 8 * MB && c.cap_est > 4 * MB, "C %.1f MB/s", c.cap_est / MB);
	cr_assert_eq(c.kmax, 1, "kmax %d: one stream fills 6 MB/s", c.kmax);
	/* caps: within C, the highest-priority running VM holds most of it */
	int first = -1;
	double sum = 0;
	for (int i = 0; i < 9; i++)
		if (v[i].state == EVAC_ACTIVE) {
			sum += v[i].cap_bps;
			if (first < 0 ||
			    evac_priority(&v[i], 25 * MB) < evac_priority(&v[first], 25 * MB))
				first = i;
		}
	cr_assert_leq(sum, c.cap_est * (1 + 1e-9));
	cr_assert_geq(v[first].cap_bps, 0.5 * c.cap_est, "first %.2f of C %.2f MB/s",
	              v[first].cap_bps / MB, c.cap_est / MB);
	/* no new migration while k > kmax: run until one finishes, the count only falls */
	int k = running(v, 9);
	for (int s = 0; s < 200; s++) {
		step(&c, &m, v, 9);
		cr_assert_leq(running(v, 9), k);
		k = running(v, 9);
	}
	/* the link comes back: C is probed up and a second host's stream joins */
	m.cap = 18 * MB;
	for (int s = 0; s < 60; s++)
		step(&c, &m, v, 9);
	cr_assert_geq(c.raises, 1);
	cr_assert_geq(c.cap_est, 12 * MB, "C %.1f MB/s", c.cap_est / MB);
	cr_assert_geq(running(v, 9), 2, "k %d after the link grew", running(v, 9));
}

Test(vmm_manager_feedback, one_stream_slowing_is_not_a_capacity_signal)
{
	struct model m = {10 * MB, 25 * MB, -1, 0};
	struct evac_ctl c;
	struct evac_vm v[9];
	three_hosts(&c, &m, v);
	m.slow_host = 0; /* its source CPU is busy, or its uplink is congested */
	m.slow_uplink = 1 * MB;
	for (int s = 0; s < 10; s++)
		step(&c, &m, v, 9);
	cr_assert_eq(c.drops, 0);
	cr_assert_float_eq(c.cap_est, 25 * MB, 1);
}

Test(vmm_manager_feedback, deadline_skips_a_vm_that_cannot_make_it)
{
	struct model m = {10 * MB, 10 * MB, -1, 0};
	struct evac_ctl_params p;
	struct evac_ctl c;
	struct evac_vm v[2];
	vms(v, 2, 1, 20 * MB);
	v[1].remaining = 500 * MB; /* 50 s at the whole link */
	evac_ctl_params_default(&p, EVAC_CONTROLLER, 10 * MB);
	p.deadline_s = 10;
	evac_ctl_init(&c, &p);
	evac_ctl_step(&c, v, 2);
	cr_assert(v[0].start);
	int skips = (c.events & EVAC_EV_SKIP) != 0;
	for (int s = 0; s < 60; s++) {
		step(&c, &m, v, 2);
		skips += (c.events & EVAC_EV_SKIP) != 0;
	}
	cr_assert_eq(v[0].state, EVAC_DONE);
	cr_assert_eq(v[1].state, EVAC_QUEUED, "never started");
	cr_assert_eq(skips, 1, "the skip is logged once");
	cr_assert_eq(c.skipped_vm, 1);
}

Test(vmm_manager_feedback, fixed_k_runs_k_at_budget_over_k)
{
	struct evac_ctl_params p;
	struct evac_ctl c;
	struct evac_vm v[5];
	vms(v, 5, 5, 100 * MB);
	evac_ctl_params_default(&p, EVAC_FIXED_K, 30 * MB);
	p.max_concurrency = 2;
	evac_ctl_init(&c, &p);
	cr_assert_eq(evac_ctl_step(&c, v, 5), 2);
	cr_assert(v[0].start && v[1].start, "the two smallest first");
	cr_assert_float_eq(v[0].cap_bps, 15 * MB, 1);
	struct model m = {100 * MB, 30 * MB, -1, 0};
	for (int s = 0; s < 100; s++) {
		int k = step(&c, &m, v, 5);
		cr_assert_leq(k, 2);
	}
	cr_assert_eq(evac_policy_parse("fixed-k"), EVAC_FIXED_K);
	cr_assert_str_eq(evac_policy_name(EVAC_FIXED_K), "fixed-k");
}
