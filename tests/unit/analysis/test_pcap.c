// SPDX-License-Identifier: MIT
/* PTP capture reader: E2E over UDPv4/UDPv6/L2(+VLAN), one- and two-step, Pdelay, errors. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapgen.h"
#include "readers/ptp_capture.h"

static char path[64];

static void mkpath(void)
{
	snprintf(path, sizeof(path), "/tmp/tsync-ut-pcap-%d.pcap", getpid());
}

static void rm(void)
{
	unlink(path);
}

TestSuite(analysis_pcap, .init = mkpath, .fini = rm);

static void check_e2e(enum pg_transport tr, bool two_step)
{
	struct reader_opts o = {.diag = NULL};
	struct reader_ctx c = {.path = path, .opts = &o};
	struct ptp_exchange *ex;
	size_t n;
	cr_assert_eq(pg_write_e2e(path, tr, 6, two_step, -250, 10, 1500, 0, true), 0);
	cr_assert_eq(ptp_capture_read(&c, &ex, &n), 0, "%s", c.err);
	cr_assert_eq(n, 6);
	for (size_t k = 0; k < n; k++) {
		cr_expect_float_eq(ex[k].offset_ns, -250.0 + 10.0 * (double)k, 1e-9);
		cr_expect_float_eq(ex[k].delay_ns, 1500.0, 1e-9);
		cr_expect_eq(ex[k].seq, k);
		cr_expect_eq(ex[k].t3 - ex[k].t2, 2000000);
		cr_expect_not(ex[k].peer);
	}
	free(ex);
}

Test(analysis_pcap, e2e_udp4_two_step)
{
	check_e2e(PG_UDP4, true);
}

Test(analysis_pcap, e2e_udp6_one_step)
{
	check_e2e(PG_UDP6, false);
}

Test(analysis_pcap, e2e_l2_and_vlan)
{
	check_e2e(PG_L2, true);
	check_e2e(PG_L2_VLAN, false);
}

Test(analysis_pcap, pdelay_link_delay)
{
	struct reader_opts o = {.diag = NULL};
	struct reader_ctx c = {.path = path, .opts = &o};
	struct ptp_exchange *ex;
	size_t n;
	cr_assert_eq(pg_write_pdelay(path, 4, 830), 0);
	cr_assert_eq(ptp_capture_read(&c, &ex, &n), 0, "%s", c.err);
	cr_assert_eq(n, 4);
	for (size_t k = 0; k < n; k++) {
		cr_expect(ex[k].peer);
		cr_expect_float_eq(ex[k].delay_ns, 830.0, 1e-9);
		cr_expect(isnan(ex[k].offset_ns));
	}
	free(ex);
}

Test(analysis_pcap, microsecond_capture_as_series)
{
	struct reader_opts o = {.format = FMT_AUTO};
	struct series s;
	char err[256];
	memset(&s, 0, sizeof(s));
	cr_assert_eq(pg_write_e2e(path, PG_UDP4, 5, true, 3000, 0, 10000, 0, false), 0);
	cr_assert_eq(reader_detect(path), FMT_PCAP);
	cr_assert_eq(reader_read(path, &o, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s.n, 5);
	/* a microsecond capture truncates t2 and t3 (both ...789 ns past a microsecond here):
	 * the offset comes out 789 ns low, the delay exact */
	cr_expect_float_eq(s.x[2], (3000 - 789) * 1e-9, 1e-15);
	series_free(&s);
}

Test(analysis_pcap, malformed_packet_reported_and_strict)
{
	struct reader_opts o = {.diag = NULL};
	struct ptp_exchange *ex;
	size_t n;
	FILE *diag = tmpfile();
	o.diag = diag;
	struct reader_ctx c = {.path = path, .opts = &o};
	cr_assert_eq(pg_write_e2e(path, PG_UDP4, 3, true, 0, 0, 100, 7, true), 0);
	cr_assert_eq(ptp_capture_read(&c, &ex, &n), 0);
	cr_expect_eq(n, 3);
	cr_expect_eq(c.bad, 1);
	free(ex);
	char line[256] = "";
	rewind(diag);
	cr_assert_not_null(fgets(line, sizeof(line), diag));
	cr_expect(strstr(line, ":packet 7: PTP message shorter") != NULL, "%s", line);
	fclose(diag);
	o.strict = true;
	struct reader_ctx c2 = {.path = path, .opts = &o};
	cr_expect_eq(ptp_capture_read(&c2, &ex, &n), -EINVAL);
	cr_expect(strstr(c2.err, "packet 7") != NULL, "%s", c2.err);
}

Test(analysis_pcap, not_a_capture)
{
	struct reader_opts o = {.format = FMT_PCAP};
	struct series s;
	char err[256];
	memset(&s, 0, sizeof(s));
	FILE *f = fopen(path, "w");
	fputs("hello\n", f);
	fclose(f);
	cr_expect_eq(reader_read(path, &o, &s, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, path) != NULL, "%s", err);
}

/* TSYNC_ANALYSIS_FIXTURES=DIR writes the small captures tests/data/analysis/ holds */
Test(analysis_pcap, write_fixtures)
{
	const char *dir = getenv("TSYNC_ANALYSIS_FIXTURES");
	char p[256];
	if (!dir)
		return;
	snprintf(p, sizeof(p), "%s/ptp-e2e-udp4.pcap", dir);
	cr_assert_eq(pg_write_e2e(p, PG_UDP4, 8, true, -120, 15, 2500, 0, true), 0);
	snprintf(p, sizeof(p), "%s/ptp-bad-packet.pcap", dir);
	cr_assert_eq(pg_write_e2e(p, PG_L2, 2, false, 40, 0, 900, 4, true), 0);
}
