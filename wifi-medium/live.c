// SPDX-License-Identifier: MIT
/*
 * tsync-wifi-medium --live (live.h): the DCF medium in real time, stations as processes on
 * Unix stream sockets carrying pcap streams both ways. One loop: queue the background arrivals
 * and the injected frames read so far, run the DCF up to now, write every record whose last
 * bit is on the air, sleep until the next of: a record due, the next transmission start, the
 * next background arrival, a station's input.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "tsf.h"
#include "tsync/ieee80211.h"
#include "tsync/radiotap.h"

#define PROG      "tsync-wifi-medium"
#define PLCP_NS   20000ull
#define MAX_FRAME 2400
#define POOL      4096 /* frames in flight (queued or being written) */
#define PENDING   8192 /* records waiting for their last bit */

struct frame {
	uint8_t b[MAX_FRAME];
	uint16_t len;
	bool used;
};

struct sta {
	int lfd, cfd;       /* listening socket, connected station (-1: none) */
	FILE *inf;          /* cfd read through libpcap */
	pcap_t *in;         /* the station's injection stream */
	pcap_dumper_t *cap; /* copy of every record written to the station */
	uint64_t last_arrival;
	unsigned long injected, written, dropped, bad;
};

struct pend {
	struct live_out o;
	unsigned slot; /* frame pool slot (the ACK is built from the frame's addresses) */
	uint32_t rate;
};

struct live {
	const struct live_cfg *cfg;
	struct dcf dcf;
	struct tsf_clock tsf[DCF_MAX_STATIONS];
	struct sta sta[DCF_MAX_STATIONS];
	struct frame *pool;
	unsigned pool_next;
	struct pend *pend;
	unsigned npend;
	int64_t t0; /* CLOCK_REALTIME at true time 0, ns */
	double lambda;
	uint64_t next_bg[DCF_MAX_STATIONS];
	uint64_t rng;
	unsigned long ok, collisions, drops, overflow, pool_full;
};

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double uniform(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return ((*s * 0x2545f4914f6cdd1dull) >> 11) * 0x1.0p-53;
}

static void sta_mac(uint8_t a[6], unsigned s)
{
	const uint8_t m[6] = {0x02, 0x00, 0x00, 0x00, 0x00, (uint8_t)(s + 1)};
	memcpy(a, m, 6);
}

static int64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t now_true(const struct live *lv)
{
	int64_t t = realtime_ns() - lv->t0;
	return t > 0 ? (uint64_t)t : 0;
}

unsigned live_plan(const struct dcf_event *e, unsigned nlive, uint64_t plcp_ns,
                   struct live_out *out)
{
	unsigned n = 0, s = e->station;
	int dst = e->frame.dst;
	if (e->outcome != DCF_OK)
		return 0;
	for (unsigned r = 0; r < nlive; r++)
		if (r != s && (dst < 0 || (unsigned)dst == r))
			out[n++] = (struct live_out){
			        .sta = r, .first_ns = e->start + plcp_ns, .due_ns = e->end};
	if (s < nlive)
		out[n++] = (struct live_out){
		        .sta = s, .tx = true, .first_ns = e->start + plcp_ns, .due_ns = e->end};
	if (dst >= 0 && e->ack_end) {
		if ((unsigned)dst < nlive)
			out[n++] = (struct live_out){.sta = (unsigned)dst,
			                             .tx = true,
			                             .ack = true,
			                             .first_ns = e->ack_start + plcp_ns,
			                             .due_ns = e->ack_end};
		if (s < nlive)
			out[n++] = (struct live_out){.sta = s,
			                             .ack = true,
			                             .first_ns = e->ack_start + plcp_ns,
			                             .due_ns = e->ack_end};
	}
	return n;
}

/* ---- the frame pool: ids are slot numbers ---- */
static int pool_get(struct live *lv)
{
	for (unsigned i = 0; i < POOL; i++) {
		unsigned k = (lv->pool_next + i) % POOL;
		if (!lv->pool[k].used) {
			lv->pool[k].used = true;
			lv->pool_next = (k + 1) % POOL;
			return (int)k;
		}
	}
	lv->pool_full++;
	return -1;
}

