// SPDX-License-Identifier: MIT
/*
 * linuxptp logs (ptp4l, phc2sys, and our daemons, which print the same lines):
 *   ptp4l[5374018.735]: master offset         -5 s2 freq  -1234 path delay       567
 *   phc2sys[5374019.735]: CLOCK_REALTIME phc offset  -12 s2 freq  +1234 delay    567
 *   ptp4l[5374080.735]: rms   12 max   34 freq  -1234 +/-   5 delay   567 +/-   2
 * Columns: offset, delay (ns -> s), freq (ppb -> fractional) from per-sample lines; rms, max
 * (ns -> s) from summary lines. t is the bracketed time stamp (s), NAN without one. Other
 * lines (port state changes, BMCA notes, syslog noise) are not samples and are skipped
 * silently; a sample or summary line whose numbers do not parse is malformed.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "readers/reader.h"

#define MAXTOK 48

static int num(const char *s, double *v)
{
	char *end;
	if (!s)
		return -EINVAL;
	*v = strtod(s, &end);
	return end != s && *end == '\0' && isfinite(*v) ? 0 : -EINVAL;
}

/* value of the token after the first occurrence of key at or after from; -1 if key is absent */
static int after(char **tok, int nt, int from, const char *key, double *v)
{
	for (int i = from; i < nt; i++)
		if (!strcmp(tok[i], key))
			return i + 1 < nt && !num(tok[i + 1], v) ? i + 1 : -2;
	return -1;
}

static double stamp(const char *line)
{
	const char *b = strchr(line, '[');
	double t;
	char *end;
	if (!b)
		return NAN;
	t = strtod(b + 1, &end);
	return end != b + 1 && *end == ']' ? t : NAN;
}

int read_ptp4l(struct reader_ctx *c, FILE *f, struct series *out)
{
	const char *col = c->opts->column ? c->opts->column : "offset";
	bool summary_col = !strcmp(col, "rms") || !strcmp(col, "max");
	char *line = NULL, where[32];
	size_t cap = 0, nsum = 0;
	unsigned long ln = 0;
	int err = 0;
	struct series sum;
	memset(&sum, 0, sizeof(sum));
	if (!summary_col && strcmp(col, "offset") && strcmp(col, "freq") && strcmp(col, "delay"))
		return reader_fail(c, -EINVAL,
		                   "%s: no column \"%s\" in ptp4l logs "
		                   "(offset, freq, delay, rms, max)",
		                   c->path, col);
	snprintf(out->name, sizeof(out->name), "%s", col);
	snprintf(out->unit, sizeof(out->unit), "%s", strcmp(col, "freq") ? "s" : "");
	while (!err && getline(&line, &cap, f) > 0) {
		char *tok[MAXTOK], *save = NULL, *copy;
		int nt = 0;
		double t = stamp(line), off, fr, dl, rms, mx;
		ln++;
		snprintf(where, sizeof(where), "%lu", ln);
		copy = line;
		for (char *p = strtok_r(copy, " \t\r\n", &save); p && nt < MAXTOK;
		     p = strtok_r(NULL, " \t\r\n", &save))
			tok[nt++] = p;
		int io = after(tok, nt, 0, "offset", &off);
		int ir = after(tok, nt, 0, "rms", &rms);
		if (io == -1 && ir == -1)
			continue; /* not a sample line */
		if (io != -1) {
			int ifr = io > 0 ? after(tok, nt, io, "freq", &fr) : -1;
			int idl = ifr > 0 ? after(tok, nt, ifr, "delay", &dl) : -1;
			if (io < 0 || ifr < 0) {
				err = reader_bad(c, where, "sample line without %s",
				                 io < 0 ? "a numeric offset" : "a numeric freq");
				continue;
			}
			if (idl == -2) {
				err = reader_bad(c, where, "non-numeric delay");
				continue;
			}
			double v = !strcmp(col, "offset") ? off / 1e9
			           : !strcmp(col, "freq") ? fr / 1e9
			           : idl > 0              ? dl / 1e9
			                                  : NAN;
			if (!summary_col)
				err = series_push(out, t, v);
		} else {
			int im = ir > 0 ? after(tok, nt, ir, "max", &mx) : -1;
			if (ir < 0 || im < 0) {
				err = reader_bad(c, where,
				                 "summary line without numeric rms and max");
				continue;
			}
			nsum++;
			err = series_push(&sum, t, (!strcmp(col, "max") ? mx : rms) / 1e9);
		}
	}
	free(line);
	if (!err && summary_col) {
		series_free(out);
		*out = sum;
		snprintf(out->name, sizeof(out->name), "%s", col);
		snprintf(out->unit, sizeof(out->unit), "s");
		return 0;
	}
	if (!err && out->n == 0 && nsum && !c->opts->column) {
		/* a log with only summary lines (summary_interval): analyse the rms values */
		fprintf(c->opts->diag ? c->opts->diag : stderr,
		        "%s: no per-sample lines, using the rms column of %zu summary lines\n",
		        c->path, nsum);
		series_free(out);
		*out = sum;
		snprintf(out->name, sizeof(out->name), "rms");
		snprintf(out->unit, sizeof(out->unit), "s");
		return 0;
	}
	series_free(&sum);
	return err;
}
