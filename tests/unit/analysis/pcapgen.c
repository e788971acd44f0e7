// SPDX-License-Identifier: MIT
/* Test helper: PTP frames over UDPv4/UDPv6/L2 written with libpcap's dumper. */
#include <errno.h>
#include <pcap/pcap.h>
#include <string.h>

#include "pcapgen.h"

struct pg {
	pcap_t *pc;
	pcap_dumper_t *d;
	enum pg_transport tr;
	bool nano;
};

static void put(uint8_t *p, uint64_t v, int len)
{
	for (int i = len - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static const uint8_t master[10] = {0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55, 0, 1};
static const uint8_t slave[10] = {0x00, 0x66, 0x77, 0xff, 0xfe, 0x88, 0x99, 0xaa, 0, 1};

static size_t ptp(uint8_t *b, int type, uint16_t seq, bool two_step, double corr_ns,
                  const uint8_t *src, tmv_t ts, const uint8_t *req)
{
	size_t len = type == 0xb ? 64 : (req ? 54 : 44);
	memset(b, 0, len);
	b[0] = (uint8_t)type;
	b[1] = 0x12; /* minorVersionPTP 1, versionPTP 2 */
	put(b + 2, len, 2);
	b[6] = two_step ? 0x02 : 0;
	put(b + 8, (uint64_t)(int64_t)(corr_ns * 65536.0), 8);
	memcpy(b + 20, src, 10);
	put(b + 30, seq, 2);
	if (type != 0xb) {
		put(b + 34, (uint64_t)(ts / NS_PER_SEC), 6);
		put(b + 40, (uint64_t)(ts % NS_PER_SEC), 4);
	}
	if (req)
		memcpy(b + 44, req, 10);
	return len;
}

static int frame(struct pg *g, tmv_t cap, const uint8_t *msg, size_t len, bool event)
{
	uint8_t f[256] = {0};
	size_t off = 12;
	memcpy(f, "\x01\x1b\x19\x00\x00\x00\x02\x00\x00\x00\x00\x01", 12);
	if (g->tr == PG_L2_VLAN) {
		put(f + off, 0x8100, 2);
		put(f + off + 2, 5, 2);
		off += 4;
	}
	if (g->tr == PG_L2 || g->tr == PG_L2_VLAN) {
		put(f + off, 0x88f7, 2);
		off += 2;
	} else if (g->tr == PG_UDP4) {
		put(f + off, 0x0800, 2);
		uint8_t *ip = f + off + 2;
		ip[0] = 0x45;
		put(ip + 2, 20 + 8 + len, 2);
		ip[8] = 1;
		ip[9] = 17;
		memcpy(ip + 12, "\xc0\xa8\x01\x01\xe0\x00\x01\x81", 8);
		off += 2 + 20;
	} else {
		put(f + off, 0x86dd, 2);
		uint8_t *ip = f + off + 2;
		ip[0] = 0x60;
		put(ip + 4, 8 + len, 2);
		ip[6] = 17;
		ip[7] = 1;
		ip[8] = 0xfe;
		ip[9] = 0x80;
		ip[24] = 0xff;
		ip[25] = 0x0e;
		ip[39] = 0x81;
		off += 2 + 40;
	}
	if (g->tr == PG_UDP4 || g->tr == PG_UDP6) {
		put(f + off, event ? 319 : 320, 2);
		put(f + off + 2, event ? 319 : 320, 2);
		put(f + off + 4, 8 + len, 2);
		off += 8;
	}
	memcpy(f + off, msg, len);
	struct pcap_pkthdr h = {.caplen = (bpf_u_int32)(off + len),
	                        .len = (bpf_u_int32)(off + len)};
	h.ts.tv_sec = cap / NS_PER_SEC;
	h.ts.tv_usec = (suseconds_t)((cap % NS_PER_SEC) / (g->nano ? 1 : 1000));
	pcap_dump((u_char *)g->d, &h, f);
	return 0;
}

/* a frame as the next packet; a truncated PTP message first if that one is bad_packet */
static void out(struct pg *g, unsigned long *pkt, unsigned long bad, tmv_t cap, const uint8_t *m,
                size_t len, bool event)
{
	if (*pkt + 1 == bad) {
		frame(g, cap - 100, m, 20, event);
		(*pkt)++;
	}
	frame(g, cap, m, len, event);
	(*pkt)++;
}

static int open_pg(struct pg *g, const char *path, enum pg_transport tr, bool nano)
{
	g->tr = tr;
	g->nano = nano;
	g->pc = pcap_open_dead_with_tstamp_precision(
	        DLT_EN10MB, 65535, nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	if (!g->pc)
		return -ENOMEM;
	g->d = pcap_dump_open(g->pc, path);
	if (!g->d) {
		pcap_close(g->pc);
		return -EIO;
	}
	return 0;
}

static void close_pg(struct pg *g)
{
	pcap_dump_close(g->d);
	pcap_close(g->pc);
}

int pg_write_e2e(const char *path, enum pg_transport tr, int n, bool two_step, double offset_ns,
                 double step_ns, double delay_ns, unsigned long bad_packet, bool nano)
{
	struct pg g;
	uint8_t m[128];
	unsigned long pkt = 0;
	int err = open_pg(&g, path, tr, nano);
	if (err)
		return err;
	const tmv_t base = 1700000000LL * NS_PER_SEC + 123456789; /* master time, ns */
	for (int k = 0; k < n; k++) {
		tmv_t off = (tmv_t)(offset_ns + k * step_ns), d = (tmv_t)delay_ns;
		tmv_t t1 = base + k * NS_PER_SEC, t2 = t1 + d + off;
		tmv_t t3 = t2 + 2000000, t4 = t3 - off + d;
		size_t len;
		len = ptp(m, 0xb, (uint16_t)k, false, 0, master, 0, NULL); /* Announce */
		out(&g, &pkt, bad_packet, t2 - 1000, m, len, false);
		len = ptp(m, 0x0, (uint16_t)k, two_step, 0, master, two_step ? t1 - 7 : t1, NULL);
		out(&g, &pkt, bad_packet, t2, m, len, true);
		if (two_step) {
			len = ptp(m, 0x8, (uint16_t)k, false, 0, master, t1, NULL);
			out(&g, &pkt, bad_packet, t2 + 10000, m, len, false);
		}
		len = ptp(m, 0x1, (uint16_t)k, false, 0, slave, 0, NULL);
		out(&g, &pkt, bad_packet, t3, m, len, true);
		len = ptp(m, 0x9, (uint16_t)k, false, 0, master, t4, slave);
		out(&g, &pkt, bad_packet, t3 + 300000, m, len, false);
	}
	close_pg(&g);
	return 0;
}

/* Pdelay exchanges of the slave; with far_end, the master's own requests answered by the
 * slave half a second later. */
static int write_pdelay(const char *path, int n, double delay_ns, bool far_end)
{
	struct pg g;
	uint8_t m[128];
	int err = open_pg(&g, path, PG_L2, true);
	if (err)
		return err;
	const tmv_t base = 1700000000LL * NS_PER_SEC;
	for (int k = 0; k < n; k++) {
		tmv_t d = (tmv_t)delay_ns, t1 = base + k * NS_PER_SEC;
		tmv_t t2 = t1 + d + 777, t3 = t2 + 50000, t4 = t3 - 777 + d; /* peer 777 ns ahead */
		size_t len = ptp(m, 0x2, (uint16_t)k, false, 0, slave, 0, NULL);
		frame(&g, t1, m, len, true);
		len = ptp(m, 0x3, (uint16_t)k, true, 0, master, t2, slave);
		frame(&g, t4, m, len, true);
		len = ptp(m, 0xa, (uint16_t)k, false, 0, master, t3, slave);
		frame(&g, t4 + 20000, m, len, false);
		if (!far_end)
			continue;
		/* the master's request: stamped here at in (slave clock), answered at out */
		tmv_t in = t1 + NS_PER_SEC / 2, out = in + 40000;
		len = ptp(m, 0x2, (uint16_t)(100 + k), false, 0, master, 0, NULL);
		frame(&g, in + 90, m, len, true);
		len = ptp(m, 0x3, (uint16_t)(100 + k), true, 0, slave, in, master);
		frame(&g, out, m, len, true);
		len = ptp(m, 0xa, (uint16_t)(100 + k), false, 0, slave, out, master);
		frame(&g, out + 15000, m, len, false);
	}
	close_pg(&g);
	return 0;
}

int pg_write_pdelay(const char *path, int n, double delay_ns)
{
	return write_pdelay(path, n, delay_ns, false);
}

int pg_write_pdelay_both_ends(const char *path, int n, double delay_ns)
{
	return write_pdelay(path, n, delay_ns, true);
}
