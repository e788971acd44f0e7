/* SPDX-License-Identifier: MIT */
/*
 * DTP wire formats (Datacenter Time Protocol, Lee et al., SIGCOMM 2016).
 *
 * Counters. Every DTP counter (a port's local counter lc, a device's global counter gc, the
 * value a message carries) is 53 bits wide and counts ticks of the 156.25 MHz 10GBASE-R block
 * clock (T = 6.4 ns, one 66-bit block per tick). Counters wrap modulo 2^53 (about 1.8 years at
 * 156.25 MHz); they are compared with a signed difference modulo 2^53 (dtp/core/dtp_counter.h),
 * never with < on the raw value.
 *
 * 1. The PHY encoding: a DTP message rides in a 10GBASE-R idle control block.
 *
 *    A 66-bit block is a 2-bit sync header (10 = control block, not part of the bytes below)
 *    and 64 bits: the block type byte and 56 bits of payload. An all-idle block has block type
 *    0x1E and eight 7-bit /I/ control characters (all zero) in its 56 payload bits. DTP
 *    replaces those 56 bits, only in idle blocks, so no frame is ever delayed by DTP:
 *
 *      byte 0     block type 0x1E (DTP_IDLE_BLOCK_TYPE)
 *      bytes 1-7  the 56-bit DTP word, least significant byte first:
 *                   bits 55..54  message type (enum dtp_msg_type: INIT, INIT-ACK, BEACON,
 *                                AUX)
 *                   bit  53      parity: the 56-bit word has an even number of one bits
 *                   bits 52..0   the 53-bit counter
 *
 *    An all-zero word is a plain idle block (no DTP message): the decoder says so with
 *    -ENOMSG. Any other word with odd parity is corrupt (-EBADMSG). 8 bytes in total
 *    (DTP_IDLE_BLOCK_LEN); any other length is -EINVAL.
 *
 * 2. The L2 frame (for the daemon on NICs whose PHY cannot be changed): an Ethernet frame with
 *    the local experimental ethertype 0x88B5, all integers big-endian:
 *
 *      offset  size  field
 *      0       6     destination MAC
 *      6       6     source MAC
 *      12      2     ethertype 0x88B5 (DTP_ETHERTYPE)
 *      14      1     version (DTP_VERSION, 1); any other value is -EPROTO
 *      15      1     message type (enum dtp_msg_type; 4 and above are -EBADMSG)
 *      16      2     port: the sender's port number
 *      18      2     reserved, zero on send, ignored on receipt
 *      20      8     counter: the 53-bit counter (the top 11 bits must be zero: -EBADMSG)
 *      28      8     tx timestamp: the sender's transmit time (ns on its free-running
 *                    oscillator, e.g. CLOCK_MONOTONIC_RAW; written as the frame leaves; 0 if none)
 *      36      8     echo timestamp: in an INIT-ACK the tx timestamp of the INIT it answers
 *                    advanced by the responder's turnaround (INIT received -> INIT-ACK sent),
 *                    so the requester's round trip is t4 - echo with no knowledge of the
 *                    peer's clock; otherwise 0
 *
 *    44 bytes of header and payload (DTP_FRAME_LEN); a received frame may be longer (padding
 *    to the 60-byte Ethernet minimum), never shorter (-EINVAL).
 *
 * Codecs (dtp/core/dtp_wire.h) check length, then version/ethertype, then parity/type/range
 * before they read a field.
 */
#ifndef UAPI_DTP_H
#define UAPI_DTP_H

#include <stdint.h>

#define DTP_COUNTER_BITS 53
#define DTP_COUNTER_MASK ((UINT64_C(1) << DTP_COUNTER_BITS) - 1)
#define DTP_TICK_PS      6400 /* 156.25 MHz */

/*
 * AUX messages (enhanced DTP; plain DTP devices ignore them). The 53-bit counter field holds
 * a kind in bits 52..48 and a 48-bit value in bits 47..0. A sender sends them beside a BEACON
 * (the next idle block), never in its place; a receiver ignores kinds it does not know.
 *   BOUND: the sender's hop count to the per-node error bound's root (DTP_HOPS_UNKNOWN: none)
 *   FREE:  the sender's free-running tick count (its own oscillator, never adjusted by the max
 *          rule) modulo 2^48: the receiver estimates the sender's oscillator rate from it
 *   RATE:  the sender's estimate of the network's rate over its own oscillator, minus 1, in
 *          units of 2^-40 (0 .. 2^48 - 1): frequency syntonization's distance vector
 */
enum dtp_aux_kind {
	DTP_AUX_BOUND = 0,
	DTP_AUX_FREE = 1,
	DTP_AUX_RATE = 2,
};
#define DTP_AUX_KIND_SHIFT 48
#define DTP_AUX_VALUE_MASK ((UINT64_C(1) << DTP_AUX_KIND_SHIFT) - 1)
#define DTP_HOPS_UNKNOWN   0xFFFF
#define DTP_RATE_FRAC_BITS 40

enum dtp_msg_type {
	DTP_MSG_INIT = 0,     /* INIT(c): c = the sender's lc when sent */
	DTP_MSG_INIT_ACK = 1, /* INIT-ACK(c): echoes the c of the INIT it answers */
	DTP_MSG_BEACON = 2,   /* BEACON(c): c = the sender's gc when sent */
	DTP_MSG_AUX = 3,      /* AUX(kind, value): the enhancements' side channel, above */
	DTP_MSG_NTYPES = 4,
};

/* idle-block encoding */
#define DTP_IDLE_BLOCK_TYPE 0x1E
#define DTP_IDLE_BLOCK_LEN  8
#define DTP_WORD_TYPE_SHIFT 54
#define DTP_WORD_PARITY_BIT 53

/* L2 frame */
#define DTP_ETHERTYPE      0x88B5
#define DTP_VERSION        1
#define DTP_FRAME_LEN      44
#define DTP_FRAME_MIN_WIRE 60 /* what a sender pads to */

#endif
