// SPDX-License-Identifier: MIT
/* ptpd-wl: robust short-window offset estimate (offset_robust.h). Pure. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "offset_robust.h"

void offset_robust_reset(struct offset_robust *r)
{
	memset(r, 0, sizeof(*r));
}

/* The i-th newest sample's index (i < n). */
static unsigned newest(const struct offset_robust *r, unsigned i)
{
	return (r->head + OFFSET_ROBUST_N - 1 - i) % OFFSET_ROBUST_N;
}

/* How many of the newest samples lie in the window of the newest one (>= 1 when n > 0). */
static unsigned in_window(const struct offset_robust *r)
{
	int64_t last = r->mono[newest(r, 0)];
	unsigned k = 0;
	while (k < r->n && last - r->mono[newest(r, k)] <= OFFSET_ROBUST_WIN_NS)
		k++;
	return k;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void offset_robust_add(struct offset_robust *r, double offset_ns, int64_t mono)
{
	if (r->n && mono < r->mono[newest(r, 0)])
		offset_robust_reset(r); /* time went back: another time base */
	unsigned i = r->head;
	r->mono[i] = mono;
	r->off[i] = offset_ns;
	r->head = (r->head + 1) % OFFSET_ROBUST_N;
	if (r->n < OFFSET_ROBUST_N)
		r->n++;
	double v[OFFSET_ROBUST_N];
	unsigned k = in_window(r);
	for (unsigned j = 0; j < k; j++)
		v[j] = r->off[newest(r, j)];
	qsort(v, k, sizeof(v[0]), cmp_double);
	r->med[i] = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

bool offset_robust_med(const struct offset_robust *r, double *med)
{
	if (!r->n)
		return false;
	*med = r->med[newest(r, 0)];
	return true;
}

bool offset_robust_peak(const struct offset_robust *r, double *peak)
{
	if (!r->n)
		return false;
	unsigned k = in_window(r);
	double p = 0;
	for (unsigned j = 0; j < k; j++) {
		double m = r->med[newest(r, j)];
		if (j == 0 || fabs(m) > fabs(p))
			p = m;
	}
	*peak = p;
	return true;
}
