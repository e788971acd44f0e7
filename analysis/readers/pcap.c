// SPDX-License-Identifier: MIT
/* Packet captures of PTP: frames -> PTP messages -> matched exchanges (ptp_capture.h), the
 * exchanges and their arithmetic by ptpd-wl's core (core/exchange.h). */
#include <errno.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "../../ptpd-wl/core/exchange.h"
#include "readers/ptp_capture.h"
#include "tsync/ieee80211.h"
#include "tsync/radiotap.h"

#define PENDING 64
#define MASTERS 8

enum {
	SYNC = 0x0,
	DELAY_REQ = 0x1,
	PDELAY_REQ = 0x2,
	PDELAY_RESP = 0x3,
	FOLLOW_UP = 0x8,
	DELAY_RESP = 0x9,
	PDELAY_RESP_FUP = 0xa
};

struct msg {
	int type;
	bool two_step;
	uint16_t seq;
	int64_t corr;             /* correctionField, scaled ns */
	uint8_t src[10], req[10]; /* sourcePortIdentity, requestingPortIdentity */
	tmv_t ts;                 /* the body's first timestamp */
	tmv_t cap;                /* capture time */
};

/* A Delay_Req (t3 = capture time) or a Pdelay_Req we saw go out (core/exchange.h state). */
struct pend {
	bool used;
	uint8_t port[10]; /* the requester */
	uint16_t seq;
	tmv_t t3;
	struct exch_pdelay pd;
};

/* A master port: its Sync / Follow_Up pairing and the last Sync it completed. */
struct master {
	bool used, have_last;
	uint8_t port[10];
	struct exch_sync sync;
	struct exch_sync last;
};

struct matcher {
	struct exch_cfg cfg; /* a capture knows no delayAsymmetry: 0, twoStepFlag as sent */
	struct master masters[MASTERS];
	struct pend dreq[PENDING], preq[PENDING];
	unsigned next[3];
	struct ptp_exchange *ex;
	uint8_t (*requester)[10]; /* per exchange: the Pdelay requester's port */
	size_t n, cap;
};

