// SPDX-License-Identifier: MIT
/*
 * dtpd: the DTP daemon (issue 13). Ports carry DTP L2 frames (ethertype 0x88B5) over AF_PACKET
 * with software timestamps; dtp/core runs on a 156.25 MHz tick counter derived from the node's
 * oscillator (CLOCK_MONOTONIC_RAW, node.h); every node disciplines its clock to the network's
 * counter mapped to time through lib/sync (a follower from its upstream beacons, the root
 * from its own counter). `dtpd ctl SOCK status` queries a running daemon.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/dtp_wire.h"
#include "dpdk_tp.h"
#include "dtpd_config.h"
#include "dtpd_cpage.h"
#include "dtpd_ctl.h"
#include "dtpd_req.h"
#include "dtpd_burst.h"
#include "dtpd_ext.h"
#include "node.h"
#include "dtpd_status.h"
#include "tsync/counter.h"
#include "tsync/ipc.h"
#include "tsync/kv.h"
#include "tsync/log.h"
#include "tsync/reactor.h"
#include "tsync/sync.h"
#include "tsync/transport.h"

#define TICK_NS 5000000 /* timer and link check period */

static const uint8_t dtp_dst[6] = {0x01, 0x80, 0xC2, 0x00, 0x00, 0x0E};

#define TXLAT_MAX_NS 1000000 /* a TX stamp later than this after the send: not a latency */

struct dtpd_txlat {
	int64_t ring[DTPD_DELAY_RING];
	unsigned n;
};

/* two-step: the last BEACON sent on a port, its claimed tx_ts and real TX stamp - tx_ts */
struct dtpd_prev_tx {
	bool valid;
	uint64_t tx_ts;
	int64_t err_ns;
};

struct dtpd {
	struct config *cfg;
	struct reactor *r;
	struct sync *sync;
	struct tclock *clk;
	struct dtpd_node node;
	struct transport *tp[DTPD_MAX_PORTS];
	char ifname[DTPD_MAX_PORTS][IF_NAMESIZE];
	uint8_t mac[DTPD_MAX_PORTS][6];
	struct dtpd_txlat txlat[DTPD_MAX_PORTS][3]; /* per port and frame type */
	struct dtpd_prev_tx prev_tx[DTPD_MAX_PORTS];
	unsigned n;
	int ctl_fd, ifq_fd;
	int log_interval;
	unsigned step_gen;
	uint64_t bad_frames, no_stamp, sends_failed;
	int64_t t0_mono;
	unsigned ticks;
	bool dpdk, stop;
	bool two_step; /* BEACONs carry the previous one's TX stamp error (two_step key) */
	int64_t warmup_ns;
	const char *ts_name;
	int64_t next_self; /* root: next sample of its clock against its counter (mono) */
	struct dtpd_counter_page *cpage; /* counter_page: the shared counter page, or NULL */
	struct counter *tsc;
	uint64_t tsc_ns_q32;
	int64_t last_sample;     /* mono of the last discipline sample (0: none) */
	FILE *trace;             /* trace_file: one line per sent frame and per beacon (debug) */
	struct dtpd_burst burst; /* bursts asked here or from downstream, passed upstream */
	unsigned long long beacons_tx[DTPD_MAX_PORTS];
	bool burst_requests[DTPD_MAX_PORTS]; /* burst_requests key: take them on this port */
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: dtpd [-f FILE] -i IFACE [-i IFACE...] [--key=value...]\n"
	        "       dtpd ctl SOCKET status|'burst SECONDS'|'tsync status'|\n"
	        "                       'tsync burst seconds=S'   (vmclockd --dtpd pulls these)\n"
	        "       dtpd counter PATH     read a counter page (include/uapi/dtpd.h)\n"
	        "The DTP daemon: DTP L2 frames (ethertype 0x88B5) on each interface, a 156.25 MHz\n"
	        "counter derived from the node's clock, the clock disciplined to the network's\n"
	        "counter (epoch + counter * 6.4 ns). Keys (any --key=value or INI file line):\n"
	        "  root 0|1                 this node's clock is the reference (no discipline)\n"
	        "  epoch S                  time of counter 0, s since 1970 (2026-01-01)\n"
	        "  beacon_interval_ms N     100;  retry_interval_ms N 500\n"
	        "  rx_timeout_beacons N     silence that restarts a SYNC port (20)\n"
	        "  delay_margin_ns N        delay under-estimate for the max rule (20000)\n"
	        "  jump_threshold / jump_guard / jump_guard_arm / delay_samples   dtp/core params\n"
	        "  upstream 0|1             per [iface]: beacons from it discipline the clock (1)\n"
	        "  burst_requests 0|1       per [iface]: take burst requests from downstream (1)\n"
	        "  downstream_max_rule 0|1  apply beacons from downstream ports too (plain DTP, "
	        "0)\n"
	        "  late_filter_ns N         a beacon stamped this much later than the recent "
	        "least\n"
	        "                           gives no discipline sample (50000; 0: off)\n"
	        "  ctl_socket PATH          the status/control Unix datagram socket\n"
	        "  counter_page PATH        the shared counter page (include/uapi/dtpd.h)\n"
	        "  transport af_packet|dpdk dpdk: ports from EAL vdevs/PCI, a busy loop\n"
	        "  dpdk_eal_args ARGS       EAL arguments (default: --no-huge --no-pci "
	        "--no-shconf\n"
	        "                           --file-prefix=dtpd-PID -m 16 -l 0 --no-telemetry and\n"
	        "                           --vdev=net_af_packetI,iface=IFACE per interface)\n"
	        "  dpdk_poll_us N           sleep N us when a poll round found nothing (0: spin)\n"
	        "  dpdk_tsc_stamp_err_ns N  TSC stamps' error, added to the own bound (50000)\n"
	        "  logging_level N          syslog level 0..7 (6)\n"
	        "  two_step 0|1             BEACONs carry the previous one's TX stamp error, "
	        "receivers\n"
	        "                           correct its sample with it, and carry our last\n"
	        "                           measurement of the peer: the discipline's delay comes\n"
	        "                           from the BEACONs of both directions (1)\n"
	        "  beacon_stagger 0|1       one port's BEACON per timer wake-up: every BEACON is\n"
	        "                           then a first send, same path both ways (1)\n"
	        "  beacon_warmup_us N       spin N us before a BEACON's send (30): the wire time\n"
	        "                           of a send right after a wake-up varied with the load\n"
	        "  trace_file PATH          debug: a line per sent frame (tx PORT TYPE TX_TS PRED "
	        "LAT CORR)\n"
	        "                           and per beacon (rx PORT TX_TS T4 DELAY OFFSET USED),\n"
	        "                           INIT (rxi) and INIT-ACK (rxa PORT TX_TS T4 ECHO "
	        "DELAY)\n"
	        "  clock SPEC | clock_type/vclock/phc_device, clock_servo, statlog, chrony_*,\n"
	        "  free_running, pi_* / kalman_* ...   the discipline engine's keys "
	        "(tsync/sync.h)\n");
}

