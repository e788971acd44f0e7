// SPDX-License-Identifier: MIT
/* tsvmm evacuate: the controller (pure), its invariants, and the simulator comparison. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "manager/controller.h"
#include "manager/evac_sim.h"

#define MB 1e6

static void vm(struct evac_vm *v, double remaining, double dirty)
{
	memset(v, 0, sizeof(*v));
	v->remaining = remaining;
	v->dirty_bps = dirty;
}

static double cap_sum(const struct evac_vm *v, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		if (v[i].state == EVAC_SETUP || v[i].state == EVAC_ACTIVE || v[i].start)
			s += v[i].cap_bps;
	return s;
}

static void apply_starts(struct evac_vm *v, int n)
{
	for (int i = 0; i < n; i++)
		if (v[i].start)
			v[i].state = EVAC_SETUP;
}

Test(vmm_manager, policy_names)
{
	cr_assert_eq(evac_policy_parse("seq"), EVAC_SEQUENTIAL);
	cr_assert_eq(evac_policy_parse("all"), EVAC_ALL);
	cr_assert_eq(evac_policy_parse("controller"), EVAC_CONTROLLER);
	cr_assert_eq(evac_policy_parse("nope"), -1);
	cr_assert_str_eq(evac_policy_name(EVAC_ALL), "all-at-once");
}

Test(vmm_manager, priority_is_effective_remaining_time)
{
	struct evac_vm a, b, c;
	vm(&a, 100 * MB, 0);
	vm(&b, 200 * MB, 0);
	vm(&c, 100 * MB, 50 * MB); /* same bytes, half the effective bandwidth */
	cr_assert_lt(evac_priority(&a, 100 * MB), evac_priority(&b, 100 * MB));
	cr_assert_float_eq(evac_priority(&c, 100 * MB), 2.0, 1e-9);
	vm(&c, 100 * MB, 500 * MB); /* dirty above the budget: floored at B / 20 */
	cr_assert_float_eq(evac_priority(&c, 100 * MB), 20.0, 1e-9);
}

Test(vmm_manager, sequential_runs_one_at_the_whole_budget)
{
	struct evac_ctl_params p;
	struct evac_ctl c;
	struct evac_vm v[3];
	vm(&v[0], 300 * MB, 0);
	vm(&v[1], 100 * MB, 0);
	vm(&v[2], 200 * MB, 0);
	evac_ctl_params_default(&p, EVAC_SEQUENTIAL, 100 * MB);
	evac_ctl_init(&c, &p);
	cr_assert_eq(evac_ctl_step(&c, v, 3), 1);
	cr_assert(v[1].start, "least work first");
	cr_assert_float_eq(v[1].cap_bps, 100 * MB, 1);
	apply_starts(v, 3);
	v[1].state = EVAC_ACTIVE;
	cr_assert_eq(evac_ctl_step(&c, v, 3), 1);
	cr_assert(!v[0].start && !v[2].start);
	v[1].state = EVAC_DONE;
	cr_assert_eq(evac_ctl_step(&c, v, 3), 1);
	cr_assert(v[2].start);
	cr_assert_float_eq(v[1].cap_bps, 0, 1e-9);
}

Test(vmm_manager, all_at_once_splits_equally)
{
	struct evac_ctl_params p;
	struct evac_ctl c;
	struct evac_vm v[4];
	for (int i = 0; i < 4; i++)
		vm(&v[i], (i + 1) * 100 * MB, 0);
	evac_ctl_params_default(&p, EVAC_ALL, 100 * MB);
	evac_ctl_init(&c, &p);
	cr_assert_eq(evac_ctl_step(&c, v, 4), 4);
	for (int i = 0; i < 4; i++)
		cr_assert_float_eq(v[i].cap_bps, 25 * MB, 1);
	apply_starts(v, 4);
	v[0].state = EVAC_DONE;
	cr_assert_eq(evac_ctl_step(&c, v, 4), 3);
	cr_assert_float_eq(v[1].cap_bps, 100 * MB / 3, 1);
}

