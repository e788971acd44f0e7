/* SPDX-License-Identifier: MIT */
/*
 * 802.11v Timing Measurement bookkeeping for wifi_mode tm (pure, no I/O): IEEE 802.1AS-2020
 * clause 12's exchange, the master (initiator) sending TM frames to its peer, each carrying
 * the t1 / t4 of the previous one (its follow-up):
 *
 *   initiator  TM frame k out (TX status: t1), its ACK back (RX: t4); the next TM frame carries
 *              follow-up k, TOD = t1, TOA = t4 (the master's clock, 10 ns units, low 32 bits)
 *   responder  TM frame k in (RX: t2), its ACK out (TX status: t3); when a frame with
 *              follow-up k arrives, k's t1..t4 are complete:
 *                offset = ((t2 - t1) - (t4 - t3)) / 2 (responder minus initiator)
 *                delay  = ((t2 - t1) + (t4 - t3)) / 2
 *
 * Times are kept as CLOCK_REALTIME ns (TSFT mapped by wifi_tsf) and mapped onto the daemon's
 * clock only when used, so a step of that clock in between does not mix time bases.
 */
#ifndef PTPD_WIFI_TM_H
#define PTPD_WIFI_TM_H

#include <stdbool.h>
#include <stdint.h>

struct wifi_tm {
	/* initiator */
	uint8_t token; /* last dialog token sent (1..255) */
	int ack_for;   /* token whose TX status was seen, awaiting its ACK (-1: none) */
	int done;      /* token with t1 and t4 known, not yet followed up (-1: none) */
	int64_t t1[256], t4[256];
	/* responder */
	int ack_of; /* token received last, awaiting the TX status of our ACK (-1) */
	int64_t t2[256], t3[256];
};

void wifi_tm_init(struct wifi_tm *tm);

/* initiator: the token of the next TM frame, and the exchange it follows up (false: none yet;
 * else *fup, *t1, *t4 set and the exchange is consumed). */
uint8_t wifi_tm_next_token(struct wifi_tm *tm);
bool wifi_tm_follow_up(struct wifi_tm *tm, uint8_t *fup, int64_t *t1, int64_t *t4);
/* initiator: the TX status of TM frame token (t1), the ACK addressed to us after it (t4). */
void wifi_tm_sent(struct wifi_tm *tm, uint8_t token, int64_t t1);
void wifi_tm_acked(struct wifi_tm *tm, int64_t t4);

/* responder: TM frame token received at t2; the TX status of the ACK we sent at t3. */
void wifi_tm_received(struct wifi_tm *tm, uint8_t token, int64_t t2);
void wifi_tm_ack_sent(struct wifi_tm *tm, int64_t t3);
/* responder: t2 and t3 of exchange token (consumed); false when either is missing. */
bool wifi_tm_exchange(struct wifi_tm *tm, uint8_t token, int64_t *t2, int64_t *t3);

/* A TOD / TOA (10 ns units, the low 32 bits of the initiator's clock) as the full time, ns,
 * nearest to near (the responder's time of the same event: within +-21 s). */
int64_t wifi_tm_unwrap(uint32_t v10ns, int64_t near);

/* The offset and path delay of one exchange (all four on the same scale as the caller
 * chose), ns. */
void wifi_tm_offset(int64_t t1, int64_t t2, int64_t t3, int64_t t4, int64_t *offset,
                    int64_t *delay);

#endif