static int ctl_client(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: dtpd ctl SOCKET status|'burst SECONDS'\n");
		return 2;
	}
	char reply[KV_MAX_LINE + 1];
	char req[128] = "";
	for (int i = 3; i < argc; i++) /* "burst 2" as one word or two */
		if (snprintf(req + strlen(req), sizeof(req) - strlen(req), "%s%s", i > 3 ? " " : "",
		             argv[i]) >= (int)(sizeof(req) - strlen(req))) {
			fprintf(stderr, "dtpd ctl: request too long\n");
			return 2;
		}
	int n = ipc_dgram_request(argv[2], req, strlen(req), reply, sizeof(reply), 2000);
	if (n < 0) {
		fprintf(stderr, "dtpd ctl: %s: %s\n", argv[2], ipc_strerror(n));
		return 1;
	}
	printf("%s\n", reply);
	return strncmp(reply, "ok", 2) == 0 ? 0 : 1;
}

/* `dtpd counter PATH`: the counter page's counter and time now. */
static int counter_client(int argc, char **argv)
{
	const struct dtpd_counter_page *p;
	struct dtpd_counter_page snap;
	if (argc != 3) {
		fprintf(stderr, "usage: dtpd counter PATH\n");
		return 2;
	}
	int rc = dtpd_cpage_open(argv[2], &p);
	if (rc == 0)
		rc = dtpd_cpage_read(p, &snap, 1000);
	if (rc < 0) {
		fprintf(stderr, "dtpd counter: %s: %s\n", argv[2],
		        rc == -EPROTO   ? "not a dtpd counter page (magic, version or size)"
		        : rc == -EAGAIN ? "the writer stayed busy"
		                        : strerror(-rc));
		return 1;
	}
	struct timespec rt;
	struct counter *tsc = counter_tsc_create(0);
	if (!(snap.flags & DTPD_CPAGE_F_TSC) || !tsc) {
		fprintf(stderr, "dtpd counter: %s: no TSC pair in the page\n", argv[2]);
		counter_destroy(tsc);
		dtpd_cpage_unmap(p);
		return 1;
	}
	uint64_t now = counter_read(tsc);
	clock_gettime(CLOCK_REALTIME, &rt);
	int64_t real = rt.tv_sec * 1000000000LL + rt.tv_nsec;
	int64_t t = dtpd_cpage_time_at(&snap, now, real);
	printf("ok counter=%llu time_ns=%lld time_minus_real_ns=%lld clock_minus_counter_ns=%lld "
	       "bound_ns=%lld sync=%s root=%s updates=%llu\n",
	       (unsigned long long)dtpd_cpage_counter_at(&snap, now), (long long)t,
	       (long long)(t - real), (long long)snap.clock_minus_counter_ns,
	       (long long)snap.bound_ns, snap.flags & DTPD_CPAGE_F_SYNC ? "yes" : "no",
	       snap.flags & DTPD_CPAGE_F_ROOT ? "yes" : "no", (unsigned long long)snap.updates);
	counter_destroy(tsc);
	dtpd_cpage_unmap(p);
	return 0;
}

static int64_t clock_now(struct dtpd *d)
{
	tmv_t t = 0;
	tclock_gettime(d->clk, &t);
	return t;
}

/* The oscillator the counter is derived from: CLOCK_MONOTONIC_RAW (never disciplined). */
static int64_t osc_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A CLOCK_REALTIME stamp (software rx stamp) on the oscillator's time scale. */
static int64_t osc_of_sys(int64_t sys)
{
	struct timespec a, b;
	clock_gettime(CLOCK_REALTIME, &a);
	int64_t o = osc_now();
	clock_gettime(CLOCK_REALTIME, &b);
	int64_t rt = (a.tv_sec + b.tv_sec) * 500000000LL + (a.tv_nsec + b.tv_nsec) / 2;
	return sys + (o - rt);
}

