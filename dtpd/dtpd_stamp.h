/* SPDX-License-Identifier: MIT */
/*
 * Which stamp a DPDK port's frame gets (dpdk_tp.c): the NIC's (rte_eth_timesync_*) when the
 * PMD enabled timesync, else the TSC stamp taken at the burst. The timesync calls go through
 * struct dtpd_timesync_ops, so the choice is unit-tested against a fake timesync device
 * (tests/unit/dtpd/test_stamp.c) on machines without such a NIC. Pure, no DPDK headers.
 */
#ifndef DTPD_STAMP_H
#define DTPD_STAMP_H

#include <stdbool.h>
#include <time.h>

#include "tsync/tstamp.h"

struct dtpd_timesync_ops {
	int (*enable)(void *dev);                       /* 0: timesync is on */
	int (*read_rx)(void *dev, struct timespec *ts); /* 0 with the last rx stamp */
	int (*read_tx)(void *dev, struct timespec *ts); /* 0 with the last tx stamp */
};

struct dtpd_stamper {
	const struct dtpd_timesync_ops *ops;
	void *dev;
	bool nic;          /* timesync enabled: NIC stamps, else TSC */
	unsigned tx_tries; /* reads of a TX stamp before giving up (the NIC may be late) */
	unsigned long long rx_missing, tx_missing; /* NIC stamps that never came */
};

/* Ask for timesync (ops->enable); returns s->nic. */
bool dtpd_stamper_init(struct dtpd_stamper *s, const struct dtpd_timesync_ops *ops, void *dev,
                       unsigned tx_tries);
/* The stamp of a received frame: the NIC's (TS_SRC_NIC), none if the NIC had none (counted),
 * or tsc (the TSC stamp taken after the burst) without timesync. */
struct tsync_ts dtpd_stamper_rx(struct dtpd_stamper *s, struct tsync_ts tsc);
/* The same for a sent frame (tsc: taken before the burst). */
struct tsync_ts dtpd_stamper_tx(struct dtpd_stamper *s, struct tsync_ts tsc);

/* A PMD's per-mbuf RX timestamp (the RTE_MBUF_DYNFIELD_TIMESTAMP field with the
 * RTE_MBUF_DYNFLAG_RX_TIMESTAMP flag) as CLOCK_REALTIME ns. DPDK leaves its unit and origin
 * to the PMD; net_pcap (22.11 and 23.11) stores libpcap's capture time, the kernel's software
 * RX stamp, as CLOCK_REALTIME in us. real_ns: CLOCK_REALTIME now. The unit is found once
 * (*unit: 0 unknown, then 1 for ns or 1000 for us) as the one that puts v within
 * DTPD_MBUF_TS_WINDOW_NS before now (frames wait ms in libpcap's ring: never after now by more
 * than 1 s); a us stamp stands for the middle of its us. -1: no such unit (or v out of the
 * window once the unit is known): use the TSC. */
#define DTPD_MBUF_TS_WINDOW_NS (60LL * 1000000000LL)
int64_t dtpd_mbuf_stamp_ns(unsigned long long v, long long real_ns, int *unit);

#endif
