// SPDX-License-Identifier: MIT
/*
 * ptp-wifi-replay: read back a slave station's capture of the emulated medium
 * (tsync-wifi-medium --live --capture) through the wifi transport's own parser and score the
 * PTP exchanges in it against the medium's truth. t2 (Sync RX) and t3 (Delay_Req TX status)
 * are the capture's TSFT, turned into true time with the station's TSF model (DIR/staK.info:
 * the medium's truth, not the transport's tracking); t1 and t4 come from the master's
 * Follow_Up and Delay_Resp. With A = t1 - t2 (master minus true, less the path delay d) and
 * B = t4 - t3 (master minus true, plus d), the master's clock minus true time is (A + B) / 2
 * and the path delay (B - A) / 2, from the means over the capture: what the live slave should
 * have measured.
 *
 *   ptp-wifi-replay CAPTURE INFO
 * prints "replay syncs=N delay_reqs=M master_minus_true_ns=X path_delay_ns=D
 * sync_rms_ns=Y bad=B" (Y: RMS of A about its mean); exit 0, 1 when no complete exchange was
 * found, 2 on a usage or file error.
 */
#include <math.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/msg.h"
#include "wifi/wifi_frame.h"
#include "wifi/wifi_tsf.h"

#define SEQS 65536

struct stat2 {
	double n, sum, sum2;
};

static void add(struct stat2 *s, double v)
{
	s->n++;
	s->sum += v;
	s->sum2 += v * v;
}

static double mean(const struct stat2 *s)
{
	return s->n ? s->sum / s->n : NAN;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE], text[512];
	if (argc != 3) {
		fprintf(stderr, "usage: ptp-wifi-replay CAPTURE INFO\n");
		return 2;
	}
	FILE *f = fopen(argv[2], "r");
	size_t tn = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f)
		fclose(f);
	text[tn] = 0;
	uint8_t mac[6];
	uint64_t off_us;
	int32_t ppb;
	int64_t t0;
	const char *why = "unreadable";
	if (!f || wifi_tsf_info_parse(text, mac, &off_us, &ppb, &t0, &why)) {
		fprintf(stderr, "ptp-wifi-replay: %s: %s\n", argv[2], why);
		return 2;
	}
	pcap_t *p =
	        pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		fprintf(stderr, "ptp-wifi-replay: %s\n", err);
		return 2;
	}
	/* per sequenceId: t2 / t3 in true ns (0: not seen) */
	static double t2[SEQS], t3[SEQS];
	struct stat2 sa = {0}, sb = {0};
	struct ptp_port_id self = {0}; /* the slave's port, from its own Delay_Req */
	unsigned long bad = 0, nrec = 0;
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(p, &h, &d) == 1) {
		struct wifi_rx rx;
		struct ptp_msg m;
		nrec++;
		if (wifi_frame_parse(d, h->caplen, &rx, &why)) {
			if (bad++ < 5)
				fprintf(stderr, "ptp-wifi-replay: %s: packet %lu: %s\n", argv[1],
				        nrec, why);
			continue;
		}
		if (rx.kind != WIFI_PTP || msg_parse(rx.payload, rx.payload_len, &m))
			continue;
		/* the TSF model inverted: the true time of the first bit, mid-microsecond */
		double tt = (double)t0 +
		            ((double)rx.tsft * 1e3 + 500 - (double)off_us * 1e3) / (1 + ppb * 1e-9);
		double corr = (double)ptp_corr_to_ns(m.hdr.correction);
		bool mine = !memcmp(rx.h.ta, mac, 6);
		switch (m.hdr.type) {
		case PTP_SYNC:
			if (!mine && !rx.tx_status)
				t2[m.hdr.seq] = tt;
			break;
		case PTP_FOLLOW_UP:
			if (!mine && t2[m.hdr.seq] != 0) {
				double t1 =
				        (double)ptp_ts_to_tmv(&m.follow_up.precise_origin) + corr;
				add(&sa, t1 - t2[m.hdr.seq]);
				t2[m.hdr.seq] = 0;
			}
			break;
		case PTP_DELAY_REQ:
			if (mine && rx.tx_status) {
				t3[m.hdr.seq] = tt;
				self = m.hdr.source;
			}
			break;
		case PTP_DELAY_RESP:
			if (!mine && t3[m.hdr.seq] != 0 &&
			    !memcmp(&m.delay_resp.requesting, &self, sizeof(self))) {
				double t4 = (double)ptp_ts_to_tmv(&m.delay_resp.receive) - corr;
				add(&sb, t4 - t3[m.hdr.seq]);
				t3[m.hdr.seq] = 0;
			}
			break;
		default:
			break;
		}
	}
	pcap_close(p);
	double a = mean(&sa), b = mean(&sb);
	printf("replay syncs=%.0f delay_reqs=%.0f master_minus_true_ns=%.0f path_delay_ns=%.0f "
	       "sync_rms_ns=%.0f bad=%lu\n",
	       sa.n, sb.n, (a + b) / 2, (b - a) / 2,
	       sa.n ? sqrt(fmax(0, sa.sum2 / sa.n - a * a)) : NAN, bad);
	return sa.n && sb.n ? 0 : 1;
}
