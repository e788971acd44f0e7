// SPDX-License-Identifier: MIT
/* tsvmm evacuation controller: the control law of controller.h. Pure. */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "manager/controller.h"

#define UTIL_TARGET 0.9         /* X below this fraction of B: the link is under-used */
#define CAP_LIMITED 0.8         /* used this fraction of its cap: would use more */
#define PROBE_UP    1.25        /* cap-limited: ask this much more */
#define HEADROOM    1.2         /* self-limited: ask this much above what it used */
#define FLOOR_DIRTY 1.5         /* floor: this multiple of the dirty rate */
#define MIN_GAIN    0.3         /* a probe must add this fraction of the share it could add */
#define MIN_CAP     (1.0 / 100) /* no cap below B / 100 */
/* bytes/s: no started migration is held below this (while it fits in half the capacity): its
 * source gives up when one write of up to 1 MiB makes no progress for 10 s */
#define KEEP_ALIVE 250e3
#define DROP       0.7  /* bulk throughput below this fraction of its mean: a drop */
#define CAP_FULL   0.9  /* a stream at this fraction of its cap: the path may carry more */
#define RAISE_AT   0.85 /* ... and X at this fraction of C: raise C */
#define RAISE_LINK 0.95 /* ... X at this fraction when measured on the bottleneck's far side */
#define CAP_GROW   1.2  /* by this factor */
#define REPROBE_AT 1.6  /* C this much above its value at a drop or failed probe: grown back */
#define WINDOW_LIM 0.8  /* rule 8: a stream below this fraction of its cap and of its share */
#define CONNS_GAIN 1.3  /* rule 8: a probe with more connections must carry this much more */
#define HELD_CAP   (1.01 * KEEP_ALIVE) /* a cap at the trickle: a held stream */

const char *evac_policy_name(enum evac_policy p)
{
	switch (p) {
	case EVAC_SEQUENTIAL:
		return "sequential";
	case EVAC_ALL:
		return "all-at-once";
	case EVAC_CONTROLLER:
		return "controller";
	case EVAC_FIXED_K:
		return "fixed-k";
	}
	return "?";
}

int evac_policy_parse(const char *s)
{
	if (!strcasecmp(s, "seq") || !strcasecmp(s, "sequential"))
		return EVAC_SEQUENTIAL;
	if (!strcasecmp(s, "all") || !strcasecmp(s, "all-at-once"))
		return EVAC_ALL;
	if (!strcasecmp(s, "ctl") || !strcasecmp(s, "controller"))
		return EVAC_CONTROLLER;
	if (!strcasecmp(s, "fixed") || !strcasecmp(s, "fixed-k"))
		return EVAC_FIXED_K;
	return -1;
}

void evac_ctl_params_default(struct evac_ctl_params *p, enum evac_policy policy, double budget_bps)
{
	memset(p, 0, sizeof(*p));
	p->policy = policy;
	p->budget_bps = budget_bps;
	p->interval_s = 0.25;
	p->max_concurrency = 0;
	p->settle = 2;
	p->reprobe_s = 5.0;
	p->conns = 1;
	p->max_conns = 4;
}

void evac_ctl_init(struct evac_ctl *c, const struct evac_ctl_params *p)
{
	memset(c, 0, sizeof(*c));
	c->p = *p;
	if (c->p.settle < 1)
		c->p.settle = 1;
	if (c->p.interval_s <= 0)
		c->p.interval_s = 0.25;
	c->kmax = 1;
	c->probe_vm = -1;
	c->since_fail_s = INFINITY;
	c->cap_est = c->p.budget_bps;
	c->skipped_vm = -1;
	if (c->p.conns < 1)
		c->p.conns = 1;
	c->conns = c->conns_before = c->p.conns;
	c->conns_vm = c->conns_probe_vm = -1;
	c->conns_since_s = INFINITY;
	c->drop_age = c->p.settle + 1; /* no drop yet */
}

static bool running(const struct evac_vm *v)
{
	return v->state == EVAC_SETUP || v->state == EVAC_ACTIVE;
}

double evac_priority(const struct evac_vm *v, double budget_bps)
{
	double eff = budget_bps - v->dirty_bps;
	if (eff < budget_bps / 20)
		eff = budget_bps / 20;
	return v->remaining / eff;
}

static double floor_of(const struct evac_vm *v, double b)
{
	double f = FLOOR_DIRTY * v->dirty_bps;
	if (f < b * MIN_CAP)
		f = b * MIN_CAP;
	return f < b ? f : b;
}

