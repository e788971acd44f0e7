/* SPDX-License-Identifier: MIT */
/*
 * The DTP port state machine (Lee et al., SIGCOMM 2016, section 3), as a pure function:
 *
 *   INIT --link up / lc = gc, send INIT, arm retry--> SENT
 *   SENT --INIT-ACK / d = (lc - c - alpha) / 2, arm beacon timer--> SYNC
 *   SENT --retry timeout / send INIT again, re-arm--> SENT
 *   SYNC --beacon timer / send BEACON(gc), re-arm--> SYNC
 *   SYNC --BEACON(c) / lc = max(lc, c + d)--> SYNC
 *   any  --link down / stop timers--> INIT
 *   any  --INIT / send INIT-ACK--> same state (a SYNC port still answers a peer that restarts)
 *
 * Every other (state, event) pair is ignored: same state, no action. The caller (dtp/core/
 * device.c) performs the actions on its counters and timers.
 */
#ifndef DTP_CORE_PORT_H
#define DTP_CORE_PORT_H

enum dtp_port_state {
	DTP_PORT_INIT, /* link down, or not yet started */
	DTP_PORT_SENT, /* INIT sent, waiting for the INIT-ACK */
	DTP_PORT_SYNC, /* delay known: beacons are sent and applied */
	DTP_PORT_NSTATES,
};

enum dtp_port_event {
	DTP_EV_LINK_UP,
	DTP_EV_LINK_DOWN,
	DTP_EV_RX_INIT,
	DTP_EV_RX_INIT_ACK, /* an INIT-ACK that echoes the outstanding INIT's counter */
	DTP_EV_RX_BEACON,
	DTP_EV_RETRY_TIMEOUT,
	DTP_EV_BEACON_TIMER,
	DTP_EV_NEVENTS,
};

enum dtp_port_action {
	DTP_ACT_LC_FROM_GC = 1u << 0,
	DTP_ACT_SEND_INIT = 1u << 1,
	DTP_ACT_SEND_INIT_ACK = 1u << 2,
	DTP_ACT_SEND_BEACON = 1u << 3,
	DTP_ACT_SET_DELAY = 1u << 4,
	DTP_ACT_APPLY_BEACON = 1u << 5,
	DTP_ACT_ARM_RETRY = 1u << 6,
	DTP_ACT_ARM_BEACON = 1u << 7,
	DTP_ACT_STOP_TIMERS = 1u << 8,
};

struct dtp_port_next {
	enum dtp_port_state state;
	unsigned actions; /* enum dtp_port_action bits */
};

struct dtp_port_next dtp_port_step(enum dtp_port_state state, enum dtp_port_event event);

const char *dtp_port_state_name(enum dtp_port_state s);
const char *dtp_port_event_name(enum dtp_port_event e);

#endif
