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
 *      47      1     flags: bit 0 (DTPD_EXT_F_CORR) the correction below is valid; other
 *                    bits zero on send, ignored on receipt
 *      48      8     bound, ns: how far what the frame's counter stands for may be from the
 *                    root's clock, as the sender knows it (0 at the root; DTPD_BOUND_UNKNOWN:
 *                    the sender has none yet): with DTPD_EXT_F_CORR the sender's own clock
 *                    bound, else its counter's. Above DTPD_BOUND_MAX (other than
 *                    DTPD_BOUND_UNKNOWN) the trailer is refused (-ERANGE)
 *      56      4     correction, ns, signed: the sender's clock minus the time of the frame's
 *                    counter (epoch + counter x 6.4 ns) at the instant the frame leaves
 *
 *    60 bytes from the destination MAC (DTPD_EXT_END): the whole minimum Ethernet frame.
 *
 *    With flag bit 1 (DTPD_EXT_F_PREV) or bit 2 (DTPD_EXT_F_PEER), BEACONs only, the frame is
 *    76 bytes (DTPD_EXT_LONG_END) and carries:
 *      60      8     PREV: the tx_ts of the previous BEACON the sender sent on this port (the
 *                    instant it claimed to leave)
 *      68      4     PREV: its real TX stamp minus that tx_ts, ns, signed (the send path's
 *                    latency predicted from recent TX stamps is wrong by 1-10 us per frame
 *                    on a loaded veth: measured)
 *      72      4     PEER: the sender's last measurement of the receiver from the receiver's
 *                    BEACONs, ns, signed: the sender's clock at their rx minus the
 *                    receiver's clock when they left (= -offset + one-way delay)
 *    Bytes of a block whose flag is clear are zero on send, ignored on receipt. A frame with
 *    either flag shorter than DTPD_EXT_LONG_END is a bad frame (-EINVAL).
 *    PREV is PTP's two-step: a receiver holds each BEACON's sample until the next BEACON
 *    brings its correction. PEER makes the BEACONs of the two directions a two-way exchange
 *    (PTP's Delay_Req/Resp): the receiver's own measurement x (its clock - the sender's at
 *    departure = offset + delay) and the sender's of it give delay = (x + PEER) / 2 on frames
 *    that take the BEACONs' path: on veth a BEACON, sent by a process just woken by its timer,
 *    reached the peer 0.5-1.4 us after its TX stamp, an INIT / INIT-ACK exchange 0.1 us
 *    (measured), so the INIT delay left a 0.5-1.4 us bias in every sample.
 *
 *    The burst request (trailer version 1, flag bit 3, DTPD_EXT_F_BURST), BEACONs only: the
 *    sender asks the receiver (its upstream) to beacon faster. The frame is then 84 bytes
 *    (DTPD_EXT_BURST_END): the block at 60-76 is present (zero where PREV / PEER are clear) and
 *      76      4     the burst's remaining duration, ms, 1..DTPD_BURST_MS_MAX
 *      80      1     hops: how many nodes further up may still pass it on, 1..DTPD_BURST_HOPS
 *      81      3     zero on send, ignored on receipt
 *    A frame with the flag shorter than DTPD_EXT_BURST_END is a bad frame (-EINVAL); a
 *    duration or hops out of range is refused (-EDOM). A follower puts it in every BEACON it
 *    sends on an upstream port while its own burst is on (so a lost frame loses nothing; the
 *    duration is what is left, so repeating it never extends the burst). A receiver takes it
 *    only on a port that is not one of its upstream ports (the root: any port; a request
 *    from upstream, or on a port with dtpd's `burst_requests 0`, is refused), bursts until
 *    at least then (dtp_device_burst: beacons at 1/8 of the interval on all its ports) and,
 *    if it is a follower, passes it on upstream with hops - 1 (not at all at 0): a request travels up the tree at most DTPD_BURST_HOPS nodes
 *    and only up, so it cannot loop; every refusal is counted (`burst_refused` in `dtpd ctl
 *    SOCK status`) and logged with its reason. A plain DTP peer ignores bytes 44 and on.

 *    Why the correction: a counter set by the max rule keeps the largest timestamp noise it
 *    ever saw (it never goes back), so after a while a follower's counter leads its
 *    upstream's by that much (measured 4.6 us on veth) while its clock, disciplined to the
 *    upstream's beacons, stays close. A BEACON's receiver disciplines its clock to time(c) +
 *    correction (the sender's clock, as PTP boundary clocks do); the counters still follow the
 *    max rule, unchanged.
 *
 *    A node's own (clock) bound, `bound_ns` in `dtpd ctl SOCK status`: the upstream's bound
 *    (the trailer of the BEACONs it follows) + the last |offset| + the one-way delay (the
 *    asymmetry no two-way exchange sees is at most that) + 3 sigma of the servo's estimate +
 *    the delay margin. Its counter bound (`cbound_ns`): the upstream's counter bound +
 *    max(delay margin + one-way delay, the DTP core's d). A frame without the trailer (a
 *    plain DTP peer) counts as a bound of 0 (the root's) and no correction.
 */
/*
 * 2. The counter page (dtpd's `counter_page PATH`, e.g. /dev/shm/dtpd): a file of one struct
 *    dtpd_counter_page, native byte order, that applications map read-only to read the
 *    network's counter without asking the daemon. dtpd rewrites it every 100 ms under a
 *    seqlock and removes it on exit:
 *
 *      writer: seq += 1 (odd); fields; seq += 1 (even), with release ordering
 *      reader: s1 = seq (acquire); if odd, retry; copy the fields; fence (acquire);
 *              if seq != s1, retry
 *
 *    The counter at TSC value t: counter + (t - tsc) x tsc_ns_q32 / 2^32 / 6.4 (ticks of
 *    156.25 MHz), modulo 2^53; its time: epoch_ns + counter x 6.4 ns (the root's clock, as
 *    far as bound_ns); the node's own clock is that + clock_minus_counter_ns. A reader
 *    should check magic, version and size first, and flags & DTPD_CPAGE_F_SYNC (every port
 *    with a link in SYNC) before it trusts the counter. dtpd/dtpd_cpage.c has a reader
 *    (dtpd_cpage_read), `dtpd counter PATH` prints it.
 */
#ifndef UAPI_DTPD_H
#define UAPI_DTPD_H

#include <stdint.h>

#define DTPD_CPAGE_MAGIC   0x43505444u /* "DTPC" */
#define DTPD_CPAGE_VERSION 1
#define DTPD_CPAGE_F_SYNC  0x1 /* every port with a link is in SYNC */
#define DTPD_CPAGE_F_ROOT  0x2 /* this node is the root */
#define DTPD_CPAGE_F_TSC   0x4 /* tsc and tsc_ns_q32 are valid (an x86 TSC) */

struct dtpd_counter_page {
	uint32_t magic;                 /* DTPD_CPAGE_MAGIC */
	uint16_t version;               /* DTPD_CPAGE_VERSION */
	uint16_t size;                  /* sizeof(struct dtpd_counter_page) */
	uint32_t seq;                   /* the seqlock: odd while dtpd writes */
	uint32_t flags;                 /* DTPD_CPAGE_F_* */
	uint64_t counter;               /* the global counter (53 bits) at the pair's instant */
	uint64_t tsc;                   /* the TSC at that instant */
	uint64_t tsc_ns_q32;            /* CLOCK_MONOTONIC_RAW ns per TSC tick, x 2^32 */
	int64_t mono_raw_ns;            /* CLOCK_MONOTONIC_RAW at that instant */
	int64_t epoch_ns;               /* the time of counter 0, ns since 1970 */
	int64_t clock_minus_counter_ns; /* the node's clock - time(counter) */
	int64_t bound_ns;               /* the node's own bound (-1: unknown) */
	uint64_t updates;               /* writes so far */
};

#define DTPD_EXT_OFF       44
#define DTPD_EXT_END       60
#define DTPD_EXT_TAG       0xD7B0
#define DTPD_EXT_VERSION   1
#define DTPD_EXT_F_CORR    0x01
#define DTPD_EXT_F_PREV    0x02
#define DTPD_EXT_F_PEER    0x04
#define DTPD_EXT_LONG_END  76
#define DTPD_EXT_F_BURST   0x08
#define DTPD_EXT_BURST_END 84
#define DTPD_BURST_MS_MAX  600000u /* 10 minutes */
#define DTPD_BURST_HOPS    8       /* a request's hops at its origin, and the most taken */
#define DTPD_BOUND_UNKNOWN UINT64_MAX
#define DTPD_BOUND_MAX     (UINT64_C(1) << 62)

#endif