/* Index of the queued VM with the smallest priority key, -1 if none. */
static int best_queued(const struct evac_vm *vms, int n, double b)
{
	int best = -1;
	for (int i = 0; i < n; i++)
		if (vms[i].state == EVAC_QUEUED && !vms[i].start &&
		    (best < 0 || evac_priority(&vms[i], b) < evac_priority(&vms[best], b)))
			best = i;
	return best;
}

static bool will_run(const struct evac_vm *v)
{
	return running(v) || v->start;
}

/* Rule 7: can queued VM v still cross before the deadline at the whole capacity? */
static bool can_make_it(const struct evac_ctl *c, const struct evac_vm *v)
{
	double left = c->p.deadline_s - (double)c->steps * c->p.interval_s;
	return c->p.deadline_s <= 0 || v->remaining / c->cap_est <= left;
}

/* Rules 1, 6, 7: the queued VM to start next, -1 if none. */
static int next_queued(struct evac_ctl *c, const struct evac_vm *vms, int n)
{
	int best = -1, best_idle = -1;
	double b = c->p.budget_bps;
	for (int i = 0; i < n; i++) {
		const struct evac_vm *v = &vms[i];
		if (v->state != EVAC_QUEUED || v->start)
			continue;
		if (!can_make_it(c, v)) {
			if (i < 64 && !(c->skip_sig & (1ull << i))) {
				c->skip_sig |= 1ull << i;
				c->events |= EVAC_EV_SKIP;
				c->skipped_vm = i;
			}
			continue;
		}
		bool idle = true;
		for (int j = 0; j < n && idle; j++)
			idle = !(will_run(&vms[j]) && vms[j].host == v->host);
		double key = evac_priority(v, b);
		if (best < 0 || key < evac_priority(&vms[best], b))
			best = i;
		if (idle && (best_idle < 0 || key < evac_priority(&vms[best_idle], b)))
			best_idle = i;
	}
	return best_idle >= 0 ? best_idle : best;
}

/* Sort helper: indices of the VMs that will run, by key[] ascending (insertion sort: n is
 * small). */
static int ordered(const struct evac_vm *vms, int n, int *idx, const double *key)
{
	int m = 0;
	for (int i = 0; i < n; i++) {
		if (!will_run(&vms[i]))
			continue;
		int j = m++;
		while (j > 0 && key[idx[j - 1]] > key[i]) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
	}
	return m;
}

/* Rule 2's serving order: the expected remaining time at the whole capacity (rule 1's key at
 * C); with a deadline, a running VM that cannot cross before it goes last and is hopeless. */
static double serve_key(const struct evac_ctl *c, const struct evac_vm *v, double b, bool *hopeless)
{
	double key = evac_priority(v, b);
	double left = c->p.deadline_s - (double)c->steps * c->p.interval_s;
	*hopeless = c->p.deadline_s > 0 && !v->start && v->state == EVAC_ACTIVE && key > left;
	return *hopeless ? key + 1e12 : key;
}

/* Rule 2 of controller.h: floors in serving order (a floor that does not fit holds its VM
 * at the keep-alive trickle), demands by priority, leftover. Only the first `limit` served
 * VMs get more than their floor (rule 5: after a drop). */