/* A slot is free once no pending record and no queue refers to it: released by the record
 * written last (the caller counts them through refs). */
static unsigned refs(const struct live *lv, unsigned slot)
{
	unsigned n = 0;
	for (unsigned i = 0; i < lv->npend; i++)
		n += lv->pend[i].slot == slot;
	return n;
}

/* ---- writing records ---- */
static void write_record(struct live *lv, const struct pend *p)
{
	struct sta *st = &lv->sta[p->o.sta];
	const struct frame *f = &lv->pool[p->slot];
	uint8_t pkt[16 + 64 + MAX_FRAME];
	uint8_t *r = pkt + 16;
	struct radiotap rt = {.have = 1u << RT_TSFT | 1u << RT_FLAGS | 1u << RT_RATE |
	                              1u << RT_CHANNEL | 1u << RT_DBM_SIGNAL,
	                      .tsft = tsf_at(&lv->tsf[p->o.sta], p->o.first_ns),
	                      .rate = (uint8_t)(p->rate / 500),
	                      .chan_freq = 5180,
	                      .chan_flags = 0x0140,
	                      .dbm_signal = -40};
	rt.have |= p->o.tx ? 1u << RT_TX_FLAGS : 1u << RT_RX_FLAGS;
	size_t h = radiotap_build(r, 64, &rt), len;
	if (p->o.ack) { /* ACK: RA = the frame's TA */
		memset(r + h, 0, 10);
		r[h] = 0xd4;
		memcpy(r + h + 4, f->b + 10, 6);
		len = h + 10;
	} else {
		memcpy(r + h, f->b, f->len);
		len = h + f->len;
	}
	if (st->cfd < 0) /* no station process: nobody hears it (and the capture says so) */
		return;
	int64_t now = realtime_ns();
	uint32_t w[4] = {(uint32_t)(now / 1000000000), (uint32_t)(now % 1000000000), (uint32_t)len,
	                 (uint32_t)len};
	memcpy(pkt, w, 16);
	ssize_t n = send(st->cfd, pkt, 16 + len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)(16 + len))
		st->written++;
	else
		st->dropped++; /* the station does not keep up: a monitor interface drops too */
	if (st->cap) {
		struct pcap_pkthdr ph = {.caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len};
		ph.ts.tv_sec = (time_t)w[0];
		ph.ts.tv_usec = (suseconds_t)w[1];
		pcap_dump((u_char *)st->cap, &ph, r);
	}
}

static void on_event(const struct dcf_event *e, void *arg)
{
	struct live *lv = arg;
	struct live_out o[DCF_MAX_STATIONS + 3];
	if (e->outcome != DCF_OK) {
		lv->collisions += e->outcome == DCF_COLLISION;
		lv->drops += e->outcome == DCF_DROPPED;
		if (e->outcome == DCF_DROPPED)
			lv->pool[e->frame.id].used = refs(lv, (unsigned)e->frame.id) > 0;
		return;
	}
	lv->ok++;
	unsigned n = live_plan(e, lv->cfg->nlive, PLCP_NS, o);
	for (unsigned i = 0; i < n; i++) {
		if (lv->npend == PENDING) {
			lv->sta[o[i].sta].dropped++;
			continue;
		}
		/* keep pend sorted by due time (events come in start order; dues nearly so) */
		unsigned k = lv->npend++;
		while (k > 0 && lv->pend[k - 1].o.due_ns > o[i].due_ns) {
			lv->pend[k] = lv->pend[k - 1];
			k--;
		}
		lv->pend[k] = (struct pend){.o = o[i],
		                            .slot = (unsigned)e->frame.id,
		                            .rate = o[i].ack ? dcf_ack_rate_kbps(e->frame.rate_kbps)
		                                             : e->frame.rate_kbps};
	}
	if (!n)
		lv->pool[e->frame.id].used = false;
}

static void flush_due(struct live *lv, uint64_t now)
{
	static unsigned slots[PENDING];
	unsigned k = 0;
	while (k < lv->npend && lv->pend[k].o.due_ns <= now)
		k++;
	for (unsigned i = 0; i < k; i++) {
		write_record(lv, &lv->pend[i]);
		slots[i] = lv->pend[i].slot;
	}
	memmove(lv->pend, lv->pend + k, (lv->npend - k) * sizeof(*lv->pend));
	lv->npend -= k;
	for (unsigned i = 0; i < k; i++)
		if (lv->pool[slots[i]].used && !refs(lv, slots[i]))
			lv->pool[slots[i]].used = false;
}

