// SPDX-License-Identifier: MIT
/* Deviation dispatch: names, limits, tau lists, frequency to phase. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"

static const char *const names[DEV_COUNT] = {
        [DEV_ADEV] = "adev",     [DEV_OADEV] = "oadev", [DEV_MDEV] = "mdev",
        [DEV_TDEV] = "tdev",     [DEV_HDEV] = "hdev",   [DEV_OHDEV] = "ohdev",
        [DEV_TOTDEV] = "totdev", [DEV_MTIE] = "mtie",   [DEV_TIERMS] = "tierms",
};

const char *dev_name(enum dev_kind k)
{
	return k < DEV_COUNT ? names[k] : "?";
}

int dev_parse(const char *name, enum dev_kind *k)
{
	for (int i = 0; i < DEV_COUNT; i++) {
		if (!strcmp(name, names[i])) {
			*k = (enum dev_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

size_t dev_max_m(enum dev_kind k, size_t n)
{
	if (n < 2)
		return 0;
	switch (k) {
	case DEV_ADEV:
	case DEV_OADEV:
	case DEV_TOTDEV:
		return (n - 1) / 2;
	case DEV_MDEV:
	case DEV_TDEV:
		return n / 3;
	case DEV_HDEV:
	case DEV_OHDEV:
		return (n - 1) / 3;
	case DEV_MTIE:
	case DEV_TIERMS:
		return n - 1;
	default:
		return 0;
	}
}

double *phase_from_freq(const double *y, size_t n, double tau0)
{
	double *x = malloc((n + 1) * sizeof(*x));
	if (!x)
		return NULL;
	x[0] = 0;
	for (size_t i = 0; i < n; i++)
		x[i + 1] = x[i] + y[i] * tau0;
	return x;
}

int dev_compute(enum dev_kind k, const double *x, size_t n, double tau0, const size_t *m, size_t nm,
                struct dev_point *out)
{
	size_t maxm = dev_max_m(k, n), *work = NULL;
	if (!(tau0 > 0) || k >= DEV_COUNT)
		return -EINVAL;
	for (size_t i = 0; i < nm; i++)
		if (m[i] < 1 || m[i] > maxm)
			return -EINVAL;
	if (k == DEV_MTIE && nm) {
		double *v = malloc(nm * sizeof(*v));
		size_t *w = malloc(nm * sizeof(*w));
		int e = v && w ? dev_mtie_octave(x, n, m, nm, v, w) : -ENOMEM;
		for (size_t i = 0; !e && i < nm; i++) {
			out[i] = (struct dev_point){.tau = (double)m[i] * tau0,
			                            .m = (double)m[i],
			                            .value = v[i],
			                            .n = w[i],
			                            .edf = NAN,
			                            .ci_lo = NAN,
			                            .ci_hi = NAN,
			                            .alpha = 99};
		}
		free(v);
		free(w);
		if (e != -EINVAL)
			return e; /* done (0) or out of memory; -EINVAL: not octave, use the deque */

		size_t big = 0;
		for (size_t i = 0; i < nm; i++)
			big = m[i] > big ? m[i] : big;
		work = malloc(2 * (big + 1) * sizeof(*work));
		if (!work)
			return -ENOMEM;
	}
	for (size_t i = 0; i < nm; i++) {
		struct dev_point *p = &out[i];
		size_t t = 0;
		double tau = (double)m[i] * tau0;
		switch (k) {
		case DEV_ADEV:
		case DEV_OADEV:
			p->value = dev_adev(x, n, m[i], tau0, k == DEV_OADEV, &t);
			break;
		case DEV_MDEV:
			p->value = dev_mdev(x, n, m[i], tau0, &t);
			break;
		case DEV_TDEV:
			p->value = tau / sqrt(3.0) * dev_mdev(x, n, m[i], tau0, &t);
			break;
		case DEV_HDEV:
		case DEV_OHDEV:
			p->value = dev_hdev(x, n, m[i], tau0, k == DEV_OHDEV, &t);
			break;
		case DEV_TOTDEV:
			p->value = dev_totdev(x, n, m[i], tau0, &t);
			break;
		case DEV_MTIE:
			p->value = dev_mtie(x, n, m[i], work, &t);
			break;
		case DEV_TIERMS:
			p->value = dev_tierms(x, n, m[i], &t);
			break;
		default:
			break;
		}
		p->tau = tau;
		p->m = (double)m[i];
		p->n = t;
		p->edf = p->ci_lo = p->ci_hi = NAN;
		p->alpha = 99;
	}
	free(work);
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

int taus_parse(const char *spec, double tau0, size_t max_m, size_t **out, size_t *nout)
{
	size_t cap = 64, n = 0, *v = malloc(cap * sizeof(*v));
	int err = 0;
	if (!v)
		return -ENOMEM;
	if (!strcmp(spec, "octave") || !strcmp(spec, "decade") || !strcmp(spec, "all")) {
		for (size_t m = 1; m <= max_m;) {
			if (n == cap) {
				size_t *nv = realloc(v, (cap *= 2) * sizeof(*v));
				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			v[n++] = m;
			if (spec[0] == 'o') {
				m *= 2;
			} else if (spec[0] == 'a') {
				m++;
			} else { /* 1, 2, 4, 10, 20, 40, ... */
				size_t dec = 1;
				while (m >= dec * 10)
					dec *= 10;
				m = m == 4 * dec ? 10 * dec : 2 * m;
			}
		}
	} else {
		const char *p = spec;
		while (*p) {
			char *end;
			double tau = strtod(p, &end);
			if (end == p || !(tau > 0) || (*end && *end != ',')) {
				err = -EINVAL;
				break;
			}
			double mm = round(tau / tau0);
			if (mm >= 1 && mm <= (double)max_m) {
				if (n == cap) {
					size_t *nv = realloc(v, (cap *= 2) * sizeof(*v));
					if (!nv) {
						err = -ENOMEM;
						break;
					}
					v = nv;
				}
				v[n++] = (size_t)mm;
			}
			p = *end ? end + 1 : end;
		}
		qsort(v, n, sizeof(*v), cmp_size);
		size_t u = 0;
		for (size_t i = 0; i < n; i++)
			if (u == 0 || v[u - 1] != v[i])
				v[u++] = v[i];
		n = u;
	}
	if (err) {
		free(v);
		return err;
	}
	*out = v;
	*nout = n;
	return 0;
}
