// SPDX-License-Identifier: MIT
/*
 * tsync-wifi-medium (first slice): an emulated 802.11 channel in simulated time, written as
 * one radiotap capture per station. Station 0 is an AP sending beacons (with its TSF in the
 * timestamp field) every 102.4 ms; stations 1..N-1 send unicast data frames to it with
 * Poisson arrivals at the offered load. The DCF (dcf.h) decides who is on the air; each
 * station's capture holds the frames it received (beacons, data and ACKs addressed to it),
 * radiotap TSFT = its own TSF (tsf.h: 1 us, offset and drift) when the first bit of the MPDU
 * arrived, pcap time = the true time the frame ended (a host software timestamp); a station's
 * capture also holds the ACKs it sends (TX). With --tm-interval the AP runs 802.11v Timing
 * Measurement with station 1: each TM frame carries the TOD/TOA (AP clock, 10 ns units, taken
 * at the first MPDU bit like TSFT) of the previous one and its ACK, so station 1's capture
 * gives tsync-analyze radiotap complete t1..t4 exchanges. It prints
 * the counts and the access delay of the data frames (arrival to the start of the delivered
 * transmission: the queueing and contention a host software timestamp cannot see past).
 *
 *   tsync-wifi-medium --out DIR [--stations N] [--load F] [--duration S] [--rate KBPS]
 *                     [--len BYTES] [--seed X]
 *                     [--tm-interval MS]
 *   tsync-wifi-medium --live DIR [--live-stations K] [--stations N] [--load F] [--duration S]
 *                     [--ppm P] [--capture DIR2] [--rate KBPS] [--len BYTES] [--seed X]
 *     (live.h: real time, stations 0..K-1 are processes on DIR/staK.sock)
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dcf.h"
#include "live.h"
#include "tsf.h"
#include "tsync/cli.h"
#include "tsync/radiotap.h"
#include "tsync/stats.h"

#define BEACON_NS  102400000ull
#define BEACON_LEN 100
#define TM_LEN     42 /* header 24, TM body 14, FCS 4 */
#define KIND(id)   ((id) >> 56)
enum { K_DATA, K_BEACON, K_TM };
#define WINDOW_NS 1000000ull
#define PLCP_NS   20000ull
#define MAX_FRAME 2400

struct sim {
	struct dcf dcf;
	unsigned n;
	double load, lambda; /* per data station, frames per ns */
	uint32_t rate, len;
	uint64_t rng;
	struct tsf_clock tsf[DCF_MAX_STATIONS];
	uint64_t next[DCF_MAX_STATIONS]; /* next arrival per station (station 0: beacons) */
	uint64_t tm_interval, next_tm;   /* ns; 0: no Timing Measurement */
	uint8_t tm_dialog, tm_prev;      /* the last token sent, the last delivered (0: none) */
	uint64_t tm_tod, tm_toa;         /* the last delivered exchange, AP clock in 10 ns */
	uint16_t seq[DCF_MAX_STATIONS];
	pcap_dumper_t *out[DCF_MAX_STATIONS];
	unsigned long ok, collisions, drops, overflow, written;
	double *access; /* us from arrival to the start of the delivered transmission (data) */
	size_t naccess, cap;
};

#define PROG "tsync-wifi-medium"

static double uniform(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return ((*s * 0x2545f4914f6cdd1dull) >> 11) * 0x1.0p-53;
}

static void mac(uint8_t a[6], int s)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const uint8_t m[6] = {0x02, 0x00, 0x00, 0x00, 0x00, (uint8_t)(s + 1)};
	memcpy(a, s < 0 ? bcast : m, 6);
}

/* The 802.11 frame of e (without FCS) into f; its length. */
static size_t mpdu(struct sim *sm, const struct dcf_event *e, uint8_t *f)
{
	size_t len = e->frame.len - 4;
	memset(f, 0, len);
	unsigned kind = KIND(e->frame.id);
	bool beacon = kind == K_BEACON;
	f[0] = beacon ? 0x80 : kind == K_TM ? 0xd0 : 0x08;
	f[1] = kind == K_DATA ? 0x01 : 0x00; /* to DS */
	mac(f + 4, e->frame.dst);
	mac(f + 10, (int)e->station);
	mac(f + 16, 0);
	uint16_t sq = (uint16_t)(sm->seq[e->station]++ << 4);
	f[22] = (uint8_t)sq;
	f[23] = (uint8_t)(sq >> 8);
	if (beacon) { /* timestamp: the AP's TSF at the first bit of the timestamp field */
		uint64_t t = tsf_at(&sm->tsf[e->station],
		                    e->start + PLCP_NS + 24 * 8 * 1000000ull / e->frame.rate_kbps);
		for (int i = 0; i < 8; i++)
			f[24 + i] = (uint8_t)(t >> (8 * i));
		f[32] = 0x64; /* beacon interval 100 TU */
	}
	if (kind == K_TM) { /* Unprotected WNM, Timing Measurement: follows up the last one */
		uint8_t *b = f + 24;
		b[0] = 11;
		b[1] = 1;
		b[2] = (uint8_t)e->frame.id;
		b[3] = sm->tm_prev;
		for (int i = 0; i < 4; i++) {
			b[4 + i] = (uint8_t)(sm->tm_tod >> (8 * i));
			b[8 + i] = (uint8_t)(sm->tm_toa >> (8 * i));
		}
	}
	return len;
}

