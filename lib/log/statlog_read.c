/* SPDX-License-Identifier: MIT */
/* statlog reader; the format is documented in include/tsync/statlog.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/statlog.h"
#include "statlog_private.h"

struct statlog_reader {
	FILE *f;
	bool own;
	char *origin;
	char *line;
	size_t cap, len; /* getline buffer, length of the current line */
	unsigned long lineno;
	size_t ncol;
	char **names, **units;
	size_t nmeta;
	char **mkeys, **mvals;
	char err[256];
};

static void set_err(struct statlog_reader *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void set_err(struct statlog_reader *r, const char *fmt, ...)
{
	va_list ap;
	int k = r->lineno ? snprintf(r->err, sizeof(r->err), "%.120s:%lu: ", r->origin, r->lineno)
	                  : snprintf(r->err, sizeof(r->err), "%.120s: ", r->origin);

	if (k < 0 || (size_t)k >= sizeof(r->err))
		return;
	va_start(ap, fmt);
	vsnprintf(r->err + k, sizeof(r->err) - k, fmt, ap);
	va_end(ap);
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Next line without its newline / trailing whitespace. 1, 0 at EOF, -errno. */
static int next_line(struct statlog_reader *r)
{
	ssize_t n;

	errno = 0;
	n = getline(&r->line, &r->cap, r->f);
	if (n < 0)
		return ferror(r->f) ? -(errno ? errno : EIO) : 0;
	r->lineno++;
	while (n > 0 && (r->line[n - 1] == '\n' || is_ws(r->line[n - 1])))
		r->line[--n] = '\0';
	r->len = (size_t)n;
	return 1;
}

static char *skip_ws(char *s)
{
	while (is_ws(*s))
		s++;
	return s;
}

/* Append s as element n; the array grows in powers of two (n is a power of two: full). */
static int push(char ***arr, size_t n, char *s)
{
	char **p = *arr;

	if (!(n & (n - 1))) {
		p = realloc(*arr, (n ? 2 * n : 1) * sizeof(**arr));
		if (!p) {
			free(s);
			return -ENOMEM;
		}
		*arr = p;
	}
	p[n] = s;
	return s ? 0 : -ENOMEM;
}

struct name_ref {
	const char *name;
	size_t i;
};

static int name_ref_cmp(const void *a, const void *b)
{
	const struct name_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Index of the first column whose name an earlier column already has, or -1 (O(n log n)). */
static long first_duplicate(char **names, size_t n)
{
	struct name_ref *v;
	long dup = -1;

	if (n < 2)
		return -1;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -2;
	for (size_t i = 0; i < n; i++)
		v[i] = (struct name_ref){names[i], i};
	qsort(v, n, sizeof(*v), name_ref_cmp);
	for (size_t k = 1; k < n; k++)
		if (!strcmp(v[k].name, v[k - 1].name) && (dup < 0 || v[k].i < (size_t)dup))
			dup = (long)v[k].i;
	free(v);
	return dup;
}

static int parse_columns(struct statlog_reader *r, char *s)
{
	size_t nl;
	char *tok, *save = NULL;
	int rc;

	for (tok = strtok_r(s, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		size_t len = strlen(tok);

		if (!statlog_parse_column(tok, len, &nl)) {
			set_err(r, "bad column '%.60s' (expected name or name[unit])", tok);
			return -EINVAL;
		}
		tok[nl] = '\0';
		if (nl < len)
			tok[len - 1] = '\0';
		rc = push(&r->names, r->ncol, strdup(tok));
		if (rc)
			return rc;
		rc = push(&r->units, r->ncol, strdup(nl < len ? tok + nl + 1 : ""));
		if (rc) {
			free(r->names[r->ncol]);
			return rc;
		}
		r->ncol++;
	}
	if (!r->ncol) {
		set_err(r, "no columns in '# columns:' header");
		return -EINVAL;
	}
	long dup = first_duplicate(r->names, r->ncol);
	if (dup == -2)
		return -ENOMEM;
	if (dup >= 0) {
		set_err(r, "duplicate column '%.60s'", r->names[dup]);
		return -EINVAL;
	}
	return 0;
}

/* "# key: value" -> metadata; other comments are ignored. */
static int parse_meta(struct statlog_reader *r, char *s)
{
	char *key = skip_ws(s + 1), *p = key;
	int rc;

	while (statlog_name_char(*p))
		p++;
	if (p == key || *p != ':')
		return 0;
	*p = '\0';
	if (!strcmp(key, "columns"))
		return parse_columns(r, p + 1);
	rc = push(&r->mkeys, r->nmeta, strdup(key));
	if (rc)
		return rc;
	rc = push(&r->mvals, r->nmeta, strdup(skip_ws(p + 1)));
	if (rc) {
		free(r->mkeys[r->nmeta]);
		return rc;
	}
	r->nmeta++;
	return 0;
}

static int read_header(struct statlog_reader *r)
{
	int rc = next_line(r);

	if (rc <= 0) {
		set_err(r, rc ? "read error: %s" : "empty file (no '%s' banner)",
		        rc ? strerror(-rc) : STATLOG_BANNER);
		return rc ? rc : -EINVAL;
	}
	if (strcmp(r->line, STATLOG_BANNER)) {
		if (!strncmp(r->line, "# tsync statlog v", 17))
			set_err(r, "unsupported statlog version '%.20s'", r->line + 16);
		else
			set_err(r, "wrong banner (expected '%s')", STATLOG_BANNER);
		return -EINVAL;
	}
	while ((rc = next_line(r)) > 0) {
		if (strlen(r->line) != r->len) {
			set_err(r, "NUL byte in header");
			return -EINVAL;
		}
		if (!*skip_ws(r->line))
			continue;
		if (r->line[0] != '#') {
			set_err(r, "sample before the '# columns:' header");
			return -EINVAL;
		}
		rc = parse_meta(r, r->line);
		if (rc)
			return rc;
		if (r->ncol)
			return 0;
	}
	if (rc < 0) {
		set_err(r, "read error: %s", strerror(-rc));
		return rc;
	}
	set_err(r, "missing '# columns:' header");
	return -EINVAL;
}

struct statlog_reader *statlog_read_fopen(FILE *f, const char *origin, struct statlog_error *err)
{
	struct statlog_reader *r = calloc(1, sizeof(*r));
	int rc = -ENOMEM;

	if (err)
		err->msg[0] = '\0';
	if (!r)
		goto fail_msg;
	r->f = f;
	r->origin = strdup(origin ? origin : "statlog");
	if (!r->origin)
		goto fail;
	rc = read_header(r);
	if (rc)
		goto fail;
	return r;
fail:
	if (err)
		snprintf(err->msg, sizeof(err->msg), "%s", r->err[0] ? r->err : "out of memory");
	statlog_read_close(r);
	errno = -rc;
	return NULL;
fail_msg:
	if (err)
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", origin);
	errno = -rc;
	return NULL;
}

struct statlog_reader *statlog_read_open(const char *path, struct statlog_error *err)
{
	struct statlog_reader *r;
	FILE *f = fopen(path, "re");
	int e;

	if (!f) {
		e = errno;
		if (err)
			snprintf(err->msg, sizeof(err->msg), "%.200s: cannot open: %s", path,
			         strerror(e));
		errno = e;
		return NULL;
	}
	r = statlog_read_fopen(f, path, err);
	if (!r) {
		e = errno;
		fclose(f);
		errno = e;
		return NULL;
	}
	r->own = true;
	return r;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void statlog_read_close(struct statlog_reader *r)
{
	if (!r)
		return;
	if (r->own)
		fclose(r->f);
	free_strv(r->names, r->ncol);
	free_strv(r->units, r->ncol);
	free_strv(r->mkeys, r->nmeta);
	free_strv(r->mvals, r->nmeta);
	free(r->line);
	free(r->origin);
	free(r);
}

size_t statlog_ncolumns(const struct statlog_reader *r)
{
	return r->ncol;
}

const char *statlog_column_name(const struct statlog_reader *r, size_t i)
{
	return i < r->ncol ? r->names[i] : NULL;
}

const char *statlog_column_unit(const struct statlog_reader *r, size_t i)
{
	return i < r->ncol ? r->units[i] : NULL;
}

long statlog_column_index(const struct statlog_reader *r, const char *name)
{
	for (size_t i = 0; name && i < r->ncol; i++)
		if (!strcmp(r->names[i], name))
			return (long)i;
	return -1;
}

size_t statlog_meta_count(const struct statlog_reader *r)
{
	return r->nmeta;
}

const char *statlog_meta_key(const struct statlog_reader *r, size_t i)
{
	return i < r->nmeta ? r->mkeys[i] : NULL;
}

const char *statlog_meta_value(const struct statlog_reader *r, size_t i)
{
	return i < r->nmeta ? r->mvals[i] : NULL;
}

const char *statlog_meta_get(const struct statlog_reader *r, const char *key)
{
	for (size_t i = 0; key && i < r->nmeta; i++)
		if (!strcmp(r->mkeys[i], key))
			return r->mvals[i];
	return NULL;
}

/* Split the current line into values; -EINVAL with the reason on a malformed row. */
static int parse_row(struct statlog_reader *r, double *values)
{
	char *p = r->line, *end;
	size_t n = 0;

	if (strlen(r->line) != r->len) {
		set_err(r, "NUL byte in sample line");
		return -EINVAL;
	}
	for (p = skip_ws(p); *p; p = skip_ws(p)) {
		char *tok = p;

		while (*p && !is_ws(*p))
			p++;
		if (n == r->ncol) {
			n++;
			break;
		}
		values[n] = strtod(tok, &end);
		if (end != p || end == tok) {
			set_err(r, "non-numeric field %zu '%.*s' (column %s)", n + 1,
			        (int)(p - tok > 40 ? 40 : p - tok), tok, r->names[n]);
			return -EINVAL;
		}
		n++;
	}
	if (n != r->ncol) {
		while (*p) { /* count the remaining fields for the message */
			p = skip_ws(p);
			if (*p)
				n++;
			while (*p && !is_ws(*p))
				p++;
		}
		set_err(r, "wrong number of fields (%zu, expected %zu)", n, r->ncol);
		return -EINVAL;
	}
	return 1;
}

int statlog_read_row(struct statlog_reader *r, double *values, size_t n)
{
	int rc;

	r->err[0] = '\0';
	if (n < r->ncol)
		return -ENOBUFS;
	while ((rc = next_line(r)) > 0) {
		char *s = skip_ws(r->line);
		if (*s && *s != '#')
			return parse_row(r, values);
	}
	if (rc < 0)
		set_err(r, "read error: %s", strerror(-rc));
	return rc;
}

unsigned long statlog_read_line(const struct statlog_reader *r)
{
	return r->lineno;
}

const char *statlog_read_error(const struct statlog_reader *r)
{
	return r->err;
}