/* ---- background senders ---- */
static void background(struct live *lv, uint64_t until)
{
	const struct live_cfg *c = lv->cfg;
	for (unsigned s = c->nlive + 1; s < c->n && lv->lambda > 0; s++)
		while (lv->next_bg[s] < until) {
			int slot = pool_get(lv);
			uint64_t at = lv->next_bg[s];
			lv->next_bg[s] +=
			        (uint64_t)(-log(1.0 - uniform(&lv->rng)) / lv->lambda) + 1;
			if (slot < 0)
				continue;
			struct frame *f = &lv->pool[slot];
			f->len = (uint16_t)(c->len - 4);
			memset(f->b, 0, f->len);
			f->b[0] = 0x08;
			f->b[1] = 0x01;
			sta_mac(f->b + 4, c->nlive);
			sta_mac(f->b + 10, s);
			sta_mac(f->b + 16, c->nlive);
			struct dcf_frame df = {.id = (uint64_t)slot,
			                       .arrival = at,
			                       .len = c->len,
			                       .rate_kbps = c->rate,
			                       .dst = (int16_t)c->nlive};
			if (dcf_enqueue(&lv->dcf, s, &df)) {
				lv->overflow++;
				f->used = false;
			}
		}
}

/* ---- station sockets ---- */
static int sta_listen(struct live *lv, unsigned k)
{
	char path[4096];
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(path, sizeof(path), "%s/sta%u.sock", lv->cfg->dir, k);
	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, PROG ": %s: path too long for a Unix socket\n", path);
		return -1;
	}
	strcpy(a.sun_path, path);
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 2)) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	lv->sta[k].lfd = fd;
	snprintf(path, sizeof(path), "%s/sta%u.info", lv->cfg->dir, k);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	uint8_t m[6];
	char ms[18];
	sta_mac(m, k);
	fprintf(f, "mac %s\ntsf_offset_us %llu\ntsf_ppb %d\nt0_ns %lld\n", wlan_addr_fmt(m, ms),
	        (unsigned long long)lv->tsf[k].offset_us, lv->tsf[k].ppb, (long long)lv->t0);
	fclose(f);
	return 0;
}

static void sta_drop(struct sta *st)
{
	if (st->in)
		pcap_close(st->in); /* closes inf */
	else if (st->inf)
		fclose(st->inf);
	if (st->cfd >= 0)
		close(st->cfd);
	st->in = NULL;
	st->inf = NULL;
	st->cfd = -1;
}

