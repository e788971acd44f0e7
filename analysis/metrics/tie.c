// SPDX-License-Identifier: MIT
/*
 * Time interval error metrics from phase x (s), ITU-T G.810 definitions:
 *   TIE(t; tau)   = x(t + tau) - x(t)
 *   MTIE(tau)     = max over windows of tau (m + 1 samples) of (max x - min x) in the window
 *   TIErms(tau)   = sqrt(mean over i of (x[i+m] - x[i])^2)
 * MTIE keeps the running window max and min in two monotonic deques (each index enters and
 * leaves once), so one tau costs O(n), not the O(n m) of a scan of every window.
 * For octave taus (m = 1, 2, 4, ...) dev_mtie_octave() is faster still: the window max/min
 * of 2m + 1 points is the max/min of two overlapping windows of m + 1 points, so each
 * doubling is one branch-free O(n) pass over two scratch arrays.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"

double dev_tierms(const double *x, size_t n, size_t m, size_t *terms)
{
	*terms = 0;
	if (m == 0 || m >= n)
		return NAN;
	double acc = 0;
	for (size_t i = 0; i + m < n; i++) {
		double d = x[i + m] - x[i];
		acc += d * d;
	}
	*terms = n - m;
	return sqrt(acc / (double)(n - m));
}

/* a deque of indices in a ring of cap slots */
struct dq {
	size_t *buf, cap, head, len;
};

static inline size_t dq_at(const struct dq *q, size_t k)
{
	size_t p = q->head + k;
	return q->buf[p >= q->cap ? p - q->cap : p];
}

static inline void dq_push(struct dq *q, size_t v)
{
	size_t p = q->head + q->len;
	q->buf[p >= q->cap ? p - q->cap : p] = v;
	q->len++;
}

static inline void dq_pop_front(struct dq *q)
{
	q->head = q->head + 1 == q->cap ? 0 : q->head + 1;
	q->len--;
}

double dev_mtie(const double *x, size_t n, size_t m, size_t *work, size_t *windows)
{
	*windows = 0;
	if (m == 0 || m >= n)
		return NAN;
	struct dq hi = {work, m + 1, 0, 0}, lo = {work + m + 1, m + 1, 0, 0};
	double best = 0;
	for (size_t i = 0; i < n; i++) {
		/* drop indices that left the window [i - m, i] first: at most m + 1 remain */
		while (hi.len && dq_at(&hi, 0) + m < i)
			dq_pop_front(&hi);
		while (lo.len && dq_at(&lo, 0) + m < i)
			dq_pop_front(&lo);
		while (hi.len && x[dq_at(&hi, hi.len - 1)] <= x[i])
			hi.len--;
		dq_push(&hi, i);
		while (lo.len && x[dq_at(&lo, lo.len - 1)] >= x[i])
			lo.len--;
		dq_push(&lo, i);
		if (i < m)
			continue;
		double w = x[dq_at(&hi, 0)] - x[dq_at(&lo, 0)];
		if (w > best)
			best = w;
		(*windows)++;
	}
	return best;
}

static bool pow2(size_t m)
{
	return m && !(m & (m - 1));
}

int dev_mtie_octave(const double *x, size_t n, const size_t *m, size_t nm, double *mtie,
                    size_t *windows)
{
	for (size_t i = 0; i < nm; i++)
		if (!pow2(m[i]) || m[i] >= n || (i && m[i] <= m[i - 1]))
			return -EINVAL;
	double *hi = malloc(n * sizeof(*hi)), *lo = malloc(n * sizeof(*lo));
	if (!hi || !lo) {
		free(hi);
		free(lo);
		return -ENOMEM;
	}
	memcpy(hi, x, n * sizeof(*hi));
	memcpy(lo, x, n * sizeof(*lo));
	/* hi[i] = max x[i .. i + cur]: doubling cur costs one pass, in place since
	 * hi[i + cur] is read before it is overwritten (i ascending) */
	size_t cur = 0;
	for (size_t k = 0; k < nm; k++) {
		double best = 0;
		while (cur < m[k]) {
			size_t shift = cur ? cur : 1, next = cur ? 2 * cur : 1, end = n - next;
			bool last =
			        next >= m[k]; /* the pass that reaches m[k] also finds its MTIE */
			best = 0;
			/* in place, ascending: hi[i + shift] is read before it is written, also when a
			 * vector of iterations runs at once */
			if (!last) {
#pragma GCC ivdep
				for (size_t i = 0; i < end; i++) {
					double a = hi[i + shift], b = lo[i + shift];
					hi[i] = a > hi[i] ? a : hi[i];
					lo[i] = b < lo[i] ? b : lo[i];
				}
			} else {
#pragma GCC ivdep
				for (size_t i = 0; i < end; i++) {
					double a = hi[i + shift], b = lo[i + shift];
					double h = a > hi[i] ? a : hi[i], l = b < lo[i] ? b : lo[i];
					hi[i] = h;
					lo[i] = l;
					best = h - l > best ? h - l : best;
				}
			}
			cur = next;
		}
		mtie[k] = best;
		windows[k] = n - cur;
	}
	free(hi);
	free(lo);
	return 0;
}
