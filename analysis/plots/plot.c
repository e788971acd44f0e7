// SPDX-License-Identifier: MIT
/* gnuplot back end: one script per plot on gnuplot's stdin, data inline as $blocks. */
#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "plots/plot.h"

static FILE *start(const char *out, const char *title, int w, int h)
{
	const char *dot = strrchr(out, '.');
	const char *term;
	if (!dot)
		return NULL;
	if (!strcmp(dot, ".png"))
		term = "pngcairo enhanced font ',10'";
	else if (!strcmp(dot, ".svg"))
		term = "svg enhanced font 'sans,10' dynamic";
	else
		return NULL;
	FILE *g = popen("gnuplot 2>&1 >/dev/null", "w");
	if (!g)
		return NULL;
	fprintf(g, "set terminal %s size %d,%d\nset output '%s'\n", term, w, h, out);
	fprintf(g, "set grid\nset key top right\n");
	(void)title;
	return g;
}

static int finish(FILE *g)
{
	int st = pclose(g);
	if (st == -1)
		return -EIO;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return -ENOENT;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static void esc(FILE *g, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\'' ? '"' : *s == '_' ? '-' : *s, g);
}

int plot_series(const char *out, const char *title, const double *t, const double *x, size_t n,
                const char *unit)
{
	FILE *g = start(out, title, 1000, 750);
	double sc = 1e9; /* s -> ns, fractional -> ppb */
	const char *yl = !strcmp(unit, "s") ? "time error [ns]" : "fractional frequency [ppb]";
	struct histogram h;
	if (!g)
		return -EINVAL;
	if (histogram_compute(x, n, 0, &h)) {
		pclose(g);
		return -ENOMEM;
	}
	fprintf(g, "$ts << EOD\n");
	for (size_t i = 0; i < n; i++)
		fprintf(g, "%.17g %.17g\n", t && !isnan(t[0]) ? t[i] - t[0] : (double)i, x[i] * sc);
	fprintf(g, "EOD\n$h << EOD\n");
	for (size_t k = 0; k < h.nbins; k++)
		fprintf(g, "%.17g %zu\n", (h.lo + ((double)k + 0.5) * h.width) * sc, h.counts[k]);
	fprintf(g, "EOD\nset multiplot layout 2,1 title '");
	esc(g, title);
	fprintf(g, "'\nset xlabel '%s'\nset ylabel '%s'\n",
	        t && !isnan(t[0]) ? "time since start [s]" : "sample", yl);
	fprintf(g, "plot $ts using 1:2 with lines lw 1 lc rgb '#1f77b4' title '%zu samples'\n", n);
	fprintf(g, "set xlabel '%s'\nset ylabel 'count'\nset style fill solid 0.6\n", yl);
	fprintf(g, "set boxwidth %.17g\n", h.width * sc * 0.9);
	fprintf(g, "plot $h using 1:2 with boxes lc rgb '#ff7f0e' title 'histogram'\n");
	fprintf(g, "unset multiplot\n");
	histogram_free(&h);
	return finish(g);
}

static bool is_time(enum dev_kind k)
{
	return k == DEV_TDEV || k == DEV_MTIE || k == DEV_TIERMS;
}

static void curve_data(FILE *g, const char *name, const struct dev_curve *c, double sc)
{
	fprintf(g, "$%s << EOD\n", name);
	for (size_t i = 0; i < c->n; i++) {
		const struct dev_point *p = &c->p[i];
		double lo = isnan(p->ci_lo) ? p->value : p->ci_lo;
		double hi = isnan(p->ci_hi) ? p->value : p->ci_hi;
		if (isfinite(p->value) && p->value > 0)
			fprintf(g, "%.17g %.17g %.17g %.17g\n", p->tau, p->value * sc, lo * sc,
			        hi * sc);
	}
	fprintf(g, "EOD\n");
}