static void allocate(const struct evac_ctl *c, struct evac_vm *vms, int n, double b, int limit)
{
	int idx[n > 0 ? n : 1], serve[n > 0 ? n : 1], m_srv = 0;
	double key[n > 0 ? n : 1], demand[n > 0 ? n : 1], left = b;
	bool hopeless[n > 0 ? n : 1];
	int can = 0; /* running VMs that can make the deadline */
	for (int i = 0; i < n; i++) {
		key[i] = will_run(&vms[i]) ? serve_key(c, &vms[i], b, &hopeless[i]) : 0;
		can += will_run(&vms[i]) && !hopeless[i];
	}
	int m = ordered(vms, n, idx, key), m_all = m;
	/* every running VM keeps a cap > 0, and at least KEEP_ALIVE while that fits in half of b */
	double keep = m > 0 ? fmax(b * MIN_CAP / m, fmin(KEEP_ALIVE, b / (2.0 * m))) : 0;
	left -= keep * m;
	for (int j = 0; j < m; j++) {
		struct evac_vm *v = &vms[idx[j]];
		double prev = v->cap_bps, d;
		if (v->start || v->state == EVAC_SETUP || prev <= 0 ||
		    v->active_steps <= c->p.settle)
			d = b; /* new: offer what the others leave */
		else if (v->tput_bps >= CAP_LIMITED * prev)
			d = PROBE_UP * prev;
		else
			d = HEADROOM * v->tput_bps;
		double f = floor_of(v, b), give = f - keep > 0 ? f - keep : 0;
		demand[idx[j]] = d > f ? d : f;
		v->cap_bps = keep;
		if (hopeless[idx[j]] && can > 0)
			continue; /* lost anyway: its bytes go to those that can make it */
		if (give > left)  /* its floor does not fit: above its dirty rate or held */
			give = keep + left > v->dirty_bps ? left : 0;
		if (give <= 0 && f > keep)
			continue;
		v->cap_bps += give;
		left -= give;
		serve[m_srv++] = idx[j];
	}
	m = m_srv < limit ? m_srv : limit;
	for (int j = 0; j < m && left > 0; j++) { /* no starvation: up to a fair share */
		struct evac_vm *v = &vms[serve[j]];
		double want = demand[serve[j]] < b / m ? demand[serve[j]] : b / m;
		double more = want - v->cap_bps;
		if (more <= 0)
			continue;
		if (more > left)
			more = left;
		v->cap_bps += more;
		left -= more;
	}
	for (int j = 0; j < m && left > 0; j++) {
		struct evac_vm *v = &vms[serve[j]];
		double more = demand[serve[j]] - v->cap_bps;
		if (more > left)
			more = left;
		if (more > 0) {
			v->cap_bps += more;
			left -= more;
		}
	}
	if (left > 0 && m > 0) { /* to the first cap-limited one, else the first */
		int to = serve[0];
		for (int j = 0; j < m; j++) {
			const struct evac_vm *v = &vms[serve[j]];
			if (v->state == EVAC_ACTIVE && !v->start &&
			    v->tput_bps >= CAP_LIMITED * v->cap_bps) {
				to = serve[j];
				break;
			}
		}
		vms[to].cap_bps += left;
	} else if (left > 0 && m_all > 0) {
		vms[idx[0]].cap_bps += left; /* nobody's floor fits: the first in serving order */
	}
}

static void judge_probe(struct evac_ctl *c, const struct evac_vm *vms, int k, double x)
{
	const struct evac_vm *pv = &vms[c->probe_vm];
	if (pv->state == EVAC_DONE || k != c->k_before + 1) {
		c->probe_vm = -1; /* the set changed under the probe: no verdict */
		return;
	}
	if (pv->state != EVAC_ACTIVE || pv->active_steps <= c->p.settle)
		return;
	c->probe_vm = -1;
	if (c->x_before < 0) /* started while others were in setup: overlap, not a probe */
		return;
	double b = c->cap_est, share = b / k;
	if (b - c->x_before < share)
		share = b - c->x_before;
	if (x - c->x_before >= MIN_GAIN * share) {
		c->kmax = k;
		c->probes_ok++;
	} else {
		c->kmax = c->k_before > 0 ? c->k_before : 1;
		c->since_fail_s = 0;
		c->cap_at_fail = c->cap_est;
		c->probes_failed++;
	}
}

static void start(struct evac_ctl *c, struct evac_vm *vms, int i)
{
	struct evac_vm *v = &vms[i];
	v->start = true;
	v->cap_bps = 0;
	v->conns = c->p.policy == EVAC_CONTROLLER ? c->conns : c->p.conns;
	if (c->conns_probe_vm == -2 && v->conns > c->p.conns) /* the first with more: the probe */
		c->conns_probe_vm = i;
}

/* Is VM i the only running one on its host? */
static bool alone_on_host(const struct evac_vm *vms, int n, int i)
{
	for (int j = 0; j < n; j++)
		if (j != i && running(&vms[j]) && vms[j].host == vms[i].host)
			return false;
	return true;
}

