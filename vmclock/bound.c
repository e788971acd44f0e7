// SPDX-License-Identifier: MIT
/* The host's error bound from the sync daemon's servo, term by term (bound.h). Pure. */
#include <math.h>
#include <string.h>

#include "bound.h"

void vmclock_bound_reset(struct vmclock_bound_hist *h)
{
	memset(h, 0, sizeof(*h));
}

/* The delay window holds the last distinct values: the delay moves at the Delay_Req rate,
 * which a burst of Sync does not raise, so a window of samples would be too short. */
double vmclock_bound_delay(const struct tsync_status *st)
{
	return (st->have & TSYNC_ST_DELAY_AVG) ? round(st->delay_avg_ns) : (double)st->delay_ns;
}

static void add_delay(struct vmclock_bound_hist *h, const struct tsync_status *st)
{
	if (!(st->have & (TSYNC_ST_DELAY | TSYNC_ST_DELAY_AVG)))
		return;
	double d = vmclock_bound_delay(st);
	if (h->dn && h->delay[(h->dhead + VMCLOCK_BOUND_WIN - 1) % VMCLOCK_BOUND_WIN] == d)
		return;
	h->delay[h->dhead] = d;
	h->dhead = (h->dhead + 1) % VMCLOCK_BOUND_WIN;
	if (h->dn < VMCLOCK_BOUND_WIN)
		h->dn++;
}

double vmclock_bound_offset(const struct tsync_status *st)
{
	/* ptpd-wl's robust estimate at its full sample rate: the median of its offsets over
	 * 0.125 s, the one largest in magnitude over that window (every sample since the last
	 * poll counts; one stamp's noise does not, a change of the clock's error that lasts a few
	 * samples does) */
	if (st->have & TSYNC_ST_OFFSET_PEAK)
		return st->offset_peak_ns;
	double raw = (double)st->offset_ns;
	if (!(st->have & TSYNC_ST_OFFSET_AVG))
		return raw;
	/* a daemon without it: the larger of the 0.1 s average and the last offset (the average
	 * alone lags a real transient of the host's clock: a CI run of test_vmclock_burst had
	 * 7 guest readings outside the bound, |err| 1.4x it, ~1 s after a resume) */
	return fabs(st->offset_avg_ns) > fabs(raw) ? st->offset_avg_ns : raw;
}

bool vmclock_bound_add(struct vmclock_bound_hist *h, const struct tsync_status *st)
{
	if (!(st->have & TSYNC_ST_OFFSET))
		return false;
	add_delay(h, st);
	if (st->have & TSYNC_ST_SAMPLES) {
		if (h->have_last && st->samples == h->last_samples)
			return false;
		if (h->have_last && st->samples < h->last_samples)
			vmclock_bound_reset(h); /* the servo restarted */
		h->last_samples = st->samples;
		h->have_last = true;
	}
	h->off[h->head] = vmclock_bound_offset(st);
	h->freq[h->head] = (st->have & TSYNC_ST_FREQ) ? st->freq_ppb : NAN;
	h->head = (h->head + 1) % VMCLOCK_BOUND_WIN;
	if (h->n < VMCLOCK_BOUND_WIN)
		h->n++;
	return true;
}

/* The i-th oldest sample's index. */
static unsigned at(const struct vmclock_bound_hist *h, unsigned i)
{
	return (h->head + VMCLOCK_BOUND_WIN - h->n + i) % VMCLOCK_BOUND_WIN;
}

double vmclock_bound_spread(const struct vmclock_bound_hist *h, double *mean)
{
	double s = 0, s2 = 0;
	for (unsigned i = 0; i < h->n; i++) {
		double o = h->off[at(h, i)];
		s += o;
		s2 += o * o;
	}
	if (mean)
		*mean = h->n ? s / h->n : 0;
	return h->n ? sqrt(s2 / h->n) : 0;
}

double vmclock_bound_path(const struct vmclock_bound_hist *h, const struct tsync_status *st)
{
	double lo = INFINITY, hi = -INFINITY;
	for (unsigned i = 0; i < h->dn; i++) {
		lo = fmin(lo, h->delay[i]);
		hi = fmax(hi, h->delay[i]);
	}
	if (st->have & (TSYNC_ST_DELAY | TSYNC_ST_DELAY_AVG)) {
		lo = fmin(lo, vmclock_bound_delay(st));
		hi = fmax(hi, vmclock_bound_delay(st));
	}
	return hi > lo ? hi - lo : 0;
}

double vmclock_bound_adev(const struct vmclock_bound_hist *h)
{
	double s2 = 0;
	unsigned m = 0;
	for (unsigned i = 1; i < h->n; i++) {
		double a = h->freq[at(h, i - 1)], b = h->freq[at(h, i)];
		if (isnan(a) || isnan(b))
			continue;
		s2 += (b - a) * (b - a);
		m++;
	}
	return m ? sqrt(s2 / m / 2) * 1e-9 : 0;
}

bool vmclock_bound_trusted(const struct vmclock_bound_hist *h, double last_offset_ns, double est_ns,
                           double k)
{
	if (h->n < VMCLOCK_BOUND_MIN)
		return false;
	double sigma = fmax(est_ns, vmclock_bound_spread(h, NULL));
	return fabs(last_offset_ns) <= k * sigma; /* the newest innovation fits the window */
}

uint64_t vmclock_bound_asym_default(enum ts_source src)
{
	switch (src) {
	case TS_SRC_PHC:
		return 100; /* hardware stamps: cable and PHY asymmetry */
	case TS_SRC_NIC:
		return 20; /* DTP ticks: a few 6.4 ns ticks of PHY asymmetry */
	case TS_SRC_SIM:
		return 0;
	default:
		return 1000; /* software stamps: the two stacks' paths differ */
	}
}

void vmclock_bound_eval(const struct vmclock_bound_hist *h, const struct tsync_status *st, double k,
                        double asym_ns, double freq_floor, double freq_locked,
                        struct vmclock_bound_terms *t)
{
	memset(t, 0, sizeof(*t));
	t->est_ns = st->est_ns >= 0 ? st->est_ns : 0;
	t->spread_ns = vmclock_bound_spread(h, NULL);
	t->sigma_ns = fmax(t->est_ns, t->spread_ns);
	t->path_ns = vmclock_bound_path(h, st);
	t->asym_ns = asym_ns;
	t->trusted =
	        st->est_ns >= 0 && vmclock_bound_trusted(h, vmclock_bound_offset(st), t->est_ns, k);
	if (!t->trusted) {
		double peak = fabs(vmclock_bound_offset(st));
		for (unsigned i = 0; i < h->n; i++)
			peak = fmax(peak, fabs(h->off[i]));
		t->converge_ns = peak;
	}
	t->adev = vmclock_bound_adev(h);
	t->maxerror_ns = asym_ns + t->path_ns + k * t->sigma_ns + t->converge_ns;
	t->esterror_ns = t->sigma_ns + t->converge_ns + t->path_ns / 2;
	/* above the locked rate the spread is the servo steering the clock (a 64 Hz burst moves
	 * its frequency by ppm between samples), which the page's line, rated over the TSC
	 * baseline, does not follow: the locked rate stays the ceiling */
	t->freq_maxerror =
	        t->trusted ? fmin(fmax(freq_floor, k * t->adev), freq_locked) : freq_locked;
}
