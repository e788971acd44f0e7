// SPDX-License-Identifier: MIT
/* dev_run_jobs gives what dev_compute + dev_confidence give, one by one, on 1, 2 and 3
 * threads; TDEV derived from MDEV equals TDEV computed on its own; tiled MTIE = deque. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"

static void series(double *x, size_t n)
{
	unsigned long long s = 7;
	double acc = 0;
	for (size_t i = 0; i < n; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		double u = (double)(s >> 11) / 9007199254740992.0 - 0.5;
		acc += u * 1e-10;
		x[i] = acc + (double)((s >> 7) % 1000) * 1e-12;
	}
}

Test(analysis_jobs, same_values_as_one_by_one)
{
	enum { N = 5000 };
	static double x[N];
	static const enum dev_kind kinds[] = {DEV_OADEV, DEV_MDEV,   DEV_TDEV, DEV_MTIE,
	                                      DEV_HDEV,  DEV_TOTDEV, DEV_ADEV};
	enum { NK = sizeof(kinds) / sizeof(kinds[0]) };
	series(x, N);
	for (unsigned threads = 1; threads <= 3; threads++) {
		struct dev_job jobs[NK];
		size_t *m[NK], nm[NK];
		struct dev_point *ref[NK];
		for (size_t k = 0; k < NK; k++) {
			cr_assert_eq(taus_parse(k % 2 ? "octave" : "decade", 1.0,
			                        dev_max_m(kinds[k], N), &m[k], &nm[k]),
			             0);
			ref[k] = calloc(nm[k], sizeof(**ref));
			jobs[k] = (struct dev_job){kinds[k], m[k], nm[k],
			                           calloc(nm[k], sizeof(struct dev_point)), true};
			cr_assert_eq(dev_compute(kinds[k], x, N, 1.0, m[k], nm[k], ref[k]), 0);
			cr_assert_eq(dev_confidence(kinds[k], x, N, ref[k], nm[k]), 0);
		}
		cr_assert_eq(dev_run_jobs(x, N, 1.0, jobs, NK, threads), 0);
		for (size_t k = 0; k < NK; k++) {
			for (size_t i = 0; i < nm[k]; i++) {
				const struct dev_point *a = &jobs[k].out[i], *b = &ref[k][i];
				cr_expect_eq(a->value, b->value, "%s m %zu: %.17g != %.17g",
				             dev_name(kinds[k]), m[k][i], a->value, b->value);
				cr_expect_eq(a->n, b->n);
				cr_expect_eq(a->alpha, b->alpha);
				cr_expect(a->ci_lo == b->ci_lo ||
				          (isnan(a->ci_lo) && isnan(b->ci_lo)));
			}
			free(jobs[k].out);
			free(ref[k]);
			free(m[k]);
		}
	}
}

Test(analysis_jobs, tdev_derived_from_mdev)
{
	enum { N = 3000 };
	static double x[N];
	series(x, N);
	size_t *m, nm;
	cr_assert_eq(taus_parse("octave", 0.5, dev_max_m(DEV_MDEV, N), &m, &nm), 0);
	struct dev_point *alone = calloc(nm, sizeof(*alone));
	struct dev_job jobs[2] = {
	        {DEV_TDEV, m, nm, calloc(nm, sizeof(struct dev_point)), false},
	        {DEV_MDEV, m, nm, calloc(nm, sizeof(struct dev_point)), false},
	};
	cr_assert_eq(dev_compute(DEV_TDEV, x, N, 0.5, m, nm, alone), 0);
	cr_assert_eq(dev_run_jobs(x, N, 0.5, jobs, 2, 2), 0);
	for (size_t i = 0; i < nm; i++) {
		cr_expect_eq(jobs[0].out[i].value, alone[i].value, "m %zu", m[i]);
		cr_expect_eq(jobs[0].out[i].tau, alone[i].tau);
		cr_expect_eq(jobs[0].out[i].n, alone[i].n);
	}
	free(alone);
	free(jobs[0].out);
	free(jobs[1].out);
	free(m);
}

Test(analysis_jobs, mtie_octave_tiles_agree_with_the_deque)
{
	/* many cache tiles, a ragged end, factors below, at and above the tiled levels */
	enum { N = 200003 };
	static double x[N];
	static size_t work[2 * (65536 + 1)];
	series(x, N);
	x[N - 1] = 1e-6;              /* an extreme in the last, short tile */
	x[3 * 32768 + 30000] = -1e-6; /* and one near a tile end, in its halo */
	size_t m[17], w[17], win;
	double v[17];
	for (size_t i = 0; i < 17; i++)
		m[i] = (size_t)1 << i;
	cr_assert_eq(dev_mtie_octave(x, N, m, 17, v, w), 0);
	for (size_t i = 0; i < 17; i++) {
		cr_expect_eq(v[i], dev_mtie(x, N, m[i], work, &win), "m %zu", m[i]);
		cr_expect_eq(w[i], win);
	}
	/* a subset starting late: only the large factors asked for */
	size_t late[] = {4096, 65536};
	cr_assert_eq(dev_mtie_octave(x, N, late, 2, v, w), 0);
	cr_expect_eq(v[0], dev_mtie(x, N, 4096, work, &win));
	cr_expect_eq(v[1], dev_mtie(x, N, 65536, work, &win));
}
