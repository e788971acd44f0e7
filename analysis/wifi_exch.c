// SPDX-License-Identifier: MIT
/* Timing Measurement / FTM exchanges of a radiotap capture (wifi_exch.h). */
#include <math.h>
#include <string.h>

#include "wifi_exch.h"

static bool timing(const struct wifi_frame *f)
{
	return f->timing.kind == WLAN_TM || f->timing.kind == WLAN_FTM;
}

/* The latest frame before i from the same TA to the same RA with dialog token k. */
static const struct wifi_frame *measured(const struct wifi_frame *fr, size_t i, uint8_t k)
{
	for (size_t j = i; j-- > 0;)
		if (timing(&fr[j]) && fr[j].timing.kind == fr[i].timing.kind &&
		    fr[j].timing.dialog == k && !memcmp(fr[j].ta, fr[i].ta, 6) &&
		    !memcmp(fr[j].ra, fr[i].ra, 6))
			return &fr[j];
	return NULL;
}

/* The first ACK after frame m (index mi) back to its transmitter, before frame i. */
static const struct wifi_frame *ack_of(const struct wifi_frame *fr, size_t mi, size_t i)
{
	for (size_t j = mi + 1; j < i; j++)
		if (fr[j].type == WLAN_CTRL && fr[j].subtype == WLAN_SUB_ACK &&
		    !memcmp(fr[j].ra, fr[mi].ta, 6))
			return &fr[j];
	return NULL;
}

/* A TM time (32-bit count of 10 ns, in ps) moved by whole wraps to the value nearest t2. */
static uint64_t unwrap_tm(uint64_t t_ps, uint64_t t2_us)
{
	const __int128 wrap = (__int128)10000 << 32;
	__int128 t2 = (__int128)t2_us * 1000000, t = t_ps;
	if (t2 > t)
		t += (t2 - t + wrap / 2) / wrap * wrap;
	return (uint64_t)t;
}

size_t wifi_exchanges(const struct wifi_frame *fr, size_t n, struct wifi_exchange *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < max; i++) {
		const struct wifi_frame *f = &fr[i];
		if (!timing(f) || f->timing.follow_up == 0)
			continue; /* token 0: no earlier measurement */
		struct wifi_exchange *x = &out[k++];
		memset(x, 0, sizeof(*x));
		x->kind = f->timing.kind;
		x->frame = f->frame;
		memcpy(x->ta, f->ta, 6);
		memcpy(x->ra, f->ra, 6);
		x->dialog = f->timing.follow_up;
		x->t1_ps = f->timing.tod_ps;
		x->t4_ps = f->timing.toa_ps;
		x->offset_ns = x->delay_ns = NAN;
		const struct wifi_frame *m = measured(fr, i, x->dialog);
		if (!m)
			continue;
		x->measured = m->frame;
		x->have_t2 = m->has_tsft;
		x->t2_us = m->tsft_us;
		if (x->kind == WLAN_TM && x->have_t2) {
			x->t1_ps = unwrap_tm(x->t1_ps, x->t2_us);
			x->t4_ps = unwrap_tm(x->t4_ps, x->t2_us);
		}
		const struct wifi_frame *a = ack_of(fr, (size_t)(m - fr), i);
		if (a) {
			x->ack = a->frame;
			x->have_t3 = a->has_tsft;
			x->t3_us = a->tsft_us;
		}
		if (x->have_t2 && x->have_t3) {
			/* exact in ps: the TSF (us) and the responder's ps counter differ widely */
			__int128 t1 = x->t1_ps, t4 = x->t4_ps;
			__int128 t2 = (__int128)x->t2_us * 1000000,
			         t3 = (__int128)x->t3_us * 1000000;
			x->offset_ns = (double)((t2 - t1) - (t4 - t3)) / 2e3;
			x->delay_ns = (double)((t4 - t1) - (t3 - t2)) / 2e3;
		}
	}
	return k;
}
