/* SPDX-License-Identifier: MIT */
/*
 * dtpd's additions to the DTP L2 frame (include/uapi/dtp.h, part 2), for its peers.
 *
 * 1. The bound trailer. A DTP L2 frame is 44 bytes; Ethernet pads it to 60. dtpd writes a
 *    trailer into that padding, so a plain DTP receiver (which ignores bytes 44 and on) still
 *    reads the frame; all integers big-endian:
 *
 *      offset  size  field
 *      44      2     tag 0xD7B0 (DTPD_EXT_TAG); any other value: no trailer
 *      46      1     trailer version (DTPD_EXT_VERSION, 1); another value: no trailer
 *      47      1     flags, zero on send, ignored on receipt
 *      48      8     counter bound, ns: how far the sender's counter (the one its BEACONs
 *                    carry) may be from the root's, as the sender knows it (0 at the root;
 *                    DTPD_BOUND_UNKNOWN: the sender has none yet). Above DTPD_BOUND_MAX
 *                    (other than DTPD_BOUND_UNKNOWN) the trailer is refused (-ERANGE)
 *
 *    56 bytes from the destination MAC (DTPD_EXT_END), within the 60-byte minimum frame.
 *
 *    A node's counter bound: its upstream's (from the trailer of the BEACONs it follows) +
 *    max(delay margin + one-way delay, the DTP core's d): its counter is set d = least
 *    measured delay - margin after the upstream's, so it lags by up to the margin + the
 *    asymmetry no two-way exchange sees (at most the one-way delay), and leads by at most d. A node's own
 *    (clock) bound, `bound_ns` in `dtpd ctl SOCK status`: the upstream's counter bound + the
 *    last |offset| + the one-way delay + 3 sigma of the servo's estimate + the margin. A frame
 *    without the trailer (a plain DTP peer) counts as a counter bound of 0 (the root's).
 */
#ifndef UAPI_DTPD_H
#define UAPI_DTPD_H

#include <stdint.h>

#define DTPD_EXT_OFF       44
#define DTPD_EXT_END       56
#define DTPD_EXT_TAG       0xD7B0
#define DTPD_EXT_VERSION   1
#define DTPD_BOUND_UNKNOWN UINT64_MAX
#define DTPD_BOUND_MAX     (UINT64_C(1) << 62)

#endif
