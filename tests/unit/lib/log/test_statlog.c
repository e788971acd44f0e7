/* SPDX-License-Identifier: MIT */
/* Unit tests: statlog writer/reader round trip, formatting, malformed files. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsync/statlog.h"

static char path[64];

static void setup(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/tsync-statlog-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
}

static void teardown(void)
{
	unlink(path);
}

TestSuite(statlog, .init = setup, .fini = teardown);

static const char *const cols[] = {"t[s]", "offset[ns]", "freq[ppb]", "delay[ns]", "state"};

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static char *slurp(void)
{
	static char text[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

Test(statlog, round_trip)
{
	const struct statlog_meta meta[] = {{"source", "ptpd-wl"},
	                                    {"started", "2024-05-01T00:00Z"}};
	const double rows[][5] = {
	        {12.000000125, -35, 1520.25, 812, 2},
	        {13.1, NAN, -0.1, 1e-300, 0},
	        {1e22, INFINITY, -INFINITY, 9007199254740993.0, -1},
	        {0.1 + 0.2, 1.0 / 3.0, -123456789012345.0, 4503599627370495.5, 1},
	};
	struct statlog_error err = {{0}};
	struct statlog_reader *r;
	struct statlog *sl;
	double v[8];

	sl = statlog_open(path, cols, 5, meta, 2, STATLOG_FLUSH_ROWS);
	cr_assert_not_null(sl);
	for (size_t i = 0; i < 4; i++)
		cr_assert_eq(statlog_write(sl, rows[i]), 0);
	cr_assert_eq(statlog_note(sl, "stopped: by test"), 0);
	cr_assert_eq(statlog_note(sl, "two\nlines"), -EINVAL);
	cr_assert_eq(statlog_close(sl), 0);

	r = statlog_read_open(path, &err);
	cr_assert_not_null(r, "%s", err.msg);
	cr_assert_eq(statlog_ncolumns(r), 5);
	cr_assert_str_eq(statlog_column_name(r, 1), "offset");
	cr_assert_str_eq(statlog_column_unit(r, 1), "ns");
	cr_assert_str_eq(statlog_column_name(r, 4), "state");
	cr_assert_str_eq(statlog_column_unit(r, 4), "");
	cr_assert_null(statlog_column_name(r, 5));
	cr_assert_eq(statlog_column_index(r, "freq"), 2);
	cr_assert_eq(statlog_column_index(r, "nope"), -1);
	cr_assert_eq(statlog_meta_count(r), 2);
	cr_assert_str_eq(statlog_meta_get(r, "source"), "ptpd-wl");
	cr_assert_str_eq(statlog_meta_key(r, 1), "started");
	cr_assert_str_eq(statlog_meta_value(r, 1), "2024-05-01T00:00Z");
	cr_assert_null(statlog_meta_get(r, "missing"));
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(statlog_read_row(r, v, 8), 1, "%s", statlog_read_error(r));
		for (size_t c = 0; c < 5; c++) {
			if (isnan(rows[i][c]))
				cr_assert(isnan(v[c]));
			else
				cr_assert(v[c] == rows[i][c], "row %zu col %zu: %.17g != %.17g", i,
				          c, v[c], rows[i][c]);
		}
	}
	cr_assert_eq(statlog_read_row(r, v, 8), 0, "the note is not a row");
	cr_assert_eq(statlog_read_row(r, v, 8), 0);
	statlog_read_close(r);
}

Test(statlog, exact_text)
{
	const double row[] = {1, -35, 0.1, 2.5e-7, NAN};
	struct statlog *sl = statlog_open(path, cols, 5, NULL, 0, STATLOG_BUFFERED);

	cr_assert_not_null(sl);
	cr_assert_eq(statlog_write(sl, row), 0);
	cr_assert_eq(statlog_close(sl), 0);
	cr_assert_str_eq(slurp(), "# tsync statlog v1\n"
	                          "# columns: t[s] offset[ns] freq[ppb] delay[ns] state\n"
	                          "1 -35 0.1 2.5e-07 nan\n");
}

Test(statlog, format_double)
{
	char b[40];

	cr_assert_str_eq(statlog_format_double(42, b, sizeof(b)), "42");
	cr_assert_str_eq(statlog_format_double(-0.5, b, sizeof(b)), "-0.5");
	cr_assert_str_eq(statlog_format_double(0.1 + 0.2, b, sizeof(b)), "0.30000000000000004");
	cr_assert_str_eq(statlog_format_double(-INFINITY, b, sizeof(b)), "-inf");
	cr_assert_str_eq(statlog_format_double(1e300, b, sizeof(b)), "1e+300");
	cr_assert_eq(strlen(statlog_iso8601_now(b, sizeof(b))), 30);
	cr_assert_eq(b[29], 'Z');
}

Test(statlog, writer_rejects_bad_arguments)
{
	const char *const bad1[] = {"t[s]", "t[ms]"};
	const char *const bad2[] = {"t[s"};
	const char *const bad3[] = {"has space"};
	const char *const bad4[] = {"x[]"};
	const char *const bad5[] = {"[s]"};
	const struct statlog_meta m1[] = {{"columns", "x"}};
	const struct statlog_meta m2[] = {{"bad key", "x"}};
	const struct statlog_meta m3[] = {{"k", "line\nbreak"}};

	errno = 0;
	cr_assert_null(statlog_open(path, bad1, 2, NULL, 0, 0));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(statlog_open(path, bad2, 1, NULL, 0, 0));
	cr_assert_null(statlog_open(path, bad3, 1, NULL, 0, 0));
	cr_assert_null(statlog_open(path, bad4, 1, NULL, 0, 0));
	cr_assert_null(statlog_open(path, bad5, 1, NULL, 0, 0));
	cr_assert_null(statlog_open(path, cols, 0, NULL, 0, 0));
	cr_assert_null(statlog_open(path, cols, 5, m1, 1, 0));
	cr_assert_null(statlog_open(path, cols, 5, m2, 1, 0));
	cr_assert_null(statlog_open(path, cols, 5, m3, 1, 0));
	cr_assert_null(statlog_open("/nonexistent/dir/x.log", cols, 5, NULL, 0, 0));
	cr_assert_eq(errno, ENOENT);
}

Test(statlog, write_error_reported)
{
	const double row[] = {1, 2, 3, 4, 5};
	struct statlog *sl = statlog_open("/dev/full", cols, 5, NULL, 0, STATLOG_BUFFERED);
	int rc = 0;

	/* the header may already fail to flush; otherwise rows or close must report ENOSPC */
	if (!sl) {
		cr_assert_eq(errno, ENOSPC);
		return;
	}
	for (int i = 0; i < 2000 && !rc; i++)
		rc = statlog_write(sl, row);
	if (!rc)
		rc = statlog_close(sl);
	else
		statlog_close(sl);
	cr_assert_eq(rc, -ENOSPC);
}

