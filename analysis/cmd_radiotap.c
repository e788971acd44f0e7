// SPDX-License-Identifier: MIT
/* tsync-analyze radiotap: one row per frame of a radiotap capture (lib/radiotap), the
 * Timing Measurement / FTM exchanges it holds (wifi_exch.h) and its PTP exchanges over 802.11
 * data frames (the pcap reader, readers/ptp_capture.h: capture times as t2 / t3). */
#include <math.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_cli.h"
#include "readers/ptp_capture.h"
#include "tsync/ieee80211.h"
#include "tsync/radiotap.h"
#include "wifi_exch.h"

#define MAX_EXCH 4096

static const char *const cols[] = {"frame",      "radiotap_len", "tsft_us",    "flags",
                                   "rate_kbps",  "freq_mhz",     "signal_dbm", "fc_type",
                                   "fc_subtype", "ta",           "ra",         "timestamp_ns"};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

/* A frame's cells as text ("" when absent) and whether each is a number (JSON). */
struct cells {
	char v[NCOLS][24];
	bool num[NCOLS];
};

static void cell(struct cells *c, unsigned i, bool num, const char *fmt, unsigned long long v)
{
	snprintf(c->v[i], sizeof(c->v[i]), fmt, v);
	c->num[i] = num;
}

static void fill(struct cells *c, unsigned long frame, const struct radiotap *rt,
                 const struct wlan_hdr *h)
{
	uint64_t ns;
	memset(c, 0, sizeof(*c));
	cell(c, 0, true, "%llu", frame);
	cell(c, 1, true, "%llu", rt->len);
	if (rt->have & (1u << RT_TSFT))
		cell(c, 2, true, "%llu", rt->tsft);
	if (rt->have & (1u << RT_FLAGS))
		cell(c, 3, false, "0x%02llx", rt->flags);
	if (radiotap_rate_kbps(rt))
		cell(c, 4, true, "%llu", radiotap_rate_kbps(rt));
	if (rt->have & (1u << RT_CHANNEL))
		cell(c, 5, true, "%llu", rt->chan_freq);
	else if (rt->have & (1u << RT_XCHANNEL))
		cell(c, 5, true, "%llu", rt->xchannel.freq);
	if (rt->have & (1u << RT_DBM_SIGNAL))
		snprintf(c->v[6], sizeof(c->v[6]), "%d", rt->dbm_signal), c->num[6] = true;
	if (h) {
		cell(c, 7, true, "%llu", h->type);
		cell(c, 8, true, "%llu", h->subtype);
		if (h->has_ta)
			wlan_addr_fmt(h->ta, c->v[9]);
		wlan_addr_fmt(h->ra, c->v[10]);
	}
	if (radiotap_timestamp_ns(rt, &ns))
		cell(c, 11, true, "%llu", ns);
}

static void print_head(const struct cli *c)
{
	if (c->fmt == OUT_JSON) {
		fprintf(c->out, "{\"file\": ");
		out_jstr(c->out, c->files[0]);
		fprintf(c->out, ", \"frames\": [");
		return;
	}
	for (unsigned i = 0; i < NCOLS; i++)
		if (c->fmt == OUT_CSV)
			fprintf(c->out, "%s%s", i ? "," : "", cols[i]);
		else
			fprintf(c->out, "%-*s ", i >= 9 && i <= 10 ? 17 : 12, cols[i]);
	fputc('\n', c->out);
}

static void print_row(const struct cli *c, const struct cells *x, bool first)
{
	FILE *f = c->out;
	if (c->fmt == OUT_JSON) {
		fprintf(f, "%s\n    {", first ? "" : ",");
		for (unsigned i = 0; i < NCOLS; i++) {
			fprintf(f, "%s\"%s\": ", i ? ", " : "", cols[i]);
			if (!x->v[i][0])
				fprintf(f, "null");
			else if (x->num[i])
				fprintf(f, "%s", x->v[i]);
			else
				out_jstr(f, x->v[i]);
		}
		fputc('}', f);
		return;
	}
	for (unsigned i = 0; i < NCOLS; i++)
		if (c->fmt == OUT_CSV)
			fprintf(f, "%s%s", i ? "," : "", x->v[i]);
		else
			fprintf(f, "%-*s ", i >= 9 && i <= 10 ? 17 : 12,
			        x->v[i][0] ? x->v[i] : "-");
	fputc('\n', f);
}

