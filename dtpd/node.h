/* SPDX-License-Identifier: MIT */
/*
 * The dtpd node: dtp/core's device (unchanged) driven from timestamps on a tick counter derived
 * from the node's oscillator, plus what the daemon adds around it. Pure: no I/O, no clock
 * reads; the caller passes the oscillator time (osc, ns: the daemon's CLOCK_MONOTONIC_RAW, the
 * free-running oscillator the counter is derived from, never disciplined), the disciplined
 * clock's time (clk) where a sample needs it and the monotonic time (mono) of every event, and
 * carries out the sends the node asks for through node->send. The unit tests pass osc = clk.
 *
 * Counter and time: the counter ticks at 156.25 MHz (DTP_TICK_PS) of the oscillator; counter
 * c stands for the time epoch + c * 6.4 ns (dtpd_counter_ns). The root starts its gc at its
 * clock's time, the others DTPD_FOLLOWER_LAG ticks (2^50, 83 days) behind theirs, so the max
 * rule hands the root's counter to the network (counters compare modulo 2^53: within 2^52).
 * Every clock follows the network's counter: a follower's from its upstream beacons, the
 * root's from its own counter (dtpd_node_self_sample), so a network counter that runs at
 * another node's faster oscillator (the max rule) carries the root's clock along too.
 *
 * Delay (dtpd's INIT-ACK): echo_ts = the INIT's tx_ts (requester's clock) advanced by the
 * responder's turnaround (its INIT rx stamp to the INIT-ACK's send), so the requester's
 * delay is (t4 - echo_ts) / 2 without knowing the responder's clock. The core gets the same
 * exchange with alpha = turnaround + 2 * margin, and after each sample its d is set to the
 * least delay seen less margin (not the core's mean): a node whose counter leads by less
 * than margin (timestamp noise, a servo still settling) never drags its neighbours forward
 * through the max rule, and one round trip stretched by load never sets lc ahead for good. A
 * port uses no BEACON before it has DTPD_ACQUIRE_SAMPLES delay samples. The discipline's delay
 * is the median of the last DTPD_DELAY_RING samples.
 *
 * Direction: by default counters flow from the root down. A BEACON on a downstream port (all
 * of the root's, upstream 0 of the others) that would move lc forward is rejected and counted
 * (rt.rejected); downstream_max_rule 1 applies it (the paper's symmetric max rule, where one
 * over-estimated delay drags the whole network forward for good).
 *
 * A follower sends no BEACON until it has received one on an upstream port in SYNC (its lagging
 * start counter would otherwise reach downstream nodes as the network's).
 *
 * Wild counters: once the node has the network's counter, a BEACON more than wild_ns ahead
 * of the port's lc is dropped and counted (wild), unless DTPD_WILD_ACCEPT came in a row.
 *
 * Late stamps: an upstream BEACON whose oscillator one-way time (t4 - its tx_ts) exceeds the
 * least of the last DTPD_LATE_RING by more than late_ns gives no sample (counted in late):
 * a DPDK node descheduled on a loaded machine reads its TSC stamp hundreds of us late.
 *
 * Discipline sample (non-root, upstream ports): a BEACON(c) received at t4 says the upstream
 * clock is time(c) + corr + d at t4 (corr: the sender's clock - time(c) from the frame's
 * trailer, include/uapi/dtpd.h): offset = t4 - (time(c) + corr) - d (local - master).
 *
 * Two-step: a BEACON whose trailer carries DTPD_EXT_F_PREV comes from a sender that sends the
 * error of each BEACON's claimed departure (its real TX stamp - tx_ts) in the next one. Its
 * sample waits (pend) until that BEACON brings the correction, and is then brought forward to
 * the new BEACON's rx instant: offset - err + (how far the clock moved) - (how far the
 * oscillator moved) between the two rx stamps (the upstream clock runs at the oscillator's
 * rate: it follows the counter). Fed as it was measured, a beacon old, the sample missed the
 * servo's correction made in between: that loop delay made the kalman servo oscillate
 * (measured: 14 s to lock, offsets to 220 us). A sample whose correction never comes (a lost
 * BEACON, a send without a TX stamp) is dropped and counted (unmatched). Without the flag:
 * one-step, the sample at once.
 *
 * Delay from the BEACONs (PEER in the trailer): every port measures x = its clock at a
 * BEACON's rx - the sender's clock at its departure (offset + delay; two-step corrected) and
 * sends its last x back in its own BEACONs; (x + the peer's x) / 2 is a delay sample on the
 * BEACONs' own path (bdelay_pair_ns: the median of the last DTPD_DELAY_RING). The discipline's
 * delay bdelay_ns is (the median of our x + the median of the peer's x) / 2 over the same
 * pairs: each direction's own median one-way time (the offset cancels between the two), so
 * a servo that holds its input's median near 0 sits at the true offset when the two
 * directions' medians agree, however skewed the one-way times (the median of the pair
 * averages sits above both directions' medians when they are skewed right). Kept within the
 * pair averages' least and greatest (a clock step moves the two medians apart for a BEACON
 * or two). The discipline uses it once it has DTPD_ACQUIRE_SAMPLES, else the INIT exchanges'
 * delay; the own bound the largest of the three.
 */
