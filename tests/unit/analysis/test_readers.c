// SPDX-License-Identifier: MIT
/* Readers: text, statlog, ptp4l, chrony; detection, malformed lines, --strict, empty input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "readers/reader.h"

static char path[64];
static char diag[4096];

static void mkpath(void)
{
	snprintf(path, sizeof(path), "/tmp/tsync-ut-rd-%d.log", getpid());
}

static void rm(void)
{
	unlink(path);
}

TestSuite(analysis_readers, .init = mkpath, .fini = rm);

/* write text to path, read it with opts; diag gets the malformed-line reports */
static int rd(const char *text, enum input_format fmt, const char *col, bool strict,
              struct series *s, char *err)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	FILE *d = fmemopen(diag, sizeof(diag), "w");
	struct reader_opts o = {.format = fmt, .column = col, .strict = strict, .diag = d};
	memset(s, 0, sizeof(*s));
	memset(diag, 0, sizeof(diag));
	int rc = reader_read(path, &o, s, err, 256);
	fclose(d);
	return rc;
}

Test(analysis_readers, text_one_and_two_columns)
{
	struct series s;
	char err[256];
	cr_assert_eq(rd("# phase\n1e-9\n\n2e-9 # c\n-3e-9\n", FMT_AUTO, NULL, false, &s, err), 0);
	cr_assert_eq(s.n, 3);
	cr_expect(isnan(s.t[0]));
	cr_expect_float_eq(s.x[2], -3e-9, 1e-24);
	series_free(&s);
	cr_assert_eq(rd("0.5 1e-9\n1.5,2e-9\n", FMT_TEXT, NULL, false, &s, err), 0);
	cr_assert_eq(s.n, 2);
	cr_expect_float_eq(s.t[1], 1.5, 1e-15);
	series_free(&s);
}

Test(analysis_readers, text_malformed_reported_skipped_or_fatal)
{
	struct series s;
	char err[256];
	const char *txt = "1e-9\nabc\n1 2 3\n4e-9\n";
	cr_assert_eq(rd(txt, FMT_TEXT, NULL, false, &s, err), 0);
	cr_expect_eq(s.n, 2);
	cr_expect(strstr(diag, ":2: not a number: \"abc\"") != NULL, "%s", diag);
	cr_expect(strstr(diag, ":3: 3 fields") != NULL, "%s", diag);
	series_free(&s);
	cr_assert_eq(rd(txt, FMT_TEXT, NULL, true, &s, err), -EINVAL);
	cr_expect(strstr(err, ":2: not a number") != NULL, "%s", err);
}

Test(analysis_readers, empty_input_is_an_error)
{
	struct series s;
	char err[256];
	cr_expect_eq(rd("", FMT_AUTO, NULL, false, &s, err), -ENODATA);
	cr_expect(strstr(err, "no samples") != NULL, "%s", err);
	cr_expect_eq(rd("# only comments\n\n", FMT_TEXT, NULL, false, &s, err), -ENODATA);
	struct reader_opts o = {.format = FMT_AUTO};
	cr_expect_eq(reader_read("/nonexistent/x", &o, &s, err, 256), -ENOENT);
	cr_expect(strstr(err, "/nonexistent/x") != NULL);
}

Test(analysis_readers, statlog_units_and_columns)
{
	struct series s;
	char err[256];
	const char *log = "# tsync statlog v1\n# source: ptpd-wl\n"
	                  "# columns: t[s] offset[ns] freq[ppb] delay[ns] state\n"
	                  "10.5 -35 1520.25 812 2\n11.5 nan 1521 809 2\n12.5 40 1519 810 2\n";
	cr_assert_eq(rd(log, FMT_AUTO, NULL, false, &s, err), 0, "%s", err);
	cr_assert_eq(s.n, 3);
	cr_expect_str_eq(s.name, "offset");
	cr_expect_str_eq(s.unit, "s");
	cr_expect_float_eq(s.x[0], -35e-9, 1e-20);
	cr_expect(isnan(s.x[1]));
	cr_expect_float_eq(s.t[2], 12.5, 1e-12);
	series_free(&s);
	cr_assert_eq(rd(log, FMT_AUTO, "freq", false, &s, err), 0);
	cr_expect_float_eq(s.x[0], 1520.25e-9, 1e-20);
	cr_expect_str_eq(s.unit, "");
	series_free(&s);
	cr_expect_eq(rd(log, FMT_AUTO, "nosuch", false, &s, err), -EINVAL);
	cr_assert_eq(rd(log, FMT_AUTO, "state", false, &s, err), 0); /* unitless: as is */
	cr_expect_eq(s.x[0], 2);
	series_free(&s);
	const char *hz = "# tsync statlog v1\n# columns: t[s] f[Hz]\n1 5\n";
	cr_expect_eq(rd(hz, FMT_AUTO, "f", false, &s, err), -EINVAL); /* not time or freq */
	cr_expect(strstr(err, "[Hz]") != NULL, "%s", err);
}

