// SPDX-License-Identifier: MIT
/* tsync-analyze stats: descriptive statistics of each file, optional time-series plot. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_cli.h"
#include "metrics/metrics.h"
#include "plots/plot.h"

static const char *const keys[] = {"count",   "mean", "stddev", "rms", "min", "max",
                                   "max_abs", "p50",  "p90",    "p99", "p999"};

static void values(const struct basic_stats *st, double *v)
{
	double a[] = {(double)st->count, st->mean, st->stddev, st->rms, st->min, st->max,
	              st->max_abs,       st->p50,  st->p90,    st->p99, st->p999};
	memcpy(v, a, sizeof(a));
}

static void print_one(const struct cli *c, const char *path, const struct series *s,
                      const struct basic_stats *st, double t_max, int idx)
{
	FILE *f = c->out;
	double v[11];
	values(st, v);
	if (c->fmt == OUT_TABLE) {
		fprintf(f, "%s: %s [%s]\n", path, s->name, s->unit[0] ? s->unit : "1");
		for (size_t k = 0; k < 11; k++) {
			fprintf(f, "  %-8s ", keys[k]);
			out_num(f, c->fmt, v[k]);
			if (k == 6 && !isnan(t_max))
				fprintf(f, "   at t = %.9f s (sample %zu)", t_max, st->i_max_abs);
			fputc('\n', f);
		}
		return;
	}
	if (c->fmt == OUT_CSV) {
		if (idx == 0) {
			fprintf(f, "file,column,unit");
			for (size_t k = 0; k < 11; k++)
				fprintf(f, ",%s", keys[k]);
			fprintf(f, ",t_max_abs\n");
		}
		fprintf(f, "%s,%s,%s", path, s->name, s->unit);
		for (size_t k = 0; k < 11; k++) {
			fputc(',', f);
			out_num(f, c->fmt, v[k]);
		}
		fputc(',', f);
		out_num(f, c->fmt, t_max);
		fputc('\n', f);
		return;
	}
	fprintf(f, "%s{\"file\": ", idx ? ",\n" : "");
	out_jstr(f, path);
	fprintf(f, ", \"column\": ");
	out_jstr(f, s->name);
	fprintf(f, ", \"unit\": ");
	out_jstr(f, s->unit);
	for (size_t k = 0; k < 11; k++) {
		fprintf(f, ", \"%s\": ", keys[k]);
		out_num(f, c->fmt, v[k]);
	}
	fprintf(f, ", \"t_max_abs\": ");
	out_num(f, c->fmt, t_max);
	fprintf(f, ", \"i_max_abs\": %zu}", st->i_max_abs);
}

int cmd_stats(const struct cli *c)
{
	int rc = EXIT_OK;
	if (c->fmt == OUT_JSON && c->nfiles > 1)
		fprintf(c->out, "[");
	for (int i = 0; i < c->nfiles; i++) {
		struct series s;
		struct basic_stats st;
		double *x, *t;
		size_t n;
		int r = cli_load(c, c->files[i], &s, &x, &t, &n);
		if (r) {
			rc = r;
			continue;
		}
		if (stats_compute(x, n, &st) == 0) {
			print_one(c, c->files[i], &s, &st, t[st.i_max_abs], i);
			if (c->plot && i == 0) {
				int e = plot_series(c->plot, c->title ? c->title : c->files[i], t,
				                    x, n, s.unit);
				if (e) {
					fprintf(stderr, "tsync-analyze: plot %s failed (%d)\n",
					        c->plot, e);
					rc = EXIT_INPUT;
				}
			}
		}
		free(x);
		free(t);
		series_free(&s);
	}
	if (c->fmt == OUT_JSON)
		fprintf(c->out, "%s\n", c->nfiles > 1 ? "]" : "");
	return rc;
}
