// SPDX-License-Identifier: MIT
/* Port state machines (IEEE 1588-2019 9.2.5): pure functions of (state, event, mdiff). */
#include "fsm.h"

const char *ptp_port_state_str(int state)
{
	static const char *const names[PTP_PS_COUNT] = {
	        "?",          "INITIALIZING", "FAULTY",  "DISABLED",     "LISTENING",
	        "PRE_MASTER", "MASTER",       "PASSIVE", "UNCALIBRATED", "SLAVE",
	};

	return state > 0 && state < PTP_PS_COUNT ? names[state] : "?";
}

const char *ptp_fsm_event_str(int event)
{
	static const char *const names[PTP_EV_COUNT] = {
	        "NONE",
	        "POWERUP",
	        "INITIALIZE",
	        "INIT_COMPLETE",
	        "DESIGNATED_ENABLED",
	        "DESIGNATED_DISABLED",
	        "FAULT_CLEARED",
	        "FAULT_DETECTED",
	        "STATE_DECISION_EVENT",
	        "QUALIFICATION_TIMEOUT_EXPIRES",
	        "ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
	        "SYNCHRONIZATION_FAULT",
	        "MASTER_CLOCK_SELECTED",
	        "RS_MASTER",
	        "RS_GRAND_MASTER",
	        "RS_SLAVE",
	        "RS_PASSIVE",
	};

	return event >= 0 && event < PTP_EV_COUNT ? names[event] : "?";
}

static bool valid_state(int s)
{
	return s >= PTP_PS_INITIALIZING && s <= PTP_PS_SLAVE;
}

/* Transitions shared by every state of both machines; returns 0 if none applies. */
static enum ptp_port_state common(enum ptp_port_state s, enum ptp_fsm_event ev)
{
	switch (ev) {
	case PTP_EV_POWERUP:
	case PTP_EV_INITIALIZE:
		return PTP_PS_INITIALIZING;
	case PTP_EV_DESIGNATED_DISABLED:
		return valid_state(s) ? PTP_PS_DISABLED : 0;
	case PTP_EV_FAULT_DETECTED:
		return valid_state(s) && s != PTP_PS_DISABLED ? PTP_PS_FAULTY : 0;
	default:
		break;
	}
	switch (s) {
	case PTP_PS_INITIALIZING:
		return ev == PTP_EV_INIT_COMPLETE ? PTP_PS_LISTENING : s;
	case PTP_PS_FAULTY:
		return ev == PTP_EV_FAULT_CLEARED ? PTP_PS_INITIALIZING : s;
	case PTP_PS_DISABLED:
		return ev == PTP_EV_DESIGNATED_ENABLED ? PTP_PS_INITIALIZING : s;
	default:
		return 0;
	}
}

/* RS_SLAVE: start (or restart, on a new parent) calibration. */
static enum ptp_port_state to_slave(enum ptp_port_state s, bool mdiff)
{
	if (s == PTP_PS_SLAVE && !mdiff)
		return PTP_PS_SLAVE;
	return PTP_PS_UNCALIBRATED;
}

enum ptp_port_state ptp_fsm(enum ptp_port_state s, enum ptp_fsm_event ev, bool mdiff)
{
	enum ptp_port_state n = common(s, ev);

	if (n || !valid_state(s))
		return n ? n : s;
	/* LISTENING, PRE_MASTER, MASTER, PASSIVE, UNCALIBRATED, SLAVE */
	switch (ev) {
	case PTP_EV_RS_MASTER:
		return s == PTP_PS_MASTER ? s : PTP_PS_PRE_MASTER;
	case PTP_EV_RS_GRAND_MASTER:
		return PTP_PS_MASTER;
	case PTP_EV_RS_PASSIVE:
		return PTP_PS_PASSIVE;
	case PTP_EV_RS_SLAVE:
		return to_slave(s, mdiff);
	case PTP_EV_QUALIFICATION_TIMEOUT_EXPIRES:
		return s == PTP_PS_PRE_MASTER ? PTP_PS_MASTER : s;
	case PTP_EV_ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES:
		switch (s) {
		case PTP_PS_LISTENING:
		case PTP_PS_PASSIVE:
		case PTP_PS_UNCALIBRATED:
		case PTP_PS_SLAVE:
			return PTP_PS_MASTER;
		default:
			return s;
		}
	case PTP_EV_MASTER_CLOCK_SELECTED:
		return s == PTP_PS_UNCALIBRATED ? PTP_PS_SLAVE : s;
	case PTP_EV_SYNCHRONIZATION_FAULT:
		return s == PTP_PS_SLAVE ? PTP_PS_UNCALIBRATED : s;
	default:
		return s;
	}
}

enum ptp_port_state ptp_fsm_slave_only(enum ptp_port_state s, enum ptp_fsm_event ev, bool mdiff)
{
	enum ptp_port_state n = common(s, ev);

	if (n || !valid_state(s))
		return n ? n : s;
	if (s == PTP_PS_PRE_MASTER || s == PTP_PS_MASTER || s == PTP_PS_PASSIVE)
		s = PTP_PS_LISTENING;
	switch (ev) {
	case PTP_EV_RS_MASTER:
	case PTP_EV_RS_GRAND_MASTER:
	case PTP_EV_RS_PASSIVE:
	case PTP_EV_ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES:
		return PTP_PS_LISTENING;
	case PTP_EV_RS_SLAVE:
		return to_slave(s, mdiff);
	case PTP_EV_MASTER_CLOCK_SELECTED:
		return s == PTP_PS_UNCALIBRATED ? PTP_PS_SLAVE : s;
	case PTP_EV_SYNCHRONIZATION_FAULT:
		return s == PTP_PS_SLAVE ? PTP_PS_UNCALIBRATED : s;
	default:
		return s;
	}
}
