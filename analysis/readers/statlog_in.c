// SPDX-License-Identifier: MIT
/* tsync statlogs through lib/log's reader: one column (default offset), converted to SI.
 * A row whose value or t is inf is malformed ("file:line: offset is inf"); nan stays a
 * missing sample. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "readers/reader.h"
#include "tsync/statlog.h"

static long pick_column(struct statlog_reader *r, const char *want)
{
	static const char *const defaults[] = {"offset", "te", "error", "x", "phase"};
	if (want)
		return statlog_column_index(r, want);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		long k = statlog_column_index(r, defaults[i]);
		if (k >= 0)
			return k;
	}
	for (size_t i = 0; i < statlog_ncolumns(r); i++)
		if (strcmp(statlog_column_name(r, i), "t"))
			return (long)i;
	return -1;
}

int read_statlog(struct reader_ctx *c, FILE *f, struct series *out)
{
	struct statlog_error serr = {{0}};
	struct statlog_reader *r = statlog_read_fopen(f, c->path, &serr);
	double *row = NULL;
	int err = 0;
	if (!r)
		return reader_fail(c, -EINVAL, "%s", serr.msg[0] ? serr.msg : "bad statlog header");
	long col = pick_column(r, c->opts->column), tcol = statlog_column_index(r, "t");
	const char *si = "";
	double scale = 0;
	if (col < 0) {
		err = reader_fail(c, -EINVAL, "%s: no column \"%s\"", c->path,
		                  c->opts->column ? c->opts->column : "offset");
		goto out;
	}
	scale = unit_scale(statlog_column_unit(r, (size_t)col), &si);
	if (scale == 0) {
		err = reader_fail(
		        c, -EINVAL, "%s: column %s has unit [%s], not a time or frequency", c->path,
		        statlog_column_name(r, (size_t)col), statlog_column_unit(r, (size_t)col));
		goto out;
	}
	double tscale = tcol >= 0 ? unit_scale(statlog_column_unit(r, (size_t)tcol), NULL) : 0;
	snprintf(out->name, sizeof(out->name), "%s", statlog_column_name(r, (size_t)col));
	snprintf(out->unit, sizeof(out->unit), "%s", si);
	size_t nc = statlog_ncolumns(r);
	row = malloc(nc * sizeof(*row));
	if (!row) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		int rc = statlog_read_row(r, row, nc);
		if (rc == 0)
			break;
		if (rc == -EINVAL) {
			char where[32];
			const char *msg = statlog_read_error(r);
			const char *reason = strstr(msg, ": ");
			snprintf(where, sizeof(where), "%lu", statlog_read_line(r));
			if ((err = reader_bad(c, where, "%s", reason ? reason + 2 : msg)))
				break;
			continue;
		}
		if (rc < 0) {
			err = reader_fail(c, rc, "%s: %s", c->path, strerror(-rc));
			break;
		}
		/* nan is a missing value (dropped by series_finite); inf is not a measurement */
		if (isinf(row[col]) || (tcol >= 0 && isinf(row[tcol]))) {
			char where[32];
			long bad = isinf(row[col]) ? col : tcol;
			snprintf(where, sizeof(where), "%lu", statlog_read_line(r));
			if ((err = reader_bad(c, where, "%s is %s",
			                      statlog_column_name(r, (size_t)bad),
			                      row[bad] > 0 ? "inf" : "-inf")))
				break;
			continue;
		}
		double t = tcol >= 0 ? row[tcol] / (tscale ? tscale : 1) : NAN;
		if ((err = series_push(out, t, row[col] / scale)))
			break;
	}
out:
	free(row);
	statlog_read_close(r);
	return err;
}
