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

/* "no dependence that stops vectorizing": the in-place doubling reads hi[i + shift] before
 * it writes hi[i] (shift >= 1), which a vector of consecutive iterations also does */
#if defined(__clang__)
#define IVDEP /* clang (the fuzz build) vectorizes or not on its own */
#else
#define IVDEP _Pragma("GCC ivdep")
#endif

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

/* max(h[i] - l[i]) over i < n and b: four running maxima, so no single compare chain
 * (a max is exact: the order does not change the result) */
static double max_diff(const double *h, const double *l, size_t n, double b)
{
	double b0 = b, b1 = b, b2 = b, b3 = b;
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		double d0 = h[i] - l[i], d1 = h[i + 1] - l[i + 1];
		double d2 = h[i + 2] - l[i + 2], d3 = h[i + 3] - l[i + 3];
		b0 = d0 > b0 ? d0 : b0;
		b1 = d1 > b1 ? d1 : b1;
		b2 = d2 > b2 ? d2 : b2;
		b3 = d3 > b3 ? d3 : b3;
	}
	for (; i < n; i++)
		b0 = h[i] - l[i] > b0 ? h[i] - l[i] : b0;
	b0 = b1 > b0 ? b1 : b0;
	b2 = b3 > b2 ? b3 : b2;
	return b2 > b0 ? b2 : b0;
}

/* The first levels tile by tile in cache: a tile of TILE points plus a halo of the final
 * window is copied out, doubled TILE_LEVELS times there (each level's MTIE taken over the
 * tile's own windows) and its hi/lo written back, so those levels cost one pass over memory
 * instead of one each. */
enum { TILE = 1 << 15, TILE_LEVELS = 11 };

struct octave {
	const size_t *m;
	size_t nm;
	double *mtie;
};

/* levels 0 .. nl-1 (window after level j: 2^j + 1 points); returns the window reached */
static size_t tiled_levels(const double *x, size_t n, size_t nl, const struct octave *o, double *hi,
                           double *lo, double *bh, double *bl)
{
	size_t reach = (size_t)1 << (nl - 1);
	for (size_t a = 0; a + 1 < n; a += TILE) {
		size_t len = n - a < TILE + reach ? n - a : TILE + reach, cur = 0, k = 0, end = 0;
		memcpy(bh, x + a, len * sizeof(*bh));
		memcpy(bl, x + a, len * sizeof(*bl));
		for (size_t j = 0; j < nl; j++) {
			size_t shift = cur ? cur : 1, next = cur ? 2 * cur : 1;
			end = len > next ? len - next : 0;
			IVDEP
			for (size_t i = 0; i < end; i++) {
				double a = bh[i + shift], b = bl[i + shift];
				bh[i] = a > bh[i] ? a : bh[i];
				bl[i] = b < bl[i] ? b : bl[i];
			}
			cur = next;
			while (k < o->nm && o->m[k] < cur)
				k++;
			if (k < o->nm && o->m[k] == cur)
				o->mtie[k] = max_diff(bh, bl, end < TILE ? end : TILE, o->mtie[k]);
		}
		size_t keep = end < TILE ? end : TILE;
		memcpy(hi + a, bh, keep * sizeof(*hi));
		memcpy(lo + a, bl, keep * sizeof(*lo));
	}
	return reach;
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
	/* hi[i] = max x[i .. i + cur]: doubling cur costs one pass, in place since
	 * hi[i + cur] is read before it is overwritten (i ascending) */
	size_t cur = 0, nl = 0, k0 = 0;
	while (nm && ((size_t)1 << nl) < m[nm - 1] && nl + 1 < TILE_LEVELS)
		nl++;
	nl++; /* levels to reach the largest m (window 2^(nl-1)), at most TILE_LEVELS */
	double *bh = nm ? malloc(2 * (TILE + ((size_t)1 << (nl - 1))) * sizeof(*bh)) : NULL;
	if (!bh) {
		memcpy(hi, x, n * sizeof(*hi));
		memcpy(lo, x, n * sizeof(*lo));
	} else {
		struct octave o = {m, nm, mtie};
		for (size_t k = 0; k < nm; k++)
			mtie[k] = 0;
		cur = tiled_levels(x, n, nl, &o, hi, lo, bh, bh + TILE + ((size_t)1 << (nl - 1)));
		free(bh);
		while (k0 < nm && m[k0] <= cur) {
			windows[k0] = n - m[k0];
			k0++;
		}
	}
	for (size_t k = k0; k < nm; k++) {
		double best = 0;
		while (cur < m[k]) {
			size_t shift = cur ? cur : 1, next = cur ? 2 * cur : 1, end = n - next;
			bool last =
			        next >= m[k]; /* the pass that reaches m[k] also finds its MTIE */
			best = 0;
			/* in place, ascending: hi[i + shift] is read before it is written, also when a
			 * vector of iterations runs at once */
			IVDEP
			for (size_t i = 0; i < end; i++) {
				double a = hi[i + shift], b = lo[i + shift];
				hi[i] = a > hi[i] ? a : hi[i];
				lo[i] = b < lo[i] ? b : lo[i];
			}
			if (last)
				best = max_diff(hi, lo, end, 0);
			cur = next;
		}
		mtie[k] = best;
		windows[k] = n - cur;
	}
	free(hi);
	free(lo);
	return 0;
}
