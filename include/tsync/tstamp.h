/* SPDX-License-Identifier: MIT */
/*
 * Tagged timestamps: a time in ns together with where it was taken and how fine it is, so that
 * one transport API serves software stamps, PHC stamps, NIC tick counters (DTP over DPDK), the
 * 802.11 TSF and the TSC, and a consumer (a daemon, a clock's mapping op) can tell them apart
 * instead of guessing from configuration.
 *
 *   ns      the time on the source's own time base, nanoseconds:
 *             TS_SRC_SYS   CLOCK_REALTIME (kernel software stamps)
 *             TS_SRC_PHC   the interface's PTP hardware clock (index in dev)
 *             TS_SRC_NIC   a NIC's free-running tick counter, converted to ns at its nominal
 *                          period (e.g. DTP's 6.4 ns ticks); dev names the port
 *             TS_SRC_TSF   the 802.11 TSF (1 us counter) * 1000; dev names the phy
 *             TS_SRC_TSC   the CPU's TSC converted to ns (see counter.h for calibration)
 *             TS_SRC_SIM   a simulation's or the loop transport's synthetic time base
 *           A counter source keeps its raw value in raw (ticks), the conversion to ns being
 *           the producer's nominal one: precise mapping onto a clock is the consumer's job.
 *   res_ps  the resolution (one tick of the source), picoseconds; 0 = unknown
 *   src     TS_SRC_NONE (with ns 0) means "no timestamp"
 *
 * Pure data and helpers, no I/O: transports, clocks and daemons can all include it.
 */
#ifndef TSYNC_TSTAMP_H
#define TSYNC_TSTAMP_H

#include <stdbool.h>
#include <stdint.h>
#include "tsync/time.h"

enum ts_source {
	TS_SRC_NONE = 0, /* no timestamp */
	TS_SRC_SYS,      /* system clock (CLOCK_REALTIME), software stamping */
	TS_SRC_PHC,      /* PTP hardware clock of the NIC */
	TS_SRC_NIC,      /* NIC tick counter (not a PHC: DPDK raw ticks, DTP counter) */
	TS_SRC_TSF,      /* 802.11 timing synchronization function counter */
	TS_SRC_TSC,      /* CPU time stamp counter */
	TS_SRC_SIM,      /* synthetic: simulation or loop transport time base */
};
#define TS_SRC_COUNT (TS_SRC_SIM + 1)

/* Resolutions of the common sources, ps. */
#define TS_RES_NS  1000u    /* a timespec / ktime: 1 ns */
#define TS_RES_TSF 1000000u /* 802.11 TSF: 1 us */

struct tsync_ts {
	tmv_t ns;         /* time on the source's time base, ns; 0 with TS_SRC_NONE */
	uint64_t raw;     /* counter sources: the raw counter value, ticks; else 0 */
	uint32_t res_ps;  /* resolution, ps (0: unknown) */
	uint16_t dev;     /* which instance of the source (PHC index, NIC port, phy), or 0 */
	uint8_t src;      /* enum ts_source */
	uint8_t reserved; /* 0 */
};

/* A timestamp of src at ns with resolution res_ps (raw and dev 0). */
static inline struct tsync_ts tsync_ts_make(enum ts_source src, tmv_t ns, uint32_t res_ps)
{
	struct tsync_ts t = {.ns = ns, .res_ps = res_ps, .src = (uint8_t)src};
	return t;
}

/* The "no timestamp" value (all zero). */
static inline struct tsync_ts tsync_ts_none(void)
{
	struct tsync_ts t = {0};
	return t;
}

/* true when t carries a time (a source other than NONE and a non-zero ns). */
static inline bool tsync_ts_valid(const struct tsync_ts *t)
{
	return t->src != TS_SRC_NONE && t->ns != 0;
}

/* Short lowercase names: "none", "sys", "phc", "nic", "tsf", "tsc", "sim"; "?" if unknown. */
const char *ts_source_name(enum ts_source src);
/* Parse one of those names; 0 or -EINVAL. */
int ts_source_parse(const char *name, enum ts_source *out);

/* One line for logs: "phc0 1 ns", "tsf 1 us", "sys 1 ns", "none"; returns buf. */
char *tsync_ts_describe(const struct tsync_ts *t, char *buf, unsigned long len);

#endif