/* The oscillator now (*osc) and the clock at that instant: the clock converted from a
 * CLOCK_REALTIME stamp taken around the oscillator read (tclock_from_sys: a vclock is a model
 * of CLOCK_MONOTONIC_RAW, so no read window). A vclock read itself took 2-6 us (p95 28 us
 * under load) and the midpoint of two oscillator reads around it put 0.4-1.1 us of noise sd
 * into the root's self samples (measured); falls back to that midpoint if the conversion
 * fails. */
static int64_t clock_at_osc(struct dtpd *d, int64_t *osc)
{
	struct timespec a, b;
	clock_gettime(CLOCK_REALTIME, &a);
	int64_t o = osc_now();
	clock_gettime(CLOCK_REALTIME, &b);
	tmv_t sys = (a.tv_sec + b.tv_sec) * 500000000LL + (a.tv_nsec + b.tv_nsec) / 2, clk = 0;
	*osc = o;
	if (tclock_from_sys(d->clk, sys, &clk) == 0 && clk)
		return clk;
	int64_t o1 = osc_now(), c = clock_now(d), o2 = osc_now();
	*osc = o1 + (o2 - o1) / 2;
	return c;
}

static void send_frame(void *arg, unsigned port, const struct dtp_frame *f0)
{
	struct dtpd *d = arg;
	struct dtp_frame f = *f0;
	uint8_t buf[DTPD_EXT_BURST_END] = {0};
	memcpy(f.dst, dtp_dst, 6);
	memcpy(f.src, d->mac[port], 6);
	/* the frame's stamps stand for the instant it leaves: now + the send path's latency
	 * (the median of the last DTPD_DELAY_RING, from the TX stamps), so the one-way delay the
	 * peer sees holds no send path of ours (it differs from node to node: a bias of half
	 * the difference otherwise, measured 5 us) */
	/* one ring per frame type: a BEACON sent from the timer measured ~11 us from our stamp
	 * to the kernel's TX stamp on veth, an INIT-ACK sent from the rx path ~1 us; one shared
	 * ring predicted the ACKs 10 us late and biased every delay estimate (to 0 at 1 hop) */
	struct dtpd_txlat *tl = &d->txlat[port][f.type < 3 ? f.type : 2];
	/* a BEACON's send path after a timer wake-up was slower on the wire the less the
	 * process had run before (measured on veth, TX stamp to the peer's RX stamp: a leaf's
	 * BEACONs 0.87-0.90 us p50, its busier upstream's 0.54-0.58 us back: a 0.15-0.18 us
	 * bias); spinning beacon_warmup_us first brought both to 0.60-0.68 us */
	if (f.type == DTP_MSG_BEACON && d->warmup_ns > 0) {
		int64_t w0 = osc_now();
		while (osc_now() - w0 < d->warmup_ns)
			;
	}
	int64_t pre, clk = clock_at_osc(d, &pre);
	int64_t pred =
	        tl->n ? dtpd_median(tl->ring, tl->n < DTPD_DELAY_RING ? tl->n : DTPD_DELAY_RING)
	              : 0;
	dtpd_frame_refresh(&f, pre + pred);
	/* the trailer: our own bound and our clock - time(counter) at the instant it leaves */
	double est = -1;
	if (sync_error_estimate(d->sync, &est) < 0)
		est = -1;
	int64_t corr = clk + pred - dtpd_counter_ns(d->node.p.epoch_ns, f.counter, clk);
	struct dtpd_prev_tx *pv = &d->prev_tx[port];
	bool beacon = f.type == DTP_MSG_BEACON;
	struct dtpd_ext x = {.bound_ns = dtpd_own_bound(&d->node, est),
	                     .has_corr = beacon && corr > INT32_MIN && corr < INT32_MAX,
	                     .corr_ns = (int32_t)corr,
	                     .has_prev = beacon && pv->valid && d->two_step,
	                     .prev_tx_ts = pv->tx_ts,
	                     .prev_err_ns = (int32_t)pv->err_ns,
	                     .has_peer = beacon && d->two_step && d->node.rt[port].x_ok &&
	                                 d->node.rt[port].x_ns > INT32_MIN &&
	                                 d->node.rt[port].x_ns < INT32_MAX,
	                     .peer_x_ns = (int32_t)d->node.rt[port].x_ns};
	/* a burst on here (asked here or from downstream) is asked of the upstream too */
	if (beacon && !d->node.p.root && d->node.rt[port].upstream)
		x.has_burst =
		        dtpd_burst_tx(&d->burst, reactor_now(d->r), &x.burst_ms, &x.burst_hops);
	int len = dtp_frame_encode(&f, buf, sizeof(buf)) < 0
	                  ? -1
	                  : dtpd_ext_encode(buf, sizeof(buf), &x);
	if (len < 0)
		return;
	if (beacon)
		pv->valid = false;
	/* the L2 transport writes the Ethernet header itself */
	struct tsync_ts tx = tsync_ts_none();
	ssize_t n = transport_send(d->tp[port], TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, buf + 14,
	                           (size_t)len - 14, &tx);
	if (beacon && (n >= 0 || n == -ETIMEDOUT)) /* sent (a missing TX stamp or not) */
		d->beacons_tx[port]++;
	if (n < 0 && n != -ETIMEDOUT) {
		d->sends_failed++;
		pr_debug("%s: %s", d->ifname[port], transport_last_error(d->tp[port]));
	} else if (n >= 0 && tsync_ts_valid(&tx)) {
		int64_t lat = (tx.src == TS_SRC_TSC ? tx.ns : osc_of_sys(tx.ns)) - pre;
		if (lat >= 0 && lat < TXLAT_MAX_NS)
			tl->ring[tl->n++ % DTPD_DELAY_RING] = lat;
		/* the next BEACON on this port tells its receiver how far off this one's claim
		 * was (two-step) */
		if (beacon && lat - pred > INT32_MIN && lat - pred < INT32_MAX)
			*pv = (struct dtpd_prev_tx){true, f.tx_ts, lat - pred};
		if (d->trace)
			fprintf(d->trace, "tx %u %d %lld %lld %lld %d\n", port, f.type,
			        (long long)f.tx_ts, (long long)pred, (long long)lat, x.corr_ns);
	}
}

