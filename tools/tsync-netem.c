// SPDX-License-Identifier: MIT
/*
 * tsync-netem: a user-space link emulator for test benches on kernels without sch_netem.
 *
 * It runs in a middle namespace between two veth ends A and B and forwards every Ethernet
 * frame between them (AF_PACKET, promiscuous), holding each one back by a delay (+ uniform
 * jitter), dropping with a probability, and serialising at a rate if one is given. Frame order
 * is kept in each direction (a jittered frame never overtakes an earlier one: a link, not a
 * router). Delays may differ per direction, so path asymmetry can be tested too. GSO frames
 * and offloaded checksums pass through intact (PACKET_VNET_HDR).
 *
 *   A-host --veth-- [ mid: tsync-netem --a x --b y --delay 200us --jitter 50us --loss 1% ]
 *          --veth-- B-host
 *
 * The end hosts' software timestamps see the emulated delay: that is what the PTP benches
 * measure. Statistics go to stderr at exit (SIGTERM/SIGINT or --duration).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <math.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "tsync/cli.h"
#include "tsync/sim.h"
#include "tsync/time.h"

#define QCAP     65536        /* frames queued per direction, at most */
#define QBYTES   (64u << 20)  /* bytes queued per direction, at most */
#define FRAMEMAX (65536 + 64) /* a GSO frame plus its virtio_net_hdr */

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* A frame as AF_PACKET gives it with PACKET_VNET_HDR: a struct virtio_net_hdr, then the
 * Ethernet frame. veth hands over GSO super-frames (up to 64 KiB) and frames whose checksum is
 * left to offload; the header carries both facts, and sending it back with the frame lets the
 * kernel segment and checksum on the other side exactly as it would have. */
struct frame {
	tmv_t release; /* CLOCK_MONOTONIC ns */
	size_t len;    /* bytes in data, header included */
	uint8_t data[];
};

struct dir {
	const char *name;    /* "a->b" */
	int in, out;         /* sockets */
	tmv_t delay, jitter; /* ns */
	double loss;         /* [0, 1] */
	double rate_bps;     /* 0 = unlimited */
	tmv_t last_release;  /* order and serialisation */
	struct frame **q;    /* ring of QCAP */
	unsigned head, n;
	size_t bytes;                      /* queued */
	unsigned long fwd, lost, overflow; /* counters */
};

static int open_if(const char *ifname)
{
	struct sockaddr_ll sll = {0};
	struct packet_mreq mr = {0};
	int one = 1, fd, idx = (int)if_nametoindex(ifname);

	if (!idx) {
		fprintf(stderr, "tsync-netem: no interface '%s' in this namespace\n", ifname);
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("tsync-netem: socket(AF_PACKET)");
		return -1;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = idx;
	mr.mr_ifindex = idx;
	mr.mr_type = PACKET_MR_PROMISC;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		fprintf(stderr, "tsync-netem: %s: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one))) {
		fprintf(stderr, "tsync-netem: %s: PACKET_VNET_HDR: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	/* do not read back what we send on this interface */
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)))
		fprintf(stderr, "tsync-netem: %s: PACKET_IGNORE_OUTGOING: %s\n", ifname,
		        strerror(errno));
	return fd;
}

static tmv_t now_ns(void)
{
	tmv_t t = 0;
	tmv_clock_read(CLOCK_MONOTONIC, &t);
	return t;
}