static void dump(struct sim *sm, unsigned rx, uint64_t start, uint64_t end, uint32_t rate,
                 const uint8_t *f, size_t len)
{
	uint8_t pkt[64 + MAX_FRAME];
	struct radiotap rt = {.have = 1u << RT_TSFT | 1u << RT_FLAGS | 1u << RT_RATE |
	                              1u << RT_CHANNEL | 1u << RT_DBM_SIGNAL,
	                      .tsft = tsf_at(&sm->tsf[rx], start + PLCP_NS),
	                      .rate = (uint8_t)(rate / 500),
	                      .chan_freq = 5180,
	                      .chan_flags = 0x0140,
	                      .dbm_signal = -40};
	size_t h = radiotap_build(pkt, 64, &rt);
	memcpy(pkt + h, f, len);
	struct pcap_pkthdr ph = {.caplen = (bpf_u_int32)(h + len), .len = (bpf_u_int32)(h + len)};
	ph.ts.tv_sec = (time_t)(end / 1000000000);
	ph.ts.tv_usec = (suseconds_t)(end % 1000000000); /* nanosecond pcap */
	pcap_dump((u_char *)sm->out[rx], &ph, pkt);
	sm->written++;
}

static void on_event(const struct dcf_event *e, void *arg)
{
	struct sim *sm = arg;
	uint8_t f[MAX_FRAME];
	if (e->outcome != DCF_OK) {
		sm->collisions += e->outcome == DCF_COLLISION;
		sm->drops += e->outcome == DCF_DROPPED;
		return;
	}
	sm->ok++;
	if (e->frame.dst >= 0) {
		if (sm->naccess == sm->cap) {
			size_t nc = sm->cap ? sm->cap * 2 : 4096;
			double *na = realloc(sm->access, nc * sizeof(*na));
			if (na) {
				sm->access = na;
				sm->cap = nc;
			}
		}
		if (sm->naccess < sm->cap)
			sm->access[sm->naccess++] = (double)(e->start - e->frame.arrival) / 1e3;
	}
	size_t len = mpdu(sm, e, f);
	for (unsigned r = 0; r < sm->n; r++)
		if (r != e->station && (e->frame.dst < 0 || (unsigned)e->frame.dst == r))
			dump(sm, r, e->start, e->end, e->frame.rate_kbps, f, len);
	if (e->frame.dst >= 0) { /* the ACK: sent (TX) by the receiver, heard by the sender */
		uint8_t ack[10] = {0xd4, 0};
		mac(ack + 4, (int)e->station);
		uint32_t ar = dcf_ack_rate_kbps(e->frame.rate_kbps);
		dump(sm, e->station, e->ack_start, e->ack_end, ar, ack, sizeof(ack));
		dump(sm, (unsigned)e->frame.dst, e->ack_start, e->ack_end, ar, ack, sizeof(ack));
	}
	if (KIND(e->frame.id) == K_TM) { /* t1, t4 of this exchange go in the next TM frame */
		sm->tm_prev = (uint8_t)e->frame.id;
		sm->tm_tod = (uint32_t)(tsf_ns_at(&sm->tsf[e->station], e->start + PLCP_NS) / 10);
		sm->tm_toa =
		        (uint32_t)(tsf_ns_at(&sm->tsf[e->station], e->ack_start + PLCP_NS) / 10);
	}
}

