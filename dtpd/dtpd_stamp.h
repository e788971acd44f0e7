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

#endif
