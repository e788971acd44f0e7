/* SPDX-License-Identifier: MIT */
/*
 * The `tsync status` reply of a sync daemon's management socket (ptpd-wl writes it,
 * ptpd-wl/daemon/tsync_ctl.c; vmclockd reads it, vmclock/ptpd_pull.c), defined once
 * (lib/ipc/status.c):
 *   ok port_state=SLAVE servo=s2 status=synchronized offset_ns=N est_ns=E freq_ppb=F
 *      delay_ns=D log_sync=L samples=N age_ms=A burst_s=B offset_avg_ns=M delay_avg_ns=P
 *      offset_med_ns=R offset_peak_ns=K
 * est_ns: the servo's 1-sigma estimate of its own time error (-1: the servo has none);
 * age_ms: since the last offset sample (-1: none yet); status: what a vmclock page should
 * say; offset_avg_ns: the offsets averaged over ~0.1 s (an exponential average with a 0.1 s
 * time constant: the last offset at 1 Sync/s, ~13 samples' worth at 64 Sync/s); delay_avg_ns:
 * the same average of the mean path delay, at each new delay sample; offset_med_ns: the median
 * of the offsets measured in the last 0.125 s, taken at every sample (the last offset at
 * 1 Sync/s, the median of ~8 at 64 Sync/s: one stamp's noise hardly moves it, a change of the
 * clock's error that lasts over half the window does); offset_peak_ns: of the medians of the
 * last 0.125 s the one largest in magnitude (a reader polling every 0.1 s misses none). A reader needs status and est_ns; the other fields are optional (have says which came).
 */
#ifndef TSYNC_STATUS_H
#define TSYNC_STATUS_H

#include <stddef.h>
#include <stdint.h>

/* What a vmclock page should say; the values are the vmclock ABI's VMCLOCK_STATUS_*. */
enum tsync_sync_state {
	TSYNC_SYNCHRONIZED = 2, /* a slave port, servo locked, a sample within 4 Sync intervals */
	TSYNC_FREERUNNING = 3,  /* no master (or free_running) */
	TSYNC_UNRELIABLE = 4,   /* anything else */
};

enum {
	TSYNC_ST_PORT_STATE = 1 << 0,
	TSYNC_ST_SERVO = 1 << 1,
	TSYNC_ST_OFFSET = 1 << 2,
	TSYNC_ST_FREQ = 1 << 3,
	TSYNC_ST_DELAY = 1 << 4,
	TSYNC_ST_LOG_SYNC = 1 << 5,
	TSYNC_ST_SAMPLES = 1 << 6,
	TSYNC_ST_AGE = 1 << 7,
	TSYNC_ST_BURST = 1 << 8,
	TSYNC_ST_OFFSET_AVG = 1 << 9,
	TSYNC_ST_DELAY_AVG = 1 << 10,
	TSYNC_ST_OFFSET_MED = 1 << 11,
	TSYNC_ST_OFFSET_PEAK = 1 << 12,
	TSYNC_ST_ALL = (1 << 13) - 1,
};

struct tsync_status {
	enum tsync_sync_state status;
	double est_ns;       /* 1-sigma estimate of the time error, -1: none */
	char port_state[24]; /* "SLAVE", "MASTER", ... */
	int servo;           /* servo state (s0 unlocked, s1 jump, s2 locked) */
	int64_t offset_ns;   /* last measured offset from the master */
	double freq_ppb;
	int64_t delay_ns; /* mean path delay */
	int log_sync;     /* the master's Sync interval, log2 s */
	uint64_t samples;
	double age_ms;         /* since the last sample, -1: none */
	double burst_s;        /* seconds of burst left */
	double offset_avg_ns;  /* offsets averaged over ~0.1 s */
	double delay_avg_ns;   /* mean path delays averaged over ~0.1 s */
	double offset_med_ns;  /* median of the offsets of the last 0.125 s */
	double offset_peak_ns; /* the largest of those medians in magnitude, same window */
	unsigned have; /* TSYNC_ST_*: the optional fields present (decode) or to write (encode) */
};

/* "synchronized", "freerunning", "unreliable"; NULL for another value. */
const char *tsync_sync_state_name(enum tsync_sync_state s);
/* The state a word names: 0 or -EINVAL. */
int tsync_sync_state_parse(const char *word, enum tsync_sync_state *s);

/* Write the reply (no newline): its length, -EINVAL (a field out of its domain) or
 * -EMSGSIZE (len too small); out is "" on error. */
int tsync_status_encode(const struct tsync_status *st, char *out, size_t len);
/* Read a reply: 0 or -EPROTO (not "ok", malformed, status or est_ns missing, a field out of
 * its domain). */
int tsync_status_decode(const char *reply, struct tsync_status *st);

#endif
