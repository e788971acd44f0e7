/* SPDX-License-Identifier: MIT */
/*
 * Offset and path delay arithmetic (IEEE 1588-2019 11.3 E2E, 11.4 P2P) and a moving-median
 * path delay filter (linuxptp's tsproc + mmedian idea). Pure functions, no state but the
 * caller's filter struct.
 *
 * Units and signs everywhere here:
 *   t1..t4            tmv_t ns, each on its own clock (master's or slave's), see each function
 *   c_*               correctionField units: ns * 2^16 (scaled ns), as in ptp_header.correction
 *   mean path delay   ns, one way, >= 0 on a sane link (may come out negative with noise)
 *   offset            ns, local (slave) clock minus master clock: positive = local is ahead,
 *                     the servo must slow the local clock down (ptp4l's "master offset").
 * Results are rounded to the nearest ns (ties away from zero) and saturate at INT64 limits.
 */
#ifndef PTPD_CORE_DELAY_H
#define PTPD_CORE_DELAY_H

#include <stdint.h>

#include "tsync/time.h"

/*
 * E2E mean path delay from one Sync/Delay_Req exchange:
 *   t1 master Sync egress (Sync originTimestamp or Follow_Up preciseOriginTimestamp)
 *   t2 slave Sync ingress        t3 slave Delay_Req egress
 *   t4 master Delay_Req ingress (Delay_Resp receiveTimestamp)
 *   c_sync  Sync correctionField + Follow_Up correctionField (two-step)
 *   c_delay Delay_Resp correctionField
 *   mpd = ((t2 - t1 - c_sync) + (t4 - t3 - c_delay)) / 2
 */
tmv_t delay_e2e_mean_path(tmv_t t1, tmv_t t2, tmv_t t3, tmv_t t4, int64_t c_sync, int64_t c_delay);

/*
 * E2E offset from the same exchange, without any filtering:
 *   offset = ((t2 - t1 - c_sync) - (t4 - t3 - c_delay)) / 2
 */
tmv_t delay_e2e_offset(tmv_t t1, tmv_t t2, tmv_t t3, tmv_t t4, int64_t c_sync, int64_t c_delay);

/*
 * Offset of one Sync given a (filtered) mean path or link delay, for E2E and P2P alike:
 *   offset = t2 - t1 - c_sync - mean_delay
 * t1: master Sync egress, t2: local Sync ingress, c_sync: Sync + Follow_Up corrections.
 */
tmv_t delay_offset(tmv_t t1, tmv_t t2, int64_t c_sync, tmv_t mean_delay);

/*
 * P2P mean link delay from one Pdelay exchange (we are the requester):
 *   t1 our Pdelay_Req egress              t4 our Pdelay_Resp ingress
 *   t2 responder's Pdelay_Req ingress (Pdelay_Resp requestReceiptTimestamp; 0 if one-step)
 *   t3 responder's Pdelay_Resp egress (Follow_Up responseOriginTimestamp; 0 if one-step)
 *   c_resp Pdelay_Resp correctionField (a one-step responder puts its turnaround t3 - t2
 *          here), c_fup Pdelay_Resp_Follow_Up correctionField (0 if one-step)
 *   nrr    neighborRateRatio (responder frequency / ours), 1.0 if unknown
 *   mld = (nrr * (t4 - t1) - (t3 - t2) - c_resp - c_fup) / 2
 */
tmv_t delay_p2p_mean_link(tmv_t t1, tmv_t t2, tmv_t t3, tmv_t t4, int64_t c_resp, int64_t c_fup,
                          double nrr);

/*
 * Sanity gate (hostile or broken peers): samples outside physical bounds never reach the
 * servo. A mean path / link delay sample must lie in [DELAY_PATH_MIN_NS, DELAY_PATH_MAX_NS]:
 * slightly negative is noise (software stamps, a frequency error over the exchange), -10 ms
 * or less is not; a one-way delay above 1 s is no PTP link. 0, or -ERANGE with *why (a
 * static string; why may be NULL).
 */
#define DELAY_PATH_MIN_NS (-10000000LL)  /* -10 ms */
#define DELAY_PATH_MAX_NS (1000000000LL) /* 1 s */
int delay_path_check(tmv_t delay, const char **why);

/*
 * delay_offset() for the servo: 0 and *out, or -ERANGE when the offset is beyond
 * +-DELAY_OFFSET_MAX_NS (2^62 ns, 146 years: it saturated, or a step by it could overflow
 * the local clock). A legitimate first step (a clock counting from 1970 against one in
 * 2026: 1.8e18 ns) passes.
 */
#define DELAY_OFFSET_MAX_NS (1LL << 62)
int delay_offset_checked(tmv_t t1, tmv_t t2, int64_t c_sync, tmv_t mean_delay, tmv_t *out);

/* *out = a + b for correctionField sums (scaled ns): 0, or -EOVERFLOW (out unchanged). */
int delay_corr_add(int64_t a, int64_t b, int64_t *out);

/* P2P turnaround time of the responder (t3 - t2 plus corrections), ns: handy for logs. */
tmv_t delay_p2p_turnaround(tmv_t t2, tmv_t t3, int64_t c_resp, int64_t c_fup);

#define DELAY_FILTER_MAX 64

/* Moving median over the last len samples (len 1 = no filtering). */
struct delay_filter {
	tmv_t ring[DELAY_FILTER_MAX];
	unsigned len;   /* window length, 1..DELAY_FILTER_MAX */
	unsigned count; /* samples held, <= len */
	unsigned head;  /* next slot to write */
};

/* 0, or -EINVAL if len is 0 or > DELAY_FILTER_MAX. */
int delay_filter_init(struct delay_filter *f, unsigned len);
/* Forget the samples (e.g. after a new master was selected). */
void delay_filter_reset(struct delay_filter *f);
/* Add a sample (ns); returns the median of the samples held, the mean of the two middle
 * ones (rounded toward negative infinity) when their number is even. */
tmv_t delay_filter_push(struct delay_filter *f, tmv_t sample);

#endif
