/* SPDX-License-Identifier: MIT */
/*
 * tsync-wifi-medium --live: the DCF medium (dcf.h) paced by CLOCK_REALTIME, with stations
 * 0..nlive-1 driven by processes over Unix stream sockets DIR/staK.sock:
 *
 *   medium -> station   a pcap stream (nanosecond pcap header, DLT_IEEE802_11_RADIO), one
 *                       record per frame the station hears, written when the frame's last bit
 *                       is on the air: radiotap TSFT = the station's TSF at the first MPDU bit
 *                       (tsf.h: 1 us, offset, drift), RX_FLAGS present; the station's own
 *                       frames (and the ACKs it sends) come back as TX status (TX_FLAGS
 *                       present) with the TSF at their first bit. pcap time = CLOCK_REALTIME
 *                       at the write. A station opens it with pcap_fopen_offline().
 *   station -> medium   a pcap stream (any pcap header of DLT_IEEE802_11_RADIO, then one
 *                       record per frame to inject: radiotap header + 802.11 frame without
 *                       FCS), as pcap_dump() writes it; each frame joins its station's DCF
 *                       queue when the medium reads it.
 *
 * DIR/staK.info describes station K to its process: "mac M", "tsf_offset_us U", "tsf_ppb P"
 * and "t0_ns T" (CLOCK_REALTIME at the medium's true time 0), so the station can read its
 * TSF as a driver reads the TSF register: tsf_at(offset, ppb, CLOCK_REALTIME - t0).
 * Unicast frames go to their receiver (ACKed), group-addressed ones to every live station.
 * Stations nlive..n-1 are background: station nlive is a sink, the others send it Poisson
 * data at the offered load.
 */
#ifndef TSYNC_WIFI_LIVE_H
#define TSYNC_WIFI_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "dcf.h"

struct live_cfg {
	const char *dir;
	unsigned n, nlive;  /* stations in all, driven by processes */
	double load;        /* offered airtime of the background senders (0: none) */
	double duration;    /* s (<= 0: until SIGINT/SIGTERM) */
	uint32_t rate, len; /* background frames and the default rate of injected ones */
	uint64_t seed;
	double ppm; /* TSF rate errors drawn in +-ppm */
	/* DIR2/staK.pcap (NULL: none): each record offered to live station K while connected */
	const char *capture;
};

/* One record for a live station, planned from a DCF event (pure). */
struct live_out {
	unsigned sta;
	bool tx;           /* TX status of the station's own frame (or of the ACK it sent) */
	bool ack;          /* the record is the ACK, not the frame */
	uint64_t first_ns; /* true time of the first MPDU bit (TSFT is taken there) */
	uint64_t due_ns;   /* true time of the last bit: when it is written */
};
/* The records an event gives the live stations 0..nlive-1: the frame to its receiver (or to
 * every other live station when dst < 0), its TX status to the sender, and for a unicast
 * success the ACK: TX status to its sender and RX at the frame's sender. Returns the count
 * (at most nlive + 3); plcp_ns is the PHY preamble before the first MPDU bit. */
unsigned live_plan(const struct dcf_event *e, unsigned nlive, uint64_t plcp_ns,
                   struct live_out *out);

/* Run the live medium; 0, or 1 after an error (printed). */
int live_run(const struct live_cfg *cfg);

#endif
