/* SPDX-License-Identifier: MIT */
/*
 * PTP exchanges (IEEE 1588-2019 11.3 E2E, 11.4 P2P) as pure state machines: messages and
 * timestamps in, samples out. No I/O, no clock reads, no config lookups: the few settings are
 * resolved once into struct exch_cfg. Used by the daemon (ptpd-wl/daemon/port_rx.c, port_tx.c)
 * and by the capture reader (analysis/readers/pcap.c).
 *
 * Header-only (static inline): tsync-analyze links no ptpd-wl object, so the reader includes
 * this file by path; core/delay.c's arithmetic calls the same functions.
 *
 * Units and signs everywhere here:
 *   t1..t4   tmv_t ns, each on the clock that took it (master's or slave's, see each function)
 *   corr     correctionField units: ns * 2^16 (scaled ns), as in ptp_header.correction
 *   delay    mean path (E2E) / link (P2P) delay, ns, one way
 *   offset   ns, local (slave) minus master: positive = local clock ahead
 * Results are rounded to the nearest ns (ties away from zero) and saturate at INT64 limits;
 * correctionField sums are checked and an overflowing one drops the message (-EOVERFLOW).
 */
#ifndef PTPD_CORE_EXCHANGE_H
#define PTPD_CORE_EXCHANGE_H

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "tsync/time.h"

/* ---- arithmetic, 128-bit scaled ns ------------------------------------------------------ */

typedef __int128 exch_s128;
#define EXCH_SCALE ((exch_s128)65536)

/* x / d rounded half away from zero, saturated to int64 (d > 0). */
static inline tmv_t exch_round_div(exch_s128 x, exch_s128 d)
{
	exch_s128 q = (x >= 0 ? x + d / 2 : x - d / 2) / d;

	if (q > INT64_MAX)
		return INT64_MAX;
	if (q < INT64_MIN)
		return INT64_MIN;
	return (tmv_t)q;
}

/* (b - a) ns as scaled ns, minus corr (scaled ns). */
static inline exch_s128 exch_leg(tmv_t a, tmv_t b, int64_t corr)
{
	return ((exch_s128)b - a) * EXCH_SCALE - corr;
}

/* E2E mean path delay, ns: ((t2 - t1 - c_sync) + (t4 - t3 - c_delay)) / 2.
 * t1 master Sync egress, t2 slave Sync ingress, t3 slave Delay_Req egress, t4 master
 * Delay_Req ingress; c_sync Sync + Follow_Up corrections, c_delay Delay_Resp's (scaled ns). */
static inline tmv_t exch_e2e_mean_path(tmv_t t1, tmv_t t2, tmv_t t3, tmv_t t4, int64_t c_sync,
                                       int64_t c_delay)
{
	return exch_round_div(exch_leg(t1, t2, c_sync) + exch_leg(t3, t4, c_delay), 2 * EXCH_SCALE);
}

/* E2E offset, ns, local minus master: ((t2 - t1 - c_sync) - (t4 - t3 - c_delay)) / 2. */
static inline tmv_t exch_e2e_offset(tmv_t t1, tmv_t t2, tmv_t t3, tmv_t t4, int64_t c_sync,
                                    int64_t c_delay)
{
	return exch_round_div(exch_leg(t1, t2, c_sync) - exch_leg(t3, t4, c_delay), 2 * EXCH_SCALE);
}

/* Offset of one Sync, ns, local minus master: t2 - t1 - c_sync - mean_delay (ns). */
static inline tmv_t exch_offset(tmv_t t1, tmv_t t2, int64_t c_sync, tmv_t mean_delay)
{
	return exch_round_div(exch_leg(t1, t2, c_sync) - (exch_s128)mean_delay * EXCH_SCALE,
	                      EXCH_SCALE);
}

/* P2P mean link delay, ns, we the requester: (nrr * (t4 - t1) - (t3 - t2) - c_resp - c_fup) / 2.
 * t1 our Pdelay_Req egress, t4 our Pdelay_Resp ingress (our clock); t2 responder's Pdelay_Req
 * ingress, t3 its Pdelay_Resp egress (its clock; both 0 for a one-step responder, whose
 * turnaround is in c_resp); c_resp, c_fup scaled ns; nrr responder/our rate, 1.0 if unknown. */
static inline tmv_t exch_p2p_mean_link(tmv_t t1, tmv_t t2, tmv_t t3, tmv_t t4, int64_t c_resp,
                                       int64_t c_fup, double nrr)
{
	exch_s128 rtt = ((exch_s128)t4 - t1) * EXCH_SCALE;
	exch_s128 turn = ((exch_s128)t3 - t2) * EXCH_SCALE + c_resp + c_fup;

	if (nrr != 1.0 && isfinite(nrr) && nrr > 0.0)
		rtt = (exch_s128)llroundl((long double)rtt * (long double)nrr);
	return exch_round_div(rtt - turn, 2 * EXCH_SCALE);
}

