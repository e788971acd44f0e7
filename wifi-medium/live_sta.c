// SPDX-License-Identifier: MIT
/*
 * tsync-wifi-medium --live: the station side (live_private.h). Each live station K listens on
 * DIR/staK.sock (one process at a time), is described in DIR/staK.info, gets a pcap stream of
 * the records it hears (written without blocking: a station that does not keep up loses them,
 * counted) and sends a pcap stream of frames to inject, read through libpcap one record per
 * readable poll() (the FILE is unbuffered so that poll() sees every unread byte).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "live_private.h"
#include "tsf.h"
#include "tsync/ieee80211.h"
#include "tsync/radiotap.h"

/* ---- writing records ---- */
void live_write_record(struct live *lv, const struct pend *p)
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
	int64_t now = live_realtime_ns();
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

/* ---- station sockets ---- */
int live_sta_listen(struct live *lv, unsigned k)
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
	live_sta_mac(m, k);
	fprintf(f, "mac %s\ntsf_offset_us %llu\ntsf_ppb %d\nt0_ns %lld\n", wlan_addr_fmt(m, ms),
	        (unsigned long long)lv->tsf[k].offset_us, lv->tsf[k].ppb, (long long)lv->t0);
	fclose(f);
	return 0;
}

void live_sta_drop(struct sta *st)
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

void live_sta_accept(struct live *lv, unsigned k)
{
	struct sta *st = &lv->sta[k];
	int fd = accept4(st->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	live_sta_drop(st);
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
		live_sta_drop(st);
}

/* Read one injected record from station k (its fd is readable). */
void live_sta_read(struct live *lv, unsigned k, uint64_t now)
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
			live_sta_drop(st);
			return;
		}
		if (pcap_datalink(st->in) != DLT_IEEE802_11_RADIO) {
			fprintf(stderr, PROG ": station %u: link type %d is not radiotap (127)\n",
			        k, pcap_datalink(st->in));
			live_sta_drop(st);
		}
		return;
	}
	struct pcap_pkthdr *ph;
	const u_char *d;
	int rc = pcap_next_ex(st->in, &ph, &d);
	if (rc != 1) {
		if (rc == PCAP_ERROR)
			fprintf(stderr, PROG ": station %u: %s\n", k, pcap_geterr(st->in));
		live_sta_drop(st); /* end of stream: the station went away */
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
	int slot = live_pool_get(lv);
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
			live_sta_mac(m, s);
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

int live_open_capture(struct live *lv, unsigned k)
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