int plot_devs(const char *out, const char *title, const struct dev_curve *c, size_t nc)
{
	FILE *g = start(out, title, 1000, 700);
	bool any_time = false, any_dev = false;
	if (!g)
		return -EINVAL;
	for (size_t i = 0; i < nc; i++) {
		char name[32];
		snprintf(name, sizeof(name), "c%zu", i);
		curve_data(g, name, &c[i], is_time(c[i].kind) ? 1e9 : 1);
		any_time |= is_time(c[i].kind);
		any_dev |= !is_time(c[i].kind);
	}
	fprintf(g, "set title '");
	esc(g, title);
	fprintf(g, "'\nset logscale xy\nset format y '10^{%%L}'\nset format x '10^{%%L}'\n");
	fprintf(g, "set xlabel 'tau [s]'\nset ylabel '%s'\n", any_dev ? "sigma(tau)" : "time [ns]");
	if (any_dev && any_time)
		fprintf(g, "set y2label 'time [ns]'\nset logscale y2\nset y2tics\n"
		           "set format y2 '10^{%%L}'\n");
	fprintf(g, "plot ");
	for (size_t i = 0; i < nc; i++) {
		bool y2 = any_dev && is_time(c[i].kind);
		fprintf(g, "%s$c%zu using 1:2:3:4 with yerrorlines pt 7 ps 0.6 %s title '%s%s'",
		        i ? ", " : "", i, y2 ? "axes x1y2" : "", dev_name(c[i].kind),
		        is_time(c[i].kind) ? " [ns]" : "");
	}
	fprintf(g, "\n");
	return finish(g);
}

static void mask_data(FILE *g, const char *name, const struct mask_seg *s)
{
	fprintf(g, "$%s << EOD\n", name);
	for (; s && s->tau_hi > 0; s++) {
		double lo = s->tau_lo > 0 ? s->tau_lo : 0.01;
		for (int k = 0; k <= 20; k++) {
			double tau = lo * pow(s->tau_hi / lo, k / 20.0);
			fprintf(g, "%.17g %.17g\n", tau, s->a * pow(tau, s->b) * 1e9);
		}
	}
	fprintf(g, "EOD\n");
}

static size_t valid(const struct dev_curve *c)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++)
		k += isfinite(c->p[i].value) && c->p[i].value > 0;
	return k;
}

static void mask_panel(FILE *g, const char *what, const char *dname, const char *mname,
                       bool has_data, bool has_mask, const char *mtitle)
{
	fprintf(g,
	        "set title '%s'\nset logscale xy\nset xlabel 'tau [s]'\n"
	        "set ylabel '%s [ns]'\n",
	        what, what);
	if (!has_data && !has_mask) {
		fprintf(g, "set label 1 'no data' at graph 0.5, 0.5 center\n"
		           "plot [1:10] [1:10] NaN notitle\nunset label 1\n");
		return;
	}
	fprintf(g, "plot ");
	if (has_data)
		fprintf(g, "$%s using 1:2 with linespoints pt 7 ps 0.6 title '%s'", dname, what);
	if (has_mask) {
		fprintf(g, "%s$%s using 1:2 with lines lw 2 lc rgb 'red' title '",
		        has_data ? ", " : "", mname);
		esc(g, mtitle);
		fprintf(g, " limit'");
	}
	fprintf(g, "\n");
}

int plot_mask(const char *out, const char *title, const struct dev_curve *mtie,
              const struct dev_curve *tdev, const struct mask_def *mask)
{
	FILE *g = start(out, title, 1200, 550);
	if (!g)
		return -EINVAL;
	curve_data(g, "mtie", mtie, 1e9);
	curve_data(g, "tdev", tdev, 1e9);
	mask_data(g, "mm", mask->mtie);
	mask_data(g, "mt", mask->tdev);
	fprintf(g, "set multiplot layout 1,2 title '");
	esc(g, title);
	fprintf(g, "'\n");
	mask_panel(g, "MTIE", "mtie", "mm", valid(mtie) > 0, mask->mtie != NULL, mask->title);
	mask_panel(g, "TDEV", "tdev", "mt", valid(tdev) > 0, mask->tdev != NULL, mask->title);
	fprintf(g, "unset multiplot\n");
	return finish(g);
}
