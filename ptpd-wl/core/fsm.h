/* SPDX-License-Identifier: MIT */
/*
 * IEEE 1588-2019 port state machine (9.2.5, figure 30 and the slave-only figure 31) as pure
 * functions: next = ptp_fsm(state, event, mdiff). No timers, no I/O: the daemon turns timer
 * expiries and BMCA results (bmc.h) into events and acts on the state it gets back.
 */
#ifndef PTPD_CORE_FSM_H
#define PTPD_CORE_FSM_H

#include <stdbool.h>

#include "ds.h"

enum ptp_fsm_event {
	PTP_EV_NONE = 0,
	PTP_EV_POWERUP,
	PTP_EV_INITIALIZE,
	PTP_EV_INIT_COMPLETE, /* initialisation of the port finished (INITIALIZING -> LISTENING) */
	PTP_EV_DESIGNATED_ENABLED,
	PTP_EV_DESIGNATED_DISABLED,
	PTP_EV_FAULT_CLEARED,
	PTP_EV_FAULT_DETECTED,
	PTP_EV_STATE_DECISION_EVENT, /* run the BMCA; changes nothing by itself */
	PTP_EV_QUALIFICATION_TIMEOUT_EXPIRES,
	PTP_EV_ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES,
	PTP_EV_SYNCHRONIZATION_FAULT,
	PTP_EV_MASTER_CLOCK_SELECTED,
	PTP_EV_RS_MASTER,       /* BMCA recommended state M3 */
	PTP_EV_RS_GRAND_MASTER, /* M1 or M2: qualification timeout 0, straight to MASTER */
	PTP_EV_RS_SLAVE,        /* S1 */
	PTP_EV_RS_PASSIVE,      /* P1 or P2 */
	PTP_EV_COUNT
};

/* "POWERUP", ... or "?". */
const char *ptp_fsm_event_str(int event);

/*
 * Full (ordinary or boundary clock, not slave-only) port state machine.
 * mdiff: for RS_SLAVE in UNCALIBRATED or SLAVE, true if the recommended parent differs from
 * the current one (then the port restarts calibration: UNCALIBRATED).
 * Rules beyond the figure: POWERUP and INITIALIZE go to INITIALIZING from every state;
 * DESIGNATED_DISABLED goes to DISABLED from every state; FAULT_DETECTED goes to FAULTY from
 * every state except DISABLED; events a state does not handle leave it unchanged.
 * An invalid state value is returned unchanged except for POWERUP/INITIALIZE.
 */
enum ptp_port_state ptp_fsm(enum ptp_port_state state, enum ptp_fsm_event event, bool mdiff);

/*
 * Slave-only ordinary clock (figure 31): never PRE_MASTER, MASTER or PASSIVE. RS_MASTER,
 * RS_GRAND_MASTER, RS_PASSIVE and ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES lead to LISTENING; a
 * master-side state handed in (PRE_MASTER, MASTER, PASSIVE) is treated as LISTENING.
 */
enum ptp_port_state ptp_fsm_slave_only(enum ptp_port_state state, enum ptp_fsm_event event,
                                       bool mdiff);

#endif
