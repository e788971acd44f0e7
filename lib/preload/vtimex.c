// SPDX-License-Identifier: MIT
/*
 * Kernel timex semantics for an emulated clock (see include/tsync/vtimex.h). Mirrors
 * kernel/time/ntp.c where a program can tell the difference: range checks, the read-only
 * status bits, scaled-ppm frequency, maxerror growth and the returned fields.
 */
#include <errno.h>
#include <string.h>

#include "tsync/vtimex.h"

#define VTIMEX_MAXTC  10
#define MAXPHASE_NS   500000000LL
#define MAXERR_GROWTH 500    /* us per second */
#define ADJTIME_MASK  0x8000 /* ADJ_ADJTIME: adjtime()-style single shot */

void vtimex_init(struct vtimex *s, double adj_ppb, tmv_t mono_ns)
{
	memset(s, 0, sizeof(*s));
	s->tick = VTIMEX_TICK_NOMINAL;
	s->freq = (long)(adj_ppb * 65.536 + (adj_ppb < 0 ? -0.5 : 0.5));
	s->status = STA_UNSYNC;
	s->maxerror_us = VTIMEX_MAXERROR_US;
	s->maxerror_set_ns = mono_ns;
	s->esterror_us = VTIMEX_MAXERROR_US;
	s->constant = 2;
}

double vtimex_freq_ppb(const struct vtimex *s)
{
	return (double)s->freq / 65.536 + (double)(s->tick - VTIMEX_TICK_NOMINAL) * 1e5;
}

/* maxerror as the kernel would show it now: +500 us per elapsed second, capped, after which
 * the clock is unsynchronised. */
static void age_maxerror(struct vtimex *s, tmv_t mono_ns)
{
	tmv_t dt = mono_ns - s->maxerror_set_ns;
	long secs = dt > 0 ? (long)(dt / NS_PER_SEC) : 0;
	if (secs <= 0)
		return;
	s->maxerror_set_ns += (tmv_t)secs * NS_PER_SEC;
	if (s->maxerror_us >= VTIMEX_MAXERROR_US - (long)secs * MAXERR_GROWTH) {
		s->maxerror_us = VTIMEX_MAXERROR_US;
		s->status |= STA_UNSYNC;
	} else {
		s->maxerror_us += secs * MAXERR_GROWTH;
	}
}

static int validate(const struct timex *tx)
{
	if (tx->modes & ADJTIME_MASK) {
		/* only the two adjtime() forms may carry this bit */
		if (tx->modes != ADJ_OFFSET_SINGLESHOT && tx->modes != ADJ_OFFSET_SS_READ)
			return -EINVAL;
		return 0;
	}
	if ((tx->modes & ADJ_TICK) &&
	    (tx->tick < VTIMEX_TICK_NOMINAL * 9 / 10 || tx->tick > VTIMEX_TICK_NOMINAL * 11 / 10))
		return -EINVAL;
	if (tx->modes & ADJ_SETOFFSET) {
		long lim = (tx->modes & ADJ_NANO) ? NS_PER_SEC : 1000000;
		if (tx->time.tv_usec < 0 || tx->time.tv_usec >= lim)
			return -EINVAL;
	}
	return 0;
}

static tmv_t setoffset_ns(const struct timex *tx)
{
	tmv_t frac = tx->time.tv_usec;
	if (!(tx->modes & ADJ_NANO))
		frac *= NS_PER_US;
	return (tmv_t)tx->time.tv_sec * NS_PER_SEC + frac;
}

