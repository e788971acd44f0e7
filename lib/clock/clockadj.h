/* SPDX-License-Identifier: MIT */
/*
 * clock_adjtime() helpers shared by the sys and phc drivers. The conversions are pure and
 * unit-tested; the syscall wrappers are the ioctl/syscall boundary.
 */
#ifndef TSYNC_CLOCKADJ_H
#define TSYNC_CLOCKADJ_H

#include <sys/timex.h>
#include "tsync/time.h"

/* ppb <-> timex.freq (scaled ppm: ppm * 2^16). */
long clockadj_ppb_to_scaled_ppm(double ppb);
double clockadj_scaled_ppm_to_ppb(long scaled);
/* Fill tx for a frequency set / a step of delta_ns (ADJ_SETOFFSET|ADJ_NANO). Pure. */
void clockadj_fill_freq(struct timex *tx, double ppb);
void clockadj_fill_step(struct timex *tx, tmv_t delta_ns);

int clockadj_set_freq(clockid_t id, double ppb);
int clockadj_get_freq(clockid_t id, double *ppb);
int clockadj_step(clockid_t id, tmv_t delta_ns);

/* FD_TO_CLOCKID / CLOCKID_TO_FD as the kernel defines them (posix-timers: dynamic clocks). */
#define TSYNC_CLOCKFD 3
static inline clockid_t clockadj_fd_to_clockid(int fd)
{
	return (clockid_t)((((unsigned int)~fd) << 3) | TSYNC_CLOCKFD);
}
static inline int clockadj_clockid_to_fd(clockid_t id)
{
	return (int)~(id >> 3); /* arithmetic shift, as the kernel's CLOCKID_TO_FD */
}

#endif
