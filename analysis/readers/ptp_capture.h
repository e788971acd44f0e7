/* SPDX-License-Identifier: MIT */
/*
 * PTP exchanges from a capture (pcap or pcapng via libpcap; Ethernet with 802.1Q/802.1ad
 * tags, Linux cooked v1/v2, raw IP; PTP over UDPv4, UDPv6 (ports 319/320) or L2 (0x88F7);
 * PTP v2.0 and v2.1 headers).
 *
 * End to end: Sync (+ Follow_Up when two-step) from a master, Delay_Req from a slave and the
 * master's Delay_Resp are matched by sequenceId and port identity:
 *   t1 = Sync originTimestamp (one-step) or Follow_Up preciseOriginTimestamp
 *   t2 = capture time of the Sync          (the message carries no receive time)
 *   t3 = capture time of the Delay_Req     (its originTimestamp is only approximate)
 *   t4 = Delay_Resp receiveTimestamp
 *   offset = ((t2 - t1 - cSync) - (t4 - t3 - cResp)) / 2, delay = the same with + ;
 *   c* the correctionFields (Sync + Follow_Up, Delay_Resp). An exchange pairs a Delay_Resp
 *   with the last completed Sync from the same master port.
 * Peer to peer: Pdelay_Req (t1 = capture time), Pdelay_Resp (t2 = requestReceiptTimestamp,
 *   t4 = capture time), Pdelay_Resp_Follow_Up (t3 = responseOriginTimestamp; one-step: the
 *   turnaround is in the correctionField, t3 shown as t2): delay = ((t4 - t1) - (t3 - t2) - c) / 2.
 * The pairing and the arithmetic are ptpd-wl's (ptpd-wl/core/exchange.h): exact integers in
 * scaled ns, offset and delay rounded to the nearest ns (ties away from zero); a Sync whose
 * correctionField sum overflows int64 is dropped. No delayAsymmetry is applied.
 * The capture is assumed to be taken at the slave (requester) side. Pdelay exchanges another
 * port requested (the far end of a P2P link, where both ends measure) have only the
 * responder's t2 and t3 here, the capture times standing for them: they are left out. The
 * local requester is the one whose exchanges give the largest median delay (its round trip
 * holds the link twice; the far end's come out near zero or negative).
 */
#ifndef TSYNC_ANALYSIS_PTP_CAPTURE_H
#define TSYNC_ANALYSIS_PTP_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "readers/reader.h"
#include "tsync/time.h"

struct ptp_exchange {
	unsigned long packet; /* 1-based number of the packet that completed the exchange */
	uint16_t seq;         /* sequenceId of the Sync (E2E) or Pdelay_Req (P2P) */
	bool peer;            /* a Pdelay exchange: offset is NAN */
	tmv_t t1, t2, t3, t4; /* ns */
	double offset_ns;     /* slave minus master */
	double delay_ns;      /* mean path delay (E2E) or link delay (P2P) */
};

/* Read every exchange of c->path into *out (malloc'd). 0 or -errno (c->err says why). */
int ptp_capture_read(struct reader_ctx *c, struct ptp_exchange **out, size_t *n);
/* Same from an open stream (e.g. fmemopen), which it always closes; c->path names it. */
int ptp_capture_read_fp(struct reader_ctx *c, FILE *f, struct ptp_exchange **out, size_t *n);

#endif
