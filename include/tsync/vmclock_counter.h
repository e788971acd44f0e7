/* SPDX-License-Identifier: MIT */
/*
 * The counter a VM's vmclock page maps, for a reader outside the VM (tsync-vmclock-read,
 * tsync-clockbound) on a host whose TSC is not the machine's (issue 14 item 3).
 *
 * vmclockd publishes a VM's page in the guest's counter: this host's TSC (its
 * --tsc-transform, tsync/tsc_xform.h, applied to the machine's raw TSC) plus the VM's
 * tsc_offset (`migrate-in ... tsc_offset=K`, shown by `vmclockd --send "status VM"`). A
 * reader that reads the raw TSC reads such a page at the wrong counter value: it must read
 * the same counter. Both terms fold into one transform: raw -> T(raw) + K.
 */
#ifndef TSYNC_VMCLOCK_COUNTER_H
#define TSYNC_VMCLOCK_COUNTER_H

#include <stddef.h>
#include <stdint.h>

#include "tsync/tsc_xform.h"

/*
 * The reader's counter from its options: transform "OFFSET,PPM" as vmclockd's
 * --tsc-transform (NULL: the machine's TSC) and tsc_offset a signed tick count, decimal or
 * 0x hex (NULL: 0). 0, or -EINVAL with a reason naming the option and the bad part in err.
 */
int vmclock_counter_parse(const char *transform, const char *tsc_offset, struct tsc_xform *x,
                          char *err, size_t errlen);
/* A vmclock_counter_fn (tsync/vmclock.h): ctx is a const struct tsc_xform *, applied to the
 * machine's TSC. */
uint64_t vmclock_counter_xform(void *ctx);

#endif
