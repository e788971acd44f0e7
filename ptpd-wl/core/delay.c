// SPDX-License-Identifier: MIT
/* E2E/P2P delay and offset arithmetic in 128-bit scaled ns, moving-median filter. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "delay.h"

typedef __int128 s128;

/* x / (2 * 2^16): scaled-ns sum of two halves back to ns, rounded half away from zero. */
static tmv_t round_div(s128 x, s128 d)
{
	s128 q = (x >= 0 ? x + d / 2 : x - d / 2) / d;

	if (q > INT64_MAX)
		return INT64_MAX;
	if (q < INT64_MIN)
		return INT64_MIN;
	return (tmv_t)q;
}

#define SCALE ((s128)65536)

/* (b - a) in ns scaled by 2^16, minus a correction. */
static s128 leg(tmv_t a, tmv_t b, int64_t corr)
{
	return ((s128)b - a) * SCALE - corr;
}

tmv_t delay_e2e_mean_path(tmv_t t1, tmv_t t2, tmv_t t3, tmv_t t4, int64_t c_sync, int64_t c_delay)
{
	return round_div(leg(t1, t2, c_sync) + leg(t3, t4, c_delay), 2 * SCALE);
}

tmv_t delay_e2e_offset(tmv_t t1, tmv_t t2, tmv_t t3, tmv_t t4, int64_t c_sync, int64_t c_delay)
{
	return round_div(leg(t1, t2, c_sync) - leg(t3, t4, c_delay), 2 * SCALE);
}

tmv_t delay_offset(tmv_t t1, tmv_t t2, int64_t c_sync, tmv_t mean_delay)
{
	return round_div(leg(t1, t2, c_sync) - (s128)mean_delay * SCALE, SCALE);
}

int delay_path_check(tmv_t delay, const char **why)
{
	const char *w = NULL;

	if (delay < DELAY_PATH_MIN_NS)
		w = "negative beyond -10 ms";
	else if (delay > DELAY_PATH_MAX_NS)
		w = "above 1 s";
	if (why)
		*why = w;
	return w ? -ERANGE : 0;
}

int delay_offset_checked(tmv_t t1, tmv_t t2, int64_t c_sync, tmv_t mean_delay, tmv_t *out)
{
	tmv_t off = delay_offset(t1, t2, c_sync, mean_delay);

	if (off > DELAY_OFFSET_MAX_NS || off < -DELAY_OFFSET_MAX_NS)
		return -ERANGE;
	*out = off;
	return 0;
}

int delay_corr_add(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return -EOVERFLOW;
	*out = r;
	return 0;
}

tmv_t delay_p2p_mean_link(tmv_t t1, tmv_t t2, tmv_t t3, tmv_t t4, int64_t c_resp, int64_t c_fup,
                          double nrr)
{
	s128 rtt = ((s128)t4 - t1) * SCALE;
	s128 turn = ((s128)t3 - t2) * SCALE + c_resp + c_fup;

	if (nrr != 1.0 && isfinite(nrr) && nrr > 0.0)
		rtt = (s128)llroundl((long double)rtt * (long double)nrr);
	return round_div(rtt - turn, 2 * SCALE);
}

tmv_t delay_p2p_turnaround(tmv_t t2, tmv_t t3, int64_t c_resp, int64_t c_fup)
{
	return round_div(((s128)t3 - t2) * SCALE + c_resp + c_fup, SCALE);
}

int delay_filter_init(struct delay_filter *f, unsigned len)
{
	if (!f || !len || len > DELAY_FILTER_MAX)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->len = len;
	return 0;
}

void delay_filter_reset(struct delay_filter *f)
{
	f->count = 0;
	f->head = 0;
}

static int cmp_tmv(const void *a, const void *b)
{
	tmv_t x = *(const tmv_t *)a, y = *(const tmv_t *)b;

	return x < y ? -1 : x > y;
}

tmv_t delay_filter_push(struct delay_filter *f, tmv_t sample)
{
	tmv_t sorted[DELAY_FILTER_MAX];
	unsigned n;

	if (!f->len || f->len > DELAY_FILTER_MAX)
		f->len = 1; /* uninitialised filter: behave as no filter */
	f->ring[f->head] = sample;
	f->head = (f->head + 1) % f->len;
	if (f->count < f->len)
		f->count++;
	n = f->count;
	memcpy(sorted, f->ring, n * sizeof(sorted[0]));
	qsort(sorted, n, sizeof(sorted[0]), cmp_tmv);
	if (n & 1)
		return sorted[n / 2];
	/* mean of the middle two without overflow, floor */
	tmv_t a = sorted[n / 2 - 1], b = sorted[n / 2];
	return (a >> 1) + (b >> 1) + (a & b & 1);
}