static void print_exchanges(const struct cli *c, const struct wifi_exchange *x, size_t n)
{
	FILE *f = c->out;
	char ta[18], ra[18];
	bool j = c->fmt == OUT_JSON;
	if (j)
		fprintf(f, "\n], \"exchanges\": [");
	else if (n)
		fprintf(f, c->fmt == OUT_CSV
		                   ? "\nkind,frame,measured,ack,responder,receiver,dialog,"
		                     "t1_ps,t2_us,t3_us,t4_ps,offset_ns,delay_ns\n"
		                   : "\nexchanges (t1, t4 from the responder; t2, t3 the "
		                     "capture's TSFT):\n");
	for (size_t i = 0; i < n; i++, x++) {
		const char *kind = x->kind == WLAN_TM ? "tm" : "ftm";
		wlan_addr_fmt(x->ta, ta);
		wlan_addr_fmt(x->ra, ra);
		if (j)
			fprintf(f,
			        "%s\n    {\"kind\": \"%s\", \"frame\": %lu, \"measured\": %lu, "
			        "\"ack\": %lu, \"responder\": \"%s\", \"receiver\": \"%s\", "
			        "\"dialog\": %u, \"t1_ps\": %llu, \"t4_ps\": %llu, \"offset_ns\": ",
			        i ? "," : "", kind, x->frame, x->measured, x->ack, ta, ra,
			        x->dialog, (unsigned long long)x->t1_ps,
			        (unsigned long long)x->t4_ps);
		else
			fprintf(f,
			        c->fmt == OUT_CSV ? "%s,%lu,%lu,%lu,%s,%s,%u,%llu,"
			                          : "%-4s %6lu %6lu %6lu %s %s %3u %llu ",
			        kind, x->frame, x->measured, x->ack, ta, ra, x->dialog,
			        (unsigned long long)x->t1_ps);
		if (!j) {
			if (x->have_t2)
				fprintf(f, "%llu", (unsigned long long)x->t2_us);
			fputc(c->fmt == OUT_CSV ? ',' : ' ', f);
			if (x->have_t3)
				fprintf(f, "%llu", (unsigned long long)x->t3_us);
			fprintf(f, c->fmt == OUT_CSV ? ",%llu," : " %llu ",
			        (unsigned long long)x->t4_ps);
		}
		out_num(f, j ? OUT_JSON : OUT_CSV, x->offset_ns);
		fprintf(f, j ? ", \"delay_ns\": " : (c->fmt == OUT_CSV ? "," : " "));
		out_num(f, j ? OUT_JSON : OUT_CSV, x->delay_ns);
		fprintf(f, j ? "}" : "\n");
	}
}

/* PTP exchanges in 802.11 data frames: their count (0 also when the reader failed). */
static size_t print_ptp(const struct cli *c)
{
	struct reader_opts o = c->ropts;
	struct reader_ctx rc = {.path = c->files[0], .opts = &o};
	struct ptp_exchange *ex = NULL;
	size_t n = 0;
	FILE *f = c->out;
	bool j = c->fmt == OUT_JSON;
	o.strict = false;
	if (!(o.diag = fopen("/dev/null", "w")))
		return 0; /* malformed frames were reported above */
	if (ptp_capture_read(&rc, &ex, &n))
		n = 0;
	fclose(o.diag);
	if (j)
		fprintf(f, "\n], \"ptp_exchanges\": [");
	else if (n)
		fprintf(f, c->fmt == OUT_CSV ? "\nptp,packet,seq,offset_ns,delay_ns\n"
		                             : "\nPTP exchanges (capture times as t2, t3):\n");
	for (size_t i = 0; i < n; i++) {
		const char *kind = ex[i].peer ? "pdelay" : "e2e";
		if (j)
			fprintf(f,
			        "%s\n    {\"kind\": \"%s\", \"packet\": %lu, \"seq\": %u, "
			        "\"offset_ns\": ",
			        i ? "," : "", kind, ex[i].packet, ex[i].seq);
		else
			fprintf(f, c->fmt == OUT_CSV ? "%s,%lu,%u," : "%-6s %6lu %5u ", kind,
			        ex[i].packet, ex[i].seq);
		out_num(f, j ? OUT_JSON : OUT_CSV, ex[i].offset_ns);
		fprintf(f, j ? ", \"delay_ns\": " : (c->fmt == OUT_CSV ? "," : " "));
		out_num(f, j ? OUT_JSON : OUT_CSV, ex[i].delay_ns);
		fprintf(f, j ? "}" : "\n");
	}
	free(ex);
	return n;
}

