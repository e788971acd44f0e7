// SPDX-License-Identifier: MIT
/* tsync-analyze stats: descriptive statistics of each file, optional time-series plot. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze_cli.h"
#include "metrics/metrics.h"
#include "metrics/sketch.h"
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

/* --plot: the whole series in memory, as before */
static int stats_plot_file(const struct cli *c, int i)
{
	struct series s;
	struct basic_stats st;
	double *x, *t;
	size_t n;
	int rc = cli_load(c, c->files[i], &s, &x, &t, &n);
	if (rc)
		return rc;
	if (stats_compute(x, n, &st) == 0) {
		print_one(c, c->files[i], &s, &st, t[st.i_max_abs], i);
		if (i == 0) {
			int e = plot_series(c->plot, c->title ? c->title : c->files[i], t, x, n,
			                    s.unit);
			if (e) {
				fprintf(stderr, "tsync-analyze: plot %s failed (%d)\n", c->plot, e);
				rc = EXIT_INPUT;
			}
		}
	}
	free(x);
	free(t);
	series_free(&s);
	return rc;
}

/* the streaming path: every sample of a file goes to its accumulator and the total's */
struct feed {
	struct stream_stats *file, *total;
	const char *path;
	double start, last_report;
	size_t seen;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int feed_sample(void *ctx, double t, double x)
{
	struct feed *f = ctx;
	if (isnan(x)) /* a missing sample, as series_finite drops it */
		return 0;
	int e = stream_stats_add(f->file, t, x);
	if (!e && f->total)
		e = stream_stats_add(f->total, t, x);
	if ((++f->seen & 0xfffff) == 0) { /* progress for long runs: after 2 s, once a second */
		double now = mono();
		if (now - f->start > 2 && now - f->last_report >= 1) {
			fprintf(stderr, "tsync-analyze: %s: %zu samples, %.1f s%s\n", f->path,
			        f->seen, now - f->start,
			        f->file->sketched ? " (past --memory: sketched percentiles)" : "");
			f->last_report = now;
		}
	}
	return e;
}

static int stats_stream_file(const struct cli *c, int i, struct stream_stats *total,
                             struct series *s, double start)
{
	struct stream_stats one;
	struct feed f = {&one, total, c->files[i], start, start, 0};
	char err[300];
	stream_stats_init(&one, c->memory);
	memset(s, 0, sizeof(*s));
	s->sink = feed_sample;
	s->sink_ctx = &f;
	int rc = reader_read(c->files[i], &c->ropts, s, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "tsync-analyze: %s\n", err);
		stream_stats_free(&one);
		return EXIT_INPUT;
	}
	struct basic_stats st;
	double t_max;
	if (stream_stats_result(&one, &st, &t_max)) {
		fprintf(stderr, "tsync-analyze: %s: every %s sample is nan\n", c->files[i],
		        s->name);
		rc = EXIT_INPUT;
	} else {
		print_one(c, c->files[i], s, &st, t_max, i);
	}
	stream_stats_free(&one);
	return rc;
}

int cmd_stats(const struct cli *c)
{
	int rc = EXIT_OK, printed = 0;
	struct stream_stats total;
	struct series s = {.name = "x"};
	double start = mono();
	stream_stats_init(&total, c->memory);
	bool many = c->nfiles > 1 || c->by_file;
	if (c->fmt == OUT_JSON && many)
		fprintf(c->out, "[");
	for (int i = 0; i < c->nfiles; i++) {
		int r = c->plot ? stats_plot_file(c, i)
		                : stats_stream_file(c, i, c->by_file ? &total : NULL, &s, start);
		if (r)
			rc = r;
		else
			printed++;
	}
	if (c->by_file && !c->plot) { /* the total over every file's samples */
		struct basic_stats st;
		double t_max;
		if (stream_stats_result(&total, &st, &t_max) == 0)
			print_one(c, "total", &s, &st, NAN, printed ? 1 : 0);
	}
	stream_stats_free(&total);
	if (c->fmt == OUT_JSON)
		fprintf(c->out, "%s\n", many ? "]" : "");
	return rc;
}