/* Rule 5: the capacity estimate C from the settled streams' throughput. */
static void track_capacity(struct evac_ctl *c, struct evac_vm *vms, int n, int k, double x)
{
	if (c->link_bps > 0) /* measured where it crossed the bottleneck */
		x = c->link_bps;
	double xs = 0, refs = 0;
	int ks = 0, low = 0;
	bool full = false;
	for (int i = 0; i < n; i++) {
		struct evac_vm *v = &vms[i];
		if (v->state != EVAC_ACTIVE) {
			v->ref_bps = 0;
			continue;
		}
		full = full || (v->cap_bps > HELD_CAP && v->tput_bps >= CAP_FULL * v->cap_bps);
		if (v->active_steps <= c->p.settle)
			continue;
		double spare = 0, *href = alone_on_host(vms, n, i)
		                                  ? &c->host_ref[v->host % EVAC_HOSTS]
		                                  : &spare;
		if (v->ref_bps <= 0) { /* its first settled interval: its host's last reference */
			v->ref_bps = *href > 0 ? *href : v->tput_bps;
			if (*href <= 0)
				continue;
		}
		ks++;
		xs += v->tput_bps;
		refs += v->ref_bps;
		if (v->tput_bps < DROP * v->ref_bps)
			low++;
		else
			*href = v->ref_bps = 0.7 * v->ref_bps + 0.3 * v->tput_bps;
	}
	if (ks < 2 || low < 2 || xs >= DROP * refs) {
		c->drop_steps = 0;
	} else if (++c->drop_steps > c->p.settle) {
		double per = refs / ks, floor = c->p.budget_bps * MIN_CAP * 5;
		c->cap_est = x > floor ? x : floor;
		if (c->cap_est > c->p.budget_bps)
			c->cap_est = c->p.budget_bps;
		int kn = (int)ceil(c->cap_est / per - 0.05);
		kn = kn < 1 ? 1 : kn > k ? k : kn;
		c->kmax = kn;
		for (int i = 0; i < n; i++) /* the new normal */
			if (vms[i].ref_bps > 0)
				vms[i].ref_bps = vms[i].tput_bps;
		for (int h = 0; h < EVAC_HOSTS; h++)
			c->host_ref[h] = 0;
		c->drop_steps = 0;
		c->since_fail_s = 0;
		c->cap_at_fail = c->cap_est;
		c->probe_vm = -1;
		c->events |= EVAC_EV_CAP_DOWN;
		c->drop_age = 0;
		c->shrink = kn < k;
		c->drops++;
		return;
	}
	double at = c->link_bps > 0 ? RAISE_LINK : RAISE_AT;
	if (c->drop_age <= c->p.settle) /* the drain of what was queued before the drop */
		c->drop_age++;
	else if (full && x >= at * c->cap_est && c->cap_est < c->p.budget_bps) {
		c->cap_est *= CAP_GROW;
		if (c->cap_est > c->p.budget_bps)
			c->cap_est = c->p.budget_bps;
		if (c->cap_est >= REPROBE_AT * c->cap_at_fail) { /* the path grew back */
			c->since_fail_s = INFINITY;
			if (k > c->kmax) { /* the ones running share it again */
				c->kmax = k;
				c->shrink = false;
			}
		}
		c->events |= EVAC_EV_CAP_UP;
		c->raises++;
	}
}

/* Rule 8: connections per new migration, from the streams that stay below their share while
 * the bottleneck has headroom (window-limited). */
static void track_conns(struct evac_ctl *c, const struct evac_vm *vms, int n, int k, double x)
{
	c->conns_since_s += c->p.interval_s;
	if (c->events & EVAC_EV_CAP_DOWN) { /* path-limited now */
		c->conns = c->p.conns;
		c->slow_steps = 0;
		c->conns_probe_vm = -1;
		return;
	}
	int pv = c->conns_probe_vm;
	if (pv >= 0 && vms[pv].state != EVAC_ACTIVE && vms[pv].state != EVAC_SETUP) {
		c->conns_probe_vm = -1; /* finished before it was judged */
	} else if (pv >= 0 && vms[pv].active_steps > c->p.settle) {
		/* the probe: more connections must carry clearly more than one did */
		c->conns_probe_vm = -1;
		if (vms[pv].tput_bps < CONNS_GAIN * c->conns_tput) {
			c->conns = c->conns / 2 > c->p.conns ? c->conns / 2 : c->p.conns;
			c->conns_since_s = 0; /* no new increase before reprobe_s */
			c->conns_failed++;
			return;
		}
	}
	if (c->conns_probe_vm != -1 || c->conns_since_s < c->p.reprobe_s)
		return;
	int slow = -1;
	for (int i = 0; i < n && k > 0 && x < RAISE_AT * c->cap_est; i++) {
		const struct evac_vm *v = &vms[i];
		if (v->state == EVAC_ACTIVE && v->active_steps > c->p.settle &&
		    v->conns >= c->conns && v->cap_bps > 0 &&
		    v->tput_bps < WINDOW_LIM * v->cap_bps &&
		    v->tput_bps < WINDOW_LIM * c->cap_est / k && alone_on_host(vms, n, i))
			slow = i;
	}
	c->slow_steps = slow >= 0 ? c->slow_steps + 1 : 0;
	if (c->slow_steps > c->p.settle && c->conns < c->p.max_conns) {
		c->conns = 2 * c->conns > c->p.max_conns ? c->p.max_conns : 2 * c->conns;
		c->conns_vm = slow;
		c->conns_tput = vms[slow].tput_bps;
		c->conns_cap = vms[slow].cap_bps;
		c->slow_steps = 0;
		c->conns_probe_vm = -2; /* the next start is judged */
	}
}