/* ---- configuration ---------------------------------------------------------------------- */

/* delayAsymmetry bound: [-2^47, 2^47) scaled ns ([-2^31, 2^31) ns, the config range): its
 * negation is exact. */
#define EXCH_ASYM_MAX (1LL << 47)

struct exch_cfg {
	int64_t asymmetry;    /* delayAsymmetry, scaled ns: master-to-slave minus mean delay */
	bool assume_two_step; /* wait for a Follow_Up even when a Sync's twoStepFlag is clear */
};

/* asymmetry_ns: delayAsymmetry in ns (config value). 0, or -ERANGE outside [-2^31, 2^31) ns. */
static inline int exch_cfg_init(struct exch_cfg *cfg, int64_t asymmetry_ns, bool assume_two_step)
{
	if (asymmetry_ns >= EXCH_ASYM_MAX / 65536 || asymmetry_ns < -(EXCH_ASYM_MAX / 65536))
		return -ERANGE;
	cfg->asymmetry = asymmetry_ns * 65536;
	cfg->assume_two_step = assume_two_step;
	return 0;
}

/* What overflowed when a call returned -EOVERFLOW: a + b, scaled ns, in a `what` message. */
struct exch_ovf {
	const char *what; /* "Sync", "Follow_Up", "Delay_Resp" */
	int64_t a, b;
};

static inline int exch_corr_add(int64_t a, int64_t b, int64_t *out, struct exch_ovf *ovf,
                                const char *what)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r)) {
		if (ovf)
			*ovf = (struct exch_ovf){.what = what, .a = a, .b = b};
		return -EOVERFLOW;
	}
	*out = r;
	return 0;
}

enum { EXCH_WAIT = 0, EXCH_DONE = 1 };

/* ---- Sync / Follow_Up pairing (slave side) ---------------------------------------------- */

struct exch_sync {
	bool valid;    /* a Sync is held (complete when !need_fup) */
	bool need_fup; /* two-step: its Follow_Up has not come */
	uint16_t seq;
	tmv_t t1, t2; /* master egress (origin / preciseOrigin), local ingress, ns */
	int64_t corr; /* Sync + delayAsymmetry + Follow_Up corrections, scaled ns */
	struct {
		bool valid;
		uint16_t seq;
		tmv_t t1;
		int64_t corr;
	} early; /* a Follow_Up that overtook its Sync */
};

static inline bool exch_sync_complete(const struct exch_sync *s)
{
	return s->valid && !s->need_fup;
}

/*
 * A Sync from the master: seq its sequenceId, two_step its flag, origin its originTimestamp
 * (ns, used when one-step), corr its correctionField (scaled ns), t2 our ingress (ns).
 * EXCH_DONE (t1, t2, corr complete), EXCH_WAIT (two-step, Follow_Up awaited), or -EOVERFLOW
 * (*ovf says which sum; the Sync is dropped).
 */
static inline int exch_sync_rx(struct exch_sync *s, const struct exch_cfg *cfg, uint16_t seq,
                               bool two_step, tmv_t origin, int64_t corr, tmv_t t2,
                               struct exch_ovf *ovf)
{
	s->valid = false;
	/* IEEE 1588-2019 11.6.2: correctedSyncCorrectionField = correction + delayAsymmetry */
	if (exch_corr_add(corr, cfg->asymmetry, &s->corr, ovf, "Sync"))
		return -EOVERFLOW;
	s->valid = true;
	s->seq = seq;
	s->t2 = t2;
	if (!two_step && !cfg->assume_two_step) {
		s->need_fup = false;
		s->t1 = origin;
		return EXCH_DONE;
	}
	s->need_fup = true;
	if (!s->early.valid || s->early.seq != seq)
		return EXCH_WAIT;
	s->early.valid = false;
	if (exch_corr_add(s->corr, s->early.corr, &s->corr, ovf, "Follow_Up")) {
		s->valid = false;
		return -EOVERFLOW;
	}
	s->t1 = s->early.t1;
	s->need_fup = false;
	return EXCH_DONE;
}

/*
 * A Follow_Up from the master: seq, precise_origin (ns), corr (scaled ns). EXCH_DONE when it
 * completes the held Sync, EXCH_WAIT when kept for a Sync still to come (one at a time, the
 * newest), -EOVERFLOW (the held Sync is dropped).
 */
static inline int exch_fup_rx(struct exch_sync *s, uint16_t seq, tmv_t precise_origin, int64_t corr,
                              struct exch_ovf *ovf)
{
	if (!s->valid || !s->need_fup || s->seq != seq) {
		s->early.valid = true;
		s->early.seq = seq;
		s->early.t1 = precise_origin;
		s->early.corr = corr;
		return EXCH_WAIT;
	}
	if (exch_corr_add(s->corr, corr, &s->corr, ovf, "Follow_Up")) {
		s->valid = false;
		return -EOVERFLOW;
	}
	s->t1 = precise_origin;
	s->need_fup = false;
	return EXCH_DONE;
}

