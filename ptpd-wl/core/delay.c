// SPDX-License-Identifier: MIT
/* E2E/P2P delay and offset arithmetic in 128-bit scaled ns, moving-median filter. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "delay.h"
#include "exchange.h"

/* The arithmetic lives in exchange.h (shared with the capture reader); these are its names
 * for callers of delay.h. */
tmv_t delay_e2e_mean_path(tmv_t t1, tmv_t t2, tmv_t t3, tmv_t t4, int64_t c_sync, int64_t c_delay)
{
	return exch_e2e_mean_path(t1, t2, t3, t4, c_sync, c_delay);
}

tmv_t delay_e2e_offset(tmv_t t1, tmv_t t2, tmv_t t3, tmv_t t4, int64_t c_sync, int64_t c_delay)
{
	return exch_e2e_offset(t1, t2, t3, t4, c_sync, c_delay);
}

tmv_t delay_offset(tmv_t t1, tmv_t t2, int64_t c_sync, tmv_t mean_delay)
{
	return exch_offset(t1, t2, c_sync, mean_delay);
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
	return exch_corr_add(a, b, out, NULL, NULL);
}

tmv_t delay_p2p_mean_link(tmv_t t1, tmv_t t2, tmv_t t3, tmv_t t4, int64_t c_resp, int64_t c_fup,
                          double nrr)
{
	return exch_p2p_mean_link(t1, t2, t3, t4, c_resp, c_fup, nrr);
}

tmv_t delay_p2p_turnaround(tmv_t t2, tmv_t t3, int64_t c_resp, int64_t c_fup)
{
	return exch_round_div(((exch_s128)t3 - t2) * EXCH_SCALE + c_resp + c_fup, EXCH_SCALE);
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
