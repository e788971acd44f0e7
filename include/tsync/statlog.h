/* SPDX-License-Identifier: MIT */
/*
 * statlog: the one columnar text format for every measurement log.
 *
 *   # tsync statlog v1                      banner, always the first line
 *   # source: ptpd-wl                       optional metadata, "# key: value" (key: letters,
 *   # started: 2024-05-01T12:00:00Z         digits, '_', '-', '.'; value: rest of the line)
 *   # columns: t[s] offset[ns] freq[ppb] delay[ns] state
 *   12.000000125 -35 1520.25 812 2          one sample per line, whitespace separated
 *   13.000000125 nan 1521 809 2
 *
 * Column syntax: name[unit], or a bare name for unitless columns (state, counters). Names are
 * letters, digits, '_', '-', '.' and unique; units are any text without spaces or brackets
 * (s, ns, ppb, ppm, Hz, dB, ...). The columns line ends the header; it is required.
 * Samples: decimal numbers as strtod reads them, "nan" for a missing value, "inf"/"-inf".
 * The writer prints integers below 2^53 as integers and other doubles with the fewest
 * significant digits (up to 17) that read back to the same double: no precision is lost.
 * After the header, blank lines and lines starting with '#' are ignored (a writer may append
 * "# stopped: ..." notes); a reader never sees them as rows.
 */
#ifndef TSYNC_STATLOG_H
#define TSYNC_STATLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define STATLOG_BANNER "# tsync statlog v1"

struct statlog_meta {
	const char *key;
	const char *value;
};

struct statlog_error {
	char msg[256]; /* "path:line: reason", "" when no error */
};

/* ---- writer ---- */

struct statlog;

enum statlog_flags {
	STATLOG_FLUSH_ROWS = 0, /* default: flush after every row (tail -f, crash-safe) */
	STATLOG_BUFFERED = 1,   /* flush only when stdio's buffer fills, on flush and close */
};

/*
 * Create (truncate) path and write the header: banner, metadata in order, columns line.
 * columns: ncol specs "name[unit]" or "name" (validated, see above); meta may be NULL.
 * Returns NULL with errno: EINVAL (bad column spec or metadata, ncol == 0), or open/write errno.
 */
struct statlog *statlog_open(const char *path, const char *const *columns, size_t ncol,
                             const struct statlog_meta *meta, size_t nmeta, unsigned flags);
/* Same on an open stream (e.g. stdout, open_memstream); statlog_close() does not close it. */
struct statlog *statlog_fopen(FILE *f, const char *const *columns, size_t ncol,
                              const struct statlog_meta *meta, size_t nmeta, unsigned flags);

/* Write one row of ncol values. 0 or -errno (write error, e.g. -ENOSPC). */
int statlog_write(struct statlog *sl, const double *values);
/* Append a "# text" note line (no newlines in text): -EINVAL otherwise. */
int statlog_note(struct statlog *sl, const char *text);
int statlog_flush(struct statlog *sl);
/* Flush and close (the file if statlog_open made it). 0 or the first write error seen. */
int statlog_close(struct statlog *sl);

/* Format a double the way the writer does (buf >= 32 bytes). Returns buf. */
char *statlog_format_double(double v, char *buf, size_t len);
/* Current CLOCK_REALTIME as ISO 8601 UTC with nanoseconds, for "# started:"; buf >= 40. */
char *statlog_iso8601_now(char *buf, size_t len);

/* ---- reader ---- */

struct statlog_reader;

/* Open and read the header. NULL with err filled ("path:1: wrong banner ...") and errno. */
struct statlog_reader *statlog_read_open(const char *path, struct statlog_error *err);
/* Same on a stream; origin names it in errors; the stream is not closed by statlog_read_close. */
struct statlog_reader *statlog_read_fopen(FILE *f, const char *origin, struct statlog_error *err);
void statlog_read_close(struct statlog_reader *r);

size_t statlog_ncolumns(const struct statlog_reader *r);
const char *statlog_column_name(const struct statlog_reader *r, size_t i); /* NULL if out */
const char *statlog_column_unit(const struct statlog_reader *r, size_t i); /* "" if none */
/* Index of the column called name, or -1. */
long statlog_column_index(const struct statlog_reader *r, const char *name);

size_t statlog_meta_count(const struct statlog_reader *r);
const char *statlog_meta_key(const struct statlog_reader *r, size_t i);
const char *statlog_meta_value(const struct statlog_reader *r, size_t i);
/* Value of the first metadata line with this key, or NULL. */
const char *statlog_meta_get(const struct statlog_reader *r, const char *key);

/*
 * Read the next sample into values[0 .. ncolumns-1] (n is the capacity of values).
 * Returns 1 (row read), 0 (end of file), -ENOBUFS (n < ncolumns), -EINVAL (malformed row:
 * wrong number of fields, non-numeric field; statlog_read_error() says "path:line: ..."),
 * other -errno on read errors. After an error the next call goes on with the next line.
 */
int statlog_read_row(struct statlog_reader *r, double *values, size_t n);
/* Line number of the last line read (1-based). */
unsigned long statlog_read_line(const struct statlog_reader *r);
/* The last error message, "" if none. */
const char *statlog_read_error(const struct statlog_reader *r);

#endif
