/* SPDX-License-Identifier: MIT */
/* The bound trailer of dtpd's L2 frames (layout: include/uapi/dtpd.h). Pure. */
#ifndef DTPD_EXT_H
#define DTPD_EXT_H

#include <stddef.h>
#include <stdint.h>

#include "uapi/dtpd.h"

/* Write the trailer into frame (from the destination MAC, cap >= DTPD_EXT_END): the sender's
 * counter bound in ns (< 0: unknown). DTPD_EXT_END, or -ENOSPC. */
int dtpd_ext_encode(uint8_t *frame, size_t cap, int64_t bound_ns);
/* Read it from a received frame of len bytes (from the destination MAC): 0 with *bound_ns
 * (-1 when the sender said unknown), -ENOENT when there is none (short frame, another tag or
 * version: a plain DTP peer), -ERANGE for a bound above DTPD_BOUND_MAX. */
int dtpd_ext_decode(const uint8_t *frame, size_t len, int64_t *bound_ns);
/* "no trailer", "bound out of range", ... for a decode error. */
const char *dtpd_ext_strerror(int rc);

#endif
