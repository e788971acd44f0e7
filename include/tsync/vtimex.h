/* SPDX-License-Identifier: MIT */
/*
 * vtimex: the kernel's NTP timex interface (adjtimex / ntp_adjtime / clock_adjtime) emulated
 * for one clock, as a pure state machine. The LD_PRELOAD library (tools/preload/) keeps one
 * per process and turns each request into vclock actions, so an unmodified ptp4l or chronyd
 * steers a vclock exactly as it would steer CLOCK_REALTIME.
 *
 * Emulated: ADJ_FREQUENCY and ADJ_TICK (together: the vclock's frequency adjustment),
 * ADJ_SETOFFSET (step, ADJ_NANO aware), ADJ_OFFSET with STA_PLL/STA_FLL and
 * ADJ_OFFSET_SINGLESHOT (adjtime(): applied at once as a step, not slewed), ADJ_STATUS (the
 * read-only STA_* bits are kept), ADJ_MAXERROR (grows by 500 us/s since it was set, like the
 * kernel; STA_UNSYNC once it reaches 16 s), ADJ_ESTERROR, ADJ_TIMECONST, ADJ_TAI, ADJ_NANO/
 * ADJ_MICRO; ADJ_OFFSET_SS_READ reads 0. Range checks follow the kernel (-EINVAL).
 * Not emulated: the kernel PLL/FLL dynamics (an ADJ_OFFSET is corrected immediately), PPS
 * fields, leap second insertion (STA_INS/STA_DEL only change the returned state).
 */
#ifndef TSYNC_VTIMEX_H
#define TSYNC_VTIMEX_H

#include <stdbool.h>
#include <sys/timex.h>
#include "tsync/time.h"

#define VTIMEX_TICK_NOMINAL 10000        /* us per USER_HZ tick */
#define VTIMEX_MAXFREQ      (500L << 16) /* +-500 ppm, scaled ppm */
#define VTIMEX_MAXERROR_US  16000000L    /* NTP_PHASE_LIMIT: STA_UNSYNC from here on */

struct vtimex {
	long freq;             /* scaled ppm (ppm * 65536), as last set */
	long tick;             /* us per tick */
	int status;            /* STA_* */
	long maxerror_us;      /* at maxerror_set_ns */
	tmv_t maxerror_set_ns; /* monotonic time maxerror was last set */
	long esterror_us;
	long constant;
	int tai;
};

/* What a request asks of the clock (the caller applies it: frequency first, then the step). */
struct vtimex_action {
	bool set_freq;
	double freq_ppb; /* total frequency adjustment (freq and tick), + = faster */
	bool step;
	tmv_t step_ns; /* add to the clock */
};

/* Initial state: frequency adj_ppb (the vclock's current adjustment), STA_UNSYNC, maxerror
 * 16 s, at monotonic time mono_ns. */
void vtimex_init(struct vtimex *s, double adj_ppb, tmv_t mono_ns);
/* Total frequency adjustment (freq and tick), ppb. */
double vtimex_freq_ppb(const struct vtimex *s);
/* Apply request tx at monotonic time mono_ns, when the clock reads clock_ns; fill *act and
 * write the state back into tx as the kernel does. Returns the clock state (TIME_OK,
 * TIME_ERROR, ...) or -EINVAL (then nothing changed and *act asks for nothing). */
int vtimex_apply(struct vtimex *s, struct timex *tx, tmv_t mono_ns, tmv_t clock_ns,
                 struct vtimex_action *act);

#endif