static void feed(struct dtpd *d, const struct dtpd_sample *s, tmv_t sys)
{
	struct sync_sample x = {.offset = s->offset_ns,
	                        .local = s->clk_ns,
	                        .sys = sys,
	                        .delay = s->delay_ns,
	                        .mono = reactor_now(d->r),
	                        .log_interval = d->log_interval,
	                        .source = s->port};
	sync_sample(d->sync, &x);
	d->last_sample = x.mono;
	unsigned g = sync_step_gen(d->sync);
	if (g != d->step_gen) {
		d->step_gen = g;
		pr_info("clock stepped by %+lld ns", (long long)-s->offset_ns);
	}
}

static int64_t start_burst(struct dtpd *d, double sec, bool local);

/* A BEACON's burst request (include/uapi/dtpd.h): taken from downstream, refused from
 * upstream (false: the frame is dropped), logged either way (a new or longer burst, or the
 * refusal) */
static bool burst_request(struct dtpd *d, unsigned p, const struct dtpd_ext *x)
{
	const char *why = "";
	struct dtpd_burst_port bp = {.root = d->node.p.root,
	                             .upstream = d->node.rt[p].upstream,
	                             .takes = d->burst_requests[p]};
	int64_t ns =
	        dtpd_burst_rx(&d->burst, &bp, x->burst_ms, x->burst_hops, reactor_now(d->r), &why);
	if (ns < 0) {
		pl_warning(1.0, "%s: refused a burst request (%s; %llu so far)", d->ifname[p], why,
		           d->burst.refused);
		return false;
	}
	if (ns > 0) {
		pr_info("%s: burst request for %u ms (%u hops left)", d->ifname[p], x->burst_ms,
		        x->burst_hops - 1u);
		start_burst(d, (double)ns / 1e9, false);
	}
	return true;
}

static void on_frame(void *arg, struct transport *t, enum transport_channel ch, const void *buf,
                     size_t len, const struct tsync_ts *rx_ts, const struct transport_addr *src)
{
	struct dtpd *d = arg;
	(void)ch;
	unsigned p = 0;
	while (p < d->n && d->tp[p] != t)
		p++;
	if (p == d->n)
		return;
	uint8_t fr[14 + 1536];
	struct dtp_frame f;
	if (len > sizeof(fr) - 14) {
		d->bad_frames++;
		return;
	}
	memcpy(fr, dtp_dst, 6);
	if (src && src->len)
		memcpy(fr + 6, src->sll.sll_addr, 6);
	else
		memset(fr + 6, 0, 6);
	fr[12] = DTP_ETHERTYPE >> 8;
	fr[13] = DTP_ETHERTYPE & 0xff;
	memcpy(fr + 14, buf, len);
	int rc = dtp_frame_decode(fr, len + 14, &f);
	if (rc < 0) {
		d->bad_frames++;
		pl_warning(1.0, "%s: dropped a bad frame (%s; %llu so far)", d->ifname[p],
		           rc == -EINVAL   ? "truncated"
		           : rc == -EPROTO ? "wrong version or ethertype"
		                           : "reserved type or counter wider than 53 bits",
		           (unsigned long long)d->bad_frames);
		return;
	}
	if (!memcmp(f.src, d->mac[p], 6))
		return;
	if (f.type == DTP_MSG_BEACON) {
		/* the sender's bound and clock correction (include/uapi/dtpd.h); a plain DTP peer
		 * has none: its counter is taken as the root's */
		struct dtpd_ext x = {0};
		int erc = dtpd_ext_decode(fr, len + 14, &x);
		if (erc == -EDOM) {
			d->burst.refused++;
			pl_warning(1.0, "%s: refused a burst request (%s; %llu so far)",
			           d->ifname[p], dtpd_ext_strerror(erc), d->burst.refused);
			return;
		}
		if (erc == -ERANGE || erc == -EINVAL) {
			d->bad_frames++;
			pl_warning(1.0, "%s: dropped a bad frame (%s; %llu so far)", d->ifname[p],
			           dtpd_ext_strerror(erc), (unsigned long long)d->bad_frames);
			return;
		}
		if (erc == 0 && x.has_burst && !burst_request(d, p, &x))
			return;
		d->node.rt[p].peer_bound_ns = erc < 0 ? 0 : x.bound_ns;
		d->node.rt[p].peer_corr_ns = erc < 0 ? 0 : x.corr_ns;
		/* two_step 0: one-step samples and the INIT exchanges' delay, whatever the peer */
		d->node.rt[p].peer_prev = erc == 0 && x.has_prev && d->two_step;
		d->node.rt[p].peer_prev_tx_ts = x.prev_tx_ts;
		d->node.rt[p].peer_prev_err_ns = x.prev_err_ns;
		d->node.rt[p].peer_x_ok = erc == 0 && x.has_peer && d->two_step;
		d->node.rt[p].peer_x_ns = x.peer_x_ns;
	}
	tmv_t t4c = 0;
	if (!tsync_ts_valid(rx_ts)) {
		d->no_stamp++;
		return;
	}
	/* software stamps are CLOCK_REALTIME, TSC stamps (DPDK) CLOCK_MONOTONIC_RAW already */
	int64_t osc = rx_ts->src == TS_SRC_TSC ? rx_ts->ns : osc_of_sys(rx_ts->ns);
	int64_t sys = rx_ts->src == TS_SRC_TSC ? rx_ts->ns - osc_of_sys(0) : rx_ts->ns;
	if (tclock_from_sys(d->clk, sys, &t4c) < 0) {
		d->no_stamp++;
		return;
	}
	struct dtpd_sample s;
	enum dtp_port_state before = d->node.ports[p].state;
	uint64_t wild0 = d->node.rt[p].wild;
	d->node.rt[p].rx_sys_ns = sys;
	int got = dtpd_node_rx(&d->node, p, &f, osc, t4c, osc_now(), reactor_now(d->r), &s);
	if (got)
		feed(d, &s, s.sys_ns);
	if (d->trace && f.type != DTP_MSG_BEACON)
		fprintf(d->trace, "rx%c %u %lld %lld %lld %lld\n",
		        f.type == DTP_MSG_INIT ? 'i' : 'a', p, (long long)f.tx_ts, (long long)osc,
		        (long long)f.echo_ts, (long long)d->node.rt[p].delay_ns);
	if (d->trace && f.type == DTP_MSG_BEACON)
		fprintf(d->trace, "rx %u %lld %lld %lld %lld %d\n", p, (long long)f.tx_ts,
		        (long long)osc, (long long)dtpd_port_delay(&d->node.rt[p]),
		        (long long)(got ? s.offset_ns : 0), got);
	if (d->node.rt[p].wild != wild0)
		pl_warning(1.0,
		           "%s: dropped a beacon with a wild counter (%+lld ns ahead; %llu so far)",
		           d->ifname[p], (long long)d->node.rt[p].wild_last_ns,
		           (unsigned long long)d->node.rt[p].wild);
	if (before != DTP_PORT_SYNC && d->node.ports[p].state == DTP_PORT_SYNC)
		pr_info("%s: SYNC, delay %lld ns", d->ifname[p], (long long)d->node.rt[p].delay_ns);
}