/* Receive everything queued on d->in and schedule it. */
static void ingest(struct dir *d, struct sim_rng *rng, uint8_t *buf)
{
	for (;;) {
		ssize_t len = recv(d->in, buf, FRAMEMAX, 0);
		if (len < 0)
			return; /* EAGAIN or error: nothing more now */
		if (d->n == QCAP || d->bytes + (size_t)len > QBYTES) {
			d->overflow++;
			continue;
		}
		if (d->loss > 0 && sim_rng_uniform(rng) < d->loss) {
			d->lost++;
			continue;
		}
		struct frame *f = malloc(sizeof(*f) + (size_t)len);
		if (!f) {
			d->overflow++;
			continue;
		}
		memcpy(f->data, buf, (size_t)len);
		f->len = (size_t)len;
		tmv_t t = now_ns() + d->delay;
		if (d->jitter)
			t += (tmv_t)((2.0 * sim_rng_uniform(rng) - 1.0) * (double)d->jitter);
		if (t < d->last_release)
			t = d->last_release; /* keep order */
		if (d->rate_bps > 0)         /* + preamble, IFG and FCS of (at least) one frame */
			t += (tmv_t)((double)(len + 24) * 8e9 / d->rate_bps);
		d->last_release = t;
		f->release = t;
		d->q[(d->head + d->n) % QCAP] = f;
		d->n++;
		d->bytes += f->len;
	}
}

/* Send what is due; return the next release time or 0. */
static tmv_t release(struct dir *d, tmv_t now)
{
	while (d->n) {
		struct frame *f = d->q[d->head];
		if (f->release > now)
			return f->release;
		if (send(d->out, f->data, f->len, 0) == (ssize_t)f->len)
			d->fwd++;
		else
			d->overflow++;
		d->head = (d->head + 1) % QCAP;
		d->n--;
		d->bytes -= f->len;
		free(f);
	}
	return 0;
}

static int parse_pct(const char *s, double *out)
{
	char *end;
	*out = strtod(s, &end) / 100.0;
	if (end == s || (*end && strcmp(end, "%")) || !(*out >= 0 && *out <= 1)) {
		fprintf(stderr, "tsync-netem: bad value '%s' for --loss (e.g. 1%%)\n", s);
		return -1;
	}
	return 0;
}

