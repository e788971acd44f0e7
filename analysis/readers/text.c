// SPDX-License-Identifier: MIT
/*
 * Plain text: "x" or "t x" per line (seconds), '#' starts a comment, blank lines ignored.
 * Values must be finite: "nan" or "inf" is a malformed line, not a sample.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "readers/reader.h"

/* 0, -EINVAL (not a number, or out of double's range) or -EDOM (nan, inf) */
static int parse_num(const char *tok, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(tok, &end);
	if (end == tok || *end != '\0' || errno == ERANGE)
		return -EINVAL;
	return isfinite(*v) ? 0 : -EDOM;
}

int read_text(struct reader_ctx *c, FILE *f, struct series *out)
{
	char *line = NULL, where[32];
	size_t cap = 0;
	unsigned long ln = 0;
	int err = 0;
	snprintf(out->name, sizeof(out->name), "x");
	snprintf(out->unit, sizeof(out->unit), "s");
	while (getline(&line, &cap, f) > 0) {
		ln++;
		char *hash = strchr(line, '#'), *save = NULL, *tok[3];
		int nt = 0;
		if (hash)
			*hash = '\0';
		for (char *p = strtok_r(line, " \t\r\n,;", &save); p;
		     p = strtok_r(NULL, " \t\r\n,;", &save)) {
			if (nt < 3)
				tok[nt] = p;
			nt++;
		}
		if (nt == 0)
			continue;
		snprintf(where, sizeof(where), "%lu", ln);
		if (nt > 2) {
			err = reader_bad(c, where, "%d fields, expected 1 (x) or 2 (t x)", nt);
		} else {
			double t = NAN, x;
			const char *bad = tok[0];
			int rc = nt == 2 ? parse_num(tok[0], &t) : 0;
			if (!rc)
				rc = parse_num(bad = tok[nt - 1], &x);
			if (rc) {
				err = reader_bad(
				        c, where, "%s: \"%s\"",
				        rc == -EDOM ? "not a finite number" : "not a number", bad);
			} else if ((err = series_push(out, t, x))) {
				reader_fail(c, err, "%s: out of memory", c->path);
			}
		}
		if (err)
			break;
	}
	free(line);
	return err;
}