static void on_rx(struct reactor *r, int fd, short revents, void *arg)
{
	struct dtpd *d = arg;
	(void)r;
	(void)revents;
	for (unsigned p = 0; p < d->n; p++)
		if (transport_fd(d->tp[p], TRANS_EVENT) == fd)
			transport_poll(d->tp[p], 32, on_frame, d);
}

static bool link_running(struct dtpd *d, unsigned p)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", d->ifname[p]);
	if (ioctl(d->ifq_fd, SIOCGIFFLAGS, &ifr) < 0)
		return false;
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

/* The counter page (include/uapi/dtpd.h): the counter at a TSC / CLOCK_MONOTONIC_RAW pair. */
static void cpage_update(struct dtpd *d)
{
	struct counter_pair pr;
	struct dtpd_counter_page v = {0};
	if (d->tsc && counter_pair_read(d->tsc, &counter_clock_raw, 5, &pr) == 0) {
		v.flags |= DTPD_CPAGE_F_TSC;
		v.tsc = pr.counter;
		v.tsc_ns_q32 = d->tsc_ns_q32;
		v.mono_raw_ns = pr.time_ns;
	} else {
		v.mono_raw_ns = osc_now();
	}
	dtpd_node_advance(&d->node, v.mono_raw_ns);
	if (d->node.dev_clk > v.mono_raw_ns && (v.flags & DTPD_CPAGE_F_TSC))
		v.tsc += (uint64_t)(((__int128)(d->node.dev_clk - v.mono_raw_ns) << 32) /
		                    (__int128)d->tsc_ns_q32);
	v.mono_raw_ns = d->node.dev_clk;
	v.counter = d->node.dev.gc;
	v.epoch_ns = d->node.p.epoch_ns;
	int64_t clk = clock_now(d);
	v.clock_minus_counter_ns =
	        clk - dtpd_counter_ns(v.epoch_ns, v.counter, clk) - (osc_now() - v.mono_raw_ns);
	double est = -1;
	if (sync_error_estimate(d->sync, &est) < 0)
		est = -1;
	v.bound_ns = dtpd_own_bound(&d->node, est);
	v.flags |= (dtpd_node_all_sync(&d->node) ? DTPD_CPAGE_F_SYNC : 0) |
	           (d->node.p.root ? DTPD_CPAGE_F_ROOT : 0);
	dtpd_cpage_write(d->cpage, &v);
}

/* The TSC for the counter page, its period calibrated (retried while imprecise). */
static void cpage_tsc(struct dtpd *d)
{
	struct counter_cal cal = {0};
	d->tsc = counter_tsc_create(0);
	for (int i = 0; d->tsc && i < 8; i++)
		if (counter_calibrate(d->tsc, &counter_clock_raw, 20000000, &cal) == 0 &&
		    cal.rel_err < 1e-4) {
			d->tsc_ns_q32 = (uint64_t)(cal.ns_per_tick * 4294967296.0);
			return;
		}
	pr_warning("counter_page: no calibrated TSC; the page has no TSC pair");
	counter_destroy(d->tsc);
	d->tsc = NULL;
}

