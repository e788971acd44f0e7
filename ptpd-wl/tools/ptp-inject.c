// SPDX-License-Identifier: MIT
/*
 * ptp-inject: a test-only crafting tool for hostile PTP input (tests/integration/
 * test_hostile_ptpd.sh). Builds one kind of message with the ptpd-wl core codec, with any
 * field value the wire can carry, and sends it by UDPv4 multicast (224.0.1.129, port 319 for
 * Sync, 320 for the rest) out of one interface.
 *
 * usage: ptp-inject --iface IF --type sync|follow_up|announce|signaling --src CLOCKID[-PORT]
 *          [--seq N] [--domain N] [--two-step] [--sec S] [--nsec N] [--corr SCALED_NS]
 *          [--prio1 N] [--target CLOCKID-PORT] [--ival-sync L] [--count N] [--gap-ms MS]
 *          [--now] [--log-interval L] [--vary-src]
 *   --src          sourcePortIdentity ("001122.fffe.334455-1"); --vary-src adds the message's
 *                  index to the clockIdentity's last octets (a flood of distinct masters)
 *   --sec/--nsec   the message's timestamp (Sync originTimestamp, Follow_Up
 *                  preciseOriginTimestamp, Announce originTimestamp); --sec up to 2^48-1;
 *                  --now: CLOCK_REALTIME when each message is built (plus --sec)
 *   --corr         correctionField, ns * 2^16 (any int64)
 *   --log-interval logMessageInterval (any int8; default 0, 0x7f for Signaling)
 *   --target       Signaling targetPortIdentity (default: all ones, the wildcard)
 *   --ival-sync    Signaling: an 802.1AS message interval request TLV asking for Sync
 *                  every 2^L s (any int8)
 * Exits 0 when every message was sent.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "core/accept.h"
#include "core/msg.h"
#include "tsync/cli.h"

#define PROG "ptp-inject"

struct opts {
	const char *iface;
	int type;
	struct ptp_port_id src, target;
	long seq, domain, prio1, ival_sync, count, gap_ms, log_interval;
	bool two_step, vary_src, have_ival, have_log_interval, now;
	struct ptp_ts ts;
	int64_t corr;
};

static int parse_type(const char *s)
{
	static const struct {
		const char *name;
		int type;
	} t[] = {{"sync", PTP_SYNC},
	         {"follow_up", PTP_FOLLOW_UP},
	         {"announce", PTP_ANNOUNCE},
	         {"signaling", PTP_SIGNALING}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(s, t[i].name))
			return t[i].type;
	return -1;
}

static int build(const struct opts *o, long i, uint8_t *buf, size_t cap)
{
	struct ptp_msg m;
	struct ptp_port_id src = o->src;

	memset(&m, 0, sizeof(m));
	if (o->vary_src) {
		src.clock.id[6] = (uint8_t)(src.clock.id[6] + (i >> 8));
		src.clock.id[7] = (uint8_t)(src.clock.id[7] + i);
	}
	msg_hdr_init(&m.hdr, (enum ptp_msg_type)o->type, &src, (uint8_t)o->domain,
	             (uint16_t)(o->seq + i),
	             o->type == PTP_SIGNALING ? PTP_LOG_INTERVAL_UNUSED : 0);
	m.hdr.correction = o->corr;
	if (o->have_log_interval)
		m.hdr.log_interval = (int8_t)o->log_interval;
	if (o->two_step)
		m.hdr.flags |= PTP_FLAG_TWO_STEP;
	switch (o->type) {
	case PTP_SYNC:
		m.sync.origin = o->ts;
		if (o->now) {
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			m.sync.origin.sec += (uint64_t)t.tv_sec;
			m.sync.origin.nsec = (uint32_t)t.tv_nsec;
		}
		break;
	case PTP_FOLLOW_UP:
		m.follow_up.precise_origin = o->ts;
		break;
	case PTP_ANNOUNCE:
		m.announce.origin = o->ts;
		m.announce.utc_offset = 37;
		m.announce.gm_priority1 = (uint8_t)o->prio1;
		m.announce.gm_quality.clock_class = 6;
		m.announce.gm_quality.accuracy = 0x21;
		m.announce.gm_quality.variance = 0x4e5d;
		m.announce.gm_priority2 = 128;
		m.announce.gm_identity = src.clock;
		m.announce.time_source = 0x20;
		break;
	case PTP_SIGNALING:
		m.signaling.target = o->target;
		break;
	}
	int len = msg_build(buf, cap, &m);
	if (len < 0 || !o->have_ival)
		return len;
	/* IEEE 802.1AS message interval request: organization 00-80-C2, subtype 2 */
	uint8_t v[12] = {0x00, 0x80, 0xc2, 0, 0, 2, 0x80, (uint8_t)o->ival_sync, 0x80, 0x3};
	return msg_tlv_append(buf, cap, (size_t)len, PTP_TLV_ORGANIZATION_EXTENSION, v, sizeof(v));
}

