/* SPDX-License-Identifier: MIT */
/*
 * The burst request carried upstream in BEACON trailers (include/uapi/dtpd.h, part 1,
 * DTPD_EXT_F_BURST): which requests a node takes, how long it then bursts, and what it passes
 * on to its own upstream. Pure: times are the caller's monotonic ns.
 */
#ifndef DTPD_BURST_H
#define DTPD_BURST_H

#include <stdbool.h>
#include <stdint.h>

/* Requests that would move the end of the current burst by less than this are taken without
 * restarting it (every BEACON of a bursting follower repeats what is left of its burst). */
#define DTPD_BURST_SLACK_NS 20000000LL

struct dtpd_burst {
	int64_t until;         /* mono at which the burst (local or requested) ends; 0: none yet */
	uint8_t hops;          /* hops to put in the requests we pass upstream (0: pass none on) */
	unsigned long long rx; /* requests taken */
	unsigned long long refused; /* requests refused (the caller counts decode errors too) */
};

/* A burst asked on this node (ctl `burst`, `tsync burst`): it passes the request on with
 * DTPD_BURST_HOPS. */
void dtpd_burst_local(struct dtpd_burst *b, int64_t dur_ns, int64_t mono);
/* The port a request came in on. */
struct dtpd_burst_port {
	bool root;     /* we are the root */
	bool upstream; /* it is one of our upstream ports */
	bool takes;    /* its burst_requests key */
};
/* A request of ms milliseconds and hops (decoded: in range) received on a port. > 0: burst
 * for that many ns from now; 0: taken, the current burst already lasts that long; < 0
 * (-EPERM): refused (from upstream, or burst_requests 0 there), counted, *why says why. */
int64_t dtpd_burst_rx(struct dtpd_burst *b, const struct dtpd_burst_port *port, uint32_t ms,
                      uint8_t hops, int64_t mono, const char **why);
/* What a follower's BEACON on an upstream port carries now: true with *ms and *hops while a
 * burst with hops left is on. */
bool dtpd_burst_tx(const struct dtpd_burst *b, int64_t mono, uint32_t *ms, uint8_t *hops);

#endif
