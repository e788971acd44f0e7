// SPDX-License-Identifier: MIT
/* Helpers shared by the sub-commands. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_cli.h"
#include "readers/npy.h"

int cli_load(const struct cli *c, const char *path, struct series *s, double **x, double **t,
             size_t *n)
{
	char err[300];
	memset(s, 0, sizeof(*s));
	int rc = reader_read(path, &c->ropts, s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "tsync-analyze: %s\n", err);
		return EXIT_INPUT;
	}
	bool gaps = false;
	for (size_t i = 0; i < s->n && !gaps; i++)
		gaps = isnan(s->x[i]);
	if (!gaps && s->n) { /* nothing to drop: hand the arrays over instead of copying */
		*x = s->x;
		if (t)
			*t = s->t;
		else
			free(s->t);
		*n = s->n;
		s->x = s->t = NULL;
		return EXIT_OK;
	}
	if (series_finite(s, x, t, n)) {
		fprintf(stderr, "tsync-analyze: out of memory\n");
		series_free(s);
		return EXIT_INPUT;
	}
	if (*n == 0) {
		fprintf(stderr, "tsync-analyze: %s: every %s sample is nan\n", path, s->name);
		free(*x);
		if (t)
			free(*t);
		series_free(s);
		return EXIT_INPUT;
	}
	return EXIT_OK;
}

int cli_load_mapped(const struct cli *c, const char *path, struct series *s, double **x, double **t,
                    size_t *n, struct npy_map *map)
{
	char err[300];
	memset(map, 0, sizeof(*map));
	enum input_format f = c->ropts.format == FMT_AUTO ? reader_detect(path) : c->ropts.format;
	if (f != FMT_NPY)
		return cli_load(c, path, s, x, t, n);
	int rc = npy_map(path, map, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "tsync-analyze: %s\n", err);
		return EXIT_INPUT;
	}
	bool finite = map->cols == 1 && map->n > 0;
	for (size_t i = 0; finite && i < map->n; i++)
		finite = isfinite(map->data[i]);
	if (!finite) { /* t, x columns or gaps: the copying reader */
		npy_unmap(map);
		return cli_load(c, path, s, x, t, n);
	}
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "x");
	snprintf(s->unit, sizeof(s->unit), "s");
	*x = (double *)map->data;
	*t = NULL;
	*n = map->n;
	return EXIT_OK;
}

void cli_unload(struct series *s, double *x, double *t, struct npy_map *map)
{
	if (map && map->base) {
		npy_unmap(map);
	} else {
		free(x);
		free(t);
	}
	series_free(s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double cli_tau0(const struct cli *c, const double *t, size_t n)
{
	if (c->rate > 0)
		return 1.0 / c->rate;
	if (!t || n < 2 || isnan(t[0]))
		return 1.0;
	double *d = malloc((n - 1) * sizeof(*d));
	size_t k = 0;
	if (!d)
		return 1.0;
	for (size_t i = 0; i + 1 < n; i++)
		if (t[i + 1] > t[i])
			d[k++] = t[i + 1] - t[i];
	double tau0 = 1.0;
	if (k) {
		qsort(d, k, sizeof(*d), cmp_double);
		tau0 = d[k / 2];
	}
	free(d);
	return tau0;
}

void out_num(FILE *f, enum out_format fmt, double v)
{
	if (fmt == OUT_JSON && !isfinite(v))
		fputs("null", f);
	else if (fmt == OUT_TABLE)
		fprintf(f, "%.9g", v);
	else
		fprintf(f, "%.17g", v);
}

void out_jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}