static void on_tick(struct reactor *r, struct reactor_timer *t, uint64_t exp, void *arg)
{
	struct dtpd *d = arg;
	(void)t;
	(void)exp;
	int64_t mono = reactor_now(r), osc = osc_now();
	if (d->node.p.root && mono >= d->next_self) {
		struct dtpd_sample s;
		d->next_self = mono + d->node.p.beacon_ns;
		/* the clock at an oscillator instant (a vclock read takes microseconds: reading it
		 * after the oscillator biased every node, around it left us of noise) */
		int64_t o, c = clock_at_osc(d, &o);
		if (dtpd_node_self_sample(&d->node, o, c, &s)) {
			feed(d, &s, 0);
			if (d->trace)
				fprintf(d->trace, "self %lld %lld %lld\n", (long long)o, 0LL,
				        (long long)s.offset_ns);
		}
	}
	if (d->cpage && d->ticks % 20 == 10)
		cpage_update(d);
	if (d->ticks++ % 20 == 0) {
		for (unsigned p = 0; p < d->n; p++) {
			bool up = link_running(d, p);
			if (up != d->node.rt[p].link)
				pr_info("%s: link %s", d->ifname[p], up ? "up" : "down");
			dtpd_node_link(&d->node, p, up, osc, mono);
		}
	}
	/* a fresh reading: the counter a BEACON carries is taken now, just before it is sent */
	dtpd_node_timers(&d->node, osc_now(), mono);
}

/* A burst of sec seconds: beacons at 1/8 of the interval (asked here: local, passed upstream
 * with all its hops). */
static int64_t start_burst(struct dtpd *d, double sec, bool local)
{
	if (local)
		dtpd_burst_local(&d->burst, (int64_t)(sec * 1e9), reactor_now(d->r));
	dtpd_node_advance(&d->node, osc_now());
	int64_t iv = dtpd_node_burst(&d->node, (int64_t)(sec * 1e9), reactor_now(d->r));
	pr_info("burst for %.3f s: beacons every %.3f ms", sec, (double)iv / 1e6);
	return iv;
}

/* The `tsync status` reply vmclockd pulls (include/tsync/status.h). */
static int tsync_status_reply(struct dtpd *d, char *reply, size_t cap)
{
	double est = -1;
	if (sync_error_estimate(d->sync, &est) < 0)
		est = -1;
	int64_t now = reactor_now(d->r);
	double age = d->last_sample ? (double)(now - d->last_sample) / 1e6 : -1;
	const struct dtp_device *dev = &d->node.dev;
	double burst = dev->burst && dev->burst_until > dev->free
	                       ? (double)(dev->burst_until - dev->free) * DTPD_TICK_PS / 1e12
	                       : 0;
	struct tsync_status st;
	dtpd_ctl_tsync_status(&d->node, (int)sync_state(d->sync), est, sync_samples(d->sync), age,
	                      burst, &st);
	return tsync_status_encode(&st, reply, cap);
}

static void on_ctl(struct reactor *r, int fd, short revents, void *arg)
{
	struct dtpd *d = arg;
	(void)r;
	(void)revents;
	char req[128], reply[KV_MAX_LINE];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, req, sizeof(req) - 1, 0, (struct sockaddr *)&from, &fl);
	if (n < 0)
		return;
	req[n] = 0;
	req[strcspn(req, "\r\n")] = 0;
	int len = 0;
	struct dtpd_req q;
	if (dtpd_req_parse(req, &q, reply, sizeof(reply)) < 0) {
		len = (int)strlen(reply);
		pl_warning(1.0, "ctl: refused '%.40s': %s", req, reply);
	} else if (q.kind == DTPD_REQ_STATUS) {
		struct timespec ts;
		int64_t clk = clock_now(d);
		clock_gettime(CLOCK_REALTIME, &ts);
		dtpd_node_advance(&d->node, osc_now());
		double est = -1;
		if (sync_error_estimate(d->sync, &est) < 0)
			est = -1;
		static const char *const st[] = {"unlocked", "jump", "locked"};
		enum servo_state ss = sync_state(d->sync);
		struct dtpd_status_extra x = {
		        .servo = d->node.p.root ? "root" : ((unsigned)ss < 3 ? st[ss] : "?"),
		        .clk_ns = clk,
		        .real_ns = ts.tv_sec * 1000000000LL + ts.tv_nsec,
		        .est_ns = est,
		        .samples = sync_samples(d->sync),
		        .ts = d->ts_name,
		        .beacons_tx = d->beacons_tx,
		        .burst_rx = d->burst.rx,
		        .burst_refused = d->burst.refused};
		len = dtpd_status(&d->node, &x, reply, sizeof(reply));
	} else if (q.kind == DTPD_REQ_BURST) {
		int64_t iv = start_burst(d, q.seconds, true);
		len = snprintf(reply, sizeof(reply), "ok burst_s=%.3f interval_ns=%lld", q.seconds,
		               (long long)iv);
	} else if (q.kind == DTPD_REQ_TSYNC_STATUS) {
		dtpd_node_advance(&d->node, osc_now());
		len = tsync_status_reply(d, reply, sizeof(reply));
	} else {
		int64_t iv = start_burst(d, q.seconds, true);
		len = snprintf(reply, sizeof(reply), "ok burst log_sync=%d seconds=%.1f",
		               (int)floor(log2((double)iv / 1e9)), q.seconds);
	}
	if (len < 0)
		len = snprintf(reply, sizeof(reply), "error reason=%s", "reply_too_long");
	(void)sendto(fd, reply, (size_t)len, MSG_NOSIGNAL, (struct sockaddr *)&from, fl);
}