static int step_controller(struct evac_ctl *c, struct evac_vm *vms, int n, int k, double x)
{
	double work = 0, in_setup = 0;
	bool all_active = true;
	track_capacity(c, vms, n, k, x);
	if (c->p.max_conns > c->p.conns)
		track_conns(c, vms, n, k, x);
	double b = c->cap_est;
	for (int i = 0; i < n; i++) {
		struct evac_vm *v = &vms[i];
		if (v->state == EVAC_SETUP) {
			all_active = false;
			if (v->setup_steps * c->p.interval_s > in_setup)
				in_setup = v->setup_steps * c->p.interval_s;
		}
		if (v->state == EVAC_SETUP || v->state == EVAC_ACTIVE)
			work += v->remaining;
		if (v->state == EVAC_ACTIVE && v->active_steps == 1 && v->setup_steps > 0) {
			double t = v->setup_steps * c->p.interval_s;
			c->setup_est_s = c->setup_est_s > 0 ? 0.7 * c->setup_est_s + 0.3 * t : t;
		}
	}
	double setup_est = c->setup_est_s > in_setup ? c->setup_est_s : in_setup;
	if (c->probe_vm >= 0)
		judge_probe(c, vms, k, x);
	c->under_steps = x < UTIL_TARGET * b ? c->under_steps + 1 : 0;
	int q = next_queued(c, vms, n);
	int maxc = c->p.max_concurrency > 0 ? c->p.max_concurrency : n;
	if (q >= 0 && k == 0) {
		start(c, vms, q);
		k++;
		c->under_steps = 0;
	} else if (q >= 0 && c->probe_vm < 0 && c->under_steps >= c->p.settle && k < maxc &&
	           b - x >= floor_of(&vms[q], b)) {
		if (k < c->kmax) {
			start(c, vms, q); /* replaces a finished one: k was validated */
			k++;
			c->under_steps = 0;
		} else if (k == c->kmax && c->since_fail_s >= c->p.reprobe_s) {
			start(c, vms, q);
			c->probe_vm = q;
			c->k_before = k;
			c->x_before = all_active ? x : -1;
			k++;
			c->under_steps = 0;
		}
	}
	q = next_queued(c, vms, n);
	if (q >= 0 && k > 0 && k < maxc && work / b < setup_est) {
		start(c, vms, q); /* rule 4: its setup overlaps the others' transfer */
		k++;
		c->probe_vm = -1;
	}
	if (k <= c->kmax)
		c->shrink = false;
	allocate(c, vms, n, b, c->shrink ? c->kmax : n);
	return k;
}

int evac_ctl_step(struct evac_ctl *c, struct evac_vm *vms, int n)
{
	double b = c->p.budget_bps, x = 0;
	int k = 0, kmax0 = c->kmax;
	c->steps++;
	c->since_fail_s += c->p.interval_s;
	c->events = 0;
	c->cap_before = c->cap_est;
	c->kmax_before = c->kmax;
	c->conns_before = c->conns;
	for (int i = 0; i < n; i++) {
		vms[i].start = false;
		vms[i].setup_steps += vms[i].state == EVAC_SETUP;
		vms[i].active_steps += vms[i].state == EVAC_ACTIVE;
		if (running(&vms[i])) {
			k++;
			x += vms[i].tput_bps;
		} else {
			vms[i].cap_bps = 0;
		}
	}
	if (c->p.policy == EVAC_CONTROLLER) {
		k = step_controller(c, vms, n, k, x);
		if (c->kmax != kmax0)
			c->events |= EVAC_EV_KMAX;
		if (c->conns != c->conns_before)
			c->events |= EVAC_EV_CONNS;
		return k;
	}
	if (c->p.policy == EVAC_SEQUENTIAL || c->p.policy == EVAC_FIXED_K) {
		int kk = c->p.policy == EVAC_FIXED_K && c->p.max_concurrency > 0
		                 ? c->p.max_concurrency
		                 : 1;
		for (int q = best_queued(vms, n, b); k < kk && q >= 0; q = best_queued(vms, n, b)) {
			start(c, vms, q);
			k++;
		}
	} else {
		for (int i = 0; i < n; i++)
			if (vms[i].state == EVAC_QUEUED) {
				start(c, vms, i);
				k++;
			}
	}
	for (int i = 0; i < n; i++)
		if (will_run(&vms[i]))
			vms[i].cap_bps = b / k;
	return k;
}