#ifndef DTPD_NODE_H
#define DTPD_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dtp_device.h"
#include "core/dtp_wire.h"

#define DTPD_MAX_PORTS  8
#define DTPD_DELAY_RING 16
#define DTPD_LATE_RING  4
/* Wild beacons in a row after which the counter is taken (the upstream restarted). */
#define DTPD_WILD_ACCEPT 50
/* Wild beacons in a row after which the counter is taken (the upstream restarted). */
#define DTPD_WILD_ACCEPT 50

struct dtpd_port_rt {
	int64_t retry_at, beacon_at;    /* mono deadlines, 0 = disarmed */
	int64_t last_rx;                /* mono of the last frame received */
	int64_t init_t1;                /* clock time of the outstanding INIT */
	int64_t delay_ns;               /* measured one-way delay (valid in SYNC): the median */
	int64_t dring[DTPD_DELAY_RING]; /* ... of the last exchanges (dn since the link came up) */
	int64_t dn;
	int64_t dmin_ns; /* the least of them: the core's d is this less the margin */
	int64_t last_offset_ns;
	int64_t peer_bound_ns; /* the peer's own bound from its last BEACON's trailer
	                        * (include/uapi/dtpd.h): 0 without one, -1 unknown */
	int64_t peer_corr_ns;  /* ... and its clock - time(counter) at tx (0 without one) */
	/* ... and the two-step correction of the BEACON before it (include/uapi/dtpd.h) */
	bool peer_prev;
	uint64_t peer_prev_tx_ts;
	int64_t peer_prev_err_ns;
	int64_t rx_sys_ns; /* the caller's opaque stamp of this frame, copied to its sample */
	bool peer_x_ok;    /* ... and its last measurement of us (the trailer's PEER) */
	int64_t peer_x_ns;
	bool pend; /* a two-step sender's BEACON waits for its correction: */
	uint64_t pend_tx_ts;
	struct dtpd_pend {
		int64_t x_ns, t4, t4_clk; /* its x; its rx stamp (oscillator, clock) */
	} pend_s;
	uint64_t unmatched;             /* two-step samples whose correction never came: dropped */
	bool x_ok;                      /* our last measurement of the peer from its BEACONs: */
	int64_t x_ns;                   /* our clock at rx - its clock at tx (= offset + delay) */
	int64_t bring[DTPD_DELAY_RING]; /* delays from the BEACONs of both directions */
	int64_t xring[DTPD_DELAY_RING]; /* ... the x and the peer's x they came from */
	int64_t pxring[DTPD_DELAY_RING];
	int64_t bn;
	int64_t bdelay_ns;      /* the discipline's delay (>= 0), -1 before DTPD_ACQUIRE_SAMPLES */
	int64_t bdelay_pair_ns; /* the median of bring (>= 0), -1 before */
	bool upstream;          /* beacons from here discipline the clock */
	bool link;
	uint64_t samples, rx_frames, silences;
	uint64_t rejected; /* downstream beacons that would have moved lc forward */
	uint64_t early;    /* beacons before the port had its first delay samples */
	uint64_t late;     /* beacons stamped late: not used for the discipline */
	uint64_t wild;     /* beacons whose counter jumped > wild_ns ahead: dropped */
	int64_t wild_last_ns;
	unsigned wild_run;
	int64_t owd[DTPD_LATE_RING]; /* the last beacons' oscillator one-way times */
	unsigned owd_n, late_run;
};

struct dtpd_node_params {
	struct dtp_params dtp;
	bool root;
	int64_t epoch_ns;
	int64_t margin_ns;        /* delay margin (see above) */
	int64_t beacon_ns;        /* beacon interval */
	int64_t retry_ns;         /* INIT retry */
	int64_t rx_timeout_ns;    /* silence in SYNC: the link restarts (0: never) */
	bool downstream_max_rule; /* apply downstream beacons too (plain DTP) */
	int64_t late_ns;          /* a beacon this much later than the recent least: no sample */
	int64_t wild_ns;          /* a beacon counter this far ahead of lc is dropped (0: off) */
	int64_t stamp_err_ns;     /* the timestamps' own error, added to the own bound */
	bool beacon_stagger;      /* one BEACON per dtpd_node_timers call (see below) */
};

struct dtpd_sample {
	unsigned port;
	int64_t offset_ns; /* local - master */
	int64_t delay_ns;
	int64_t clk_ns; /* local clock time of the measurement */
	int64_t sys_ns; /* the rx_sys_ns of its BEACON (opaque to the node) */
};

typedef void (*dtpd_send_fn)(void *arg, unsigned port, const struct dtp_frame *f);