static void on_signal(struct reactor *r, int signo, void *arg)
{
	struct dtpd *d = arg;
	pr_info("signal %d: exiting", signo);
	d->stop = true;
	reactor_stop(r);
}

static int open_ports(struct dtpd *d)
{
	struct transport_config tc;
	transport_config_defaults(&tc);
	tc.l2_ethertype = DTP_ETHERTYPE;
	memcpy(tc.ptp_dst_mac, dtp_dst, 6);
	memset(tc.p2p_dst_mac, 0, 6);
	if (d->dpdk) {
		char *names[DTPD_MAX_PORTS];
		char err[320];
		for (unsigned p = 0; p < d->n; p++)
			names[p] = d->ifname[p];
		if (dtpd_dpdk_eal_init(config_get_string(d->cfg, NULL, "dpdk_eal_args"), names,
		                       d->n, err, sizeof(err)) < 0) {
			pr_err("%s", err);
			return -1;
		}
	}
	for (unsigned p = 0; p < d->n; p++) {
		d->tp[p] = d->dpdk ? dtpd_dpdk_transport(&tc, p)
		                   : transport_create(TRANS_IEEE_802_3, &tc);
		if (!d->tp[p] || transport_open(d->tp[p], d->ifname[p]) < 0) {
			pr_err("%s: %s", d->ifname[p],
			       d->tp[p] ? transport_last_error(d->tp[p]) : strerror(errno));
			return -1;
		}
		if (transport_physical_addr(d->tp[p], d->mac[p], 6) != 6) {
			pr_err("%s: no MAC address", d->ifname[p]);
			return -1;
		}
		if (d->dpdk) {
			d->ts_name = dtpd_dpdk_ts_name(d->tp[p]);
			if (!strcmp(d->ts_name, "tsc") || !strcmp(d->ts_name, "pmd-rx"))
				d->node.p.stamp_err_ns =
				        config_get_i64(d->cfg, NULL, "dpdk_tsc_stamp_err_ns");
		} else if (reactor_add_fd(d->r, transport_fd(d->tp[p], TRANS_EVENT), POLLIN, on_rx,
		                          d) < 0) {
			return -1;
		}
		d->node.rt[p].upstream = config_get_bool(d->cfg, d->ifname[p], "upstream");
		d->burst_requests[p] = config_get_bool(d->cfg, d->ifname[p], "burst_requests");
	}
	return 0;
}

static int open_clock(struct dtpd *d)
{
	struct sync_params sp;
	struct tclock_spec spec;
	char err[200];
	if (sync_config_read(d->cfg, true, &sp, &spec, err, sizeof(err))) {
		pr_err("%s", err);
		return -1;
	}
	sp.source = "dtpd";
	sp.source_col = "port";
	sp.t0_mono = d->t0_mono;
	struct tclock *clk = tclock_spec_open(&spec, err, sizeof(err));
	if (!clk) {
		pr_err("%s", err);
		return -1;
	}
	d->sync = sync_create(&sp, clk, err, sizeof(err));
	if (!d->sync) {
		pr_err("%s", err);
		return -1;
	}
	d->clk = sync_clock(d->sync);
	return 0;
}

