/* SPDX-License-Identifier: MIT */
/*
 * tsvmm guest disk I/O workload ("write=4M,read=8M,write-hot=0.1,write-share=0.9"): rates and
 * locality the guest payload applies to its block device (tsvmm-boot.h io_* fields). Pure.
 */
#ifndef TSVMM_IO_PROFILE_H
#define TSVMM_IO_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/tsvmm-boot.h"

/* The rate FlimCD calls "moderately I/O intensive" as used by tsvmm's tests and bench. */
#define VMM_IO_MODERATE "write=4M,read=8M"

struct vmm_io_profile {
	uint64_t write_bps, read_bps;  /* bytes per second, 0 = none */
	double write_hot, write_share; /* hot set (fraction of the disk), share of writes in it */
	double read_hot, read_share;
	uint32_t cache_ms; /* page-cache writeback delay, ms (0: writes go straight out) */
};

/*
 * Parse "key=value,..." with keys write, read (bytes per second: digits with K/M/G), and
 * write-hot, write-share, read-hot, read-share (fractions in [0, 1]; defaults 0.1, 0.9, 0.2,
 * 0.8), cache (page-cache writeback delay in ms, 0 .. 60000, default 0: written blocks are
 * first a RAM page, flushed that much later), or "off". 0, or -EINVAL with a message naming the bad part in err.
 */
int vmm_io_parse(const char *s, struct vmm_io_profile *p, char *err, size_t errlen);
/* The profile into the boot parameters' io_* fields. */
void vmm_io_boot(const struct vmm_io_profile *p, struct tsvmm_boot_params *bp);
/* "write=4194304,read=8388608,write-hot=0.10,..." into buf. */
void vmm_io_format(const struct vmm_io_profile *p, char *buf, size_t len);

#endif