Test(vmm_manager, controller_starts_one_then_grows_on_self_limited_streams)
{
	/* Each migration can push at most 30 MB/s of a 100 MB/s budget (a TCP window). */
	struct evac_ctl_params p;
	struct evac_ctl c;
	struct evac_vm v[6];
	for (int i = 0; i < 6; i++)
		vm(&v[i], 1000 * MB, 0);
	evac_ctl_params_default(&p, EVAC_CONTROLLER, 100 * MB);
	evac_ctl_init(&c, &p);
	cr_assert_eq(evac_ctl_step(&c, v, 6), 1, "one migration first");
	int peak = 0;
	for (int step = 0; step < 60; step++) {
		apply_starts(v, 6);
		for (int i = 0; i < 6; i++) {
			if (v[i].state == EVAC_SETUP)
				v[i].state = EVAC_ACTIVE;
			else if (v[i].state == EVAC_ACTIVE)
				v[i].tput_bps = fmin(v[i].cap_bps, 30 * MB);
		}
		int k = evac_ctl_step(&c, v, 6);
		cr_assert_leq(cap_sum(v, 6), 100 * MB * (1 + 1e-12));
		if (k > peak)
			peak = k;
	}
	cr_assert(peak >= 3 && peak <= 4, "peak %d: 3 streams fill 90 %% of the budget", peak);
	cr_assert_geq(c.probes_ok, 2);
}

Test(vmm_manager, controller_keeps_one_when_one_fills_the_link)
{
	struct evac_ctl_params p;
	struct evac_ctl c;
	struct evac_vm v[4];
	for (int i = 0; i < 4; i++)
		vm(&v[i], 1000 * MB, 0);
	evac_ctl_params_default(&p, EVAC_CONTROLLER, 100 * MB);
	evac_ctl_init(&c, &p);
	for (int step = 0; step < 40; step++) {
		int k = evac_ctl_step(&c, v, 4);
		cr_assert_eq(k, 1, "step %d: k %d", step, k);
		apply_starts(v, 4);
		for (int i = 0; i < 4; i++) {
			if (v[i].state == EVAC_SETUP)
				v[i].state = EVAC_ACTIVE;
			else if (v[i].state == EVAC_ACTIVE)
				v[i].tput_bps = v[i].cap_bps * 0.97; /* uses what it gets */
		}
	}
}

Test(vmm_manager, dirty_floor_first)
{
	struct evac_ctl_params p;
	struct evac_ctl c;
	struct evac_vm v[2];
	vm(&v[0], 10 * MB, 0);
	vm(&v[1], 900 * MB, 40 * MB);
	v[0].state = v[1].state = EVAC_ACTIVE;
	v[0].active_steps = v[1].active_steps = 10;
	v[0].cap_bps = v[1].cap_bps = 50 * MB;
	v[0].tput_bps = v[1].tput_bps = 50 * MB; /* both cap-limited */
	evac_ctl_params_default(&p, EVAC_CONTROLLER, 100 * MB);
	evac_ctl_init(&c, &p);
	evac_ctl_step(&c, v, 2);
	cr_assert_geq(v[1].cap_bps, 60 * MB - 1, "floor 1.5 x dirty: %g", v[1].cap_bps);
	cr_assert_float_eq(cap_sum(v, 2), 100 * MB, 1);
}

/* Random inputs: caps of running VMs are positive and never sum above the budget. */
Test(vmm_manager, never_exceeds_the_budget)
{
	uint64_t s = 12345;
	for (int pol = 0; pol < 3; pol++) {
		struct evac_ctl_params p;
		struct evac_ctl c;
		struct evac_vm v[12];
		memset(v, 0, sizeof(v));
		double b = 50 * MB;
		evac_ctl_params_default(&p, pol, b);
		evac_ctl_init(&c, &p);
		for (int i = 0; i < 12; i++)
			vm(&v[i], (double)(i + 1) * 37 * MB, (double)(i % 4) * 20 * MB);
		for (int step = 0; step < 2000; step++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			evac_ctl_step(&c, v, 12);
			cr_assert_leq(cap_sum(v, 12), b * (1 + 1e-12), "policy %d step %d", pol,
			              step);
			apply_starts(v, 12);
			for (int i = 0; i < 12; i++) {
				uint64_t r = (s >> (i * 5)) & 31;
				if (v[i].state == EVAC_SETUP || v[i].state == EVAC_ACTIVE)
					cr_assert_gt(v[i].cap_bps, 0);
				if (v[i].state == EVAC_SETUP && r < 16)
					v[i].state = EVAC_ACTIVE;
				else if (v[i].state == EVAC_ACTIVE) {
					v[i].tput_bps = v[i].cap_bps * (double)r / 31;
					v[i].remaining = fmax(0, v[i].remaining - v[i].tput_bps);
					if (r == 0 && step > 200)
						v[i].state = EVAC_DONE;
				}
			}
		}
	}
}

