// SPDX-License-Identifier: MIT
/* tsvmm evacuate: which running migrations the controller holds when their dirty-rate floors
 * do not all fit in the capacity (controller.h rule 2), and with a power deadline. A held
 * migration is kept at the keep-alive trickle (the VMM cannot pause a migration); every other
 * one gets at least its dirty rate, so its passes shrink. */
#include <criterion/criterion.h>
#include <string.h>

#include "manager/controller.h"

#define MB         1e6
#define KEEP_ALIVE 250e3 /* controller.c: the trickle that keeps a source from giving up */

static void active(struct evac_vm *v, double remaining, double dirty, double cap)
{
	memset(v, 0, sizeof(*v));
	v->state = EVAC_ACTIVE;
	v->remaining = remaining;
	v->dirty_bps = dirty;
	v->active_steps = 10;
	v->pass = 3;
	v->cap_bps = cap;
	v->tput_bps = cap * 0.95; /* cap-limited */
}

static struct evac_ctl controller(double budget, double deadline)
{
	struct evac_ctl_params p;
	struct evac_ctl c;
	evac_ctl_params_default(&p, EVAC_CONTROLLER, budget);
	p.deadline_s = deadline;
	evac_ctl_init(&c, &p);
	return c;
}

/* Every running VM is either at or above its dirty rate, or held at the trickle: a cap between
 * the two only re-sends pages the guest dirties again (the measured 30 passes). */
static void assert_served_or_held(const struct evac_vm *v, int n)
{
	for (int i = 0; i < n; i++)
		if (v[i].state == EVAC_ACTIVE)
			cr_assert(v[i].cap_bps >= v[i].dirty_bps || v[i].cap_bps <= KEEP_ALIVE + 1,
			          "vm %d: cap %.0f between the trickle and its dirty rate %.0f", i,
			          v[i].cap_bps, v[i].dirty_bps);
}

/* 20 Mbit/s left after a drop, two started VMs whose floors (1.5 x dirty) do not both fit: the
 * one with the least expected remaining time converges; the other is held at the trickle. The
 * old law served floors by highest dirty rate first and held the short VM below its 1.2 MB/s
 * dirty rate (at 250 kB/s), where its passes never shrink. */
Test(vmm_manager_hold, the_shortest_expected_remaining_time_is_served)
{
	struct evac_ctl c = controller(2.5 * MB, 0);
	struct evac_vm v[2];
	active(&v[0], 20 * MB, 1.6 * MB, 1.25 * MB); /* 20 MB / 0.9 MB/s: 22 s */
	active(&v[1], 1 * MB, 1.2 * MB, 1.25 * MB);  /* 1 MB / 1.3 MB/s: 0.8 s */
	evac_ctl_step(&c, v, 2);
	cr_assert_geq(v[1].cap_bps, 1.5 * 1.2 * MB - 1, "served: its floor, %.0f", v[1].cap_bps);
	cr_assert_leq(v[0].cap_bps, KEEP_ALIVE + 1, "held at the trickle: %.0f", v[0].cap_bps);
	cr_assert_leq(v[0].cap_bps + v[1].cap_bps, 2.5 * MB + 1);
	assert_served_or_held(v, 2);
}

/* The held VM is served again once the first one is done, with at least its floor. */
Test(vmm_manager_hold, a_held_vm_is_served_when_capacity_frees)
{
	struct evac_ctl c = controller(2.5 * MB, 0);
	struct evac_vm v[2];
	active(&v[0], 20 * MB, 1.6 * MB, 1.25 * MB);
	active(&v[1], 1 * MB, 1.2 * MB, 1.25 * MB);
	evac_ctl_step(&c, v, 2);
	v[1].state = EVAC_DONE;
	v[0].tput_bps = v[0].cap_bps;
	evac_ctl_step(&c, v, 2);
	cr_assert_geq(v[0].cap_bps, 2.4 * MB - 1, "%.0f", v[0].cap_bps);
}

/* With a power deadline, a started VM that cannot cross before it even at the whole capacity
 * is held (it is lost anyway; its bytes would be wasted) while one that can gets the link. */
Test(vmm_manager_hold, a_vm_that_cannot_make_the_deadline_is_held)
{
	struct evac_ctl c = controller(10 * MB, 5);
	struct evac_vm v[2];
	active(&v[0], 200 * MB, 0.5 * MB, 5 * MB); /* 21 s at the whole link */
	active(&v[1], 30 * MB, 0.5 * MB, 5 * MB);  /* 3.2 s */
	evac_ctl_step(&c, v, 2);
	cr_assert_leq(v[0].cap_bps, KEEP_ALIVE + 1, "hopeless: held, %.0f", v[0].cap_bps);
	cr_assert_geq(v[1].cap_bps, 10 * MB - KEEP_ALIVE - 1, "%.0f", v[1].cap_bps);
	/* the same two without a deadline share the link (SRPT extras, both above their floors) */
	c = controller(10 * MB, 0);
	active(&v[0], 200 * MB, 0.5 * MB, 5 * MB);
	active(&v[1], 30 * MB, 0.5 * MB, 5 * MB);
	evac_ctl_step(&c, v, 2);
	cr_assert_geq(v[0].cap_bps, 0.75 * MB - 1, "%.0f", v[0].cap_bps);
}

/* A VM alone that cannot make the deadline is not held: nothing else could use the link. */
Test(vmm_manager_hold, a_hopeless_vm_alone_keeps_the_link)
{
	struct evac_ctl c = controller(10 * MB, 5);
	struct evac_vm v[1];
	active(&v[0], 200 * MB, 0.5 * MB, 10 * MB);
	evac_ctl_step(&c, v, 1);
	cr_assert_geq(v[0].cap_bps, 10 * MB - 1, "%.0f", v[0].cap_bps);
}

/* Random running sets on a small capacity: nobody sits between the trickle and its dirty
 * rate, caps never exceed the capacity. */
Test(vmm_manager_hold, nobody_between_the_trickle_and_its_dirty_rate)
{
	uint64_t s = 777;
	for (int round = 0; round < 500; round++) {
		struct evac_ctl c = controller(2.5 * MB, 0);
		struct evac_vm v[5];
		int n = 2 + round % 4;
		double sum = 0;
		for (int i = 0; i < n; i++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			double d = (double)(s >> 40 & 0xffff) / 65536 * 2.0 * MB;
			double r = (double)(s >> 20 & 0xfffff) / 1048576 * 30 * MB + 0.1 * MB;
			active(&v[i], r, d, 2.5 * MB / n);
		}
		evac_ctl_step(&c, v, n);
		assert_served_or_held(v, n);
		for (int i = 0; i < n; i++) {
			cr_assert_gt(v[i].cap_bps, 0);
			sum += v[i].cap_bps;
		}
		cr_assert_leq(sum, 2.5 * MB + 1);
	}
}