/* Queue every arrival before until: beacons at station 0, Poisson data elsewhere. */
static void arrivals(struct sim *sm, uint64_t until)
{
	for (unsigned s = 0; s < sm->n; s++)
		while (sm->next[s] < until || (s == 0 && sm->tm_interval && sm->next_tm < until)) {
			struct dcf_frame f = {.id = sm->next[s], .arrival = sm->next[s]};
			if (s == 0 && sm->tm_interval && sm->next_tm < sm->next[0]) {
				sm->tm_dialog = sm->tm_dialog == 255 ? 1 : sm->tm_dialog + 1;
				f = (struct dcf_frame){.id = (uint64_t)K_TM << 56 | sm->tm_dialog,
				                       .arrival = sm->next_tm,
				                       .len = TM_LEN,
				                       .rate_kbps = 6000,
				                       .dst = 1};
				sm->next_tm += sm->tm_interval;
			} else if (s == 0) {
				f.id |= (uint64_t)K_BEACON << 56;
				f.len = BEACON_LEN;
				f.rate_kbps = 6000;
				f.dst = -1;
				sm->next[s] += BEACON_NS;
			} else {
				f.len = sm->len;
				f.rate_kbps = sm->rate;
				f.dst = 0;
				double gap = -log(1.0 - uniform(&sm->rng)) / sm->lambda;
				sm->next[s] += (uint64_t)gap + 1;
			}
			if (dcf_enqueue(&sm->dcf, s, &f) == -ENOSPC)
				sm->overflow++;
		}
}