Test(analysis_readers, statlog_malformed_row)
{
	struct series s;
	char err[256];
	const char *log = "# tsync statlog v1\n# columns: t[s] offset[ns]\n1 5\n2 x\n3\n4 7\n";
	cr_assert_eq(rd(log, FMT_AUTO, NULL, false, &s, err), 0, "%s", err);
	cr_expect_eq(s.n, 2);
	cr_expect(strstr(diag, ":4: ") != NULL, "%s", diag);
	cr_expect(strstr(diag, ":5: ") != NULL, "%s", diag);
	series_free(&s);
	cr_expect_eq(rd(log, FMT_AUTO, NULL, true, &s, err), -EINVAL);
	cr_expect(strstr(err, ":4:") != NULL, "%s", err);
}

/* statlog allows inf, but a series with one averages to inf: reported like a bad line */
Test(analysis_readers, statlog_inf_is_malformed)
{
	struct series s;
	char err[256];
	const char *log = "# tsync statlog v1\n# columns: t[s] offset[ns] x\n1 5 inf\n2 inf 0\n"
	                  "inf 3 0\n4 nan 0\n5 -inf 0\n";
	cr_assert_eq(rd(log, FMT_AUTO, NULL, false, &s, err), 0, "%s", err);
	cr_assert_eq(s.n, 2); /* lines 3 and 6 (nan: a missing value) */
	cr_expect(isnan(s.x[1]));
	cr_expect(strstr(diag, ":4: offset is inf") != NULL, "%s", diag);
	cr_expect(strstr(diag, ":5: t is inf") != NULL, "%s", diag);
	cr_expect(strstr(diag, ":7: offset is -inf") != NULL, "%s", diag);
	series_free(&s);
	cr_expect_eq(rd(log, FMT_AUTO, NULL, true, &s, err), -EINVAL);
	cr_expect(strstr(err, ":4: offset is inf") != NULL, "%s", err);
}

static const char *ptp4l_log =
        "ptp4l[1000.100]: selected /dev/ptp0 as PTP clock\n"
        "ptp4l[1001.100]: port 1 (eth0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED\n"
        "ptp4l[1002.125]: master offset        -12 s2 freq  -21508 path delay       745\n"
        "ptp4l[1003.125]: master offset          7 s2 freq  -21490 path delay       744\n"
        "ptp4l[1004.125]: master offset      bogus s2 freq  -21490 path delay       744\n"
        "ptp4l[1005.125]: master offset         -3 s2 freq  -21499 path delay       746\n"
        "phc2sys[1006.000]: CLOCK_REALTIME phc offset       -20 s2 freq  +1234 delay    567\n"
        "ptp4l[1064.125]: rms   11 max   20 freq -21500 +/-   9 delay   745 +/-   1\n";

Test(analysis_readers, ptp4l_samples_summary_and_phc2sys)
{
	struct series s;
	char err[256];
	cr_assert_eq(rd(ptp4l_log, FMT_AUTO, NULL, false, &s, err), 0, "%s", err);
	cr_assert_eq(s.n, 4); /* 3 ptp4l + 1 phc2sys sample lines, 1 malformed */
	cr_expect_float_eq(s.x[0], -12e-9, 1e-20);
	cr_expect_float_eq(s.t[0], 1002.125, 1e-9);
	cr_expect_float_eq(s.x[3], -20e-9, 1e-20);
	cr_expect(strstr(diag, ":5: sample line without a numeric offset") != NULL, "%s", diag);
	series_free(&s);
	cr_assert_eq(rd(ptp4l_log, FMT_PTP4L, "delay", false, &s, err), 0);
	cr_expect_float_eq(s.x[1], 744e-9, 1e-20);
	series_free(&s);
	cr_assert_eq(rd(ptp4l_log, FMT_PTP4L, "freq", false, &s, err), 0);
	cr_expect_float_eq(s.x[0], -21508e-9, 1e-18);
	series_free(&s);
	cr_assert_eq(rd(ptp4l_log, FMT_PTP4L, "rms", false, &s, err), 0);
	cr_assert_eq(s.n, 1);
	cr_expect_float_eq(s.x[0], 11e-9, 1e-20);
	series_free(&s);
	cr_expect_eq(rd(ptp4l_log, FMT_PTP4L, NULL, true, &s, err), -EINVAL);
	cr_expect(strstr(err, ":5:") != NULL, "%s", err);
}

