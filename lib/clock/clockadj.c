// SPDX-License-Identifier: MIT
/* clock_adjtime() helpers: pure timex builders and the syscall boundary. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/timex.h>

#include "clockadj.h"

long clockadj_ppb_to_scaled_ppm(double ppb)
{
	/* scaled ppm = ppm * 65536 = ppb * 65.536 */
	return lround(ppb * 65.536);
}

double clockadj_scaled_ppm_to_ppb(long scaled)
{
	return (double)scaled / 65.536;
}

void clockadj_fill_freq(struct timex *tx, double ppb)
{
	memset(tx, 0, sizeof(*tx));
	tx->modes = ADJ_FREQUENCY;
	tx->freq = clockadj_ppb_to_scaled_ppm(ppb);
}

void clockadj_fill_step(struct timex *tx, tmv_t delta_ns)
{
	struct timespec ts =
	        tmv_to_timespec(delta_ns); /* tv_nsec in [0, 1e9) as the kernel wants */
	memset(tx, 0, sizeof(*tx));
	tx->modes = ADJ_SETOFFSET | ADJ_NANO;
	tx->time.tv_sec = ts.tv_sec;
	tx->time.tv_usec = ts.tv_nsec; /* ADJ_NANO: the usec field carries ns */
}

int clockadj_set_freq(clockid_t id, double ppb)
{
	struct timex tx;
	clockadj_fill_freq(&tx, ppb);
	return clock_adjtime(id, &tx) < 0 ? -errno : 0;
}

int clockadj_get_freq(clockid_t id, double *ppb)
{
	struct timex tx;
	memset(&tx, 0, sizeof(tx));
	if (clock_adjtime(id, &tx) < 0)
		return -errno;
	*ppb = clockadj_scaled_ppm_to_ppb(tx.freq);
	return 0;
}

int clockadj_step(clockid_t id, tmv_t delta_ns)
{
	struct timex tx;
	clockadj_fill_step(&tx, delta_ns);
	return clock_adjtime(id, &tx) < 0 ? -errno : 0;
}
