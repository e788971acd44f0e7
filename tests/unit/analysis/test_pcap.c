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

/* Captured at one end: the far end's exchanges have no t1/t4 here and must not be rows. */
Test(analysis_pcap, pdelay_far_end_requests_left_out)
{
	struct reader_opts o = {.diag = NULL};
	struct reader_ctx c = {.path = path, .opts = &o};
	struct ptp_exchange *ex;
	size_t n;
	cr_assert_eq(pg_write_pdelay_both_ends(path, 5, 6300), 0);
	cr_assert_eq(ptp_capture_read(&c, &ex, &n), 0, "%s", c.err);
	cr_assert_eq(n, 5);
	for (size_t k = 0; k < n; k++) {
		cr_expect_eq(ex[k].seq, k); /* the slave's own requests, not the master's 100.. */
		cr_expect_neq(ex[k].t1, ex[k].t2 - 90);
		cr_expect_float_eq(ex[k].delay_ns, 6300.0, 1e-9);
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

static size_t put32(uint8_t *b, size_t o, uint32_t v)
{
	memcpy(b + o, &v, 4); /* host order: the files below are read back on this host */
	return o + 4;
}

/* Ethernet + PTP Sync (one-step, sequenceId 1) with originTimestamp sec/nsec */
static size_t sync_frame(uint8_t *b, uint64_t sec, uint32_t nsec)
{
	memset(b, 0, 58);
	memset(b, 0xff, 6);
	b[6] = 0x02;
	b[12] = 0x88, b[13] = 0xf7;
	uint8_t *p = b + 14;
	p[0] = 0x00; /* Sync */
	p[1] = 0x02;
	p[3] = 44;
	p[31] = 1;
	for (int i = 0; i < 6; i++)
		p[34 + i] = (uint8_t)(sec >> (8 * (5 - i)));
	for (int i = 0; i < 4; i++)
		p[40 + i] = (uint8_t)(nsec >> (8 * (3 - i)));
	return 58;
}

static void write_bytes(const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(b, 1, n, f), n);
	fclose(f);
}

/* read path; returns the reader's bad count, first diag line in line */
static unsigned long read_bad(char *line, size_t len)
{
	struct reader_opts o = {.diag = tmpfile()};
	struct reader_ctx c = {.path = path, .opts = &o};
	struct ptp_exchange *ex = NULL;
	size_t n = 0;
	cr_assert_eq(ptp_capture_read(&c, &ex, &n), 0, "%s", c.err);
	free(ex);
	rewind(o.diag);
	line[0] = '\0';
	if (!fgets(line, (int)len, o.diag))
		line[0] = '\0';
	fclose(o.diag);
	return c.bad;
}

/* pcap (ns) with one frame: capture time 10 s, the Sync's timestamp sec/nsec */
static void pcap_with_ts(uint64_t sec, uint32_t nsec)
{
	uint8_t b[200];
	size_t o = 0;
	o = put32(b, o, 0xa1b23c4d); /* nanosecond pcap */
	o = put32(b, o, 2 | 4 << 16);
	o = put32(b, o, 0);
	o = put32(b, o, 0);
	o = put32(b, o, 65535);
	o = put32(b, o, 1); /* Ethernet */
	o = put32(b, o, 10);
	o = put32(b, o, 5);
	o = put32(b, o, 58);
	o = put32(b, o, 58);
	o += sync_frame(b + o, sec, nsec);
	write_bytes(b, o);
}

/* secondsField up to 2^48 - 1 s: ns since the epoch overflowed int64 past 9.2e9 s */
Test(analysis_pcap, ptp_timestamp_beyond_int64_ns)
{
	char line[256];
	pcap_with_ts(9223372036ULL, 0); /* the last second that fits */
	cr_expect_eq(read_bad(line, sizeof(line)), 0, "%s", line);
	pcap_with_ts(9223372037ULL, 0);
	cr_expect_eq(read_bad(line, sizeof(line)), 1);
	cr_expect(strstr(line, ":packet 1: timestamp beyond 2262") != NULL, "%s", line);
	pcap_with_ts(0xffffffffffffULL, 999999999);
	cr_expect_eq(read_bad(line, sizeof(line)), 1);
	pcap_with_ts(5, 1000000000);
	cr_expect_eq(read_bad(line, sizeof(line)), 1);
	cr_expect(strstr(line, ":packet 1: timestamp nanoseconds") != NULL, "%s", line);
}

/* pcapng (microsecond interface) with one frame whose 64-bit time is ts_high:ts_low */
static void pcapng_with_time(uint32_t hi, uint32_t lo)
{
	uint8_t b[256];
	size_t o = 0;
	o = put32(b, o, 0x0a0d0d0a); /* SHB */
	o = put32(b, o, 28);
	o = put32(b, o, 0x1a2b3c4d);
	o = put32(b, o, 1);
	o = put32(b, o, 0xffffffff);
	o = put32(b, o, 0xffffffff);
	o = put32(b, o, 28);
	o = put32(b, o, 1); /* IDB, Ethernet, no options: microseconds */
	o = put32(b, o, 20);
	o = put32(b, o, 1);
	o = put32(b, o, 65535);
	o = put32(b, o, 20);
	o = put32(b, o, 6); /* EPB */
	o = put32(b, o, 32 + 60);
	o = put32(b, o, 0);
	o = put32(b, o, hi);
	o = put32(b, o, lo);
	o = put32(b, o, 58);
	o = put32(b, o, 58);
	o += sync_frame(b + o, 1, 0);
	b[o++] = 0, b[o++] = 0;
	o = put32(b, o, 32 + 60);
	write_bytes(b, o);
}

Test(analysis_pcap, pcapng_time_beyond_int64_ns)
{
	char line[256];
	pcapng_with_time(0, 5000000); /* 5 s */
	cr_expect_eq(read_bad(line, sizeof(line)), 0, "%s", line);
	pcapng_with_time(0xffffffff, 0); /* 1.8e13 s */
	cr_expect_eq(read_bad(line, sizeof(line)), 1);
	cr_expect(strstr(line, ":packet 1: capture time beyond 2262") != NULL, "%s", line);
}