static void sta_accept(struct live *lv, unsigned k)
{
	struct sta *st = &lv->sta[k];
	int fd = accept4(st->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	sta_drop(st);
	st->cfd = fd;
	int sz = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	/* the stream to the station starts with its pcap header */
	struct pcap_file_header h = {.magic = 0xa1b23c4d,
	                             .version_major = 2,
	                             .version_minor = 4,
	                             .snaplen = 65535,
	                             .linktype = DLT_IEEE802_11_RADIO};
	if (send(fd, &h, sizeof(h), MSG_NOSIGNAL) != (ssize_t)sizeof(h))
		sta_drop(st);
}

/* Read one injected record from station k (its fd is readable). */
static void sta_read(struct live *lv, unsigned k, uint64_t now)
{
	struct sta *st = &lv->sta[k];
	char err[PCAP_ERRBUF_SIZE];
	if (!st->in) { /* the station's pcap header */
		if (!st->inf && !(st->inf = fdopen(dup(st->cfd), "r")))
			return;
		setvbuf(st->inf, NULL, _IONBF, 0); /* poll() must see every unread byte */
		if (!(st->in = pcap_fopen_offline(st->inf, err))) {
			fprintf(stderr, PROG ": station %u: %s\n", k, err);
			st->inf = NULL;
			sta_drop(st);
			return;
		}
		if (pcap_datalink(st->in) != DLT_IEEE802_11_RADIO) {
			fprintf(stderr, PROG ": station %u: link type %d is not radiotap (127)\n",
			        k, pcap_datalink(st->in));
			sta_drop(st);
		}
		return;
	}
	struct pcap_pkthdr *ph;
	const u_char *d;
	int rc = pcap_next_ex(st->in, &ph, &d);
	if (rc != 1) {
		if (rc == PCAP_ERROR)
			fprintf(stderr, PROG ": station %u: %s\n", k, pcap_geterr(st->in));
		sta_drop(st); /* end of stream: the station went away */
		return;
	}
	struct radiotap rt;
	struct wlan_hdr wh;
	const char *why = NULL;
	if (radiotap_parse(d, ph->caplen, &rt, &why) ||
	    wlan_parse(d + rt.len, ph->caplen - rt.len, rt.flags & RT_F_FCS, &wh, &why) ||
	    wh.hdr_len + wh.body_len > MAX_FRAME - 4) {
		if (st->bad++ < 5)
			fprintf(stderr, PROG ": station %u: injected frame %lu: %s\n", k,
			        st->injected + st->bad, why ? why : "too long");
		return;
	}
	int slot = pool_get(lv);
	if (slot < 0)
		return;
	struct frame *f = &lv->pool[slot];
	f->len = (uint16_t)(wh.hdr_len + wh.body_len);
	memcpy(f->b, d + rt.len, f->len);
	int dst = -1;
	if (!(wh.ra[0] & 1)) { /* unicast to a station of the medium, else nobody ACKs */
		dst = -2;
		for (unsigned s = 0; s < lv->cfg->n; s++) {
			uint8_t m[6];
			sta_mac(m, s);
			if (!memcmp(m, wh.ra, 6))
				dst = (int)s;
		}
	}
	uint32_t rate = (rt.have & 1u << RT_RATE) ? rt.rate * 500u : lv->cfg->rate;
	if (!dcf_airtime_ns(f->len + 4, rate))
		rate = lv->cfg->rate;
	if (now < st->last_arrival)
		now = st->last_arrival;
	st->last_arrival = now;
	struct dcf_frame df = {.id = (uint64_t)slot,
	                       .arrival = now,
	                       .len = f->len + 4u,
	                       .rate_kbps = rate,
	                       .dst = (int16_t)(dst == -2 || dst == (int)k ? -1 : dst)};
	if (dcf_enqueue(&lv->dcf, k, &df)) {
		lv->overflow++;
		f->used = false;
		return;
	}
	st->injected++;
}

static int open_capture(struct live *lv, unsigned k)
{
	char path[4096];
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_IEEE802_11_RADIO, 65535,
	                                                    PCAP_TSTAMP_PRECISION_NANO);
	if (!dead)
		return -1;
	snprintf(path, sizeof(path), "%s/sta%u.pcap", lv->cfg->capture, k);
	lv->sta[k].cap = pcap_dump_open(dead, path);
	if (!lv->sta[k].cap)
		fprintf(stderr, PROG ": %s: %s\n", path, pcap_geterr(dead));
	pcap_close(dead);
	return lv->sta[k].cap ? 0 : -1;
}

static int setup(struct live *lv, const struct live_cfg *c)
{
	struct dcf_params p;
	dcf_params_default(&p);
	if (dcf_init(&lv->dcf, &p, c->n, c->seed))
		return -1;
	lv->pool = calloc(POOL, sizeof(*lv->pool));
	lv->pend = calloc(PENDING, sizeof(*lv->pend));
	if (!lv->pool || !lv->pend)
		return -1;
	lv->rng = c->seed * 0x9e3779b97f4a7c15ull | 1;
	unsigned senders = c->n > c->nlive + 1 ? c->n - c->nlive - 1 : 0;
	uint64_t air = dcf_airtime_ns(c->len, c->rate);
	lv->lambda = senders && c->load > 0 ? c->load / (double)air / senders : 0;
	lv->t0 = realtime_ns();
	mkdir(c->dir, 0755);
	if (c->capture)
		mkdir(c->capture, 0755);
	for (unsigned s = 0; s < c->n; s++) {
		lv->tsf[s].offset_us = 1000000ull * (s + 1) + (uint64_t)(uniform(&lv->rng) * 1e6);
		lv->tsf[s].ppb = (int32_t)((uniform(&lv->rng) - 0.5) * 2000 * c->ppm);
		lv->next_bg[s] = lv->lambda > 0
		                         ? (uint64_t)(-log(1.0 - uniform(&lv->rng)) / lv->lambda)
		                         : UINT64_MAX;
		lv->sta[s].lfd = lv->sta[s].cfd = -1;
	}
	for (unsigned s = 0; s < c->nlive; s++)
		if (sta_listen(lv, s) || (c->capture && open_capture(lv, s)))
			return -1;
	return 0;
}

