/* SPDX-License-Identifier: MIT */
/* The control socket's `status` reply (one kv line, tsync/kv.h), built from a node. */
#ifndef DTPD_STATUS_H
#define DTPD_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"

struct dtpd_status_extra {
	const char *servo; /* servo state name */
	int64_t clk_ns;    /* the node's clock now (counters advanced to it) */
	int64_t real_ns;   /* CLOCK_REALTIME at the same instant */
	double est_ns;     /* servo 1-sigma estimate, < 0: none */
	unsigned long long samples;
	const char *ts;                       /* timestamp source ("sys", "tsc", "nic") */
	const unsigned long long *beacons_tx; /* per port, BEACONs sent (NULL: not shown) */
	unsigned long long burst_rx;          /* burst requests taken from downstream */
	unsigned long long burst_refused;     /* and refused (from upstream, out of range) */
};

/* "ok role=... gc=... gc_minus_real_ns=... bound_ns=... pN_state=..." into buf: the reply
 * length or -errno. The own bound (non-root): the worst upstream port's (the upstream's own
 * bound from its frames' trailer + |last offset| + its one-way delay: the unseen asymmetry is
 * at most that), + 3 sigma of the servo's estimate, + the delay margin, + the timestamps'
 * own error where they are not taken at the wire (stamp_err_ns: DPDK's TSC stamps); the
 * root's is 0; -1
 * while an upstream's bound is unknown or no sample came yet. */
int dtpd_status(const struct dtpd_node *nd, const struct dtpd_status_extra *x, char *buf,
                size_t cap);
/* The bound the status reports, ns. */
int64_t dtpd_own_bound(const struct dtpd_node *nd, double est_ns);
#endif