Test(statlog, stream_writer_and_reader)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *const c2[] = {"a", "b[Hz]"};
	const double row[] = {1.5, -2};
	struct statlog_error err;
	struct statlog_reader *r;
	struct statlog *sl = statlog_fopen(f, c2, 2, NULL, 0, 0);
	double v[2];

	cr_assert_not_null(sl);
	cr_assert_eq(statlog_write(sl, row), 0);
	cr_assert_eq(statlog_close(sl), 0);
	fclose(f);
	f = fmemopen(text, len, "r");
	r = statlog_read_fopen(f, "mem", &err);
	cr_assert_not_null(r, "%s", err.msg);
	cr_assert_eq(statlog_read_row(r, v, 1), -ENOBUFS);
	cr_assert_eq(statlog_read_row(r, v, 2), 1);
	cr_assert(v[0] == 1.5 && v[1] == -2);
	statlog_read_close(r);
	fclose(f);
	free(text);
}

/* Open text as a statlog and expect the header to be rejected with msg ("%s" = path). */
static void expect_open_error(const char *text, const char *fmt)
{
	struct statlog_error err;
	char want[256];

	write_file(text);
	errno = 0;
	cr_assert_null(statlog_read_open(path, &err), "accepted <%s>", text);
	cr_assert_eq(errno, EINVAL);
	snprintf(want, sizeof(want), fmt, path);
	cr_assert_str_eq(err.msg, want);
}

Test(statlog, malformed_headers)
{
	expect_open_error("", "%s: empty file (no '# tsync statlog v1' banner)");
	expect_open_error("t offset\n1 2\n", "%s:1: wrong banner (expected '# tsync statlog v1')");
	expect_open_error("# tsync statlog v2\n# columns: a\n",
	                  "%s:1: unsupported statlog version 'v2'");
	expect_open_error("# tsync statlog v1\n# source: x\n", "%s:2: missing '# columns:' header");
	expect_open_error("# tsync statlog v1\n1 2 3\n",
	                  "%s:2: sample before the '# columns:' header");
	expect_open_error("# tsync statlog v1\n# columns:\n",
	                  "%s:2: no columns in '# columns:' header");
	expect_open_error("# tsync statlog v1\n\n# columns: a[s] b[s c\n",
	                  "%s:3: bad column 'b[s' (expected name or name[unit])");
	expect_open_error("# tsync statlog v1\n# columns: a[s] a[ns]\n",
	                  "%s:2: duplicate column 'a'");

	struct statlog_error err;
	cr_assert_null(statlog_read_open("/nonexistent/x.statlog", &err));
	cr_assert_eq(errno, ENOENT);
	cr_assert_str_eq(err.msg, "/nonexistent/x.statlog: cannot open: No such file or directory");
}