/* ---- simulator ---- */

static void run3(const char *name, uint64_t seed, struct evac_sim_result r[3])
{
	struct evac_sim_scenario s;
	cr_assert_eq(evac_sim_builtin(name, seed, &s), 0);
	for (int p = 0; p < 3; p++) {
		evac_sim_run(&s, p, &r[p]);
		cr_assert_eq(r[p].unfinished, 0, "%s seed %llu %s", name, (unsigned long long)seed,
		             evac_policy_name(p));
		cr_assert_leq(r[p].max_cap_sum_bps, s.budget_bps * (1 + 1e-9));
		cr_assert_leq(r[p].max_rate_sum_bps, s.budget_bps * (1 + 1e-9));
	}
}

Test(vmm_manager_sim, score_metric)
{
	double st[3] = {0, 0, 5}, en[3] = {10, 4, 9}, mk, md, sc;
	double j = evac_score(st, en, 3, &mk, &md, &sc);
	cr_assert_float_eq(mk, 10, 1e-12);
	cr_assert_float_eq(md, (10 + 4 + 4) / 3.0, 1e-12);
	cr_assert_float_eq(sc, 23, 1e-12);
	cr_assert_float_eq(j, mk + md, 1e-12);
}

Test(vmm_manager_sim, deterministic)
{
	struct evac_sim_scenario s;
	struct evac_sim_result a, b;
	evac_sim_builtin("mixed", 7, &s);
	evac_sim_run(&s, EVAC_CONTROLLER, &a);
	evac_sim_run(&s, EVAC_CONTROLLER, &b);
	cr_assert_eq(a.score_s, b.score_s);
	cr_assert_eq(a.bytes, b.bytes);
}

/* Where one migration cannot fill the budget (WAN window, CPU-bound, mixed), the controller
 * beats both baselines on score = makespan + mean duration. */
Test(vmm_manager_sim, controller_beats_both_baselines)
{
	const char *names[] = {"wan", "lan-cpu", "mixed"};
	for (int k = 0; k < 3; k++)
		for (uint64_t seed = 1; seed <= 8; seed++) {
			struct evac_sim_result r[3];
			run3(names[k], seed, r);
			cr_assert_lt(r[EVAC_CONTROLLER].score_s, r[EVAC_SEQUENTIAL].score_s,
			             "%s seed %llu: controller %.2f sequential %.2f", names[k],
			             (unsigned long long)seed, r[2].score_s, r[0].score_s);
			cr_assert_lt(r[EVAC_CONTROLLER].score_s, r[EVAC_ALL].score_s,
			             "%s seed %llu: controller %.2f all %.2f", names[k],
			             (unsigned long long)seed, r[2].score_s, r[1].score_s);
		}
}

/* Where one migration fills the link and guests dirty fast, sequential is the optimum: the
 * controller must match it (and beat all-at-once, whose shares let hot guests diverge). */
Test(vmm_manager_sim, controller_matches_sequential_when_one_fills_the_link)
{
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct evac_sim_result r[3];
		run3("dirty", seed, r);
		cr_assert_leq(r[2].score_s, r[0].score_s * 1.02, "seed %llu: %.2f vs %.2f",
		              (unsigned long long)seed, r[2].score_s, r[0].score_s);
		cr_assert_lt(r[2].score_s, r[1].score_s);
		cr_assert_lt(r[2].bytes, r[1].bytes, "fewer re-sent dirty bytes");
	}
}

/* Setup-dominated (index building): overlapping setups is what counts; all-at-once is near
 * the optimum there, the controller's pipelining gets within 15 % and far below sequential. */
Test(vmm_manager_sim, controller_pipelines_setup)
{
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct evac_sim_result r[3];
		run3("setup", seed, r);
		cr_assert_lt(r[2].score_s, r[0].score_s * 0.7);
		cr_assert_leq(r[2].score_s, r[1].score_s * 1.15, "seed %llu: %.2f vs %.2f",
		              (unsigned long long)seed, r[2].score_s, r[1].score_s);
	}
}