static int parse_args(struct dtpd *d, int argc, char **argv)
{
	struct config_error ce;
	static const struct option lo[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if ((!strcmp(a, "-f") || !strcmp(a, "-i")) && i + 1 < argc) {
			const char *v = argv[++i];
			int rc = a[1] == 'f' ? config_read_file(d->cfg, v, &ce)
			                     : config_add_section(d->cfg, v);
			if (rc < 0) {
				fprintf(stderr, "dtpd: %s\n", a[1] == 'f' ? ce.msg : "bad -i");
				return -1;
			}
		} else if (!strncmp(a, "--", 2) && strchr(a, '=')) {
			if (config_set_option(d->cfg, a, &ce) < 0) {
				fprintf(stderr, "dtpd: %s\n", ce.msg);
				return -1;
			}
		} else {
			fprintf(stderr, "dtpd: unknown argument '%s' (dtpd --help)\n", a);
			return -1;
		}
	}
	(void)lo;
	size_t ns = config_section_count(d->cfg);
	if (ns == 0 || ns > DTPD_MAX_PORTS) {
		fprintf(stderr, "dtpd: give 1..%d interfaces (-i IFACE or [IFACE] sections)\n",
		        DTPD_MAX_PORTS);
		return -1;
	}
	/* dtpd's servo is kalman unless the user names one (the fragment's default is PI's) */
	if (config_source(d->cfg, NULL, "clock_servo") == CFG_SRC_DEFAULT &&
	    config_set(d->cfg, NULL, "clock_servo", "kalman", &ce) < 0)
		return -1;
	d->n = (unsigned)ns;
	for (unsigned p = 0; p < d->n; p++)
		snprintf(d->ifname[p], IF_NAMESIZE, "%s", config_section_name(d->cfg, p));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return ctl_client(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "counter"))
		return counter_client(argc, argv);
	static struct dtpd dd;
	struct dtpd *d = &dd;
	d->ctl_fd = d->ifq_fd = -1;
	d->cfg = dtpd_config_create();
	if (!d->cfg || parse_args(d, argc, argv) < 0)
		return 2;
	log_init("dtpd", config_get_int(d->cfg, NULL, "logging_level"), true, false);
	struct dtpd_node_params np;
	char err[200];
	if (dtpd_config_node(d->cfg, &np, err, sizeof(err)) < 0) {
		pr_err("%s", err);
		return 2;
	}
	d->dpdk = config_get_int(d->cfg, NULL, "transport") == DTPD_TP_DPDK;
	d->two_step = config_get_bool(d->cfg, NULL, "two_step");
	d->warmup_ns = config_get_i64(d->cfg, NULL, "beacon_warmup_us") * 1000;
	d->ts_name = "sys";
	d->r = reactor_create();
	d->t0_mono = reactor_now(d->r);
	d->log_interval = (int)floor(log2((double)np.beacon_ns / 1e9));
	d->ifq_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!d->r || d->ifq_fd < 0 || open_clock(d) < 0)
		return 1;
	d->step_gen = sync_step_gen(d->sync);
	dtpd_node_init(&d->node, d->n, &np, osc_now(), clock_now(d), send_frame, d);
	/* signals blocked before the EAL starts its threads (they inherit the mask) */
	const int sigs[] = {SIGINT, SIGTERM};
	if (reactor_add_signals(d->r, sigs, 2, on_signal, d) < 0 || open_ports(d) < 0) {
		dtpd_dpdk_eal_cleanup(); /* a no-op unless the EAL started */
		return 1;
	}
	const char *cs = config_get_string(d->cfg, NULL, "ctl_socket");
	if (cs && *cs) {
		struct ipc_listen_opts lo = {.type = SOCK_DGRAM};
		d->ctl_fd = ipc_listen(cs, &lo);
		if (d->ctl_fd < 0) {
			pr_err("ctl_socket %s: %s", cs, ipc_strerror(d->ctl_fd));
			return 1;
		}
		reactor_add_fd(d->r, d->ctl_fd, POLLIN, on_ctl, d);
	}
	const char *cp = config_get_string(d->cfg, NULL, "counter_page");
	if (cp && *cp) {
		int crc = dtpd_cpage_create(cp, &d->cpage);
		if (crc < 0) {
			pr_err("counter_page %s: %s", cp, strerror(-crc));
			return 1;
		}
		cpage_tsc(d);
	}
	const char *tf = config_get_string(d->cfg, NULL, "trace_file");
	if (tf && *tf && !(d->trace = fopen(tf, "w"))) {
		pr_err("trace_file %s: %s", tf, strerror(errno));
		return 1;
	}
	struct reactor_timer *tick = reactor_timer_create(d->r, on_tick, d);
	if (!tick || reactor_timer_arm(tick, TICK_NS, TICK_NS) < 0)
		return 1;
	pr_info("%s node on %u port(s), clock %s, transport %s, timestamps %s, counter from "
	        "CLOCK_MONOTONIC_RAW, beacon %lld ms, epoch %lld s",
	        np.root ? "root" : "follower", d->n, tclock_name(d->clk),
	        d->dpdk ? "dpdk" : "af_packet",
	        !strcmp(d->ts_name, "sys") ? "sys (kernel software stamps)"
	        : !strcmp(d->ts_name, "tsc")
	                ? "tsc (TSC at rx/tx burst, calibrated; no NIC timesync)"
	        : !strcmp(d->ts_name, "pmd-rx")
	                ? "pmd-rx (rx: the PMD's mbuf timestamp, the kernel's through libpcap; "
	                  "tx: TSC before the burst; no NIC timesync)"
	                : "nic (rte_eth_timesync)",
	        (long long)(np.beacon_ns / 1000000), (long long)(np.epoch_ns / 1000000000));
	int rc = 0;
	if (d->dpdk) {
		/* the busy loop: rings, then due timers and the control socket without blocking */
		int poll_us = config_get_int(d->cfg, NULL, "dpdk_poll_us");
		while (!d->stop && rc >= 0) {
			int got = 0;
			for (unsigned p = 0; p < d->n; p++)
				got += transport_poll(d->tp[p], 32, on_frame, d) > 0;
			rc = reactor_run_once(d->r, 0);
			if (!got && poll_us > 0)
				usleep((useconds_t)poll_us);
		}
	} else {
		rc = reactor_run(d->r);
	}
	pr_info("bad frames %llu, unstamped %llu, failed sends %llu",
	        (unsigned long long)d->bad_frames, (unsigned long long)d->no_stamp,
	        (unsigned long long)d->sends_failed);
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		unlink(cs);
	}
	if (d->cpage) {
		dtpd_cpage_unmap(d->cpage);
		unlink(cp);
	}
	if (d->trace)
		fclose(d->trace);
	counter_destroy(d->tsc);
	for (unsigned p = 0; p < d->n && !strcmp(d->ts_name, "pmd-rx"); p++) {
		unsigned long long used, refused;
		dtpd_dpdk_pmd_stamps(d->tp[p], &used, &refused);
		pr_info("%s: %llu rx stamps from the PMD's mbuf field, %llu refused (TSC used)",
		        d->ifname[p], used, refused);
	}
	for (unsigned p = 0; p < d->n; p++)
		transport_destroy(d->tp[p]);
	if (d->dpdk)
		dtpd_dpdk_eal_cleanup();
	reactor_timer_destroy(tick);
	reactor_destroy(d->r);
	sync_destroy(d->sync);
	close(d->ifq_fd);
	config_destroy(d->cfg);
	return rc < 0 ? 1 : 0;
}
