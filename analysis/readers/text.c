// SPDX-License-Identifier: MIT
/*
 * Plain text: "x" or "t x" per line (seconds), '#' starts a comment, blank lines ignored;
 * fields are separated by blanks, tabs, ',' or ';'. Values must be finite: "nan" or "inf" is
 * a malformed line, not a sample. The file is read in 1 MiB blocks and each line is scanned
 * once; numbers go through fastnum_parse (strtod's doubles, several times faster).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "readers/fastnum.h"
#include "readers/reader.h"

enum { BLOCK = 1 << 20 };

static inline bool is_sep(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == ',' || ch == ';';
}

/* One line (without its '\n'): 0, or the error that stops the read. */
static int text_line(struct reader_ctx *c, const char *l, size_t len, unsigned long ln,
                     struct series *out)
{
	const char *tok[2], *p = l, *end = l + len, *hash = memchr(l, '#', len);
	size_t tlen[2];
	int nt = 0;
	if (hash)
		end = hash;
	while (p < end) {
		while (p < end && is_sep(*p))
			p++;
		if (p == end)
			break;
		const char *s = p;
		while (p < end && !is_sep(*p))
			p++;
		if (nt < 2) {
			tok[nt] = s;
			tlen[nt] = (size_t)(p - s);
		}
		nt++;
	}
	if (nt == 0)
		return 0;
	char where[32]; /* formatted only for a report: a snprintf per line cost 10 % */
	if (nt > 2) {
		snprintf(where, sizeof(where), "%lu", ln);
		return reader_bad(c, where, "%d fields, expected 1 (x) or 2 (t x)", nt);
	}
	double v[2] = {NAN, NAN};
	for (int k = 0; k < nt; k++) {
		int rc = fastnum_parse(tok[k], tlen[k], &v[k]);
		if (rc == -ENOMEM)
			return reader_fail(c, rc, "%s: out of memory", c->path);
		if (rc) {
			snprintf(where, sizeof(where), "%lu", ln);
			int show = tlen[k] > 80 ? 80 : (int)tlen[k];
			return reader_bad(c, where, "%s: \"%.*s\"",
			                  rc == -EDOM ? "not a finite number" : "not a number",
			                  show, tok[k]);
		}
	}
	int err = series_push(out, nt == 2 ? v[0] : NAN, v[nt - 1]);
	if (err)
		reader_fail(c, err, "%s: out of memory", c->path);
	return err;
}

int read_text(struct reader_ctx *c, FILE *f, struct series *out)
{
	size_t cap = BLOCK, have = 0;
	char *buf = malloc(cap);
	unsigned long ln = 0;
	int err = 0;
	bool eof = false;
	snprintf(out->name, sizeof(out->name), "x");
	snprintf(out->unit, sizeof(out->unit), "s");
	if (!buf)
		return reader_fail(c, -ENOMEM, "%s: out of memory", c->path);
	while (!err && !eof) {
		if (have == cap) { /* a line longer than the buffer */
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				err = reader_fail(c, -ENOMEM, "%s: out of memory", c->path);
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + have, 1, cap - have, f);
		eof = got < cap - have;
		have += got;
		size_t pos = 0;
		for (;;) {
			char *nl = memchr(buf + pos, '\n', have - pos);
			if (!nl && !eof)
				break;
			size_t len = nl ? (size_t)(nl - (buf + pos)) : have - pos;
			if (nl || len) {
				ln++;
				if ((err = text_line(c, buf + pos, len, ln, out)))
					break;
			}
			pos += len + (nl ? 1 : 0);
			if (!nl || pos == have)
				break;
		}
		memmove(buf, buf + pos, have - pos);
		have -= pos;
	}
	free(buf);
	return err;
}