struct dtpd_node {
	struct dtp_device dev;
	struct dtp_port ports[DTPD_MAX_PORTS];
	struct dtpd_port_rt rt[DTPD_MAX_PORTS];
	unsigned n;
	struct dtpd_node_params p;
	int64_t dev_clk; /* the clock time the counters stand at */
	int64_t rem_ps;  /* sub-tick remainder */
	bool acquired;   /* a follower has had a beacon from upstream (it beacons from then) */
	dtpd_send_fn send;
	void *send_arg;
};

#define DTPD_FOLLOWER_LAG (INT64_C(1) << 50)

/* Delay samples a port needs before its beacons are used (fewer if delay_samples is less). */
#define DTPD_ACQUIRE_SAMPLES 4

/* The delay a port's discipline samples use: bdelay_ns once known, else delay_ns. */
int64_t dtpd_port_delay(const struct dtpd_port_rt *rt);

/* ns per tick, in ps */
#define DTPD_TICK_PS DTP_TICK_PS

/* Counter -> time: the time of counter c nearest to near_ns (the counter wraps every 2^53
 * ticks, about 667 days). */
int64_t dtpd_counter_ns(int64_t epoch_ns, uint64_t c, int64_t near_ns);
/* Time -> counter (modulo 2^53), rounded down. */
uint64_t dtpd_counter_at(int64_t epoch_ns, int64_t t_ns);
/* The median of v[0..n) (n <= DTPD_DELAY_RING; the mean of the middle two if n is even), 0
 * for n = 0. */
int64_t dtpd_median(const int64_t *v, unsigned n);
/* ns -> whole ticks, rounded toward zero. */
int64_t dtpd_ns_to_ticks(int64_t ns);

/* Bring a frame the node asked for up to the instant it is really sent (osc_now, after other
 * sends of the same round): tx_ts = osc_now, a BEACON's counter advanced by the ticks since
 * (its counter stands for its tx time), an INIT-ACK's turnaround grown by the same. An INIT
 * keeps its counter (the INIT-ACK echoes it): its delay comes from tx_ts and the echo. */
void dtpd_frame_refresh(struct dtp_frame *f, int64_t osc_now);

/* osc_ns, clk_ns: the oscillator and the clock now (the root's counter starts at clk_ns). */
void dtpd_node_init(struct dtpd_node *nd, unsigned nports, const struct dtpd_node_params *p,
                    int64_t osc_ns, int64_t clk_ns, dtpd_send_fn send, void *arg);
/* Advance the counters to oscillator time osc_ns (earlier times are ignored). */
void dtpd_node_advance(struct dtpd_node *nd, int64_t osc_ns);
/* Shift the counters by delta_ns (for a counter derived from a clock that was stepped). */
void dtpd_node_clock_stepped(struct dtpd_node *nd, int64_t delta_ns);
/* The root's sample of its clock (clk) against its own counter at osc: 1 with *s, or 0 for a
 * follower. */
int dtpd_node_self_sample(struct dtpd_node *nd, int64_t osc, int64_t clk, struct dtpd_sample *s);

/* Link state of a port (an event only on a change). */
void dtpd_node_link(struct dtpd_node *nd, unsigned port, bool up, int64_t clk, int64_t mono);
/* A frame received on port with rx stamp t4 (oscillator time; t4_clk the same instant on the
 * clock), handled now (clk_now: the oscillator now, when a reply is sent). Returns 1 with *s
 * filled when it gives a discipline sample, else 0. */
int dtpd_node_rx(struct dtpd_node *nd, unsigned port, const struct dtp_frame *f, int64_t t4,
                 int64_t t4_clk, int64_t clk_now, int64_t mono, struct dtpd_sample *s);
/* Run due timers and the silence check at (oscillator time clk, mono). With beacon_stagger,
 * at most one port's BEACON timer fires per call (the others at the next): on veth the first
 * frame a process sends after its timer woke it reached the peer ~0.8 us later after its TX
 * stamp than a second one sent right after it (measured: 1.2-1.3 us against 0.45-0.7 us),
 * so a root that beaconed both ports at once gave its second port's peer a one-way time that
 * its own (first, cold) BEACON back did not have: half the difference biased that peer. */
void dtpd_node_timers(struct dtpd_node *nd, int64_t clk, int64_t mono);
/* On-demand burst (dtp_device_burst): beacons every beacon_ns / burst_div (8) for the next
 * dur_ns of the oscillator; the armed beacon timers are brought forward. Returns the burst's
 * beacon interval, ns. */
int64_t dtpd_node_burst(struct dtpd_node *nd, int64_t dur_ns, int64_t mono);
/* The earliest armed deadline (mono), or 0. */
int64_t dtpd_node_next_deadline(const struct dtpd_node *nd);
/* true when every port with link is in SYNC (and at least one has link). */
bool dtpd_node_all_sync(const struct dtpd_node *nd);

#endif