static void report(const struct live *lv, uint64_t now)
{
	const struct live_cfg *c = lv->cfg;
	printf("live medium: %u stations (%u live), load %.2f, %.1f s: %lu delivered, %lu "
	       "collisions, %lu dropped, %lu queue overflows, medium busy %.1f %%\n",
	       c->n, c->nlive, c->load, (double)now / 1e9, lv->ok, lv->collisions, lv->drops,
	       lv->overflow, now ? 100.0 * (double)lv->dcf.busy_ns / (double)now : 0.0);
	for (unsigned s = 0; s < c->nlive; s++)
		printf("sta%u: injected %lu, written %lu, not written %lu, bad %lu, tsf offset "
		       "%llu "
		       "us, rate error %+d ppb\n",
		       s, lv->sta[s].injected, lv->sta[s].written, lv->sta[s].dropped,
		       lv->sta[s].bad, (unsigned long long)lv->tsf[s].offset_us, lv->tsf[s].ppb);
	fflush(stdout);
}

int live_run(const struct live_cfg *c)
{
	static struct live lv;
	int rc = 1;
	lv.cfg = c;
	if (setup(&lv, c))
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	uint64_t end = c->duration > 0 ? (uint64_t)(c->duration * 1e9) : UINT64_MAX;
	uint64_t now = 0;
	while (!stop && (now = now_true(&lv)) < end) {
		background(&lv, now + 1);
		dcf_run(&lv.dcf, now + 1, on_event, &lv);
		flush_due(&lv, now);
		uint64_t wake = end;
		if (lv.npend && lv.pend[0].o.due_ns < wake)
			wake = lv.pend[0].o.due_ns;
		uint64_t ns = dcf_next_start(&lv.dcf);
		wake = ns < wake ? ns : wake;
		for (unsigned s = c->nlive + 1; s < c->n; s++)
			wake = lv.next_bg[s] < wake ? lv.next_bg[s] : wake;
		struct pollfd pf[2 * DCF_MAX_STATIONS];
		unsigned np = 0;
		for (unsigned s = 0; s < c->nlive; s++) {
			pf[np++] = (struct pollfd){.fd = lv.sta[s].lfd, .events = POLLIN};
			pf[np++] = (struct pollfd){.fd = lv.sta[s].cfd, .events = POLLIN};
		}
		uint64_t n2 = now_true(&lv);
		uint64_t dt = wake > n2 ? wake - n2 : 0;
		if (dt > 100000000)
			dt = 100000000;
		struct timespec to = {.tv_sec = (time_t)(dt / 1000000000),
		                      .tv_nsec = (long)(dt % 1000000000)};
		if (ppoll(pf, np, &to, NULL) <= 0)
			continue;
		n2 = now_true(&lv);
		for (unsigned s = 0; s < c->nlive; s++) {
			if (pf[2 * s].revents & POLLIN)
				sta_accept(&lv, s);
			if (pf[2 * s + 1].revents & (POLLIN | POLLHUP | POLLERR) &&
			    lv.sta[s].cfd == pf[2 * s + 1].fd)
				sta_read(&lv, s, n2);
		}
	}
	rc = 0;
	report(&lv, now);
out:
	for (unsigned s = 0; s < c->nlive; s++) {
		sta_drop(&lv.sta[s]);
		if (lv.sta[s].lfd >= 0)
			close(lv.sta[s].lfd);
		if (lv.sta[s].cap)
			pcap_dump_close(lv.sta[s].cap);
	}
	free(lv.pool);
	free(lv.pend);
	return rc;
}
