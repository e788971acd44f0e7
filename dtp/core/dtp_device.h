/* SPDX-License-Identifier: MIT */
/*
 * A DTP device: one global counter gc and, per port, a local counter lc, the measured one-way
 * delay d and the port FSM (dtp_port.h). Pure: the caller owns the memory (ports array), delivers
 * messages and timer expiries, and sends what dtp_device_input asks it to send. All counters
 * tick together at the device's oscillator; the caller advances them with dtp_device_tick (the
 * paper's per-tick rule: lc_i += 1, gc = max(gc + 1, lc_i)) or, between messages,
 * dtp_device_advance (the same n ticks at once).
 */
#ifndef DTP_CORE_DEVICE_H
#define DTP_CORE_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/dtp_port.h"
#include "core/dtp_wire.h"

struct dtp_params {
	int64_t alpha;          /* the responder's INIT -> INIT-ACK turnaround, ticks */
	int64_t jump_threshold; /* a beacon that moves lc forward by more is a jump (counted) */
	int64_t guard;          /* jump guard: reject beacons ahead by more (0 = off, plain DTP) */
	int64_t guard_arm;      /* ... once no port has entered SYNC for this many ticks (the
	                         * start-up flood and a rejoin after a partition are accepted) */
	unsigned delay_samples; /* multi-sample delay: after SYNC, INIT again (timed on the
	                         * free-running count) until this many INIT-ACKs are averaged;
	                         * d = the rounded mean (0 or 1: the paper's single exchange) */
	int64_t remeasure;      /* ... and measure K again every this many ticks (0: never); the
	                         * new mean replaces d when all K samples are in */
	/* per-node error bound: |gc - gc(root)| <= hops x hop_bound + self_bound, hops learnt
	 * from BOUND messages (distance vector to the device with root set) */
	bool bound;
	bool root;               /* this device is the reference (hops 0) */
	int64_t hop_bound;       /* ticks per hop (DTP: 4 at beacon intervals up to ~5000 ticks) */
	int64_t self_bound;      /* the node's own term: reading gc at one instant, ticks */
	unsigned bound_max_hops; /* more hops than this is no route (0: 64) */
	unsigned aux_every;      /* a port sends an AUX (BOUND / FREE / RATE in turn) beside every
	                       * Nth BEACON (0: 16) */
	/* frequency syntonization: each port estimates its peer's oscillator against the free-
	 * running count (AUX FREE over >= sync_base ticks). The device's network rate (over its own
	 * oscillator) is net_rate = max(0, max over ports (the peer's network rate (AUX RATE)
	 * composed with the peer's oscillator) - sync_eps): the fastest oscillator's, found hop by
	 * hop; eps (> the estimate's noise) keeps noise from compounding around a cycle. The
	 * counters advance at net_rate - sync_margin: a margin below the network so that the max
	 * rule, which rectifies ~1 tick of noise per beacon, cannot make the network race. */
	bool sync;
	int64_t sync_base;   /* ticks (0: 2^19) */
	int64_t sync_margin; /* 2^-40 units */
	int64_t sync_eps;    /* 2^-40 units */
	/* rate check: a peer whose oscillator is off ours by more than this (2^-40 units; 0: off)
	 * is out of spec: its beacons are rejected and counted, its rate is not followed */
	int64_t rate_limit;
	unsigned burst_div; /* on-demand burst: beacon interval / this (0 or 1: 8) */
};