Test(analysis_readers, ptp4l_summary_only_falls_back_to_rms)
{
	struct series s;
	char err[256];
	const char *log = "ptp4l[10.0]: rms 5 max 9 freq -100 +/- 2 delay 700 +/- 1\n"
	                  "ptp4l[70.0]: rms 6 max 11 freq -101 +/- 2\n"
	                  "ptp4l[130.0]: rms x max 11 freq -101 +/- 2\n";
	cr_assert_eq(rd(log, FMT_AUTO, NULL, false, &s, err), 0, "%s", err);
	cr_assert_eq(s.n, 2);
	cr_expect_str_eq(s.name, "rms");
	cr_expect_float_eq(s.x[1], 6e-9, 1e-20);
	cr_expect(strstr(diag, ":3: summary line") != NULL, "%s", diag);
	series_free(&s);
}

Test(analysis_readers, chrony_logs)
{
	struct series s;
	char err[256];
	const char *tracking =
	        "=========================================================================\n"
	        "   Date (UTC) Time     IP Address   St   Freq ppm   Skew ppm     Offset L Co  "
	        "Offset sd Rem. corr. Root delay Root disp. Max. error\n"
	        "=========================================================================\n"
	        "2024-05-01 12:00:00 192.168.1.1      2    -12.345      0.012 -1.234e-06 N  1  "
	        "1.234e-06 -2.345e-09  1.234e-03  5.678e-04  1.234e-03\n"
	        "2024-05-01 12:00:16 192.168.1.1      2    -12.340      0.011  2.000e-07 N  1  "
	        "1.234e-06 -2.345e-09  1.234e-03  5.678e-04  1.234e-03\n";
	cr_assert_eq(rd(tracking, FMT_AUTO, NULL, false, &s, err), 0, "%s", err);
	cr_assert_eq(s.n, 2);
	cr_expect_float_eq(s.x[0], -1.234e-6, 1e-18);
	cr_expect_float_eq(s.t[1] - s.t[0], 16.0, 1e-9);
	cr_expect_float_eq(s.t[0], 1714564800.0, 1e-3);
	series_free(&s);
	cr_assert_eq(rd(tracking, FMT_CHRONY, "freq", false, &s, err), 0);
	cr_expect_float_eq(s.x[1], -12.340e-6, 1e-15);
	series_free(&s);

	const char *meas = "2024-05-01 12:00:00 192.168.1.1     N  1 111 111 1111   6  6 0.00 "
	                   "-1.500e-05  5.678e-04  1.234e-06  0.000e+00  1.000e-05 47505300  4B K "
	                   "K\n"
	                   "2024-05-01 12:01:04 192.168.1.1     N  1 111 111 1111   6  6 0.00 "
	                   "garbage  5.678e-04  1.234e-06  0.000e+00  1.000e-05 47505300  4B K K\n";
	cr_assert_eq(rd(meas, FMT_AUTO, NULL, false, &s, err), 0, "%s", err);
	cr_assert_eq(s.n, 1);
	cr_expect_float_eq(s.x[0], -1.5e-5, 1e-18);
	cr_expect(strstr(diag, ":2: offset is not a number") != NULL, "%s", diag);
	series_free(&s);

	const char *stats = "2024-05-01 12:00:00 192.168.1.1      1.234e-06 -2.345e-06  1.000e-06 "
	                    "-1.234e-03  5.678e-03  1.2e-02  10   0   5  0.00\n";
	cr_assert_eq(rd(stats, FMT_AUTO, NULL, false, &s, err), 0, "%s", err);
	cr_expect_float_eq(s.x[0], -2.345e-6, 1e-18);
	series_free(&s);

	const char *refc = "2024-05-01 12:00:00.123456 PPS    3 N 0  1.234e-07  1.500e-07  "
	                   "2.000e-09\n"
	                   "not a date line\n";
	cr_assert_eq(rd(refc, FMT_CHRONY, NULL, false, &s, err), 0, "%s", err);
	cr_assert_eq(s.n, 1);
	cr_expect_float_eq(s.x[0], 1.5e-7, 1e-18);
	cr_expect_float_eq(s.t[0] - 1714564800.0, 0.123456, 1e-6);
	cr_expect(strstr(diag, ":2: no \"YYYY-MM-DD") != NULL, "%s", diag);
	series_free(&s);
}

