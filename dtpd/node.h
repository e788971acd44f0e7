/* SPDX-License-Identifier: MIT */
/*
 * The dtpd node: dtp/core's device (unchanged) driven from timestamps on a tick counter derived
 * from the node's clock, plus what the daemon adds around it. Pure: no I/O, no clock reads; the
 * caller passes the clock time (clk, ns on the node's clock) and the monotonic time (mono, ns)
 * of every event and carries out the sends the node asks for through node->send.
 *
 * Counter and time: the counter ticks at 156.25 MHz (DTP_TICK_PS) of the node's clock; counter
 * c stands for the time epoch + c * 6.4 ns (dtpd_counter_ns). The root starts its gc at its
 * clock's time, the others at 0, so the max rule hands the root's counter to the network.
 *
 * Delay (dtpd's INIT-ACK): echo_ts = the INIT's tx_ts (requester's clock) advanced by the
 * responder's turnaround (its INIT rx stamp to the INIT-ACK's send), so the requester's
 * delay is (t4 - echo_ts) / 2 without knowing the responder's clock. The core gets the same
 * exchange with alpha = turnaround + 2 * margin: its d is the true delay less margin, so a
 * node whose counter leads by less than margin (timestamp noise, a servo still settling)
 * never drags its neighbours forward through the max rule.
 *
 * Discipline sample (non-root, upstream ports): a BEACON(c) received at t4 says the upstream
 * counter is c + d at t4: offset = t4 - (time of c) - d (local - master).
 */
#ifndef DTPD_NODE_H
#define DTPD_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dtp_device.h"
#include "core/dtp_wire.h"

#define DTPD_MAX_PORTS 8

struct dtpd_port_rt {
	int64_t retry_at, beacon_at; /* mono deadlines, 0 = disarmed */
	int64_t last_rx;             /* mono of the last frame received */
	int64_t init_t1;             /* clock time of the outstanding INIT */
	int64_t delay_ns;            /* measured one-way delay (valid in SYNC) */
	int64_t last_offset_ns;
	bool upstream; /* beacons from here discipline the clock */
	bool link;
	uint64_t samples, rx_frames, silences;
};

struct dtpd_node_params {
	struct dtp_params dtp;
	bool root;
	int64_t epoch_ns;
	int64_t margin_ns;     /* delay margin (see above) */
	int64_t beacon_ns;     /* beacon interval */
	int64_t retry_ns;      /* INIT retry */
	int64_t rx_timeout_ns; /* silence in SYNC: the link restarts (0: never) */
};

struct dtpd_sample {
	unsigned port;
	int64_t offset_ns; /* local - master */
	int64_t delay_ns;
	int64_t clk_ns; /* local clock time of the measurement */
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
	dtpd_send_fn send;
	void *send_arg;
};

/* ns per tick, in ps */
#define DTPD_TICK_PS DTP_TICK_PS

/* Counter -> time: the time of counter c nearest to near_ns (the counter wraps every 2^53
 * ticks, about 667 days). */
int64_t dtpd_counter_ns(int64_t epoch_ns, uint64_t c, int64_t near_ns);
/* Time -> counter (modulo 2^53), rounded down. */
uint64_t dtpd_counter_at(int64_t epoch_ns, int64_t t_ns);
/* ns -> whole ticks, rounded toward zero. */
int64_t dtpd_ns_to_ticks(int64_t ns);

void dtpd_node_init(struct dtpd_node *nd, unsigned nports, const struct dtpd_node_params *p,
                    int64_t clk_ns, dtpd_send_fn send, void *arg);
/* Advance the counters to clk_ns (earlier times are ignored). */
void dtpd_node_advance(struct dtpd_node *nd, int64_t clk_ns);
/* The clock was stepped by delta_ns: the counters follow it (they are derived from it). */
void dtpd_node_clock_stepped(struct dtpd_node *nd, int64_t delta_ns);

/* Link state of a port (an event only on a change). */
void dtpd_node_link(struct dtpd_node *nd, unsigned port, bool up, int64_t clk, int64_t mono);
/* A frame received on port at clock time t4 (its rx stamp on the node's clock), handled now
 * (clk_now: the clock now, when a reply is sent). Returns 1 with *s filled when it gives a
 * discipline sample, else 0. */
int dtpd_node_rx(struct dtpd_node *nd, unsigned port, const struct dtp_frame *f, int64_t t4,
                 int64_t clk_now, int64_t mono, struct dtpd_sample *s);
/* Run due timers and the silence check at (clk, mono). */
void dtpd_node_timers(struct dtpd_node *nd, int64_t clk, int64_t mono);
/* The earliest armed deadline (mono), or 0. */
int64_t dtpd_node_next_deadline(const struct dtpd_node *nd);
/* true when every port with link is in SYNC (and at least one has link). */
bool dtpd_node_all_sync(const struct dtpd_node *nd);

#endif
