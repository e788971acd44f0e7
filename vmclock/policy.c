// SPDX-License-Identifier: MIT
/* vmclockd publishing and migration policies (pure; see policy.h for the guarantees). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "policy.h"
#include "tsc.h"

int vmclock_policy_parse(const char *s, enum vmclock_policy *out)
{
	static const char *const names[] = {"step", "slew", "freeze"};
	for (unsigned i = 0; i < 3; i++)
		if (s && strcmp(s, names[i]) == 0) {
			*out = (enum vmclock_policy)i;
			return 0;
		}
	return -EINVAL;
}

const char *vmclock_policy_name(enum vmclock_policy p)
{
	switch (p) {
	case VMCLOCK_POLICY_STEP:
		return "step";
	case VMCLOCK_POLICY_SLEW:
		return "slew";
	case VMCLOCK_POLICY_FREEZE:
		return "freeze";
	}
	return "?";
}

void vmclock_pub_init(struct vmclock_pub *s, enum vmclock_policy policy, double slew_max,
                      double horizon_s)
{
	memset(s, 0, sizeof(*s));
	s->policy = policy;
	s->slew_max = slew_max > 0 && slew_max < 0.5 ? slew_max : 1e-3;
	s->horizon_s = horizon_s > 0 ? horizon_s : 1.0;
	s->disruption_marker = 1;
}

/* ceil(x) as uint64, saturating; x >= 0 */
static uint64_t ceil_u64(double x)
{
	if (!(x >= 0))
		return 0;
	if (x >= 18446744073709549568.0)
		return UINT64_MAX;
	return (uint64_t)ceil(x);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* Host time extrapolated to `anchor`, with its bound and estimate (ns, rounded up). */
static int host_at(const struct vmclock_host *h, uint64_t anchor, int64_t *t, uint64_t *maxe,
                   uint64_t *este)
{
	if (!(h->ns_per_tick > 0) || !(h->rate_maxerror >= 0) || !(h->rate_maxerror < 0.5) ||
	    !(h->rate_esterror >= 0))
		return -EINVAL;
	int64_t d = (int64_t)(anchor - h->counter);
	double dns = (double)d * h->ns_per_tick;
	if (fabs(dns) > 9e18)
		return -ERANGE;
	*t = h->time_ns + (int64_t)llround(dns);
	/* true period = ns_per_tick / (1 + e), |e| <= rate_maxerror */
	double rel = h->rate_maxerror / (1 - h->rate_maxerror);
	*maxe = sat_add(h->maxerror_ns, sat_add(ceil_u64(fabs(dns) * rel), 1));
	*este = sat_add(h->esterror_ns, ceil_u64(fabs(dns) * h->rate_esterror));
	return 0;
}

/* Fill out: guest time g_ns at anchor, off_ns = |guest - host| there, slew rate s. */
static int make_page(const struct vmclock_pub *st, const struct vmclock_host *h, uint64_t anchor,
                     int64_t g_ns, uint64_t off_ns, uint64_t maxe, uint64_t este, double s,
                     uint64_t extra_flags, struct vmclock_abi *out)
{
	uint64_t frac;
	uint8_t shift;
	if (g_ns < 0)
		return -ERANGE;
	int err = tsc_period_fields(h->ns_per_tick * (1 + s), &frac, &shift);
	if (err)
		return err;
	vmclock_page_init(out, VMCLOCK_PAGE_SIZE, VMCLOCK_COUNTER_X86_TSC, VMCLOCK_TIME_UTC);
	out->disruption_marker = st->disruption_marker;
	out->vm_generation_counter = st->vm_generation_counter;
	out->clock_status = h->status;
	out->leap_indicator = h->leap;
	out->tai_offset_sec = h->tai_valid ? h->tai_offset_sec : 0;
	out->counter_value = anchor;
	out->counter_period_frac_sec = frac;
	out->counter_period_shift = shift;
	/* |published - true| / published period: the clock's rate error, the slew, their
	 * product, and the rounding of the period to an integer (+2 units, +1e-15) */
	double e = h->rate_maxerror, as = fabs(s);
	double rel = (e + as + e * as) / ((1 - e) * (1 - as)) + 1e-15;
	out->counter_period_maxerror_rate_frac_sec = sat_add(ceil_u64((double)frac * rel), 2);
	out->counter_period_esterror_rate_frac_sec =
	        ceil_u64((double)frac * (h->rate_esterror + as));
	vmclock_ns_to_6464(g_ns, &out->time_sec, &out->time_frac_sec);
	/* +2: the floor of g_ns in 64.64 and the rounding of the host extrapolation */
	out->time_maxerror_nanosec = sat_add(sat_add(maxe, off_ns), 2);
	out->time_esterror_nanosec = sat_add(este, off_ns);
	out->flags = VMCLOCK_FLAG_TIME_MAXERROR_VALID | VMCLOCK_FLAG_PERIOD_MAXERROR_VALID |
	             VMCLOCK_FLAG_TIME_ESTERROR_VALID | VMCLOCK_FLAG_PERIOD_ESTERROR_VALID |
	             extra_flags |
	             (st->disruption_flags &
	              (VMCLOCK_FLAG_DISRUPTION_SOON | VMCLOCK_FLAG_DISRUPTION_IMMINENT));
	if (h->status == VMCLOCK_STATUS_INITIALIZING || h->status == VMCLOCK_STATUS_UNKNOWN) {
		/* no bound to give yet: a reader must not take these fields for one */
		out->flags &=
		        ~(VMCLOCK_FLAG_TIME_MAXERROR_VALID | VMCLOCK_FLAG_PERIOD_MAXERROR_VALID |
		          VMCLOCK_FLAG_TIME_ESTERROR_VALID | VMCLOCK_FLAG_PERIOD_ESTERROR_VALID);
		out->time_maxerror_nanosec = out->time_esterror_nanosec = 0;
		out->counter_period_maxerror_rate_frac_sec = 0;
		out->counter_period_esterror_rate_frac_sec = 0;
	}
	if (h->tai_valid)
		out->flags |= VMCLOCK_FLAG_TAI_OFFSET_VALID;
	if (st->gen_present)
		out->flags |= VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT;
	return 0;
}

/* ceil(k x rate / 2^(64 + shift) s) in ns (the rate fields' units), saturating */
static uint64_t rate_ns_up(uint64_t k, uint64_t rate, unsigned shift)
{
	unsigned __int128 y = (unsigned __int128)k * rate; /* < 2^128 */
	y = shift < 128 ? (y >> shift) + 1 : 1;            /* 2^-64 s, rounded up */
	uint64_t hi = (uint64_t)(y >> 64), lo = (uint64_t)y;
	unsigned __int128 f = (unsigned __int128)lo * 1000000000u;
	uint64_t fns = (uint64_t)(f >> 64) + 1;
	if (hi > (UINT64_MAX - fns) / 1000000000u)
		return UINT64_MAX;
	return hi * 1000000000u + fns;
}

void vmclock_page_rebase(struct vmclock_abi *p, uint64_t k)
{
	unsigned __int128 t = ((unsigned __int128)p->time_sec << 64) | p->time_frac_sec;
	unsigned __int128 back =
	        ((unsigned __int128)k * p->counter_period_frac_sec) >> p->counter_period_shift;
	if (k == 0 || k > p->counter_value || back > t)
		return;
	/* the reader adds floor(k x period) back: at the old anchor it gets exactly t */
	t -= back;
	p->counter_value -= k;
	p->time_sec = (uint64_t)(t >> 64);
	p->time_frac_sec = (uint64_t)t;
	unsigned sh = p->counter_period_shift;
	if (p->flags & VMCLOCK_FLAG_TIME_MAXERROR_VALID)
		p->time_maxerror_nanosec =
		        sat_add(p->time_maxerror_nanosec,
		                rate_ns_up(k, p->counter_period_maxerror_rate_frac_sec, sh));
	if (p->flags & VMCLOCK_FLAG_TIME_ESTERROR_VALID)
		p->time_esterror_nanosec =
		        sat_add(p->time_esterror_nanosec,
		                rate_ns_up(k, p->counter_period_esterror_rate_frac_sec, sh));
}

static uint64_t uabs(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

int vmclock_pub_update(struct vmclock_pub *s, const struct vmclock_host *h, uint64_t anchor,
                       struct vmclock_abi *out)
{
	int64_t ht, g;
	uint64_t maxe, este, off = 0, extra = 0;
	double slew = 0;
	int err = host_at(h, anchor, &ht, &maxe, &este);
	if (err)
		return err;
	switch (s->policy) {
	case VMCLOCK_POLICY_STEP:
		g = ht;
		break;
	case VMCLOCK_POLICY_FREEZE:
		if (__builtin_add_overflow(ht, s->offset_ns, &g))
			return -ERANGE;
		off = uabs(s->offset_ns);
		break;
	case VMCLOCK_POLICY_SLEW:
	default:
		g = ht;
		if (s->have_prev) {
			/* continue exactly from the previous page: new(anchor) >= old(anchor) */
			struct vmclock_reading r;
			int64_t c;
			err = vmclock_eval(&s->prev, anchor, &r);
			if (!err)
				err = vmclock_6464_to_ns_ceil(r.sec, r.frac, &c);
			if (err)
				return err;
			g = c + 1;
		}
		int64_t o = g - ht;
		double want = -(double)o / (s->horizon_s * 1e9);
		slew = fmax(-s->slew_max, fmin(s->slew_max, want));
		off = uabs(o);
		s->slew_offset_ns = o;
		extra = VMCLOCK_FLAG_TIME_MONOTONIC;
		break;
	}
	s->slew = slew;
	err = make_page(s, h, anchor, g, off, maxe, este, slew, extra, out);
	if (err)
		return err;
	vmclock_page_rebase(out, s->anchor_back_ticks);
	s->prev = *out;
	s->have_prev = true;
	s->updates++;
	return 0;
}

int vmclock_pub_migrate_in(struct vmclock_pub *s, const struct vmclock_stop_record *rec,
                           const struct vmclock_host *h, uint64_t anchor, struct vmclock_abi *out)
{
	int64_t ht;
	uint64_t maxe, este;
	if (rec->time_type != VMCLOCK_TIME_UTC || rec->time_ns < 0)
		return -EINVAL;
	int err = host_at(h, anchor, &ht, &maxe, &este);
	if (err)
		return err;
	s->disruption_marker =
	        (rec->disruption_marker > s->disruption_marker ? rec->disruption_marker
	                                                       : s->disruption_marker) +
	        1;
	s->vm_generation_counter = rec->vm_generation_counter;
	s->disruption_flags = 0;
	s->offset_ns = 0;
	s->have_prev = false;
	switch (s->policy) {
	case VMCLOCK_POLICY_STEP:
		break;
	case VMCLOCK_POLICY_FREEZE:
		s->offset_ns = rec->time_ns - ht; /* guest time at anchor = the frozen value */
		break;
	case VMCLOCK_POLICY_SLEW: {
		/* a page that gives exactly the frozen time at the anchor: update() continues it */
		struct vmclock_abi *p = &s->prev;
		vmclock_page_init(p, VMCLOCK_PAGE_SIZE, VMCLOCK_COUNTER_X86_TSC, VMCLOCK_TIME_UTC);
		p->counter_value = anchor;
		vmclock_ns_to_6464(rec->time_ns, &p->time_sec, &p->time_frac_sec);
		p->counter_period_frac_sec = 0;
		s->have_prev = true;
		break;
	}
	}
	s->migrations++;
	return vmclock_pub_update(s, h, anchor, out);
}

double vmclock_pub_slew_remaining_s(const struct vmclock_pub *s)
{
	if (s->policy != VMCLOCK_POLICY_SLEW || s->slew == 0)
		return 0;
	return fabs((double)s->slew_offset_ns) / 1e9 / fabs(s->slew);
}
