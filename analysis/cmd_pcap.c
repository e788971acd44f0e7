// SPDX-License-Identifier: MIT
/* tsync-analyze pcap: the PTP exchanges of a capture and statistics of their offsets. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_cli.h"
#include "metrics/metrics.h"
#include "plots/plot.h"
#include "readers/ptp_capture.h"

static void ts(FILE *f, tmv_t t, bool quote)
{
	char buf[40];
	fprintf(f, quote ? "\"%s\"" : "%s", tmv_fmt(t, buf, sizeof(buf)));
}

static void print_ex(const struct cli *c, const struct ptp_exchange *x, bool first)
{
	FILE *f = c->out;
	bool j = c->fmt == OUT_JSON;
	const tmv_t t[4] = {x->t1, x->t2, x->t3, x->t4};
	if (c->fmt == OUT_TABLE) {
		fprintf(f, "%-6s %7lu %5u", x->peer ? "pdelay" : "e2e", x->packet, x->seq);
		for (int i = 0; i < 4; i++) {
			fputc(' ', f);
			ts(f, t[i], false);
		}
		fprintf(f, " %12.3f %12.3f\n", x->offset_ns, x->delay_ns);
		return;
	}
	if (j)
		fprintf(f, "%s    {\"kind\": \"%s\", \"packet\": %lu, \"seq\": %u",
		        first ? "" : ",\n", x->peer ? "pdelay" : "e2e", x->packet, x->seq);
	else
		fprintf(f, "%s,%lu,%u", x->peer ? "pdelay" : "e2e", x->packet, x->seq);
	for (int i = 0; i < 4; i++) {
		if (j)
			fprintf(f, ", \"t%d\": ", i + 1);
		else
			fputc(',', f);
		ts(f, t[i], j);
	}
	fprintf(f, j ? ", \"offset\": " : ",");
	out_num(f, c->fmt, x->offset_ns / 1e9);
	fprintf(f, j ? ", \"delay\": " : ",");
	out_num(f, c->fmt, x->delay_ns / 1e9);
	fprintf(f, j ? "}" : "\n");
}

int cmd_pcap(const struct cli *c)
{
	struct reader_ctx rc = {.path = c->files[0], .opts = &c->ropts};
	struct ptp_exchange *ex = NULL;
	size_t n = 0, no = 0;
	int e = ptp_capture_read(&rc, &ex, &n);
	if (e) {
		fprintf(stderr, "tsync-analyze: %s\n", rc.err);
		return EXIT_INPUT;
	}
	if (n == 0) {
		fprintf(stderr,
		        "tsync-analyze: %s: no complete PTP exchange (Sync/Follow_Up + "
		        "Delay_Req/Delay_Resp or Pdelay) in the capture\n",
		        c->files[0]);
		free(ex);
		return EXIT_INPUT;
	}
	double *off = malloc(n * sizeof(*off)), *tt = malloc(n * sizeof(*tt));
	if (!off || !tt) {
		free(off);
		free(tt);
		free(ex);
		return EXIT_INPUT;
	}
	if (c->fmt == OUT_TABLE)
		fprintf(c->out, "%-6s %7s %5s %-20s %-20s %-20s %-20s %12s %12s\n", "kind",
		        "packet", "seq", "t1", "t2", "t3", "t4", "offset[ns]", "delay[ns]");
	else if (c->fmt == OUT_CSV)
		fprintf(c->out, "kind,packet,seq,t1,t2,t3,t4,offset,delay\n");
	else
		fprintf(c->out, "{\"file\": \"%s\", \"exchanges\": [\n", c->files[0]);
	for (size_t i = 0; i < n; i++) {
		print_ex(c, &ex[i], i == 0);
		if (!ex[i].peer) {
			tt[no] = (double)(ex[i].t2 - ex[0].t2) * 1e-9;
			off[no++] = ex[i].offset_ns / 1e9;
		}
	}
	struct basic_stats st;
	if (no && stats_compute(off, no, &st) == 0) {
		if (c->fmt == OUT_TABLE)
			fprintf(c->out,
			        "%zu exchanges (%zu e2e): offset mean %.3f ns, stddev %.3f "
			        "ns, max|offset| %.3f ns\n",
			        n, no, st.mean * 1e9, st.stddev * 1e9, st.max_abs * 1e9);
		if (c->fmt == OUT_JSON) {
			fprintf(c->out, "\n], \"offset_mean\": ");
			out_num(c->out, c->fmt, st.mean);
			fprintf(c->out, ", \"offset_stddev\": ");
			out_num(c->out, c->fmt, st.stddev);
			fprintf(c->out, ", \"offset_max_abs\": ");
			out_num(c->out, c->fmt, st.max_abs);
			fprintf(c->out, "}\n");
		}
	} else if (c->fmt == OUT_JSON) {
		fprintf(c->out, "\n]}\n");
	}
	int rcode = EXIT_OK;
	if (c->plot && no) {
		e = plot_series(c->plot, c->title ? c->title : c->files[0], tt, off, no, "s");
		if (e) {
			fprintf(stderr, "tsync-analyze: plot %s failed (%d)\n", c->plot, e);
			rcode = EXIT_INPUT;
		}
	}
	free(off);
	free(tt);
	free(ex);
	return rcode;
}
