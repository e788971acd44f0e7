// SPDX-License-Identifier: MIT
/* tsync-analyze mask: max|TE|, cTE, MTIE and TDEV of a time-error record against a mask. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_cli.h"
#include "metrics/masks.h"
#include "metrics/metrics.h"
#include "plots/plot.h"

struct row {
	const char *check;
	double tau, value, limit, t;
	bool pass;
};

static void print_row(const struct cli *c, const struct row *r, bool first)
{
	FILE *f = c->out;
	if (c->fmt == OUT_TABLE) {
		fprintf(f, "%-8s %12.6g %16.9g %16.9g  %s", r->check, r->tau, r->value, r->limit,
		        r->pass ? "pass" : "FAIL");
		if (!isnan(r->t))
			fprintf(f, "  (at t = %.9f s)", r->t);
		fputc('\n', f);
		return;
	}
	if (c->fmt == OUT_CSV) {
		fprintf(f, "%s,", r->check);
		out_num(f, c->fmt, r->tau);
		fputc(',', f);
		out_num(f, c->fmt, r->value);
		fputc(',', f);
		out_num(f, c->fmt, r->limit);
		fprintf(f, ",%s\n", r->pass ? "pass" : "fail");
		return;
	}
	fprintf(f, "%s    {\"check\": \"%s\", \"tau\": ", first ? "" : ",\n", r->check);
	out_num(f, c->fmt, r->tau);
	fprintf(f, ", \"value\": ");
	out_num(f, c->fmt, r->value);
	fprintf(f, ", \"limit\": ");
	out_num(f, c->fmt, r->limit);
	fprintf(f, ", \"t\": ");
	out_num(f, c->fmt, r->t);
	fprintf(f, ", \"pass\": %s}", r->pass ? "true" : "false");
}

/* MTIE or TDEV of x at the taus of the mask; rows printed; *pass cleared on a failure */
static int curve(const struct cli *c, enum dev_kind k, const struct mask_seg *segs, const double *x,
                 size_t n, double tau0, struct dev_curve *out, bool *pass, bool *first)
{
	double tau_max = 0;
	size_t *m = NULL, nm = 0;
	for (const struct mask_seg *s = segs; s && s->tau_hi > 0; s++)
		tau_max = fmax(tau_max, s->tau_hi);
	size_t maxm = dev_max_m(k, n);
	if ((double)maxm * tau0 > tau_max)
		maxm = (size_t)floor(tau_max / tau0 + 1e-9);
	if (!segs || taus_parse(c->taus, tau0, maxm, &m, &nm))
		return 0;
	struct dev_point *p = calloc(nm ? nm : 1, sizeof(*p));
	if (!p || dev_compute(k, x, n, tau0, m, nm, p)) {
		free(m);
		free(p);
		return -1;
	}
	for (size_t i = 0; i < nm; i++) {
		struct row r = {k == DEV_MTIE ? "mtie" : "tdev", p[i].tau, p[i].value,
		                mask_limit(segs, p[i].tau),      NAN,      true};
		if (isnan(r.limit))
			continue;
		r.pass = r.value <= r.limit;
		*pass &= r.pass;
		print_row(c, &r, *first);
		*first = false;
	}
	*out = (struct dev_curve){k, p, nm};
	free(m);
	return 0;
}

int cmd_mask(const struct cli *c)
{
	const struct mask_def *mask = c->mask ? mask_find(c->mask) : NULL;
	struct dev_curve mt = {DEV_MTIE, NULL, 0}, td = {DEV_TDEV, NULL, 0};
	struct basic_stats st;
	struct series s;
	double *x, *t, *xl = NULL;
	size_t n;
	bool pass = true, first = true;
	int rc;
	if (!mask) {
		fprintf(stderr, "tsync-analyze mask: %s \"%s\"; masks:",
		        c->mask ? "unknown mask" : "--mask NAME needed", c->mask ? c->mask : "");
		for (size_t i = 0; mask_at(i); i++)
			fprintf(stderr, " %s", mask_at(i)->name);
		fputc('\n', stderr);
		return EXIT_INPUT;
	}
	if ((rc = cli_load(c, c->files[0], &s, &x, &t, &n)))
		return rc;
	double tau0 = cli_tau0(c, t, n);
	stats_compute(x, n, &st);
	xl = malloc(n * sizeof(*xl));
	if (!xl) {
		rc = EXIT_INPUT;
		goto out;
	}
	/* dTE_L: 0.1 Hz first-order low-pass, meaningful only when sampling above 0.2 Hz */
	if (mask->lowpass && tau0 < 5)
		te_lowpass(x, n, tau0, 0.1, xl);
	else
		memcpy(xl, x, n * sizeof(*xl));
	if (c->fmt == OUT_TABLE)
		fprintf(c->out,
		        "%s: %s, %zu samples, tau0 %.9g s, mask %s (%s)%s\n%-8s %12s %16s "
		        "%16s  %s\n",
		        c->files[0], s.name, n, tau0, mask->name, mask->title,
		        mask->lowpass ? ", MTIE/TDEV on dTE_L (0.1 Hz low-pass)" : "", "check",
		        "tau[s]", "value[s]", "limit[s]", "result");
	else if (c->fmt == OUT_CSV)
		fprintf(c->out, "check,tau,value,limit,pass\n");
	else
		fprintf(c->out, "{\"file\": \"%s\", \"mask\": \"%s\", \"checks\": [\n", c->files[0],
		        mask->name);
	if (mask->max_te > 0) {
		struct row r = {"max|TE|", NAN, st.max_abs, mask->max_te, t[st.i_max_abs], true};
		r.pass = r.value <= r.limit;
		pass &= r.pass;
		print_row(c, &r, first);
		first = false;
	}
	if (mask->max_te_l > 0) {
		struct basic_stats sl;
		stats_compute(xl, n, &sl);
		struct row r = {"max|TEL|", NAN, sl.max_abs, mask->max_te_l, t[sl.i_max_abs], true};
		r.pass = r.value <= r.limit;
		pass &= r.pass;
		print_row(c, &r, first);
		first = false;
	}
	if (mask->cte > 0) {
		struct row r = {"|cTE|", NAN, fabs(st.mean), mask->cte, NAN, true};
		r.pass = r.value <= r.limit;
		pass &= r.pass;
		print_row(c, &r, first);
		first = false;
	}
	if (curve(c, DEV_MTIE, mask->mtie, xl, n, tau0, &mt, &pass, &first) ||
	    curve(c, DEV_TDEV, mask->tdev, xl, n, tau0, &td, &pass, &first)) {
		rc = EXIT_INPUT;
		goto out;
	}
	if (c->fmt == OUT_JSON)
		fprintf(c->out, "\n], \"pass\": %s}\n", pass ? "true" : "false");
	else if (c->fmt == OUT_TABLE)
		fprintf(c->out, "result: %s\n", pass ? "PASS" : "FAIL");
	rc = pass ? EXIT_OK : EXIT_MASK_FAIL;
	if (c->plot) {
		char title[300];
		snprintf(title, sizeof(title), "%s vs %s", c->title ? c->title : c->files[0],
		         mask->title);
		int e = plot_mask(c->plot, title, &mt, &td, mask);
		if (e) {
			fprintf(stderr, "tsync-analyze: plot %s failed (%d)\n", c->plot, e);
			rc = EXIT_INPUT;
		}
	}
out:
	free((void *)mt.p);
	free((void *)td.p);
	free(xl);
	free(x);
	free(t);
	series_free(&s);
	return rc;
}