/* Grow the frame list kept for the exchange matcher; false when out of memory. */
static bool keep(struct wifi_frame **v, size_t *n, size_t *cap, const struct wifi_frame *f)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct wifi_frame *nv = realloc(*v, nc * sizeof(*nv));
		if (!nv)
			return false;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = *f;
	return true;
}

struct run {
	const struct cli *c;
	unsigned long frames, bad;
	struct wifi_frame *kept;
	size_t nkept, cap;
};

/* One packet: a row (or a report on stderr), and its entry for the matcher. */
static int one(struct run *r, unsigned long pkt, const uint8_t *data, size_t len)
{
	struct radiotap rt;
	struct wlan_hdr h;
	struct cells x;
	const char *why;
	if (radiotap_parse(data, len, &rt, &why)) {
		fprintf(stderr, "%s:packet %lu: radiotap: %s\n", r->c->files[0], pkt, why);
		r->bad++;
		return 0;
	}
	const uint8_t *fr = data + rt.len;
	bool ok = !wlan_parse(fr, len - rt.len, rt.flags & RT_F_FCS, &h, &why);
	if (!ok) {
		fprintf(stderr, "%s:packet %lu: %s\n", r->c->files[0], pkt, why);
		r->bad++;
	}
	fill(&x, pkt, &rt, ok ? &h : NULL);
	print_row(r->c, &x, r->frames++ == 0);
	if (!ok)
		return 0;
	struct wifi_frame wf = {.frame = pkt,
	                        .has_tsft = rt.have & (1u << RT_TSFT),
	                        .tsft_us = rt.tsft,
	                        .type = h.type,
	                        .subtype = h.subtype,
	                        .has_ta = h.has_ta};
	memcpy(wf.ta, h.ta, 6);
	memcpy(wf.ra, h.ra, 6);
	if (wlan_timing_parse(&h, fr, &wf.timing, &why) < 0) {
		fprintf(stderr, "%s:packet %lu: %s\n", r->c->files[0], pkt, why);
		r->bad++;
	}
	/* the matcher needs timing frames and ACKs only */
	if (wf.timing.kind == WLAN_TIMING_NONE &&
	    !(h.type == WLAN_CTRL && h.subtype == WLAN_SUB_ACK))
		return 0;
	return keep(&r->kept, &r->nkept, &r->cap, &wf) ? 0 : -1;
}

int cmd_radiotap(const struct cli *c)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *data;
	struct run r = {.c = c};
	unsigned long pkt = 0;
	int rc, code = EXIT_OK;
	pcap_t *pc = pcap_open_offline(c->files[0], ebuf);
	if (!pc) {
		fprintf(stderr, "tsync-analyze: %s: %s\n", c->files[0], ebuf);
		return EXIT_INPUT;
	}
	if (pcap_datalink(pc) != DLT_IEEE802_11_RADIO) {
		fprintf(stderr, "tsync-analyze: %s: link type %s, not 802.11 with radiotap\n",
		        c->files[0], pcap_datalink_val_to_name(pcap_datalink(pc)));
		pcap_close(pc);
		return EXIT_INPUT;
	}
	print_head(c);
	while ((rc = pcap_next_ex(pc, &ph, &data)) == 1) {
		if (one(&r, ++pkt, data, ph->caplen)) {
			fprintf(stderr, "tsync-analyze: out of memory\n");
			code = EXIT_INPUT;
			break;
		}
		if (r.bad && c->ropts.strict) {
			code = EXIT_INPUT; /* --strict: the first malformed frame is fatal */
			break;
		}
	}
	if (rc == -1) {
		fprintf(stderr, "%s:packet %lu: %s\n", c->files[0], pkt + 1, pcap_geterr(pc));
		code = EXIT_INPUT;
	}
	pcap_close(pc);
	struct wifi_exchange *ex = malloc(MAX_EXCH * sizeof(*ex));
	size_t nx = ex ? wifi_exchanges(r.kept, r.nkept, ex, MAX_EXCH) : 0;
	print_exchanges(c, ex, nx);
	size_t np = code == EXIT_OK ? print_ptp(c) : 0;
	if (c->fmt == OUT_JSON)
		fprintf(c->out, "\n], \"malformed\": %lu}\n", r.bad);
	else if (c->fmt == OUT_TABLE)
		fprintf(c->out,
		        "%lu frames, %lu malformed, %zu TM/FTM exchanges, %zu PTP exchanges\n", pkt,
		        r.bad, nx, np);
	free(ex);
	free(r.kept);
	return code;
}
