/* SPDX-License-Identifier: MIT */
/*
 * 802.11 Timing Measurement / FTM exchanges in a radiotap capture (tsync-analyze radiotap).
 *
 * A TM or FTM frame with follow_up = k carries t1 (TOD) and t4 (TOA of its ACK) of the
 * earlier frame, from the same transmitter to the same receiver, whose dialog token is k.
 * t2 and t3 are the capture's MAC times (radiotap TSFT) of that earlier frame and of the ACK
 * sent back to its transmitter: they are the receiving station's, so the offset
 * ((t2 - t1) - (t4 - t3)) / 2 (receiver minus responder) only means something in a capture
 * taken on the receiving station's own monitor interface. A TM frame's TOD/TOA are 32-bit
 * counts of 10 ns (they wrap every 42.9 s): t1 and t4 are unwrapped to the values nearest t2,
 * which holds while the two clocks are less than 21 s apart.
 */
#ifndef TSYNC_ANALYSIS_WIFI_EXCH_H
#define TSYNC_ANALYSIS_WIFI_EXCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/ieee80211.h"

/* One frame as the matcher needs it. */
struct wifi_frame {
	unsigned long frame;
	bool has_tsft;
	uint64_t tsft_us;
	uint8_t type, subtype;
	uint8_t ta[6], ra[6];
	bool has_ta;
	struct wlan_timing timing; /* kind NONE unless a TM/FTM frame */
};

struct wifi_exchange {
	enum wlan_timing_kind kind; /* WLAN_TM or WLAN_FTM */
	unsigned long frame;        /* the follow-up frame (carrying t1, t4) */
	unsigned long measured;     /* the frame measured (dialog = follow_up), 0: not captured */
	unsigned long ack;          /* its ACK, 0: not captured */
	uint8_t ta[6], ra[6];       /* the responder (sender of both), the receiver */
	uint8_t dialog;             /* of the measured frame */
	uint64_t t1_ps, t4_ps;
	bool have_t2, have_t3;
	uint64_t t2_us, t3_us;      /* TSFT */
	double offset_ns, delay_ns; /* NAN unless t2 and t3 were captured */
};

/* The exchanges in frames[0..n) (in capture order) into out (up to max); their count. */
size_t wifi_exchanges(const struct wifi_frame *frames, size_t n, struct wifi_exchange *out,
                      size_t max);

#endif
