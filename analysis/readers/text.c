// SPDX-License-Identifier: MIT
/*
 * Plain text: "x" or "t x" per line (seconds), '#' starts a comment, blank lines ignored;
 * fields are separated by blanks, tabs, ',' or ';'. Values must be finite: "nan" or "inf" is
 * a malformed line, not a sample. The file is read in 1 MiB blocks and each line is scanned
 * once; numbers go through fastnum_parse (strtod's doubles, several times faster).
 * A big regular file is memory-mapped and cut at line ends into one piece per CPU, parsed
 * in parallel and joined in order; if any piece holds a malformed line the whole file is
 * read again sequentially, so reports and --strict behave exactly as before.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
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

static int read_text_seq(struct reader_ctx *c, FILE *f, struct series *out)
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

enum { PAR_MIN = 4 << 20, PAR_MAX_THREADS = 8 };

struct piece {
	const char *p;
	size_t len;
	struct reader_ctx ctx; /* strict and quiet: the first malformed line stops the piece */
	struct reader_opts opts;
	struct series s;
	int err;
};

static void *parse_piece(void *arg)
{
	struct piece *pc = arg;
	const char *p = pc->p, *end = pc->p + pc->len;
	while (p < end && !pc->err) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		pc->err = text_line(&pc->ctx, p, len, 0, &pc->s);
		p += len + 1;
	}
	return NULL;
}

/* join the pieces' samples in order into out: 0 or -ENOMEM */
static int join(struct piece *pcs, unsigned np, struct series *out)
{
	size_t n = 0;
	for (unsigned i = 0; i < np; i++)
		n += pcs[i].s.n;
	out->t = malloc((n ? n : 1) * sizeof(double));
	out->x = malloc((n ? n : 1) * sizeof(double));
	if (!out->t || !out->x)
		return -ENOMEM;
	for (unsigned i = 0; i < np; i++) {
		memcpy(out->t + out->n, pcs[i].s.t, pcs[i].s.n * sizeof(double));
		memcpy(out->x + out->n, pcs[i].s.x, pcs[i].s.n * sizeof(double));
		out->n += pcs[i].s.n;
	}
	out->cap = n;
	return 0;
}

/* 0: done; 1: not applicable or a malformed line somewhere (read sequentially) */
static int read_text_par(struct reader_ctx *c, FILE *f, struct series *out)
{
	struct stat st;
	int fd = fileno(f);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (out->sink || fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < PAR_MIN ||
	    ncpu < 2 || ftell(f) != 0)
		return 1;
	size_t len = (size_t)st.st_size;
	char *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return 1;
	madvise(map, len, MADV_SEQUENTIAL);
	unsigned np = ncpu > PAR_MAX_THREADS ? PAR_MAX_THREADS : (unsigned)ncpu, started = 0;
	struct piece pcs[PAR_MAX_THREADS];
	pthread_t tid[PAR_MAX_THREADS];
	size_t at = 0;
	for (unsigned i = 0; i < np; i++) { /* cut after the '\n' at or past i+1 / np */
		size_t cut = i + 1 == np ? len : len / np * (i + 1);
		const char *nl = cut < len ? memchr(map + cut, '\n', len - cut) : NULL;
		cut = i + 1 == np || !nl ? len : (size_t)(nl - map) + 1;
		cut = cut < at ? at : cut;
		pcs[i] = (struct piece){.p = map + at, .len = cut - at};
		pcs[i].opts = *c->opts;
		pcs[i].opts.strict = true;
		pcs[i].ctx = (struct reader_ctx){.path = c->path, .opts = &pcs[i].opts};
		at = cut;
	}
	for (unsigned i = 1; i < np; i++)
		if (pthread_create(&tid[i], NULL, parse_piece, &pcs[i]) == 0)
			started |= 1u << i;
		else
			parse_piece(&pcs[i]);
	parse_piece(&pcs[0]);
	for (unsigned i = 1; i < np; i++)
		if (started & (1u << i))
			pthread_join(tid[i], NULL);
	int rc = 0;
	for (unsigned i = 0; i < np; i++)
		rc = pcs[i].err ? 1 : rc;
	if (!rc && join(pcs, np, out)) {
		series_free(out);
		rc = 1;
	}
	for (unsigned i = 0; i < np; i++)
		series_free(&pcs[i].s);
	munmap(map, len);
	return rc;
}

int read_text(struct reader_ctx *c, FILE *f, struct series *out)
{
	snprintf(out->name, sizeof(out->name), "x");
	snprintf(out->unit, sizeof(out->unit), "s");
	if (read_text_par(c, f, out) == 0)
		return 0;
	return read_text_seq(c, f, out);
}