static uint64_t be(const uint8_t *p, int len)
{
	uint64_t v = 0;
	for (int i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

/* Does sec s + ns ns (ns < 1e9) fit tmv_t, i.e. is it before 2262-04-11? */
static bool fits_ns(uint64_t sec, uint64_t ns)
{
	return sec <= (uint64_t)(INT64_MAX - (int64_t)ns) / NS_PER_SEC;
}

/* A PTP Timestamp (UInteger48 seconds, UInteger32 ns) as ns; NULL, or why it is not one. */
static const char *ts_of(const uint8_t *p, tmv_t *t)
{
	uint64_t sec = be(p, 6), ns = be(p + 6, 4);
	if (ns >= (uint64_t)NS_PER_SEC)
		return "timestamp nanoseconds field >= 1e9";
	if (!fits_ns(sec, ns))
		return "timestamp beyond 2262 (does not fit 64-bit ns)";
	*t = (tmv_t)sec * NS_PER_SEC + (tmv_t)ns;
	return NULL;
}

/* An unprotected 802.11 data frame after its radiotap header: the LLC/SNAP ethertype, where
 * the payload starts, and len without the FCS. 0, or 1 when it is not one (ignored). */
static int wifi_llc(const uint8_t *p, size_t *len, unsigned *et, size_t *off)
{
	struct radiotap rt;
	struct wlan_hdr h;
	const char *why;
	static const uint8_t snap[6] = {0xaa, 0xaa, 0x03, 0, 0, 0};
	if (radiotap_parse(p, *len, &rt, &why) ||
	    wlan_parse(p + rt.len, *len - rt.len, rt.flags & RT_F_FCS, &h, &why))
		return 1;
	const uint8_t *b = p + rt.len + h.hdr_len;
	if (h.type != WLAN_DATA || (h.subtype & 0x4) || (h.flags & WLAN_FL_PROTECTED) ||
	    h.body_len < 8 || memcmp(b, snap, 6))
		return 1; /* null data, encrypted, or not LLC/SNAP */
	*et = (unsigned)be(b + 6, 2);
	*off = rt.len + h.hdr_len + 8;
	*len = rt.len + h.hdr_len + h.body_len;
	return 0;
}

/* PTP payload of a frame: 0 found, 1 not PTP (ignored) */
static int payload(int dlt, const uint8_t *p, size_t len, const uint8_t **ptp, size_t *plen)
{
	unsigned et;
	size_t off;
	if (dlt == DLT_EN10MB) {
		if (len < 14)
			return 1;
		et = (unsigned)be(p + 12, 2);
		off = 14;
		while ((et == 0x8100 || et == 0x88a8) && len >= off + 4) {
			et = (unsigned)be(p + off + 2, 2);
			off += 4;
		}
	} else if (dlt == DLT_LINUX_SLL) {
		if (len < 16)
			return 1;
		et = (unsigned)be(p + 14, 2);
		off = 16;
	} else if (dlt == DLT_LINUX_SLL2) {
		if (len < 20)
			return 1;
		et = (unsigned)be(p, 2);
		off = 20;
	} else if (dlt == DLT_IEEE802_11_RADIO) {
		if (wifi_llc(p, &len, &et, &off))
			return 1;
	} else if (dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6) {
		if (len < 1)
			return 1;
		et = (p[0] >> 4) == 6 ? 0x86dd : 0x0800;
		off = 0;
	} else {
		return 1;
	}
	p += off;
	len -= off;
	if (et == 0x88f7) {
		*ptp = p;
		*plen = len;
		return 0;
	}
	size_t ip;
	if (et == 0x0800) {
		if (len < 20 || (p[0] >> 4) != 4 || p[9] != 17)
			return 1;
		if (be(p + 6, 2) & 0x1fff)
			return 1; /* a non-first fragment */
		ip = (size_t)(p[0] & 0xf) * 4;
	} else if (et == 0x86dd) {
		if (len < 40 || p[6] != 17)
			return 1;
		ip = 40;
	} else {
		return 1;
	}
	if (len < ip + 8)
		return 1;
	unsigned port = (unsigned)be(p + ip + 2, 2);
	if (port != 319 && port != 320)
		return 1;
	*ptp = p + ip + 8;
	*plen = len - ip - 8;
	if (*plen > be(p + ip + 4, 2) - 8 && be(p + ip + 4, 2) >= 8)
		*plen = be(p + ip + 4, 2) - 8;
	return 0;
}

static int parse(const uint8_t *p, size_t len, struct msg *m, const char **why)
{
	if (len < 34) {
		*why = "PTP message shorter than its 34-byte header";
		return -1;
	}
	if ((p[1] & 0x0f) != 2) {
		*why = "not PTP version 2";
		return -1;
	}
	size_t mlen = be(p + 2, 2);
	if (mlen > len || mlen < 34) {
		*why = "messageLength beyond the captured bytes";
		return -1;
	}
	m->type = p[0] & 0x0f;
	m->two_step = p[6] & 0x02;
	m->corr = (int64_t)be(p + 8, 8);
	memcpy(m->src, p + 20, 10);
	m->seq = (uint16_t)be(p + 30, 2);
	size_t need = m->type <= PDELAY_RESP_FUP ? 44 : 34;
	if (m->type == DELAY_RESP || m->type == PDELAY_RESP || m->type == PDELAY_RESP_FUP)
		need = 54;
	if ((m->type <= 3 || (m->type >= 8 && m->type <= 0xa)) && mlen < need) {
		*why = "message body truncated";
		return -1;
	}
	if ((m->type <= 3 || (m->type >= 8 && m->type <= 0xa)) && (*why = ts_of(p + 34, &m->ts)))
		return -1;
	if (need == 54)
		memcpy(m->req, p + 44, 10);
	return 0;
}

static struct pend *find(struct pend *t, const uint8_t *port, uint16_t seq)
{
	for (int i = 0; i < PENDING; i++)
		if (t[i].used && t[i].seq == seq && !memcmp(t[i].port, port, 10))
			return &t[i];
	return NULL;
}

static struct pend *put(struct matcher *mt, int k, struct pend *t, const uint8_t *port,
                        uint16_t seq)
{
	struct pend *e = &t[mt->next[k]++ % PENDING];
	memset(e, 0, sizeof(*e));
	e->used = true;
	memcpy(e->port, port, 10);
	e->seq = seq;
	return e;
}

/* The state of a master port, made (replacing the oldest) if new and make. */
static struct master *master_of(struct matcher *mt, const uint8_t *port, bool make)
{
	for (int i = 0; i < MASTERS; i++)
		if (mt->masters[i].used && !memcmp(mt->masters[i].port, port, 10))
			return &mt->masters[i];
	if (!make)
		return NULL;
	struct master *ms = &mt->masters[mt->next[2]++ % MASTERS];
	memset(ms, 0, sizeof(*ms));
	ms->used = true;
	memcpy(ms->port, port, 10);
	return ms;
}

static int emit(struct matcher *mt, const struct ptp_exchange *x, const uint8_t *requester)
{
	if (mt->n == mt->cap) {
		size_t cap = mt->cap ? 2 * mt->cap : 256;
		struct ptp_exchange *ne = realloc(mt->ex, cap * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		mt->ex = ne;
		uint8_t(*nr)[10] = realloc(mt->requester, cap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		mt->requester = nr;
		mt->cap = cap;
	}
	memcpy(mt->requester[mt->n], requester, 10);
	mt->ex[mt->n++] = *x;
	return 0;
}

/* A Sync / Follow_Up step: a completed Sync becomes the master's last. A correctionField sum
 * that overflows drops the Sync, as the daemon does. */
static void sync_step(struct master *ms, int r)
{
	if (r == EXCH_DONE) {
		ms->last = ms->sync;
		ms->have_last = true;
	}
}

static int pdelay_emit(struct matcher *mt, const struct pend *e, const struct msg *m, tmv_t t2,
                       tmv_t t3, tmv_t mld, unsigned long pkt)
{
	struct ptp_exchange x = {.packet = pkt,
	                         .seq = m->seq,
	                         .peer = true,
	                         .t1 = e->pd.t1,
	                         .t2 = t2,
	                         .t3 = t3,
	                         .t4 = e->pd.t4,
	                         .offset_ns = NAN,
	                         .delay_ns = (double)mld};
	return emit(mt, &x, e->port);
}

static int handle(struct matcher *mt, const struct msg *m, unsigned long pkt)
{
	struct pend *e;
	struct master *ms;
	struct exch_ovf o;
	tmv_t d;
	int r;
	switch (m->type) {
	case SYNC:
		ms = master_of(mt, m->src, true);
		sync_step(ms, exch_sync_rx(&ms->sync, &mt->cfg, m->seq, m->two_step, m->ts, m->corr,
		                           m->cap, &o));
		return 0;
	case FOLLOW_UP:
		ms = master_of(mt, m->src, true);
		sync_step(ms, exch_fup_rx(&ms->sync, m->seq, m->ts, m->corr, &o));
		return 0;
	case DELAY_REQ:
		e = put(mt, 0, mt->dreq, m->src, m->seq);
		e->t3 = m->cap;
		return 0;
	case DELAY_RESP: {
		/* pairs with the last Sync the master completed before its Delay_Resp */
		struct exch_dreq dr;
		e = find(mt->dreq, m->req, m->seq);
		ms = master_of(mt, m->src, false);
		if (!e || !ms || !ms->have_last)
			return 0;
		e->used = false;
		if (exch_dreq_sent(&dr, &ms->last, m->seq, e->t3) ||
		    exch_dresp_sample(&dr, &mt->cfg, m->ts, m->corr, &d, &o))
			return 0;
		struct ptp_exchange x = {.packet = pkt, .seq = ms->last.seq};
		x.t1 = dr.t1;
		x.t2 = dr.t2;
		x.t3 = dr.t3;
		x.t4 = m->ts;
		x.delay_ns = (double)d;
		x.offset_ns = (double)exch_e2e_offset(x.t1, x.t2, x.t3, x.t4, dr.c_sync, m->corr);
		return emit(mt, &x, m->req);
	}
	case PDELAY_REQ:
		e = put(mt, 1, mt->preq, m->src, m->seq);
		exch_pdelay_sent(&e->pd, m->seq, m->cap);
		return 0;
	case PDELAY_RESP:
		e = find(mt->preq, m->req, m->seq);
		if (!e)
			return 0;
		r = exch_pdelay_resp_rx(&e->pd, m->seq, m->two_step, m->ts, m->cap, m->corr, &d);
		if (r != EXCH_DONE)
			return 0; /* two-step: the Follow_Up finds it in preq */
		e->used = false;
		/* one-step: the turnaround is in the correctionField; t3 shown as t2 */
		return pdelay_emit(mt, e, m, m->ts, m->ts, d, pkt);
	case PDELAY_RESP_FUP:
		e = find(mt->preq, m->req, m->seq);
		if (!e || exch_pdelay_fup_rx(&e->pd, m->seq, m->ts, m->corr, &d) != EXCH_DONE)
			return 0;
		e->used = false;
		return pdelay_emit(mt, e, m, e->pd.t2, m->ts, d, pkt);
	default:
		return 0; /* Announce, Signaling, Management */
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median Pdelay delay of one requester's exchanges (scratch: room for n doubles). */
static double requester_median(const struct matcher *mt, const uint8_t *port, double *scratch)
{
	size_t k = 0;
	for (size_t i = 0; i < mt->n; i++)
		if (mt->ex[i].peer && !memcmp(mt->requester[i], port, 10))
			scratch[k++] = mt->ex[i].delay_ns;
	qsort(scratch, k, sizeof(*scratch), cmp_double);
	return k ? scratch[k / 2] : -INFINITY;
}

/*
 * A capture taken at one end of a P2P link also holds the exchanges the FAR end requested:
 * their Pdelay_Req arrived here and our Pdelay_Resp left from here, so the capture times
 * stand for the responder's t2 and t3, not the requester's t1 and t4, and their "delay" is
 * near zero or negative. The requester whose exchanges give the largest median delay is the
 * local one (its round trip holds the link twice); the others' rows are left out.
 */
static int drop_far_requesters(struct matcher *mt)
{
	const uint8_t *local = NULL;
	double best = -INFINITY;
	bool several = false;
	double *scratch = malloc((mt->n ? mt->n : 1) * sizeof(*scratch));
	if (!scratch)
		return -ENOMEM;
	for (size_t i = 0; i < mt->n; i++) {
		if (!mt->ex[i].peer)
			continue;
		if (local && !memcmp(local, mt->requester[i], 10))
			continue;
		double med = requester_median(mt, mt->requester[i], scratch);
		several |= local != NULL;
		if (!local || med > best) {
			best = med;
			local = mt->requester[i];
		}
	}
	free(scratch);
	if (!several)
		return 0;
	uint8_t keep[10];
	memcpy(keep, local, 10);
	size_t w = 0;
	for (size_t i = 0; i < mt->n; i++) {
		if (mt->ex[i].peer && memcmp(mt->requester[i], keep, 10))
			continue;
		mt->ex[w] = mt->ex[i];
		memcpy(mt->requester[w++], mt->requester[i], 10);
	}
	mt->n = w;
	return 0;
}

/* The capture time of a packet (ns precision asked for) as ns; NULL, or why it is not one. */
static const char *cap_time(const struct pcap_pkthdr *h, tmv_t *t)
{
	/* tv_usec holds ns; a pcapng time of 2^64 units can leave tv_sec beyond any ns count */
	if (h->ts.tv_sec < 0 || h->ts.tv_usec < 0 || h->ts.tv_usec >= NS_PER_SEC)
		return "capture time before 1970 or not normalised";
	if (!fits_ns((uint64_t)h->ts.tv_sec, (uint64_t)h->ts.tv_usec))
		return "capture time beyond 2262 (does not fit 64-bit ns)";
	*t = (tmv_t)h->ts.tv_sec * NS_PER_SEC + h->ts.tv_usec;
	return NULL;
}

static int capture_read(struct reader_ctx *c, pcap_t *pc, struct ptp_exchange **out, size_t *n)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long pkt = 0;
	int rc, err = 0;
	struct matcher *mt = calloc(1, sizeof(*mt));
	if (!mt) {
		pcap_close(pc);
		return -ENOMEM;
	}
	exch_cfg_init(&mt->cfg, 0, false);
	int dlt = pcap_datalink(pc);
	while (!err && (rc = pcap_next_ex(pc, &h, &data)) == 1) {
		const uint8_t *p;
		size_t len;
		const char *why = NULL;
		char where[40];
		struct msg m;
		pkt++;
		snprintf(where, sizeof(where), "packet %lu", pkt);
		int r = payload(dlt, data, h->caplen, &p, &len);
		if (r == 1)
			continue;
		if (parse(p, len, &m, &why) || (why = cap_time(h, &m.cap))) {
			err = reader_bad(c, where, "%s", why);
			continue;
		}
		err = handle(mt, &m, pkt);
	}
	if (!err)
		err = drop_far_requesters(mt);
	if (!err && rc == -1)
		err = reader_fail(c, -EIO, "%s:packet %lu: %s", c->path, pkt + 1, pcap_geterr(pc));
	pcap_close(pc);
	free(mt->requester);
	if (err) {
		free(mt->ex);
	} else {
		*out = mt->ex;
		*n = mt->n;
	}
	free(mt);
	return err;
}

int ptp_capture_read(struct reader_ctx *c, struct ptp_exchange **out, size_t *n)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc =
	        pcap_open_offline_with_tstamp_precision(c->path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!pc)
		return reader_fail(c, -EINVAL, "%s: %s", c->path, ebuf);
	return capture_read(c, pc, out, n);
}

int ptp_capture_read_fp(struct reader_ctx *c, FILE *f, struct ptp_exchange **out, size_t *n)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!pc) {
		fclose(f);
		return reader_fail(c, -EINVAL, "%s: %s", c->path, ebuf);
	}
	return capture_read(c, pc, out, n);
}

int read_pcap(struct reader_ctx *c, struct series *out)
{
	const char *col = c->opts->column ? c->opts->column : "offset";
	struct ptp_exchange *ex = NULL;
	size_t n = 0;
	bool delay = !strcmp(col, "delay");
	if (!delay && strcmp(col, "offset"))
		return reader_fail(c, -EINVAL, "%s: no column \"%s\" in captures (offset, delay)",
		                   c->path, col);
	int err = ptp_capture_read(c, &ex, &n);
	if (err)
		return err;
	snprintf(out->name, sizeof(out->name), "%s", col);
	snprintf(out->unit, sizeof(out->unit), "s");
	for (size_t i = 0; i < n && !err; i++)
		if (delay || !ex[i].peer)
			err = series_push(out, (double)ex[i].t2 / 1e9,
			                  (delay ? ex[i].delay_ns : ex[i].offset_ns) / 1e9);
	free(ex);
	return err;
}
