// SPDX-License-Identifier: MIT
/* The DTP port FSM (see port.h): one table, no state outside it. */
#include "core/dtp_port.h"

#define N(s, a)                                                                                    \
	{                                                                                          \
		DTP_PORT_##s, (a)                                                                  \
	}

static const struct dtp_port_next table[DTP_PORT_NSTATES][DTP_EV_NEVENTS] = {
        [DTP_PORT_INIT] =
                {
                        [DTP_EV_LINK_UP] =
                                N(SENT, DTP_ACT_LC_FROM_GC | DTP_ACT_SEND_INIT | DTP_ACT_ARM_RETRY),
                        [DTP_EV_LINK_DOWN] = N(INIT, 0),
                        [DTP_EV_RX_INIT] = N(INIT, DTP_ACT_SEND_INIT_ACK),
                        [DTP_EV_RX_INIT_ACK] = N(INIT, 0),
                        [DTP_EV_RX_BEACON] = N(INIT, 0),
                        [DTP_EV_RETRY_TIMEOUT] = N(INIT, 0),
                        [DTP_EV_BEACON_TIMER] = N(INIT, 0),
                },
        [DTP_PORT_SENT] =
                {
                        [DTP_EV_LINK_UP] = N(SENT, 0),
                        [DTP_EV_LINK_DOWN] = N(INIT, DTP_ACT_STOP_TIMERS),
                        [DTP_EV_RX_INIT] = N(SENT, DTP_ACT_SEND_INIT_ACK),
                        [DTP_EV_RX_INIT_ACK] = N(SYNC, DTP_ACT_SET_DELAY | DTP_ACT_STOP_TIMERS |
                                                               DTP_ACT_ARM_BEACON),
                        [DTP_EV_RX_BEACON] = N(SENT, 0),
                        [DTP_EV_RETRY_TIMEOUT] = N(SENT, DTP_ACT_SEND_INIT | DTP_ACT_ARM_RETRY),
                        [DTP_EV_BEACON_TIMER] = N(SENT, 0),
                },
        [DTP_PORT_SYNC] =
                {
                        [DTP_EV_LINK_UP] = N(SYNC, 0),
                        [DTP_EV_LINK_DOWN] = N(INIT, DTP_ACT_STOP_TIMERS),
                        [DTP_EV_RX_INIT] = N(SYNC, DTP_ACT_SEND_INIT_ACK),
                        [DTP_EV_RX_INIT_ACK] = N(SYNC, 0),
                        [DTP_EV_RX_BEACON] = N(SYNC, DTP_ACT_APPLY_BEACON),
                        [DTP_EV_RETRY_TIMEOUT] = N(SYNC, 0),
                        [DTP_EV_BEACON_TIMER] = N(SYNC, DTP_ACT_SEND_BEACON | DTP_ACT_ARM_BEACON),
                },
};

struct dtp_port_next dtp_port_step(enum dtp_port_state state, enum dtp_port_event event)
{
	if ((unsigned)state >= DTP_PORT_NSTATES || (unsigned)event >= DTP_EV_NEVENTS)
		return (struct dtp_port_next){DTP_PORT_INIT, DTP_ACT_STOP_TIMERS};
	return table[state][event];
}

const char *dtp_port_state_name(enum dtp_port_state s)
{
	static const char *const names[] = {"INIT", "SENT", "SYNC"};
	return (unsigned)s < DTP_PORT_NSTATES ? names[s] : "?";
}

const char *dtp_port_event_name(enum dtp_port_event e)
{
	static const char *const names[] = {"link-up",     "link-down", "rx-INIT",
	                                    "rx-INIT-ACK", "rx-BEACON", "retry-timeout",
	                                    "beacon-timer"};
	return (unsigned)e < DTP_EV_NEVENTS ? names[e] : "?";
}
