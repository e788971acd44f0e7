/* SPDX-License-Identifier: MIT */
/* tsync-wifi-medium --live internals shared by live.c (the loop) and live_sta.c (the stations'
 * sockets and records). */
#ifndef TSYNC_WIFI_LIVE_PRIVATE_H
#define TSYNC_WIFI_LIVE_PRIVATE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "live.h"
#include "tsf.h"

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

/* helpers (live.c) */
int64_t live_realtime_ns(void);
void live_sta_mac(uint8_t a[6], unsigned s);
int live_pool_get(struct live *lv);                       /* a free frame slot, or -1 */
unsigned live_refs(const struct live *lv, unsigned slot); /* pending records using slot */

/* stations (live_sta.c); 0 or -1 after printing why */
int live_sta_listen(struct live *lv, unsigned k);   /* DIR/staK.sock and DIR/staK.info */
int live_open_capture(struct live *lv, unsigned k); /* --capture DIR2/staK.pcap */
void live_sta_accept(struct live *lv, unsigned k);  /* a station process connects */
void live_sta_drop(struct sta *st);                 /* it goes away */
/* one injected record from station k (its fd is readable), queued at true time now */
void live_sta_read(struct live *lv, unsigned k, uint64_t now);
/* write a due record to its station (and its capture) */
void live_write_record(struct live *lv, const struct pend *p);

#endif