struct dtp_port {
	enum dtp_port_state state;
	uint64_t lc;     /* local counter */
	int64_t d;       /* one-way delay, ticks (valid in SYNC) */
	uint64_t init_c; /* counter of the outstanding INIT */
	uint64_t beacons, jumps, rejected;
	int64_t dsum; /* sum of (round trip - alpha) over dn samples */
	unsigned dn;
	bool init_free;   /* the outstanding INIT carries the free-running count, not lc */
	bool remeasuring; /* a periodic re-measurement round is collecting rsum/rn */
	int64_t rsum;     /* ... its samples so far */
	unsigned rn;
	uint64_t measured_at; /* free-running count when d was last complete */
	uint32_t peer_hops;   /* the peer's hop count to the root (DTP_HOPS_UNKNOWN) */
	uint32_t ntimer;      /* beacon timers since SYNC (AUX cadence) */
	uint32_t aux_next;    /* which AUX kind goes next */
	uint64_t fa_peer, fa_own, fb_peer, fb_own; /* FREE anchors: a (baseline start), b (next) */
	unsigned fanchors;                         /* 0, 1 (a) or 2 (a and b) */
	int64_t rho;       /* peer oscillator / ours - 1, 2^-40 units (valid: rho_ok) */
	int64_t peer_rate; /* the peer's AUX RATE (valid: peer_rate_ok) */
	bool rho_ok, peer_rate_ok, out_of_spec;
	uint64_t remeasures; /* completed re-measurement rounds */
};

struct dtp_device {
	uint64_t gc;
	struct dtp_port *ports;
	unsigned nports;
	struct dtp_params params;
	uint64_t jumps, rejected;
	int64_t since_sync;   /* ticks since a port last entered SYNC */
	uint64_t free;        /* free-running tick count, never adjusted (round trips in SYNC) */
	uint64_t burst_until; /* free-running count at which an on-demand burst ends */
	bool burst;           /* a burst is on (until burst_until) */
	int64_t net_rate;     /* syntonization: the network's rate over ours - 1, 2^-40 units */
	int64_t rate;         /* counters advance (1 + rate 2^-40) per tick */
	uint64_t rate_acc;    /* ... the fraction carried, 2^-40 units */
};

/* What the caller must do after an input: send at most one message on the port, and arm or
 * stop the port's timers (the enum dtp_port_action timer bits). */
struct dtp_output {
	bool send;
	struct dtp_msg msg;
	unsigned timers; /* DTP_ACT_ARM_RETRY | DTP_ACT_ARM_BEACON | DTP_ACT_STOP_TIMERS */
	int64_t adjust;  /* a beacon's forward correction of lc (0 if none or rejected) */
	bool synced;     /* the port has just entered SYNC */
	bool send_aux;   /* also send aux on the port, right after msg (enhancements) */
	struct dtp_msg aux;
};

void dtp_device_init(struct dtp_device *dev, struct dtp_port *ports, unsigned nports, uint64_t gc,
                     const struct dtp_params *params);
/* One tick of the paper's rule. */
void dtp_device_tick(struct dtp_device *dev);
/* n >= 0 ticks without any input (equal to n calls of dtp_device_tick). */
void dtp_device_advance(struct dtp_device *dev, int64_t n);

/*
 * An event on port p at the current tick: a received message (msg != NULL: INIT, INIT-ACK or
 * BEACON; an INIT-ACK that does not echo the outstanding INIT is ignored), or link up/down,
 * retry timeout, beacon timer (msg == NULL). Returns the output to carry out.
 */
struct dtp_output dtp_device_input(struct dtp_device *dev, unsigned p, enum dtp_port_event ev,
                                   const struct dtp_msg *msg);

/* The per-node error bound in ticks: hops to the root x hop_bound + self_bound, or -1 when
 * the bound enhancement is off or no SYNC port has heard a route to the root. */
int64_t dtp_device_bound(const struct dtp_device *dev);
/* The device's hop count to the root (DTP_HOPS_UNKNOWN if none). */
uint32_t dtp_device_hops(const struct dtp_device *dev);

/* On-demand burst (an input): for the next `ticks` ticks the caller runs the beacon timer at
 * dtp_device_beacon_interval(), base / burst_div. */
void dtp_device_burst(struct dtp_device *dev, int64_t ticks);
int64_t dtp_device_beacon_interval(struct dtp_device *dev, int64_t base); /* ends a burst */

/* Delay from an INIT-ACK: (lc_now - c - alpha) / 2 rounded down, at least 0. Rounding down
 * and an alpha that covers the receive pipelines keep d at or below the true delay: an
 * overestimate would make neighbours push each other forward through the max rule. */
int64_t dtp_delay(uint64_t lc_now, uint64_t c, int64_t alpha);

#endif
