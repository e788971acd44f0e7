/* SPDX-License-Identifier: MIT */
/*
 * A pure 802.11 DCF medium (tsync-wifi-medium's core): stations with frame queues contend for
 * one channel in simulated time (ns). No I/O, no clock, no allocation after dcf_init: the
 * caller enqueues frames (with their arrival times) ahead of time and calls dcf_run(d, until)
 * which reports every transmission that starts before `until` through a callback.
 *
 * The rules (802.11-2020 10.3.2, 10.3.4):
 *   - every station has a backoff counter that counts down one per idle slot once the medium
 *     has been idle for DIFS (also with nothing to send: post-backoff), frozen while busy;
 *   - a frame whose station's counter is 0 and that finds the medium idle for DIFS goes out at
 *     once (immediate access); a frame that arrives while the medium is busy draws a backoff
 *     uniformly in [0, CW] first;
 *   - two or more stations reaching 0 in the same slot collide: no ACK, each doubles CW (up to
 *     CWmax) and retries, dropping the frame after retry_limit retries; the medium stays busy
 *     until the ACK timeout (longest frame + SIFS + ACK airtime);
 *   - a unicast success is ACKed SIFS after its end; CW returns to CWmin and the station draws
 *     a new backoff (post-backoff). Broadcast frames are never ACKed nor retried.
 * Airtime is OFDM (802.11a/g, 20 MHz): 20 us preamble + 4 us symbols of 16 service + 8 per
 * byte + 6 tail bits at the frame's rate; ACKs (14 bytes) go at the rate of the frame they
 * answer capped at 24 Mb/s.
 */
#ifndef TSYNC_WIFI_DCF_H
#define TSYNC_WIFI_DCF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DCF_MAX_STATIONS 64
#define DCF_QUEUE        64 /* frames queued per station */

struct dcf_params {
	uint32_t slot_ns, sifs_ns; /* 9000, 16000 (OFDM, 5 GHz) */
	uint16_t cw_min, cw_max;   /* 15, 1023 */
	uint8_t retry_limit;       /* 7 */
};

/* The 802.11a/g OFDM defaults above. */
void dcf_params_default(struct dcf_params *p);
/* DIFS = SIFS + 2 slots. */
static inline uint64_t dcf_difs_ns(const struct dcf_params *p)
{
	return (uint64_t)p->sifs_ns + 2ull * p->slot_ns;
}
/* OFDM airtime of a PSDU of len bytes (with FCS) at rate_kbps (6000..54000, a multiple of
 * 1500 kbps for 4 us symbols); 0 for a rate that is not an OFDM rate. */
uint64_t dcf_airtime_ns(size_t len, uint32_t rate_kbps);
/* The ACK's rate for a frame sent at rate_kbps: min(rate, 24 Mb/s), at least 6 Mb/s. */
uint32_t dcf_ack_rate_kbps(uint32_t rate_kbps);

struct dcf_frame {
	uint64_t id;        /* the caller's */
	uint64_t arrival;   /* ns: when the frame reaches the station's queue */
	uint32_t len;       /* PSDU bytes, with FCS */
	uint32_t rate_kbps; /* OFDM rate */
	int16_t dst;        /* station index, or -1: broadcast (no ACK) */
};

enum dcf_outcome { DCF_OK, DCF_COLLISION, DCF_DROPPED };

/* One transmission: outcome OK (delivered, ACKed if unicast), COLLISION (will be retried),
 * DROPPED (collided and out of retries: the frame is gone). */
struct dcf_event {
	enum dcf_outcome outcome;
	unsigned station;
	struct dcf_frame frame;
	uint64_t start, end;         /* on the air, ns */
	uint64_t ack_start, ack_end; /* OK and unicast only, else 0 */
	unsigned retries;            /* retries before this transmission */
	unsigned colliders;          /* stations on the air together (1 = alone) */
};

typedef void (*dcf_event_cb)(const struct dcf_event *e, void *arg);

struct dcf_station {
	struct dcf_frame q[DCF_QUEUE];
	unsigned head, count;
	int backoff; /* idle slots left; 0: may send after DIFS */
	uint16_t cw;
	uint8_t retries;
};

struct dcf {
	struct dcf_params p;
	struct dcf_station sta[DCF_MAX_STATIONS];
	unsigned n;
	uint64_t idle_since; /* the medium is idle from here (ns) */
	uint64_t rng;        /* xorshift64* state, never 0 */
	uint64_t busy_ns;    /* total time on the air (frames, ACKs, collisions) */
};

/* n stations (1..DCF_MAX_STATIONS), seed for the backoff draws. 0 or -EINVAL. */
int dcf_init(struct dcf *d, const struct dcf_params *p, unsigned n, uint64_t seed);
/* Queue a frame at station s; arrivals must not go back in time per station. 0, -EINVAL
 * (bad station, rate or arrival before the last one), -ENOSPC (queue full). */
int dcf_enqueue(struct dcf *d, unsigned s, const struct dcf_frame *f);
/* Run every transmission that starts before until (all frames arriving before until must be
 * queued). Returns the number of events reported. */
size_t dcf_run(struct dcf *d, uint64_t until, dcf_event_cb cb, void *arg);
/* When the next transmission starts if no other frame arrives first (ns), UINT64_MAX when
 * every queue is empty: a live medium sleeps until then. */
uint64_t dcf_next_start(const struct dcf *d);

#endif
