// SPDX-License-Identifier: MIT
/* tsync-analyze stability: the deviation family at a tau list, with confidence intervals. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_cli.h"
#include "metrics/metrics.h"
#include "plots/plot.h"
#include "readers/npy.h"

static int parse_metrics(const char *list, enum dev_kind *k, size_t *nk)
{
	char buf[256], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", list);
	*nk = 0;
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (*nk == DEV_COUNT || dev_parse(p, &k[*nk])) {
			fprintf(stderr,
			        "tsync-analyze: unknown metric \"%s\" (adev, oadev, mdev, "
			        "tdev, hdev, ohdev, totdev, mtie, tierms)\n",
			        p);
			return -EINVAL;
		}
		(*nk)++;
	}
	return *nk ? 0 : -EINVAL;
}

static void print_points(const struct cli *c, const char *file, enum dev_kind k,
                         const struct dev_point *p, size_t np, bool first)
{
	FILE *f = c->out;
	for (size_t i = 0; i < np; i++) {
		double v[] = {p[i].tau, p[i].value, (double)p[i].n, p[i].ci_lo, p[i].ci_hi};
		if (c->fmt == OUT_TABLE) {
			fprintf(f, "%-7s %12.6g %16.9g %10zu %16.9g %16.9g %6.1f %5d\n",
			        dev_name(k), v[0], v[1], p[i].n, v[3], v[4], p[i].edf, p[i].alpha);
		} else if (c->fmt == OUT_CSV) {
			if (file)
				fprintf(f, "%s,", file);
			fprintf(f, "%s", dev_name(k));
			for (size_t j = 0; j < 5; j++) {
				fputc(',', f);
				if (j == 2)
					fprintf(f, "%zu", p[i].n);
				else
					out_num(f, c->fmt, v[j]);
			}
			fputc('\n', f);
		} else {
			static const char *const keys[] = {"tau", "value", "n", "ci_lo", "ci_hi"};
			fprintf(f, "%s    {\"metric\": \"%s\"", first && i == 0 ? "" : ",\n",
			        dev_name(k));
			for (size_t j = 0; j < 5; j++) {
				fprintf(f, ", \"%s\": ", keys[j]);
				if (j == 2)
					fprintf(f, "%zu", p[i].n);
				else
					out_num(f, c->fmt, v[j]);
			}
			fprintf(f, ", \"edf\": ");
			out_num(f, c->fmt, p[i].edf);
			fprintf(f, ", \"alpha\": ");
			if (p[i].alpha == 99)
				fprintf(f, "null}");
			else
				fprintf(f, "%d}", p[i].alpha);
		}
	}
}

/* one file (index fi): its header, its deviations, its plot (first file only) */
static int stability_file(const struct cli *c, int fi)
{
	enum dev_kind kinds[DEV_COUNT];
	struct dev_curve curves[DEV_COUNT];
	size_t nk, n, nx;
	struct series s;
	struct npy_map map;
	double *x = NULL, *t = NULL, *ph;
	int rc;
	memset(curves, 0, sizeof(curves));
	if (parse_metrics(c->metrics, kinds, &nk))
		return EXIT_INPUT;
	const char *path = c->files[fi];
	if ((rc = cli_load_mapped(c, path, &s, &x, &t, &n, &map)))
		return rc;
	double tau0 = cli_tau0(c, t, n);
	ph = c->freq ? phase_from_freq(x, n, tau0) : x;
	nx = c->freq ? n + 1 : n;
	rc = EXIT_OK;
	if (!ph) {
		rc = EXIT_INPUT;
		goto out;
	}
	if (c->fmt == OUT_TABLE)
		fprintf(c->out,
		        "%s: %s, %zu %s points, tau0 %.9g s\n%-7s %12s %16s %10s %16s %16s "
		        "%6s %5s\n",
		        path, s.name, n, c->freq ? "frequency" : "phase", tau0, "metric", "tau[s]",
		        "value", "n", "ci_lo", "ci_hi", "edf", "alpha");
	else if (c->fmt == OUT_CSV && fi == 0)
		fprintf(c->out, "%smetric,tau,value,n,ci_lo,ci_hi\n", c->by_file ? "file," : "");
	else if (c->fmt == OUT_JSON) {
		fprintf(c->out, "{\"file\": ");
		out_jstr(c->out, path);
		fprintf(c->out, ", \"column\": ");
		out_jstr(c->out, s.name);
		fprintf(c->out, ", \"data\": \"%s\", \"n\": %zu, \"tau0\": %.17g, \"results\": [\n",
		        c->freq ? "freq" : "phase", n, tau0);
	}
	struct dev_job jobs[DEV_COUNT];
	size_t *ms[DEV_COUNT] = {NULL};
	size_t nj = 0;
	for (size_t i = 0; i < nk; i++, nj++) {
		size_t nm = 0;
		if (taus_parse(c->taus, tau0, dev_max_m(kinds[i], nx), &ms[i], &nm)) {
			fprintf(stderr, "tsync-analyze: bad --taus \"%s\"\n", c->taus);
			rc = EXIT_INPUT;
			break;
		}
		struct dev_point *p = calloc(nm ? nm : 1, sizeof(*p));
		jobs[i] = (struct dev_job){kinds[i], ms[i], nm, p, !c->no_ci};
		curves[i] = (struct dev_curve){kinds[i], p, nm};
		if (!p) {
			rc = EXIT_INPUT;
			break;
		}
	}
	if (rc == EXIT_OK && dev_run_jobs(ph, nx, tau0, jobs, nj, c->threads))
		rc = EXIT_INPUT;
	bool first = true;
	for (size_t i = 0; rc == EXIT_OK && i < nj; i++) {
		print_points(c, c->by_file ? path : NULL, kinds[i], jobs[i].out, jobs[i].nm, first);
		first = first && jobs[i].nm == 0;
	}
	for (size_t i = 0; i < nk; i++)
		free(ms[i]);
	if (c->fmt == OUT_JSON)
		fprintf(c->out, "\n]}%s", c->by_file ? "" : "\n");
	if (rc == EXIT_OK && c->plot && fi == 0) {
		char title[300];
		snprintf(title, sizeof(title), "%s (%s)", c->title ? c->title : path, s.name);
		int e = plot_devs(c->plot, title, curves, nk);
		if (e) {
			fprintf(stderr, "tsync-analyze: plot %s failed (%d)\n", c->plot, e);
			rc = EXIT_INPUT;
		}
	}
	for (size_t i = 0; i < nk; i++)
		free((void *)curves[i].p);
out:
	if (ph != x)
		free(ph);
	cli_unload(&s, x, t, &map);
	return rc;
}

int cmd_stability(const struct cli *c)
{
	if (!c->by_file) {
		if (c->nfiles != 1)
			fprintf(stderr,
			        "tsync-analyze stability: analysing %s only (--by-file: all)\n",
			        c->files[0]);
		return stability_file(c, 0);
	}
	int rc = EXIT_OK;
	if (c->fmt == OUT_JSON)
		fprintf(c->out, "[");
	for (int i = 0; i < c->nfiles; i++) {
		if (c->fmt == OUT_JSON && i)
			fprintf(c->out, ",\n");
		int r = stability_file(c, i);
		rc = r ? r : rc;
	}
	if (c->fmt == OUT_JSON)
		fprintf(c->out, "]\n");
	return rc;
}
