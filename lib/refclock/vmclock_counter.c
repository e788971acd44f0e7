// SPDX-License-Identifier: MIT
/* The counter a VM's page maps, for host-side readers (tsync/vmclock_counter.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "tsync/vmclock.h"
#include "tsync/vmclock_counter.h"

int vmclock_counter_parse(const char *transform, const char *tsc_offset, struct tsc_xform *x,
                          char *err, size_t errlen)
{
	*x = (struct tsc_xform){0};
	if (transform) {
		char why[200];
		if (tsc_xform_parse(transform, x, why, sizeof(why))) {
			snprintf(err, errlen, "--tsc-transform: %s", why);
			return -EINVAL;
		}
	}
	if (tsc_offset) {
		char *end;
		errno = 0;
		long long k = strtoll(tsc_offset, &end, 0);
		if (!*tsc_offset || *end || errno) {
			snprintf(err, errlen,
			         "--tsc-offset '%s': not a signed tick count (decimal or 0x hex)",
			         tsc_offset);
			return -EINVAL;
		}
		x->offset += (uint64_t)k; /* modulo 2^64, as the page's */
	}
	return 0;
}

uint64_t vmclock_counter_xform(void *ctx)
{
#if defined(__x86_64__)
	return tsc_xform_apply(ctx, vmclock_rdtsc());
#else
	(void)ctx;
	return 0;
#endif
}
