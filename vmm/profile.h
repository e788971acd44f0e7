/* SPDX-License-Identifier: MIT */
/*
 * tsvmm memory fill profile ("zero=0.3,dup=0.2,disk=0.1,random=0.4") and size parsing.
 * Pure functions.
 */
#ifndef TSVMM_PROFILE_H
#define TSVMM_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/tsvmm-boot.h"

/* Fractions of the fill region per kind, indexed by enum tsvmm_fill_kind; sum 1. */
struct vmm_profile {
	double frac[TSVMM_FILL_KINDS];
};

/*
 * Parse "kind=fraction,..." with kinds zero, dup, disk, random (each at most once) and
 * fractions in [0, 1]. Kinds not named get 0, except that zero takes whatever is left when
 * the sum is below 1. 0, or -EINVAL with a message naming the bad part in err (errlen bytes).
 */
int vmm_profile_parse(const char *s, struct vmm_profile *p, char *err, size_t errlen);
/* Pages per kind for a fill region of npages: floor of each fraction, zero gets the rest. */
void vmm_profile_pages(const struct vmm_profile *p, uint64_t npages,
                       uint64_t out[TSVMM_FILL_KINDS]);
/* "zero=0.30,dup=0.20,disk=0.10,random=0.40" into buf. */
void vmm_profile_format(const struct vmm_profile *p, char *buf, size_t len);
/* Name of a kind ("random", "dup", "disk", "zero"). */
const char *vmm_profile_kind_name(int kind);

/* Parse a byte size: digits with an optional K, M, G or T suffix (binary, case-insensitive,
 * optional "iB"/"B"). 0 or -EINVAL (garbage, overflow). */
int vmm_parse_size(const char *s, uint64_t *bytes);

#endif
