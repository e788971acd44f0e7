// SPDX-License-Identifier: MIT
/*
 * tsync-net-probe: send or receive PTP-sized messages over a tsync transport and print their
 * timestamps, or show an interface's timestamping capabilities. Used by the network
 * integration test (two namespaces joined by veth: rx - tx is the one-way delay, both ends on
 * one host clock).
 *
 *   tsync-net-probe send -i IF [-t UDPv4|UDPv6|L2] [-n COUNT] [-g GAP_MS]
 *       COUNT Sync (event) + Follow_Up (general) pairs; prints "tx seq=N ts=NS src=SRC" per
 *       Sync (SRC: the timestamp's source, "sys", "phc", ...)
 *   tsync-net-probe recv -i IF [-t ...] [-n COUNT] [-w WAIT_S]
 *       prints "ready", then "rx event seq=N ts=NS src=SRC len=L" / "rx general ...";
 *       until COUNT event and COUNT general messages arrived or WAIT_S seconds passed;
 *       exit 0 if all COUNT event messages arrived; --busy: a busy loop on transport_poll()
 *       instead of poll(2) on the transport's fds
 *   tsync-net-probe caps -i IF
 *       the SO_TIMESTAMPING capabilities and PHC index; with --time_stamping hardware the
 *       result of the capability check (exit 1 with the error message if it fails)
 * Common options: --time_stamping software|hardware, --tx_timestamp_timeout MS,
 * -E ETHERTYPE (L2 only: the frames' ethertype instead of PTP's 0x88F7, e.g. 0x88B5).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/net_tstamp.h>

#include "tsync/cli.h"
#include "tsync/net.h"
#include "tsync/timestamping.h"
#include "tsync/transport.h"

#define PTP_MSG_LEN 44

struct opts {
	const char *cmd, *iface;
	enum transport_type type;
	struct transport_config cfg;
	int count, gap_ms;
	double wait_s;
	bool busy; /* recv: drive the transport with transport_poll() instead of poll(2) */
};

/* What recv counted. */
struct rx_count {
	int event, general;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tsync-net-probe send|recv|caps -i IFACE [-t UDPv4|UDPv6|L2] [-n COUNT]\n"
	           "       [-g GAP_MS] [-w WAIT_S] [--time_stamping software|hardware]\n"
	           "       [--tx_timestamp_timeout MS] [-E ETHERTYPE] [--busy]\n");
}

/* A minimal PTPv2 message: type, version 2, length, clockIdentity, sequenceId. */
static void make_msg(uint8_t *m, int type, const uint8_t id[8], uint16_t seq)
{
	memset(m, 0, PTP_MSG_LEN);
	m[0] = (uint8_t)type;
	m[1] = 2;
	m[2] = 0;
	m[3] = PTP_MSG_LEN;
	memcpy(m + 20, id, 8);
	m[28] = 0;
	m[29] = 1;
	m[30] = seq >> 8;
	m[31] = seq & 0xff;
}

static int do_send(struct transport *t, const struct opts *o)
{
	uint8_t id[8] = {0}, m[PTP_MSG_LEN];
	int fails = 0;

	net_clock_identity(o->iface, id);
	for (int i = 0; i < o->count; i++) {
		struct tsync_ts tx;
		make_msg(m, 0x0 /* Sync */, id, (uint16_t)i);
		ssize_t n =
		        transport_send(t, TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, m, sizeof(m), &tx);
		if (n < 0) {
			fprintf(stderr, "send seq=%d: %s\n", i, transport_last_error(t));
			fails++;
		} else {
			printf("tx seq=%d ts=%lld src=%s\n", i, (long long)tx.ns,
			       ts_source_name(tx.src));
		}
		make_msg(m, 0x8 /* Follow_Up */, id, (uint16_t)i);
		if (transport_send(t, TRANS_GENERAL, TRANS_DEST_DEFAULT, NULL, m, sizeof(m), NULL) <
		    0)
			fails++;
		fflush(stdout);
		if (o->gap_ms)
			usleep(o->gap_ms * 1000);
	}
	return fails ? 1 : 0;
}

static double mono_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Print and count one received message (transport_rx_fn, also used by the poll(2) path). */
static void on_msg(void *arg, struct transport *t, enum transport_channel ch, const void *msg,
                   size_t n, const struct tsync_ts *rx, const struct transport_addr *src)
{
	const uint8_t *buf = msg;
	struct rx_count *c = arg;
	int event = (buf[0] & 0x0f) < 8;

	(void)t, (void)ch, (void)src;
	if (n < 32)
		return;
	printf("rx %s seq=%d ts=%lld src=%s len=%zu\n", event ? "event" : "general",
	       buf[30] << 8 | buf[31], (long long)rx->ns, ts_source_name(rx->src), n);
	c->event += event;
	c->general += !event;
}

/* A busy loop as a DPDK daemon would run one: transport_poll() in bursts of 16, a short
 * pause when nothing came (a real busy loop spins; this shares the CPU with the tests). */
static int do_recv_busy(struct transport *t, const struct opts *o)
{
	const struct timespec pause = {0, 100000};
	struct rx_count c = {0, 0};
	double end = mono_s() + o->wait_s;

	printf("ready\n");
	fflush(stdout);
	while ((c.event < o->count || c.general < o->count) && mono_s() < end) {
		int n = transport_poll(t, 16, on_msg, &c);
		if (n < 0)
			fprintf(stderr, "poll: %s\n", strerror(-n));
		if (n <= 0)
			nanosleep(&pause, NULL);
		else
			fflush(stdout);
	}
	return c.event >= o->count ? 0 : 1;
}

