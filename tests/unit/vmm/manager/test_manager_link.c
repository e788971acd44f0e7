// SPDX-License-Identifier: MIT
/* tsvmm evacuate, controller rule 5 after a drop: held streams drain what was queued before
 * the bottleneck (their acknowledged bytes exceed their caps for a while) and the bottleneck's
 * far side (link_bps) shows what really crosses it: the estimate must not climb back above
 * the new capacity right after the drop. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "manager/controller.h"

#define MB 1e6

/* 6 VMs on 3 hosts (uplinks 10 MB/s), bottleneck 25 MB/s, falling to cap2 at step 20; for
 * `drain` intervals after the fall every stream reports 3x its cap on top (the queue before
 * the bottleneck empties). Returns the step of the first capacity drop; *worst: the largest
 * estimate within the 2 intervals (0.5 s) after it; *raise_early: raises in them. */
static int run(double cap2, int drain, bool link, double *worst, int *raise_early)
{
	struct evac_ctl c;
	struct evac_ctl_params p;
	struct evac_vm v[6];
	memset(v, 0, sizeof(v));
	for (int i = 0; i < 6; i++) {
		v[i].remaining = 80 * MB;
		v[i].dirty_bps = 0.5 * MB;
		v[i].host = (unsigned)(i % 3);
	}
	evac_ctl_params_default(&p, EVAC_CONTROLLER, 25 * MB);
	evac_ctl_init(&c, &p);
	evac_ctl_step(&c, v, 6);
	int drop = -1;
	*worst = 0;
	*raise_early = 0;
	for (int s = 0; s < 60; s++) {
		double cap = s < 20 ? 25 * MB : cap2, want[6], sum = 0;
		for (int i = 0; i < 6; i++) {
			if (v[i].start)
				v[i].state = EVAC_SETUP;
			else if (v[i].state == EVAC_SETUP)
				v[i].state = EVAC_ACTIVE;
			want[i] = v[i].state == EVAC_ACTIVE ? fmin(v[i].cap_bps, 10 * MB) : 0;
			sum += want[i];
		}
		for (int i = 0; i < 6; i++) {
			v[i].tput_bps = sum > cap ? want[i] * cap / sum : want[i];
			if (s >= 20 && s < 20 + drain && v[i].state == EVAC_ACTIVE)
				v[i].tput_bps += 3 * v[i].cap_bps; /* acknowledged late */
		}
		c.link_bps = link ? fmin(sum, cap) : 0;
		evac_ctl_step(&c, v, 6);
		if (drop < 0 && c.events & EVAC_EV_CAP_DOWN)
			drop = s;
		else if (drop >= 0 && s <= drop + 2) {
			*worst = fmax(*worst, c.cap_est);
			*raise_early += !!(c.events & EVAC_EV_CAP_UP);
		}
	}
	return drop;
}

Test(vmm_manager_link, no_estimate_above_the_new_capacity_right_after_a_drop)
{
	double worst;
	int early;
	int drop = run(6 * MB, 4, true, &worst, &early);
	cr_assert_geq(drop, 20, "drop at %d", drop);
	cr_assert_eq(early, 0, "raised %d times within 0.5 s of the drop", early);
	cr_assert_leq(worst, 6 * MB * 1.05, "estimate %.1f MB/s above the new 6 MB/s", worst / MB);
}

Test(vmm_manager_link, the_estimate_still_grows_back_when_the_path_does)
{
	/* no fall at all after a first estimate: a probe up is still allowed once settled */
	double worst;
	int early;
	int drop = run(25 * MB, 0, true, &worst, &early);
	cr_assert_eq(drop, -1, "a drop without a change at %d", drop);
}