Test(statlog, malformed_rows_name_line_and_reason)
{
	struct statlog_error err;
	struct statlog_reader *r;
	double v[3];

	write_file("# tsync statlog v1\r\n"
	           "# source: test   \n"
	           "# columns: t[s] x[ns] y\n"
	           "1 2 3\n"
	           "\n"
	           "# a comment line\n"
	           "4 5\n"
	           "6 7 8 9 10\n"
	           "1 abc 3\n"
	           "1 2 3x\n"
	           "  nan -inf 0x10  \n"
	           "7 8 9");
	r = statlog_read_open(path, &err);
	cr_assert_not_null(r, "%s", err.msg);
	cr_assert_str_eq(statlog_meta_get(r, "source"), "test");
	cr_assert_eq(statlog_read_row(r, v, 3), 1);
	cr_assert(v[0] == 1 && v[1] == 2 && v[2] == 3);
	cr_assert_eq(statlog_read_line(r), 4);

	char want[256];
	cr_assert_eq(statlog_read_row(r, v, 3), -EINVAL);
	snprintf(want, sizeof(want), "%s:7: wrong number of fields (2, expected 3)", path);
	cr_assert_str_eq(statlog_read_error(r), want);
	cr_assert_eq(statlog_read_row(r, v, 3), -EINVAL);
	snprintf(want, sizeof(want), "%s:8: wrong number of fields (5, expected 3)", path);
	cr_assert_str_eq(statlog_read_error(r), want);
	cr_assert_eq(statlog_read_row(r, v, 3), -EINVAL);
	snprintf(want, sizeof(want), "%s:9: non-numeric field 2 'abc' (column x)", path);
	cr_assert_str_eq(statlog_read_error(r), want);
	cr_assert_eq(statlog_read_row(r, v, 3), -EINVAL);
	snprintf(want, sizeof(want), "%s:10: non-numeric field 3 '3x' (column y)", path);
	cr_assert_str_eq(statlog_read_error(r), want);
	cr_assert_eq(statlog_read_row(r, v, 3), 1, "%s", statlog_read_error(r));
	cr_assert(isnan(v[0]) && isinf(v[1]) && v[1] < 0 && v[2] == 16);
	cr_assert_eq(statlog_read_row(r, v, 3), 1, "last line without newline");
	cr_assert_str_eq(statlog_read_error(r), "");
	cr_assert_eq(statlog_read_row(r, v, 3), 0);
	statlog_read_close(r);
}

Test(statlog, binary_junk_rows)
{
	struct statlog_error err;
	struct statlog_reader *r;
	unsigned seed = 99;
	FILE *f = fopen(path, "w");
	double v[2];
	int rc, rows = 0;

	fputs("# tsync statlog v1\n# columns: a b\n", f);
	for (int i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		fputc((int)(seed >> 16) & 0xff, f);
	}
	fclose(f);
	r = statlog_read_open(path, &err);
	cr_assert_not_null(r, "%s", err.msg);
	while ((rc = statlog_read_row(r, v, 2)) != 0) {
		cr_assert(rc == 1 || rc == -EINVAL);
		cr_assert(rc == 1 || strlen(statlog_read_error(r)) > 0);
		cr_assert_lt(++rows, 100000);
	}
	statlog_read_close(r);
}

/* n columns c0 .. c<n-1>, then the extra specs in tail */
static void write_wide_header(size_t n, const char *tail)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("# tsync statlog v1\n# columns:", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, " c%zu[ns]", i);
	fprintf(f, "%s\n", tail);
	fclose(f);
}

/* The duplicate check was quadratic (5.5 s for 60k columns); it must stay well below the
 * timeout, and still find the first repeated column. */
Test(statlog, sixty_thousand_columns, .timeout = 5)
{
	struct statlog_error err;
	struct statlog_reader *r;
	char want[300];

	write_wide_header(60000, "");
	r = statlog_read_open(path, &err);
	cr_assert_not_null(r, "%s", err.msg);
	cr_assert_eq(statlog_ncolumns(r), 60000);
	cr_expect_eq(statlog_column_index(r, "c59999"), 59999);
	cr_expect_str_eq(statlog_column_unit(r, 12345), "ns");
	statlog_read_close(r);

	write_wide_header(60000, " x c59998 c7");
	cr_assert_null(statlog_read_open(path, &err));
	cr_assert_eq(errno, EINVAL);
	snprintf(want, sizeof(want), "%s:2: duplicate column 'c59998'", path);
	cr_expect_str_eq(err.msg, want);
}

Test(statlog, first_duplicate_in_column_order)
{
	expect_open_error("# tsync statlog v1\n# columns: z b a b z\n",
	                  "%s:2: duplicate column 'b'");
	expect_open_error("# tsync statlog v1\n# columns: a[s] b a[ns] b\n",
	                  "%s:2: duplicate column 'a'");
}