static int parse_rate(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	double mul = !strcmp(end, "gbit")   ? 1e9
	             : !strcmp(end, "mbit") ? 1e6
	             : !strcmp(end, "kbit") ? 1e3
	             : !strcmp(end, "bit")  ? 1
	                                    : -1;
	if (end == s || mul < 0 || !(v > 0)) {
		fprintf(stderr, "tsync-netem: bad value '%s' for --rate (e.g. 100mbit, 1gbit)\n",
		        s);
		return -1;
	}
	*out = v * mul;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tsync-netem --a IF --b IF [--delay T] [--jitter T] [--delay-ab T]\n"
	        "         [--delay-ba T] [--loss P%%] [--rate R] [--seed N] [--duration S]\n"
	        "Forward frames between IF a and IF b with delay (+- uniform jitter), loss and a\n"
	        "rate limit (e.g. 100mbit). Times as 200us, 1.5ms. Stats on stderr at exit.\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	        {"a", required_argument, 0, 'a'},        {"b", required_argument, 0, 'b'},
	        {"delay", required_argument, 0, 'd'},    {"jitter", required_argument, 0, 'j'},
	        {"delay-ab", required_argument, 0, 'x'}, {"delay-ba", required_argument, 0, 'y'},
	        {"loss", required_argument, 0, 'l'},     {"rate", required_argument, 0, 'r'},
	        {"seed", required_argument, 0, 's'},     {"duration", required_argument, 0, 'D'},
	        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
	const char *ifa = NULL, *ifb = NULL;
	struct dir ab = {.name = "a->b"}, ba = {.name = "b->a"};
	tmv_t delay = 0, jitter = 0, dab = -1, dba = -1, duration = 0;
	double loss = 0, rate = 0;
	uint64_t seed = 1;
	struct sim_rng rng;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 'a':
			ifa = optarg;
			break;
		case 'b':
			ifb = optarg;
			break;
		case 'd':
			bad = cli_time("tsync-netem", "--delay", optarg, 0, 3600 * NS_PER_SEC,
			               &delay);
			break;
		case 'j':
			bad = cli_time("tsync-netem", "--jitter", optarg, 0, 3600 * NS_PER_SEC,
			               &jitter);
			break;
		case 'x':
			bad = cli_time("tsync-netem", "--delay-ab", optarg, 0, 3600 * NS_PER_SEC,
			               &dab);
			break;
		case 'y':
			bad = cli_time("tsync-netem", "--delay-ba", optarg, 0, 3600 * NS_PER_SEC,
			               &dba);
			break;
		case 'l':
			bad = parse_pct(optarg, &loss);
			break;
		case 'r':
			bad = parse_rate(optarg, &rate);
			break;
		case 's': {
			char *end;
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || optarg[0] == '-') {
				fprintf(stderr, "tsync-netem: bad value '%s' for --seed\n", optarg);
				bad = -1;
			}
			break;
		}
		case 'D':
			bad = cli_time("tsync-netem", "--duration", optarg, 0, 3600 * NS_PER_SEC,
			               &duration);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			bad = 1;
		}
		if (bad) {
			usage(stderr);
			return 2;
		}
	}
	if (!ifa || !ifb || optind != argc) {
		fprintf(stderr, "tsync-netem: --a and --b are required\n");
		usage(stderr);
		return 2;
	}
	ab.delay = dab >= 0 ? dab : delay;
	ba.delay = dba >= 0 ? dba : delay;
	ab.jitter = ba.jitter = jitter;
	ab.loss = ba.loss = loss;
	ab.rate_bps = ba.rate_bps = rate;
	if (jitter > ab.delay || jitter > ba.delay) {
		fprintf(stderr, "tsync-netem: --jitter must not exceed the delay\n");
		return 2;
	}
	sim_rng_seed(&rng, seed);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* default 50 us slack would add to every delay */
	ab.in = ba.out = open_if(ifa);
	ba.in = ab.out = open_if(ifb);
	ab.q = calloc(QCAP, sizeof(*ab.q));
	ba.q = calloc(QCAP, sizeof(*ba.q));
	uint8_t *buf = malloc(FRAMEMAX);
	if (ab.in < 0 || ba.in < 0 || !ab.q || !ba.q || !buf)
		return 1;

	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	int sfd = signalfd(-1, &ss, SFD_CLOEXEC);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	tmv_t end = duration ? now_ns() + duration : 0;
	fprintf(stderr,
	        "tsync-netem: %s <-> %s delay a->b %lld ns b->a %lld ns jitter %lld ns "
	        "loss %.3f%% rate %.0f bit/s\n",
	        ifa, ifb, (long long)ab.delay, (long long)ba.delay, (long long)jitter, loss * 100,
	        rate);
	for (;;) {
		struct pollfd p[4] = {
		        {ab.in, POLLIN, 0}, {ba.in, POLLIN, 0}, {tfd, POLLIN, 0}, {sfd, POLLIN, 0}};
		if (poll(p, 4, -1) < 0 && errno != EINTR)
			break;
		if (p[3].revents)
			break;
		if (p[0].revents)
			ingest(&ab, &rng, buf);
		if (p[1].revents)
			ingest(&ba, &rng, buf);
		if (p[2].revents) {
			uint64_t x;
			if (read(tfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
				break;
		}
		tmv_t now = now_ns();
		if (end && now >= end)
			break;
		tmv_t n1 = release(&ab, now), n2 = release(&ba, now);
		tmv_t next = n1 && n2 ? (n1 < n2 ? n1 : n2) : (n1 ? n1 : n2);
		if (end && (!next || end < next))
			next = end;
		struct itimerspec its = {0};
		if (next) {
			its.it_value = tmv_to_timespec(next);
			timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
		}
	}
	fprintf(stderr,
	        "tsync-netem: a->b forwarded %lu lost %lu overflow %lu; "
	        "b->a forwarded %lu lost %lu overflow %lu\n",
	        ab.fwd, ab.lost, ab.overflow, ba.fwd, ba.lost, ba.overflow);
	return 0;
}
