// SPDX-License-Identifier: MIT
/* The DCF medium (dcf.h): contention, backoff, collisions, retries, ACKs, OFDM airtime. */
#include <errno.h>
#include <string.h>

#include "dcf.h"

void dcf_params_default(struct dcf_params *p)
{
	*p = (struct dcf_params){
	        .slot_ns = 9000, .sifs_ns = 16000, .cw_min = 15, .cw_max = 1023, .retry_limit = 7};
}

uint64_t dcf_airtime_ns(size_t len, uint32_t rate_kbps)
{
	static const uint32_t rates[] = {6000, 9000, 12000, 18000, 24000, 36000, 48000, 54000};
	bool ok = false;
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		ok |= rates[i] == rate_kbps;
	if (!ok)
		return 0;
	uint64_t ndbps = rate_kbps * 4ull / 1000; /* data bits per 4 us symbol */
	uint64_t bits = 16 + 8ull * len + 6;      /* service, PSDU, tail */
	return 20000 + (bits + ndbps - 1) / ndbps * 4000;
}

uint32_t dcf_ack_rate_kbps(uint32_t rate_kbps)
{
	return rate_kbps > 24000 ? 24000 : rate_kbps < 6000 ? 6000 : rate_kbps;
}

#define ACK_LEN 14

static uint64_t ack_air(uint32_t rate_kbps)
{
	return dcf_airtime_ns(ACK_LEN, dcf_ack_rate_kbps(rate_kbps));
}

/* xorshift64* */
static int draw(struct dcf *d, unsigned cw)
{
	uint64_t x = d->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	d->rng = x;
	return (int)((x * 0x2545f4914f6cdd1dull >> 32) % (cw + 1u));
}

int dcf_init(struct dcf *d, const struct dcf_params *p, unsigned n, uint64_t seed)
{
	if (!n || n > DCF_MAX_STATIONS || !p->slot_ns || p->cw_min > p->cw_max)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->p = *p;
	d->n = n;
	d->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < n; i++)
		d->sta[i].cw = p->cw_min;
	return 0;
}

int dcf_enqueue(struct dcf *d, unsigned s, const struct dcf_frame *f)
{
	if (s >= d->n || !dcf_airtime_ns(f->len, f->rate_kbps) || f->dst >= (int)d->n ||
	    f->dst == (int)s)
		return -EINVAL;
	struct dcf_station *st = &d->sta[s];
	if (st->count == DCF_QUEUE)
		return -ENOSPC;
	if (st->count && f->arrival < st->q[(st->head + st->count - 1) % DCF_QUEUE].arrival)
		return -EINVAL;
	st->q[(st->head + st->count++) % DCF_QUEUE] = *f;
	return 0;
}

/* When station s's head frame goes out: its backoff counted from DIFS after the medium went
 * idle, or its arrival if that is later (immediate access). */
static uint64_t tx_time(const struct dcf *d, const struct dcf_station *st)
{
	uint64_t t = d->idle_since + dcf_difs_ns(&d->p) + (uint64_t)st->backoff * d->p.slot_ns;
	uint64_t a = st->q[st->head].arrival;
	return a > t ? a : t;
}

static void pop(struct dcf_station *st)
{
	st->head = (st->head + 1) % DCF_QUEUE;
	st->count--;
}

/* The transmission(s) starting at t by the stations in set[0..k). Returns when the medium
 * is idle again. */
static uint64_t transmit(struct dcf *d, uint64_t t, const unsigned *set, unsigned k,
                         dcf_event_cb cb, void *arg)
{
	uint64_t end = t, idle;
	uint32_t slowest = 54000;
	for (unsigned i = 0; i < k; i++) {
		const struct dcf_frame *f = &d->sta[set[i]].q[d->sta[set[i]].head];
		uint64_t e = t + dcf_airtime_ns(f->len, f->rate_kbps);
		end = e > end ? e : end;
		slowest = f->rate_kbps < slowest ? f->rate_kbps : slowest;
	}
	idle = k > 1 ? end + d->p.sifs_ns + ack_air(slowest) : end; /* collision: ACK timeout */
	for (unsigned i = 0; i < k; i++) {
		struct dcf_station *st = &d->sta[set[i]];
		struct dcf_event e = {.station = set[i],
		                      .frame = st->q[st->head],
		                      .start = t,
		                      .retries = st->retries,
		                      .colliders = k};
		e.end = t + dcf_airtime_ns(e.frame.len, e.frame.rate_kbps);
		bool unicast = e.frame.dst >= 0;
		if (k == 1) {
			e.outcome = DCF_OK;
			if (unicast) {
				e.ack_start = e.end + d->p.sifs_ns;
				e.ack_end = e.ack_start + ack_air(e.frame.rate_kbps);
				idle = e.ack_end;
			}
		} else if (unicast && st->retries < d->p.retry_limit) {
			e.outcome = DCF_COLLISION;
			st->retries++;
			st->cw = (uint16_t)(st->cw * 2u + 1 > d->p.cw_max ? d->p.cw_max
			                                                  : st->cw * 2u + 1);
		} else {
			e.outcome =
			        DCF_DROPPED; /* out of retries, or a broadcast (never retried) */
		}
		if (e.outcome != DCF_COLLISION) {
			pop(st);
			st->retries = 0;
			st->cw = d->p.cw_min;
		}
		st->backoff = draw(d, st->cw);
		if (cb)
			cb(&e, arg);
	}
	return idle;
}

size_t dcf_run(struct dcf *d, uint64_t until, dcf_event_cb cb, void *arg)
{
	size_t events = 0;
	unsigned set[DCF_MAX_STATIONS];
	for (;;) {
		uint64_t t = UINT64_MAX;
		unsigned k = 0;
		for (unsigned i = 0; i < d->n; i++) {
			if (!d->sta[i].count)
				continue;
			uint64_t ti = tx_time(d, &d->sta[i]);
			if (ti < t) {
				t = ti;
				k = 0;
			}
			if (ti == t)
				set[k++] = i;
		}
		if (t == UINT64_MAX || t >= until)
			return events;
		/* idle slots the others counted down before the medium went busy */
		uint64_t from = d->idle_since + dcf_difs_ns(&d->p);
		uint64_t slots = t > from ? (t - from) / d->p.slot_ns : 0;
		for (unsigned i = 0, j = 0; i < d->n; i++) {
			if (j < k && set[j] == i) {
				j++;
				continue;
			}
			struct dcf_station *st = &d->sta[i];
			st->backoff = (uint64_t)st->backoff > slots ? st->backoff - (int)slots : 0;
		}
		uint64_t idle = transmit(d, t, set, k, cb, arg);
		d->busy_ns += idle - t;
		d->idle_since = idle;
		events += k;
		/* a frame that arrived while the medium was busy draws a backoff first */
		for (unsigned i = 0; i < d->n; i++) {
			struct dcf_station *st = &d->sta[i];
			if (st->count && !st->backoff && st->q[st->head].arrival < idle &&
			    st->q[st->head].arrival >= t)
				st->backoff = draw(d, st->cw);
		}
	}
}

uint64_t dcf_next_start(const struct dcf *d)
{
	uint64_t t = UINT64_MAX;
	for (unsigned i = 0; i < d->n; i++)
		if (d->sta[i].count) {
			uint64_t ti = tx_time(d, &d->sta[i]);
			t = ti < t ? ti : t;
		}
	return t;
}
