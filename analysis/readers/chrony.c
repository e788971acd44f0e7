// SPDX-License-Identifier: MIT
/*
 * chrony logs (logdir with "log measurements statistics tracking refclocks"). Each data line
 * starts with "YYYY-MM-DD HH:MM:SS[.frac]" (UTC); "Date (UTC)" headers and "====" rulers are
 * skipped. The kind is taken from the header text, or from the field count without one:
 *   measurements  18 fields  offset = field 11, delay = peer delay (12)       [s]
 *   statistics    12-13      offset = est. offset (4), freq = diff freq (6)   [s, ppm]
 *   tracking      13-14      offset (6), freq = freq ppm (4)                  [s, ppm]
 *   refclocks     9          offset = cooked offset (7)                       [s]
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "readers/reader.h"

enum chrony_kind { CK_UNKNOWN, CK_MEAS, CK_STATS, CK_TRACK, CK_REFCLK };

static enum chrony_kind kind_from_header(const char *line)
{
	if (strstr(line, "Peer del"))
		return CK_MEAS;
	if (strstr(line, "Std dev'n"))
		return CK_STATS;
	if (strstr(line, "Freq ppm"))
		return CK_TRACK;
	if (strstr(line, "Raw offset"))
		return CK_REFCLK;
	return CK_UNKNOWN;
}

static enum chrony_kind kind_from_fields(char **tok, int nt)
{
	if (nt >= 17)
		return CK_MEAS;
	if (nt == 9)
		return CK_REFCLK;
	if (nt == 14 || (nt == 13 && strlen(tok[7]) == 1))
		return CK_TRACK;
	if (nt == 12 || nt == 13)
		return CK_STATS;
	return CK_UNKNOWN;
}

/* column -> field index and divisor to SI for a kind; -1 if the kind has no such column */
static int field_of(enum chrony_kind k, const char *col, double *scale)
{
	*scale = 1;
	if (!strcmp(col, "offset"))
		return k == CK_MEAS ? 11 : k == CK_STATS ? 4 : k == CK_TRACK ? 6 : 7;
	if (!strcmp(col, "delay"))
		return k == CK_MEAS ? 12 : -1;
	if (!strcmp(col, "freq")) {
		*scale = 1e6;
		return k == CK_STATS ? 6 : k == CK_TRACK ? 4 : -1;
	}
	return -1;
}

static int parse_date(const char *d, const char *t, double *out)
{
	struct tm tm = {0};
	double sec;
	char *end;
	if (sscanf(d, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return -EINVAL;
	if (sscanf(t, "%2d:%2d:", &tm.tm_hour, &tm.tm_min) != 2 || strlen(t) < 8)
		return -EINVAL;
	sec = strtod(t + 6, &end);
	if (*end || end == t + 6)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (double)timegm(&tm) + sec;
	return 0;
}

int read_chrony(struct reader_ctx *c, FILE *f, struct series *out)
{
	const char *col = c->opts->column ? c->opts->column : "offset";
	enum chrony_kind kind = CK_UNKNOWN;
	char *line = NULL, where[32];
	size_t cap = 0;
	unsigned long ln = 0;
	int err = 0;
	if (strcmp(col, "offset") && strcmp(col, "delay") && strcmp(col, "freq"))
		return reader_fail(c, -EINVAL,
		                   "%s: no column \"%s\" in chrony logs "
		                   "(offset, delay, freq)",
		                   c->path, col);
	snprintf(out->name, sizeof(out->name), "%s", col);
	snprintf(out->unit, sizeof(out->unit), "%s", strcmp(col, "freq") ? "s" : "");
	while (!err && getline(&line, &cap, f) > 0) {
		char *tok[32], *save = NULL, *end;
		int nt = 0;
		double t, v, scale;
		ln++;
		if (strstr(line, "Date (UTC)")) {
			kind = kind_from_header(line);
			continue;
		}
		if (line[0] == '=' || line[strspn(line, " \t\r\n")] == '\0' || line[0] == '#')
			continue;
		for (char *p = strtok_r(line, " \t\r\n", &save); p && nt < 32;
		     p = strtok_r(NULL, " \t\r\n", &save))
			tok[nt++] = p;
		snprintf(where, sizeof(where), "%lu", ln);
		enum chrony_kind k = kind != CK_UNKNOWN ? kind : kind_from_fields(tok, nt);
		int fi = field_of(k, col, &scale);
		if (nt < 3 || parse_date(tok[0], tok[1], &t)) {
			err = reader_bad(c, where, "no \"YYYY-MM-DD HH:MM:SS\" date");
			continue;
		}
		if (k == CK_UNKNOWN) {
			err = reader_bad(c, where, "unknown chrony log line (%d fields)", nt);
			continue;
		}
		if (fi < 0) {
			err = reader_fail(c, -EINVAL, "%s: this chrony log has no %s column",
			                  c->path, col);
			break;
		}
		if (fi >= nt) {
			err = reader_bad(c, where, "%d fields, the %s column is field %d", nt, col,
			                 fi + 1);
			continue;
		}
		v = strtod(tok[fi], &end);
		if (end == tok[fi] || *end || !isfinite(v)) {
			err = reader_bad(c, where, "%s is not a %snumber: \"%s\"", col,
			                 end == tok[fi] || *end ? "" : "finite ", tok[fi]);
			continue;
		}
		err = series_push(out, t, v / scale);
	}
	free(line);
	return err;
}