static int do_recv(struct transport *t, const struct opts *o)
{
	struct pollfd p[2];
	int np = 0;
	struct rx_count c = {0, 0};
	double end = mono_s() + o->wait_s;

	if (o->busy || transport_needs_poll(t))
		return do_recv_busy(t, o);

	for (int ch = 0; ch < 2; ch++) {
		int fd = transport_fd(t, ch);
		if (fd >= 0)
			p[np++] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	printf("ready\n");
	fflush(stdout);
	/* until COUNT event and COUNT general messages arrived (Follow_Up trails its Sync) */
	while (c.event < o->count || c.general < o->count) {
		double left = end - mono_s();
		if (left <= 0)
			break;
		if (poll(p, np, (int)(left * 1000) + 1) <= 0)
			continue;
		for (int i = 0; i < np; i++) {
			enum transport_channel ch = i ? TRANS_GENERAL : TRANS_EVENT;
			uint8_t buf[1500];
			struct tsync_ts rx;
			ssize_t n;
			if (!(p[i].revents & POLLIN))
				continue;
			while ((n = transport_recv(t, ch, buf, sizeof(buf), &rx, NULL)) >= 0)
				on_msg(&c, t, ch, buf, (size_t)n, &rx, NULL);
		}
		fflush(stdout);
	}
	return c.event >= o->count ? 0 : 1;
}

static int do_caps(const struct opts *o)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
	        {SOF_TIMESTAMPING_TX_HARDWARE, "hardware-transmit"},
	        {SOF_TIMESTAMPING_TX_SOFTWARE, "software-transmit"},
	        {SOF_TIMESTAMPING_RX_HARDWARE, "hardware-receive"},
	        {SOF_TIMESTAMPING_RX_SOFTWARE, "software-receive"},
	        {SOF_TIMESTAMPING_SOFTWARE, "software-system-clock"},
	        {SOF_TIMESTAMPING_RAW_HARDWARE, "hardware-raw-clock"},
	};
	struct ts_caps caps;
	char err[192];
	int rc = ts_caps_get(o->iface, &caps);

	if (rc) {
		fprintf(stderr, "%s: %s\n", o->iface, strerror(-rc));
		return 1;
	}
	printf("%s: capabilities:", o->iface);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (caps.so_timestamping & names[i].bit)
			printf(" %s", names[i].name);
	printf("\n%s: phc index %d\n", o->iface, caps.phc_index);
	uint8_t id[8];
	if (net_clock_identity(o->iface, id) == 0)
		printf("%s: clockIdentity %02x%02x%02x.%02x%02x.%02x%02x%02x\n", o->iface, id[0],
		       id[1], id[2], id[3], id[4], id[5], id[6], id[7]);
	rc = ts_caps_check(o->iface, &caps, o->cfg.ts_mode, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s: time_stamping %s supported\n", o->iface, ts_mode_name(o->cfg.ts_mode));
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	        {"time_stamping", required_argument, NULL, 'T'},
	        {"tx_timestamp_timeout", required_argument, NULL, 'X'},
	        {"busy", no_argument, NULL, 'B'},
	        {"help", no_argument, NULL, 'h'},
	        {0, 0, 0, 0},
	};
	int c;
	long v;

	transport_config_defaults(&o->cfg);
	o->type = TRANS_UDP_IPV4;
	o->count = 10;
	o->gap_ms = 10;
	o->wait_s = 5;
	while ((c = getopt_long(argc, argv, "i:t:n:g:w:E:h", lo, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->iface = optarg;
			break;
		case 't':
			if (transport_parse(optarg, &o->type)) {
				fprintf(stderr, "bad transport '%s' (UDPv4, UDPv6, L2)\n", optarg);
				return 2;
			}
			break;
		case 'n':
			if (cli_long("tsync-net-probe", "-n", optarg, 1, 1000000, &v))
				return -1;
			o->count = (int)v;
			break;
		case 'g':
			if (cli_long("tsync-net-probe", "-g", optarg, 0, 60000, &v))
				return -1;
			o->gap_ms = (int)v;
			break;
		case 'w':
			if (cli_double("tsync-net-probe", "-w", optarg, 0, 3600, &o->wait_s))
				return -1;
			break;
		case 'B':
			o->busy = true;
			break;
		case 'E':
			if (cli_long("tsync-net-probe", "-E", optarg, 0x0600, 0xFFFF, &v))
				return -1;
			o->cfg.l2_ethertype = (uint16_t)v;
			break;
		case 'T':
			if (ts_mode_parse(optarg, &o->cfg.ts_mode)) {
				fprintf(stderr, "bad time_stamping '%s'\n", optarg);
				return 2;
			}
			break;
		case 'X':
			if (cli_long("tsync-net-probe", "--tx_timestamp_timeout", optarg, 1, 60000,
			             &v))
				return -1;
			o->cfg.tx_timeout_ms = (int)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !o->iface) {
		usage(stderr);
		return 2;
	}
	o->cmd = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct transport *t;
	int rc = parse(argc, argv, &o);

	if (rc)
		return rc;
	if (!strcmp(o.cmd, "caps"))
		return do_caps(&o);
	if (strcmp(o.cmd, "send") && strcmp(o.cmd, "recv")) {
		usage(stderr);
		return 2;
	}
	t = transport_create(o.type, &o.cfg);
	if (!t) {
		fprintf(stderr, "transport_create: %s\n", strerror(errno));
		return 1;
	}
	rc = transport_open(t, o.iface);
	if (rc) {
		fprintf(stderr, "%s\n", transport_last_error(t));
		transport_destroy(t);
		return 1;
	}
	rc = !strcmp(o.cmd, "send") ? do_send(t, &o) : do_recv(t, &o);
	transport_destroy(t);
	return rc;
}
