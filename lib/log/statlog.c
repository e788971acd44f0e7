/* SPDX-License-Identifier: MIT */
/* statlog writer; the format is documented in include/tsync/statlog.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsync/statlog.h"
#include "statlog_private.h"

struct statlog {
	FILE *f;
	bool own;
	size_t ncol;
	unsigned flags;
	int err; /* first write error, positive errno */
};

char *statlog_format_double(double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "nan");
	} else if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "inf" : "-inf");
	} else if (v == trunc(v) && fabs(v) < 9007199254740992.0) {
		snprintf(buf, len, "%.0f", v);
	} else {
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(buf, len, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
	return buf;
}

char *statlog_iso8601_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char date[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", date, ts.tv_nsec);
	return buf;
}

static bool valid_meta(const struct statlog_meta *m)
{
	if (!m->key || !m->key[0] || !m->value || !strcmp(m->key, "columns"))
		return false;
	for (const char *p = m->key; *p; p++)
		if (!statlog_name_char(*p))
			return false;
	return !strchr(m->value, '\n') && !strchr(m->value, '\r');
}

static bool valid_columns(const char *const *columns, size_t ncol)
{
	size_t nl, nl2;

	if (!columns || ncol == 0)
		return false;
	for (size_t i = 0; i < ncol; i++) {
		if (!columns[i] || !statlog_parse_column(columns[i], strlen(columns[i]), &nl))
			return false;
		for (size_t j = 0; j < i; j++) {
			statlog_parse_column(columns[j], strlen(columns[j]), &nl2);
			if (nl == nl2 && !memcmp(columns[i], columns[j], nl))
				return false;
		}
	}
	return true;
}

/* Record the first stdio error; returns -errno or 0. */
static int check(struct statlog *sl)
{
	if (!sl->err && ferror(sl->f))
		sl->err = errno ? errno : EIO;
	return -sl->err;
}

static struct statlog *create(FILE *f, bool own, const char *const *columns, size_t ncol,
                              const struct statlog_meta *meta, size_t nmeta, unsigned flags)
{
	struct statlog *sl = calloc(1, sizeof(*sl));

	if (!sl) {
		if (own)
			fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	sl->f = f;
	sl->own = own;
	sl->ncol = ncol;
	sl->flags = flags;
	errno = 0;
	fprintf(f, "%s\n", STATLOG_BANNER);
	for (size_t i = 0; i < nmeta; i++)
		fprintf(f, "# %s: %s\n", meta[i].key, meta[i].value);
	fputs("# columns:", f);
	for (size_t i = 0; i < ncol; i++)
		fprintf(f, " %s", columns[i]);
	fputc('\n', f);
	if (statlog_flush(sl)) {
		int e = sl->err;
		if (own)
			fclose(f);
		free(sl);
		errno = e;
		return NULL;
	}
	return sl;
}

static bool valid_args(const char *const *columns, size_t ncol, const struct statlog_meta *meta,
                       size_t nmeta)
{
	if (!valid_columns(columns, ncol) || (nmeta && !meta))
		return false;
	for (size_t i = 0; i < nmeta; i++)
		if (!valid_meta(&meta[i]))
			return false;
	return true;
}

struct statlog *statlog_fopen(FILE *f, const char *const *columns, size_t ncol,
                              const struct statlog_meta *meta, size_t nmeta, unsigned flags)
{
	if (!f || !valid_args(columns, ncol, meta, nmeta)) {
		errno = EINVAL;
		return NULL;
	}
	return create(f, false, columns, ncol, meta, nmeta, flags);
}

struct statlog *statlog_open(const char *path, const char *const *columns, size_t ncol,
                             const struct statlog_meta *meta, size_t nmeta, unsigned flags)
{
	FILE *f;

	if (!path || !valid_args(columns, ncol, meta, nmeta)) {
		errno = EINVAL;
		return NULL;
	}
	f = fopen(path, "we");
	if (!f)
		return NULL;
	return create(f, true, columns, ncol, meta, nmeta, flags);
}

int statlog_write(struct statlog *sl, const double *values)
{
	char buf[40];

	if (sl->err)
		return -sl->err;
	for (size_t i = 0; i < sl->ncol; i++) {
		statlog_format_double(values[i], buf, sizeof(buf));
		if (i)
			fputc(' ', sl->f);
		fputs(buf, sl->f);
	}
	fputc('\n', sl->f);
	if (!(sl->flags & STATLOG_BUFFERED))
		return statlog_flush(sl);
	return check(sl);
}

int statlog_note(struct statlog *sl, const char *text)
{
	if (!text || strchr(text, '\n') || strchr(text, '\r'))
		return -EINVAL;
	if (sl->err)
		return -sl->err;
	fprintf(sl->f, "# %s\n", text);
	if (!(sl->flags & STATLOG_BUFFERED))
		return statlog_flush(sl);
	return check(sl);
}

int statlog_flush(struct statlog *sl)
{
	if (fflush(sl->f) && !sl->err)
		sl->err = errno ? errno : EIO;
	return check(sl);
}

int statlog_close(struct statlog *sl)
{
	int rc;

	if (!sl)
		return 0;
	rc = statlog_flush(sl);
	if (sl->own && fclose(sl->f) && !rc)
		rc = -(errno ? errno : EIO);
	free(sl);
	return rc;
}
