// SPDX-License-Identifier: MIT
/*
 * vmclockd: the TAI offset from the kernel. Pages are UTC; newer Linux drivers return TAI and
 * need VMCLOCK_FLAG_TAI_OFFSET_VALID to give it, so by default (no --tai-offset) the page
 * carries the offset the host kernel knows (struct timex .tai, set by chrony/ptp4l/ptpd).
 * Read only: adjtimex with modes 0 queries, it never changes the clock or the offset.
 */
#include <errno.h>
#include <sys/timex.h>

#include "vmclockd.h"

void vmclockd_tai_apply(struct vmclockd_estimate *e, int kernel_tai)
{
	/* the kernel keeps 0 until told: unknown, not "TAI = UTC" */
	e->tai_valid = kernel_tai > 0 && kernel_tai <= 32767;
	e->tai_offset_sec = e->tai_valid ? (int16_t)-kernel_tai : 0;
}

int vmclockd_tai_refresh(struct vmclockd *d)
{
	if (!d->tai_kernel)
		return 0;
	struct timex tx = {.modes = 0}; /* a query */
	if (adjtimex(&tx) < 0)
		return -errno;
	vmclockd_tai_apply(&d->est, tx.tai);
	return 0;
}
