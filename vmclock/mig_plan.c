// SPDX-License-Identifier: MIT
/* On-demand synchronization around a live migration (pure; see mig_plan.h). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "mig_plan.h"
#include "tsync/vmclock.h"

static const char *const names[] = {"prepare", "start", "pass", "final", "end", "cancel"};

int mig_phase_parse(const char *s, enum mig_phase *out)
{
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (s && strcmp(s, names[i]) == 0) {
			*out = (enum mig_phase)i;
			return 0;
		}
	return -EINVAL;
}

const char *mig_phase_name(enum mig_phase p)
{
	return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}

void mig_plan_init(struct mig_plan *p, double lead_s, double hold_s)
{
	memset(p, 0, sizeof(*p));
	p->lead_s = lead_s > 0 ? lead_s : 0;
	p->hold_s = hold_s > 0 ? hold_s : 0;
}

/* Time left after a pass of `pages` that took dt, the previous one having had `prev` pages:
 * the geometric series of the following passes; < 0 when the passes do not shrink. */
static double left_after_pass(uint64_t prev, uint64_t pages, double dt)
{
	if (!prev || pages >= prev)
		return -1;
	double r = (double)pages / (double)prev;
	return dt * r / (1 - r);
}

int mig_plan_event(struct mig_plan *p, bool source, enum mig_phase ph, double now, uint64_t pages,
                   double eta_s)
{
	switch (ph) {
	case MIG_PHASE_PREPARE:
	case MIG_PHASE_START:
		if (!p->active || p->ended) {
			p->active = true;
			p->ended = false;
			p->start_t = p->last_pass_t = now;
			p->last_pages = 0;
			p->passes = 0;
		}
		p->switch_t = now; /* unknown: as if near */
		if (source && ph == MIG_PHASE_START)
			p->flags = VMCLOCK_FLAG_DISRUPTION_SOON;
		break;
	case MIG_PHASE_PASS: {
		if (!p->active || p->ended)
			return -EINVAL;
		double left = left_after_pass(p->last_pages, pages, now - p->last_pass_t);
		p->switch_t = left >= 0 ? now + left : now;
		p->last_pass_t = now;
		p->last_pages = pages;
		p->passes++;
		break;
	}
	case MIG_PHASE_FINAL:
		if (!p->active || p->ended)
			return -EINVAL;
		p->switch_t = now;
		if (source)
			p->flags = VMCLOCK_FLAG_DISRUPTION_SOON | VMCLOCK_FLAG_DISRUPTION_IMMINENT;
		break;
	case MIG_PHASE_END:
	case MIG_PHASE_CANCEL:
		if (!p->active)
			return ph == MIG_PHASE_END ? -EINVAL : 0;
		p->ended = true;
		p->end_t = now;
		p->flags = 0;
		break;
	default:
		return -EINVAL;
	}
	if (eta_s >= 0 && !p->ended)
		p->switch_t = now + eta_s;
	return 0;
}

double mig_plan_due(struct mig_plan *p, double now)
{
	if (!p->active)
		return 0;
	double until;
	if (p->ended) {
		until = p->end_t + p->hold_s;
		if (now >= until) {
			p->active = false; /* the hold is over: the rate is back to normal */
			return 0;
		}
	} else {
		/* not yet: a burst now would be over before it mattered (one still running when
		 * the lead begins is extended instead, so the rate never drops in between) */
		if (p->switch_t - p->lead_s > fmax(now, p->burst_until))
			return 0;
		until = fmax(p->switch_t, now) + p->hold_s;
	}
	if (p->burst_until >= until - 0.5 || until - now < 0.5)
		return 0;
	p->burst_until = until;
	p->requests++;
	return until - now;
}