static int open_outputs(struct sim *sm, const char *dir)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_IEEE802_11_RADIO, 65535,
	                                                    PCAP_TSTAMP_PRECISION_NANO);
	char path[4096];
	if (!dead)
		return -1;
	mkdir(dir, 0755);
	for (unsigned s = 0; s < sm->n; s++) {
		snprintf(path, sizeof(path), "%s/sta%u.pcap", dir, s);
		if (!(sm->out[s] = pcap_dump_open(dead, path))) {
			fprintf(stderr, "tsync-wifi-medium: %s: %s\n", path, pcap_geterr(dead));
			pcap_close(dead);
			return -1;
		}
	}
	pcap_close(dead);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tsync-wifi-medium --out DIR [--stations N (2..%d, default 3)]\n"
	        "         [--load F (offered data airtime, 0..2, default 0.5)] [--duration S "
	        "(default 1)]\n"
	        "         [--rate KBPS (OFDM, default 54000)] [--len BYTES (default 1500)] "
	        "[--seed X]\n"
	        "         [--tm-interval MS (AP -> station 1 Timing Measurement, default off)]\n"
	        "       tsync-wifi-medium --live DIR [--live-stations K (default 2)] [--stations "
	        "N]\n"
	        "         [--load F] [--duration S (default: until SIGTERM)] [--ppm P (TSF rate\n"
	        "         errors within +-P, default 20)] [--capture DIR2] [--rate] [--len] "
	        "[--seed]\n",
	        DCF_MAX_STATIONS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
	                                     {"stations", required_argument, NULL, 'n'},
	                                     {"load", required_argument, NULL, 'l'},
	                                     {"duration", required_argument, NULL, 'd'},
	                                     {"rate", required_argument, NULL, 'r'},
	                                     {"len", required_argument, NULL, 'L'},
	                                     {"seed", required_argument, NULL, 's'},
	                                     {"tm-interval", required_argument, NULL, 't'},
	                                     {"live", required_argument, NULL, 'V'},
	                                     {"live-stations", required_argument, NULL, 'K'},
	                                     {"ppm", required_argument, NULL, 'p'},
	                                     {"capture", required_argument, NULL, 'c'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	static struct sim sm;
	const char *dir = NULL;
	double duration = 1;
	unsigned long long seed = 1;
	int o;
	sm.n = 3;
	sm.load = 0.5;
	sm.rate = 54000;
	sm.len = 1500;
	long n = 3, rate = 54000, len = 1500, seed_l = 1;
	double tm_ms = 0;
	int bad = 0;
	struct live_cfg lc = {.nlive = 2, .ppm = 20};
	long nlive = 2;
	bool dur_set = false;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'o':
			dir = optarg;
			break;
		case 'n':
			bad |= cli_long(PROG, "--stations", optarg, 2, DCF_MAX_STATIONS, &n) != 0;
			break;
		case 'l':
			bad |= cli_double(PROG, "--load", optarg, 0, 2, &sm.load) != 0;
			break;
		case 'd':
			bad |= cli_double(PROG, "--duration", optarg, 1e-3, 3600, &duration) != 0;
			dur_set = true;
			break;
		case 'r':
			bad |= cli_long(PROG, "--rate", optarg, 1000, 10000000, &rate) != 0;
			break;
		case 'L':
			bad |= cli_long(PROG, "--len", optarg, 28, MAX_FRAME, &len) != 0;
			break;
		case 's':
			bad |= cli_long(PROG, "--seed", optarg, 0, LONG_MAX, &seed_l) != 0;
			break;
		case 't':
			bad |= cli_double(PROG, "--tm-interval", optarg, 1, 60000, &tm_ms) != 0;
			break;
		case 'V':
			lc.dir = optarg;
			break;
		case 'K':
			bad |= cli_long(PROG, "--live-stations", optarg, 1, DCF_MAX_STATIONS,
			                &nlive) != 0;
			break;
		case 'p':
			bad |= cli_double(PROG, "--ppm", optarg, 0, 1000, &lc.ppm) != 0;
			break;
		case 'c':
			lc.capture = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		bad = 1;
	}
	if (lc.dir && !bad) {
		if (nlive > n) {
			fprintf(stderr, PROG ": --live-stations %ld exceeds --stations %ld\n",
			        nlive, n);
			return 2;
		}
		lc.n = (unsigned)n;
		lc.nlive = (unsigned)nlive;
		lc.load = sm.load;
		lc.duration = dur_set ? duration : 0;
		lc.rate = (uint32_t)rate;
		lc.len = (uint32_t)len;
		lc.seed = (uint64_t)seed_l;
		if (!dcf_airtime_ns(lc.len, lc.rate)) {
			fprintf(stderr, PROG ": --rate %u kbit/s is not an OFDM rate\n", lc.rate);
			return 2;
		}
		return live_run(&lc);
	}
	if (!bad && sm.load <= 0) {
		fprintf(stderr, PROG ": --load must be > 0 without --live\n");
		bad = 1;
	}
	if (!dir && !bad) {
		fprintf(stderr, PROG ": --out DIR is required\n");
		bad = 1;
	}
	sm.n = (unsigned)n;
	sm.rate = (uint32_t)rate;
	sm.len = (uint32_t)len;
	sm.tm_interval = (uint64_t)(tm_ms * 1e6);
	seed = (unsigned long long)seed_l;
	uint64_t air = dcf_airtime_ns(sm.len, sm.rate);
	if (!bad && !air) {
		fprintf(stderr, PROG ": --rate %u kbit/s is not an OFDM rate\n", sm.rate);
		bad = 1;
	}
	if (bad) {
		usage(stderr);
		return 2;
	}
	struct dcf_params p;
	dcf_params_default(&p);
	if (dcf_init(&sm.dcf, &p, sm.n, seed))
		return 2;
	sm.rng = seed * 0x9e3779b97f4a7c15ull | 1;
	sm.lambda = sm.load / (double)air / (sm.n - 1);
	for (unsigned s = 0; s < sm.n; s++) { /* TSFs: apart by seconds, within +-20 ppm */
		sm.tsf[s].offset_us = 1000000ull * (s + 1) + (uint64_t)(uniform(&sm.rng) * 1e6);
		sm.tsf[s].ppb = (int32_t)((uniform(&sm.rng) - 0.5) * 40000);
		sm.next[s] = s == 0 ? 0 : (uint64_t)(-log(1.0 - uniform(&sm.rng)) / sm.lambda);
	}
	sm.next_tm = sm.tm_interval / 2;
	if (open_outputs(&sm, dir))
		return 1;
	uint64_t end = (uint64_t)(duration * 1e9);
	for (uint64_t t = WINDOW_NS; t <= end; t += WINDOW_NS) {
		arrivals(&sm, t);
		dcf_run(&sm.dcf, t, on_event, &sm);
	}
	for (unsigned s = 0; s < sm.n; s++)
		pcap_dump_close(sm.out[s]);
	printf("stations %u load %.3f duration %.3f s: %lu delivered, %lu collisions, %lu dropped, "
	       "%lu queue overflows, medium busy %.1f %%, %lu captured frames\n",
	       sm.n, sm.load, duration, sm.ok, sm.collisions, sm.drops, sm.overflow,
	       100.0 * (double)sm.dcf.busy_ns / (double)end, sm.written);
	struct stats_error st;
	double p50 = NAN;
	if (sm.naccess && !stats_error_score(sm.access, sm.naccess, &st) &&
	    !stats_percentile(sm.access, sm.naccess, 50, &p50))
		printf("access delay of %zu data frames: mean %.1f us, p50 %.1f us, p99 %.1f us, "
		       "max %.1f us\n",
		       st.n, st.mean, p50, st.p99_abs, st.max_abs);
	free(sm.access);
	for (unsigned s = 0; s < sm.n; s++)
		printf("sta%u: tsf offset %llu us, rate error %+d ppb\n", s,
		       (unsigned long long)sm.tsf[s].offset_us, sm.tsf[s].ppb);
	return 0;
}
