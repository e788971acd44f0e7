// SPDX-License-Identifier: MIT
/* Discrete-time simulator of N migrations sharing a link (see evac_sim.h). Pure, seeded. */
#include <math.h>
#include <string.h>

#include "manager/evac_sim.h"

#define MiB (1024.0 * 1024.0)

enum sim_state { S_QUEUED, S_SETUP, S_XFER, S_DONE };

struct sim_vm {
	enum sim_state st;
	double setup_left, pass_left, dirty, stop_t;
	double pass_bytes, pass_time, interval_bytes;
	bool final;
};

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi). */
static double uni(uint64_t *s, double lo, double hi)
{
	return lo + (hi - lo) * (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

double evac_score(const double *start_s, const double *end_s, int n, double *makespan,
                  double *mean_duration, double *sum_completion)
{
	double mk = 0, dur = 0, sum = 0;
	for (int i = 0; i < n; i++) {
		if (end_s[i] > mk)
			mk = end_s[i];
		dur += end_s[i] - start_s[i];
		sum += end_s[i];
	}
	dur = n > 0 ? dur / n : 0;
	if (makespan)
		*makespan = mk;
	if (mean_duration)
		*mean_duration = dur;
	if (sum_completion)
		*sum_completion = sum;
	return mk + dur;
}

void evac_sim_defaults(struct evac_sim_scenario *s)
{
	memset(s, 0, sizeof(*s));
	s->name = "custom";
	s->host_cores = 1e9;
	s->downtime_s = 0.1;
	s->max_iter = 30;
	s->switch_s = 0.02;
	s->noise = 0.05;
	s->dt = 0.005;
	s->interval_s = 0.25;
	s->t_max = 3600;
}

const char *const evac_sim_builtin_names[] = {"wan", "lan-cpu", "dirty", "setup", "mixed", NULL};

int evac_sim_builtin(const char *name, uint64_t seed, struct evac_sim_scenario *s)
{
	uint64_t r = seed ^ 0x5eedULL;
	evac_sim_defaults(s);
	s->seed = seed;
	if (!strcmp(name, "wan")) {
		s->name = "wan";
		s->link_bps = s->budget_bps = 100e6 / 8;
		s->n = 6;
		for (int i = 0; i < s->n; i++) {
			struct evac_sim_vm *v = &s->vm[i];
			v->mem_bytes = uni(&r, 32, 128) * MiB;
			v->dirty_bps = uni(&r, 0.02, 0.4) * MiB;
			v->wss_bytes = uni(&r, 2, 8) * MiB;
			v->stream_bps = uni(&r, 3.5, 4.5) * 1e6; /* ~80 KiB window / 20 ms */
			v->setup_s = 0.2;
		}
	} else if (!strcmp(name, "lan-cpu")) {
		s->name = "lan-cpu";
		s->link_bps = 10e9 / 8;
		s->budget_bps = 1e9;
		s->host_bps = 700e6;
		s->host_cores = 2;
		s->contention = 0.15;
		s->n = 8;
		for (int i = 0; i < s->n; i++) {
			struct evac_sim_vm *v = &s->vm[i];
			v->mem_bytes = uni(&r, 256, 1024) * MiB;
			v->dirty_bps = uni(&r, 5, 40) * MiB;
			v->wss_bytes = uni(&r, 32, 128) * MiB;
			v->stream_bps = uni(&r, 300, 400) * 1e6;
			v->setup_s = 0.1;
		}
	} else if (!strcmp(name, "dirty")) {
		s->name = "dirty";
		s->link_bps = s->budget_bps = 1e9 / 8;
		s->n = 6;
		for (int i = 0; i < s->n; i++) {
			struct evac_sim_vm *v = &s->vm[i];
			bool hot = i % 2 == 0;
			v->mem_bytes = uni(&r, 128, 512) * MiB;
			v->dirty_bps = (hot ? uni(&r, 20, 40) : uni(&r, 0.5, 2)) * MiB;
			v->wss_bytes = (hot ? 64 : 8) * MiB;
			v->setup_s = 0.1;
		}
	} else if (!strcmp(name, "setup")) {
		s->name = "setup";
		s->link_bps = s->budget_bps = 10e9 / 8;
		s->n = 6;
		for (int i = 0; i < s->n; i++) {
			struct evac_sim_vm *v = &s->vm[i];
			v->mem_bytes = uni(&r, 256, 1024) * MiB;
			v->dirty_bps = uni(&r, 2, 10) * MiB;
			v->wss_bytes = 32 * MiB;
			v->setup_s = uni(&r, 1.5, 3);
		}
	} else if (!strcmp(name, "mixed")) {
		s->name = "mixed";
		s->link_bps = s->budget_bps = 1e9 / 8;
		s->n = 8;
		for (int i = 0; i < s->n; i++) {
			struct evac_sim_vm *v = &s->vm[i];
			v->mem_bytes = uni(&r, 64, 512) * MiB;
			v->dirty_bps = (i % 3 == 0 ? uni(&r, 10, 30) : uni(&r, 0.2, 2)) * MiB;
			v->wss_bytes = (i % 3 == 0 ? 48 : 8) * MiB;
			v->stream_bps = i % 2 ? uni(&r, 40, 70) * 1e6 : 0;
			v->setup_s = uni(&r, 0.2, 1);
		}
	} else {
		return -1;
	}
	return 0;
}

/* Max-min fair shares of capacity cap among want[0..m-1] into rate[]. */
static void waterfill(const double *want, double *rate, int m, double cap)
{
	bool fixed[EVAC_SIM_MAX] = {false};
	int left = m;
	while (left > 0) {
		double share = cap / left;
		bool any = false;
		for (int i = 0; i < m; i++)
			if (!fixed[i] && want[i] <= share) {
				rate[i] = want[i];
				cap -= want[i];
				fixed[i] = true;
				left--;
				any = true;
			}
		if (!any) {
			for (int i = 0; i < m; i++)
				if (!fixed[i])
					rate[i] = share;
			return;
		}
	}
}

static void control(const struct evac_sim_scenario *s, struct evac_ctl *c, struct sim_vm *sv,
                    struct evac_vm *ev, struct evac_sim_result *r, double t, uint64_t *rng)
{
	for (int i = 0; i < s->n; i++) {
		static const enum evac_vm_state map[] = {EVAC_QUEUED, EVAC_SETUP, EVAC_ACTIVE,
		                                         EVAC_DONE};
		ev[i].state = map[sv[i].st];
		ev[i].dirty_bps = s->vm[i].dirty_bps;
		ev[i].pass = r->vm[i].passes;
		ev[i].remaining = sv[i].st == S_XFER
		                          ? sv[i].pass_left + (sv[i].final ? 0 : sv[i].dirty)
		                          : s->vm[i].mem_bytes;
		double u = s->noise > 0 ? uni(rng, -s->noise, s->noise) : 0;
		ev[i].tput_bps = sv[i].interval_bytes / s->interval_s * (1 + u);
		sv[i].interval_bytes = 0;
	}
	int k = evac_ctl_step(c, ev, s->n);
	double caps = 0;
	for (int i = 0; i < s->n; i++) {
		if (ev[i].start) {
			sv[i].st = S_SETUP;
			sv[i].setup_left = s->vm[i].setup_s;
			r->vm[i].start_s = t;
		}
		if (sv[i].st == S_SETUP || sv[i].st == S_XFER)
			caps += ev[i].cap_bps;
	}
	if (caps > r->max_cap_sum_bps)
		r->max_cap_sum_bps = caps;
	if (k > r->peak_k)
		r->peak_k = k;
}

static void end_pass(const struct evac_sim_scenario *s, int i, struct sim_vm *v,
                     struct evac_sim_vm_result *vr, double t)
{
	if (v->final) {
		v->st = S_DONE;
		vr->done = true;
		vr->end_s = t + s->switch_s;
		vr->downtime_s = vr->end_s - v->stop_t;
		return;
	}
	vr->passes++;
	double rate = v->pass_time > 0 ? v->pass_bytes / v->pass_time : 0;
	double expect = rate > 0 ? v->dirty / rate : INFINITY;
	if (expect <= s->downtime_s || vr->passes >= s->max_iter) {
		v->final = true;
		v->stop_t = t;
		vr->forced = expect > s->downtime_s;
	}
	v->pass_left = v->dirty;
	v->dirty = 0;
	v->pass_bytes = v->pass_time = 0;
	(void)i;
}

static void physics(const struct evac_sim_scenario *s, struct sim_vm *sv, const struct evac_vm *ev,
                    struct evac_sim_result *r, double t)
{
	double want[EVAC_SIM_MAX], rate[EVAC_SIM_MAX];
	int idx[EVAC_SIM_MAX], m = 0;
	for (int i = 0; i < s->n; i++) {
		if (sv[i].st != S_XFER)
			continue;
		double w = ev[i].cap_bps;
		if (s->vm[i].stream_bps > 0 && s->vm[i].stream_bps < w)
			w = s->vm[i].stream_bps;
		want[m] = w;
		idx[m++] = i;
	}
	double cap = s->link_bps;
	if (s->host_bps > 0) {
		double extra = m > s->host_cores ? m - s->host_cores : 0;
		double h = s->host_bps / (1 + s->contention * extra);
		if (h < cap)
			cap = h;
	}
	waterfill(want, rate, m, cap);
	double sum = 0;
	for (int j = 0; j < m; j++) {
		int i = idx[j];
		struct sim_vm *v = &sv[i];
		double sent = rate[j] * s->dt;
		sum += rate[j];
		r->vm[i].bytes += sent;
		v->interval_bytes += sent;
		v->pass_left -= sent;
		v->pass_bytes += sent;
		v->pass_time += s->dt;
		if (!v->final) {
			v->dirty += s->vm[i].dirty_bps * s->dt;
			if (v->dirty > s->vm[i].wss_bytes)
				v->dirty = s->vm[i].wss_bytes;
		}
		if (v->pass_left <= 0)
			end_pass(s, i, v, &r->vm[i], t + s->dt);
	}
	if (sum > r->max_rate_sum_bps)
		r->max_rate_sum_bps = sum;
	for (int i = 0; i < s->n; i++) {
		if (sv[i].st != S_SETUP)
			continue;
		sv[i].setup_left -= s->dt;
		if (sv[i].setup_left <= 0) {
			sv[i].st = S_XFER;
			sv[i].pass_left = s->vm[i].mem_bytes;
		}
	}
}

int evac_sim_run(const struct evac_sim_scenario *s, enum evac_policy policy,
                 struct evac_sim_result *r)
{
	struct sim_vm sv[EVAC_SIM_MAX];
	struct evac_vm ev[EVAC_SIM_MAX];
	struct evac_ctl_params p;
	struct evac_ctl c;
	uint64_t rng = s->seed * 0x2545f4914f6cdd1dULL + 1;
	memset(r, 0, sizeof(*r));
	memset(sv, 0, sizeof(sv));
	memset(ev, 0, sizeof(ev));
	r->n = s->n;
	evac_ctl_params_default(&p, policy, s->budget_bps);
	p.interval_s = s->interval_s;
	evac_ctl_init(&c, &p);
	double t = 0, next_ctl = 0;
	long steps = 0, ctl_every = lround(s->interval_s / s->dt);
	if (ctl_every < 1)
		ctl_every = 1;
	for (;;) {
		int done = 0;
		for (int i = 0; i < s->n; i++)
			done += sv[i].st == S_DONE;
		if (done == s->n || t >= s->t_max)
			break;
		if (steps % ctl_every == 0) {
			control(s, &c, sv, ev, r, t, &rng);
			next_ctl += s->interval_s;
		}
		physics(s, sv, ev, r, t);
		steps++;
		t = steps * s->dt;
	}
	double start[EVAC_SIM_MAX], end[EVAC_SIM_MAX];
	for (int i = 0; i < s->n; i++) {
		struct evac_sim_vm_result *v = &r->vm[i];
		if (!v->done) {
			r->unfinished++;
			v->end_s = t; /* counted as ending now: a lower bound */
		}
		start[i] = v->start_s;
		end[i] = v->end_s;
		r->bytes += v->bytes;
		if (v->downtime_s > r->max_downtime_s)
			r->max_downtime_s = v->downtime_s;
	}
	r->score_s = evac_score(start, end, s->n, &r->makespan_s, &r->mean_duration_s,
	                        &r->sum_completion_s);
	r->probes_ok = c.probes_ok;
	r->probes_failed = c.probes_failed;
	return 0;
}