static int open_socket(const char *iface)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ip_mreqn mr = {.imr_ifindex = (int)if_nametoindex(iface)};
	int ttl = 1, loop = 0;

	if (fd < 0 || !mr.imr_ifindex ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop))) {
		fprintf(stderr, PROG ": %s: %s\n", iface, strerror(errno ? errno : ENODEV));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {{"iface", required_argument, NULL, 'i'},
	                                   {"type", required_argument, NULL, 't'},
	                                   {"src", required_argument, NULL, 's'},
	                                   {"seq", required_argument, NULL, 'q'},
	                                   {"domain", required_argument, NULL, 'd'},
	                                   {"two-step", no_argument, NULL, '2'},
	                                   {"sec", required_argument, NULL, 'S'},
	                                   {"nsec", required_argument, NULL, 'N'},
	                                   {"corr", required_argument, NULL, 'c'},
	                                   {"prio1", required_argument, NULL, 'p'},
	                                   {"target", required_argument, NULL, 'T'},
	                                   {"ival-sync", required_argument, NULL, 'I'},
	                                   {"count", required_argument, NULL, 'n'},
	                                   {"gap-ms", required_argument, NULL, 'g'},
	                                   {"vary-src", no_argument, NULL, 'v'},
	                                   {"log-interval", required_argument, NULL, 'L'},
	                                   {"now", no_argument, NULL, 'W'},
	                                   {NULL, 0, NULL, 0}};
	bool have_src = false;
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->type = -1;
	o->count = 1;
	o->prio1 = 128;
	memset(&o->target, 0xff, sizeof(o->target));
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		int err = 0;
		switch (c) {
		case 'i':
			o->iface = optarg;
			break;
		case 't':
			if ((o->type = parse_type(optarg)) < 0)
				err = fprintf(stderr, PROG ": bad --type '%s'\n", optarg);
			break;
		case 's':
		case 'T':
			if (ptp_port_id_parse(optarg, strlen(optarg),
			                      c == 's' ? &o->src : &o->target))
				err = fprintf(stderr, PROG ": bad port identity '%s'\n", optarg);
			have_src |= c == 's';
			break;
		case 'q':
			err = cli_long(PROG, "--seq", optarg, 0, 65535, &o->seq);
			break;
		case 'd':
			err = cli_long(PROG, "--domain", optarg, 0, 255, &o->domain);
			break;
		case '2':
			o->two_step = true;
			break;
		case 'S': {
			char *end;
			errno = 0;
			unsigned long long s = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || s > PTP_SECONDS_MAX)
				err = fprintf(stderr, PROG ": bad --sec '%s'\n", optarg);
			o->ts.sec = s;
			break;
		}
		case 'N':
			err = cli_long(PROG, "--nsec", optarg, 0, 999999999, &v);
			o->ts.nsec = (uint32_t)v;
			break;
		case 'c':
			err = cli_long(PROG, "--corr", optarg, INT64_MIN, INT64_MAX, &v);
			o->corr = v;
			break;
		case 'p':
			err = cli_long(PROG, "--prio1", optarg, 0, 255, &o->prio1);
			break;
		case 'I':
			err = cli_long(PROG, "--ival-sync", optarg, -128, 127, &o->ival_sync);
			o->have_ival = true;
			break;
		case 'n':
			err = cli_long(PROG, "--count", optarg, 1, 1000000, &o->count);
			break;
		case 'g':
			err = cli_long(PROG, "--gap-ms", optarg, 0, 60000, &o->gap_ms);
			break;
		case 'v':
			o->vary_src = true;
			break;
		case 'W':
			o->now = true;
			break;
		case 'L':
			err = cli_long(PROG, "--log-interval", optarg, -128, 127, &o->log_interval);
			o->have_log_interval = true;
			break;
		default:
			err = 1;
		}
		if (err)
			return -1;
	}
	if (!o->iface || o->type < 0 || !have_src) {
		fprintf(stderr,
		        "usage: " PROG " --iface IF --type sync|follow_up|announce|signaling "
		        "--src CLOCKID-PORT [options] (see the source)\n");
		return -1;
	}
	if (!o->src.port)
		o->src.port = 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	uint8_t buf[PTP_MAX_MSG_LEN];

	if (parse_args(argc, argv, &o))
		return 2;
	int fd = open_socket(o.iface);
	if (fd < 0)
		return 1;
	struct sockaddr_in to = {.sin_family = AF_INET,
	                         .sin_port = htons(o.type == PTP_SYNC ? 319 : 320)};
	inet_pton(AF_INET, "224.0.1.129", &to.sin_addr);
	for (long i = 0; i < o.count; i++) {
		int len = build(&o, i, buf, sizeof(buf));
		if (len < 0) {
			fprintf(stderr, PROG ": cannot build the message: %s\n", strerror(-len));
			return 1;
		}
		if (sendto(fd, buf, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)) != len) {
			fprintf(stderr, PROG ": sendto: %s\n", strerror(errno));
			return 1;
		}
		if (o.gap_ms && i + 1 < o.count)
			nanosleep(&(struct timespec){o.gap_ms / 1000, (o.gap_ms % 1000) * 1000000L},
			          NULL);
	}
	close(fd);
	return 0;
}