static void apply_modes(struct vtimex *s, const struct timex *tx, tmv_t mono_ns,
                        struct vtimex_action *act)
{
	int m = tx->modes;
	if (m & ADJ_STATUS) {
		int ro = STA_PPSSIGNAL | STA_PPSJITTER | STA_PPSWANDER | STA_PPSERROR |
		         STA_CLOCKERR | STA_NANO | STA_MODE | STA_CLK;
		s->status = (s->status & ro) | (tx->status & ~ro);
	}
	if (m & ADJ_NANO)
		s->status |= STA_NANO;
	if (m & ADJ_MICRO)
		s->status &= ~STA_NANO;
	if (m & ADJ_MAXERROR) {
		long e = tx->maxerror;
		s->maxerror_us = e < 0 ? 0 : e > VTIMEX_MAXERROR_US ? VTIMEX_MAXERROR_US : e;
		s->maxerror_set_ns = mono_ns;
	}
	if (m & ADJ_ESTERROR)
		s->esterror_us = tx->esterror;
	if (m & ADJ_TIMECONST)
		s->constant = tx->constant < 0              ? 0
		              : tx->constant > VTIMEX_MAXTC ? VTIMEX_MAXTC
		                                            : tx->constant;
	if ((m & ADJ_TAI) && tx->constant >= 0)
		s->tai = (int)tx->constant;
	if (m & ADJ_FREQUENCY) {
		long f = tx->freq;
		s->freq = f > VTIMEX_MAXFREQ    ? VTIMEX_MAXFREQ
		          : f < -VTIMEX_MAXFREQ ? -VTIMEX_MAXFREQ
		                                : f;
		act->set_freq = true;
	}
	if (m & ADJ_TICK) {
		s->tick = tx->tick;
		act->set_freq = true;
	}
	if ((m & ADJ_OFFSET) && (s->status & (STA_PLL | STA_FLL))) {
		/* the kernel PLL would slew this out over time; the emulation corrects it at once */
		tmv_t off = tx->offset;
		if (!(s->status & STA_NANO))
			off *= NS_PER_US;
		off = off > MAXPHASE_NS ? MAXPHASE_NS : off < -MAXPHASE_NS ? -MAXPHASE_NS : off;
		act->step = true;
		act->step_ns += off;
	}
}

int vtimex_apply(struct vtimex *s, struct timex *tx, tmv_t mono_ns, tmv_t clock_ns,
                 struct vtimex_action *act)
{
	struct timespec now;
	int e;

	memset(act, 0, sizeof(*act));
	if ((e = validate(tx)))
		return e;
	age_maxerror(s, mono_ns);
	if (tx->modes & ADJTIME_MASK) {
		if (tx->modes == ADJ_OFFSET_SINGLESHOT && tx->offset) {
			act->step = true; /* adjtime() slews; the emulation steps at once */
			act->step_ns = (tmv_t)tx->offset * NS_PER_US;
		}
		tx->offset = 0; /* nothing left to slew */
		return (s->status & (STA_UNSYNC | STA_CLOCKERR)) ? TIME_ERROR : TIME_OK;
	}
	if (tx->modes & ADJ_SETOFFSET) {
		act->step = true;
		act->step_ns = setoffset_ns(tx);
	}
	apply_modes(s, tx, mono_ns, act);
	act->freq_ppb = vtimex_freq_ppb(s);

	clock_ns += act->step_ns;
	now = tmv_to_timespec(clock_ns);
	tx->offset = 0;
	tx->freq = s->freq;
	tx->maxerror = s->maxerror_us;
	tx->esterror = s->esterror_us;
	tx->status = s->status;
	tx->constant = s->constant;
	tx->precision = 1;
	tx->tolerance = VTIMEX_MAXFREQ;
	tx->time.tv_sec = now.tv_sec;
	tx->time.tv_usec = (s->status & STA_NANO) ? now.tv_nsec : now.tv_nsec / 1000;
	tx->tick = s->tick;
	tx->ppsfreq = tx->jitter = tx->stabil = tx->jitcnt = tx->calcnt = tx->errcnt = tx->stbcnt =
	        0;
	tx->shift = 0;
	tx->tai = s->tai;
	return (s->status & (STA_UNSYNC | STA_CLOCKERR)) ? TIME_ERROR : TIME_OK;
}