Test(analysis_readers, detection)
{
	FILE *f = fopen(path, "w");
	fputs("# tsync statlog v1\n# columns: t[s] x[s]\n", f);
	fclose(f);
	cr_expect_eq(reader_detect(path), FMT_STATLOG);
	f = fopen(path, "w");
	fputs("ptp4l[1.0]: master offset 1 s2 freq 2 path delay 3\n", f);
	fclose(f);
	cr_expect_eq(reader_detect(path), FMT_PTP4L);
	f = fopen(path, "w");
	fputs("2024-05-01 12:00:00 PPS 3 N 0 1e-7 1e-7 2e-9\n", f);
	fclose(f);
	cr_expect_eq(reader_detect(path), FMT_CHRONY);
	f = fopen(path, "w");
	fputs("1e-9\n", f);
	fclose(f);
	cr_expect_eq(reader_detect(path), FMT_TEXT);
}

/* A pipe cannot be peeked at: detecting its format used to eat the first lines. */
Test(analysis_readers, a_pipe_needs_its_format_named)
{
	char fifo[] = "/tmp/tsync-reader-fifo-XXXXXX";
	int fd = mkstemp(fifo);
	cr_assert_geq(fd, 0);
	close(fd);
	unlink(fifo);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_expect_eq(reader_detect(fifo), FMT_AUTO);
	struct reader_opts o = {.format = FMT_AUTO};
	struct series s;
	char err[256] = "";
	cr_expect_eq(reader_read(fifo, &o, &s, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "--input") != NULL, "%s", err);
	unlink(fifo);
}

/* nan and inf used to be averaged in silently (mean -nan, rms inf) */
Test(analysis_readers, text_nan_and_inf_are_malformed)
{
	struct series s;
	char err[256];
	const char *txt = "1e-9\nnan\n3 inf\n-inf\n-nan 2e-9\n4e-9\n";
	cr_assert_eq(rd(txt, FMT_TEXT, NULL, false, &s, err), 0, "%s", err);
	cr_assert_eq(s.n, 2);
	for (size_t i = 0; i < s.n; i++)
		cr_expect(isfinite(s.x[i]));
	cr_expect(strstr(diag, ":2: not a finite number: \"nan\"") != NULL, "%s", diag);
	cr_expect(strstr(diag, ":3: not a finite number: \"inf\"") != NULL, "%s", diag);
	cr_expect(strstr(diag, ":4: not a finite number: \"-inf\"") != NULL, "%s", diag);
	cr_expect(strstr(diag, ":5: not a finite number: \"-nan\"") != NULL, "%s", diag);
	series_free(&s);
	cr_assert_eq(rd(txt, FMT_TEXT, NULL, true, &s, err), -EINVAL);
	cr_expect(strstr(err, ":2: not a finite number") != NULL, "%s", err);
}

Test(analysis_readers, chrony_nan_and_missing_column)
{
	struct series s;
	char err[256];
	const char *refc = "2024-05-01 12:00:00.5 PPS    3 N 0  1.234e-07  nan  2.000e-09\n"
	                   "2024-05-01 12:00:01.5 PPS    3 N 0  1.234e-07  1.5e-07  2.000e-09\n";
	cr_assert_eq(rd(refc, FMT_CHRONY, NULL, false, &s, err), 0, "%s", err);
	cr_assert_eq(s.n, 1);
	cr_expect(strstr(diag, ":1: offset is not a finite number: \"nan\"") != NULL, "%s", diag);
	series_free(&s);
	/* the error path after lines were read (LeakSanitizer: the line buffer was leaked) */
	cr_expect_eq(rd(refc, FMT_CHRONY, "freq", false, &s, err), -EINVAL);
	cr_expect(strstr(err, "has no freq column") != NULL, "%s", err);
	cr_expect_eq(s.n, 0);
}