/* ---- E2E Delay_Req / Delay_Resp (slave side) -------------------------------------------- */

struct exch_dreq {
	bool pending;
	uint16_t seq;
	tmv_t t1, t2, t3; /* the Sync it pairs with (t1, t2) and our egress t3, ns */
	int64_t c_sync;   /* that Sync's corrections, scaled ns */
};

/* A Delay_Req went out (seq, t3 our egress, ns), paired with the complete Sync in *s.
 * 0, or -EAGAIN (no complete Sync: nothing recorded, d->pending false). */
static inline int exch_dreq_sent(struct exch_dreq *d, const struct exch_sync *s, uint16_t seq,
                                 tmv_t t3)
{
	d->pending = false;
	if (!exch_sync_complete(s))
		return -EAGAIN;
	*d = (struct exch_dreq){
	        .pending = true, .seq = seq, .t1 = s->t1, .t2 = s->t2, .t3 = t3, .c_sync = s->corr};
	return 0;
}

/* Does a Delay_Resp with sequenceId seq answer the pending request? true ends it. */
static inline bool exch_dresp_match(struct exch_dreq *d, uint16_t seq)
{
	if (!d->pending || d->seq != seq)
		return false;
	d->pending = false;
	return true;
}

/* Mean path delay (ns) of a matched request: t4 the Delay_Resp receiveTimestamp (ns), corr its
 * correctionField (scaled ns). 11.6.3: the Delay_Req would carry -delayAsymmetry, which the
 * master copies back; applied here instead. 0 and *mpd, or -EOVERFLOW. */
static inline int exch_dresp_sample(const struct exch_dreq *d, const struct exch_cfg *cfg, tmv_t t4,
                                    int64_t corr, tmv_t *mpd, struct exch_ovf *ovf)
{
	int64_t c_delay;

	if (exch_corr_add(corr, -cfg->asymmetry, &c_delay, ovf, "Delay_Resp"))
		return -EOVERFLOW;
	*mpd = exch_e2e_mean_path(d->t1, d->t2, d->t3, t4, d->c_sync, c_delay);
	return 0;
}

/* ---- P2P Pdelay (requester side) -------------------------------------------------------- */

struct exch_pdelay {
	bool pending, have_resp;
	uint16_t seq;
	tmv_t t1, t2,
	        t4;     /* our Req egress, responder's Req ingress (0 one-step), our Resp ingress */
	int64_t c_resp; /* Pdelay_Resp correctionField, scaled ns */
};

/* Our Pdelay_Req went out: seq, t1 our egress (ns). */
static inline void exch_pdelay_sent(struct exch_pdelay *pd, uint16_t seq, tmv_t t1)
{
	*pd = (struct exch_pdelay){.pending = true, .seq = seq, .t1 = t1};
}

/*
 * A Pdelay_Resp to our request: seq, two_step its flag, t2 its requestReceiptTimestamp (ns),
 * t4 our ingress (ns), corr its correctionField (scaled ns). EXCH_DONE with *mld (one-step:
 * the exchange ends), EXCH_WAIT (two-step: its Follow_Up awaited), -ENOENT (no request with
 * that seq pending) or -EALREADY (a second response: more than one peer on the link).
 */
static inline int exch_pdelay_resp_rx(struct exch_pdelay *pd, uint16_t seq, bool two_step, tmv_t t2,
                                      tmv_t t4, int64_t corr, tmv_t *mld)
{
	if (!pd->pending || pd->seq != seq)
		return -ENOENT;
	if (pd->have_resp)
		return -EALREADY;
	pd->have_resp = true;
	pd->t4 = t4;
	pd->c_resp = corr;
	if (two_step) {
		pd->t2 = t2;
		return EXCH_WAIT;
	}
	pd->t2 = 0; /* one-step responder: its turnaround is in the correction */
	pd->pending = false;
	*mld = exch_p2p_mean_link(pd->t1, 0, 0, pd->t4, pd->c_resp, 0, 1.0);
	return EXCH_DONE;
}

/* Its Pdelay_Resp_Follow_Up: seq, t3 responseOriginTimestamp (ns), corr (scaled ns).
 * EXCH_DONE with *mld, or -ENOENT (no response with that seq awaiting it). */
static inline int exch_pdelay_fup_rx(struct exch_pdelay *pd, uint16_t seq, tmv_t t3, int64_t corr,
                                     tmv_t *mld)
{
	if (!pd->pending || !pd->have_resp || pd->seq != seq)
		return -ENOENT;
	pd->pending = false;
	*mld = exch_p2p_mean_link(pd->t1, pd->t2, t3, pd->t4, pd->c_resp, corr, 1.0);
	return EXCH_DONE;
}

#endif
