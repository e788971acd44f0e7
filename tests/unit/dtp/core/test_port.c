// SPDX-License-Identifier: MIT
/* dtp/core/dtp_port: every (state, event) pair of the port FSM against an expectation table written
 * independently of the implementation's table (as text), plus out-of-range inputs. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/dtp_port.h"

struct expect {
	const char *state, *event, *next, *actions;
};

/* actions: l = lc from gc, i = send INIT, a = send INIT-ACK, b = send BEACON, d = set delay,
 * B = apply beacon, r = arm retry, t = arm beacon timer, s = stop timers */
static const struct expect table[] = {
        {"INIT", "link-up", "SENT", "lir"},      {"INIT", "link-down", "INIT", ""},
        {"INIT", "rx-INIT", "INIT", "a"},        {"INIT", "rx-INIT-ACK", "INIT", ""},
        {"INIT", "rx-BEACON", "INIT", ""},       {"INIT", "retry-timeout", "INIT", ""},
        {"INIT", "beacon-timer", "INIT", ""},    {"SENT", "link-up", "SENT", ""},
        {"SENT", "link-down", "INIT", "s"},      {"SENT", "rx-INIT", "SENT", "a"},
        {"SENT", "rx-INIT-ACK", "SYNC", "dst"},  {"SENT", "rx-BEACON", "SENT", ""},
        {"SENT", "retry-timeout", "SENT", "ir"}, {"SENT", "beacon-timer", "SENT", ""},
        {"SYNC", "link-up", "SYNC", ""},         {"SYNC", "link-down", "INIT", "s"},
        {"SYNC", "rx-INIT", "SYNC", "a"},        {"SYNC", "rx-INIT-ACK", "SYNC", ""},
        {"SYNC", "rx-BEACON", "SYNC", "B"},      {"SYNC", "retry-timeout", "SYNC", ""},
        {"SYNC", "beacon-timer", "SYNC", "bt"},
};

static unsigned parse_actions(const char *s)
{
	static const char letters[] = "liabdBrts";
	static const unsigned bits[] = {
	        DTP_ACT_LC_FROM_GC,  DTP_ACT_SEND_INIT,  DTP_ACT_SEND_INIT_ACK,
	        DTP_ACT_SEND_BEACON, DTP_ACT_SET_DELAY,  DTP_ACT_APPLY_BEACON,
	        DTP_ACT_ARM_RETRY,   DTP_ACT_ARM_BEACON, DTP_ACT_STOP_TIMERS};
	unsigned a = 0;
	for (; *s; s++)
		a |= bits[strchr(letters, *s) - letters];
	return a;
}

Test(dtp_port, exhaustive_state_by_event)
{
	unsigned seen = 0;
	for (int s = 0; s < DTP_PORT_NSTATES; s++)
		for (int e = 0; e < DTP_EV_NEVENTS; e++) {
			const char *sn = dtp_port_state_name(s), *en = dtp_port_event_name(e);
			const struct expect *x = NULL;
			for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
				if (!strcmp(table[i].state, sn) && !strcmp(table[i].event, en))
					x = &table[i];
			cr_assert_not_null(x, "no expectation for %s x %s", sn, en);
			struct dtp_port_next n = dtp_port_step(s, e);
			cr_expect_str_eq(dtp_port_state_name(n.state), x->next, "%s x %s", sn, en);
			cr_expect_eq(n.actions, parse_actions(x->actions), "%s x %s: actions %#x",
			             sn, en, n.actions);
			seen++;
		}
	cr_assert_eq(seen, sizeof(table) / sizeof(table[0]));
}

Test(dtp_port, properties_hold_in_every_state)
{
	for (int s = 0; s < DTP_PORT_NSTATES; s++) {
		cr_expect_eq(dtp_port_step(s, DTP_EV_LINK_DOWN).state, DTP_PORT_INIT);
		struct dtp_port_next n = dtp_port_step(s, DTP_EV_RX_INIT);
		cr_expect_eq(n.state, s, "answering INIT never changes the state");
		cr_expect(n.actions & DTP_ACT_SEND_INIT_ACK);
		if (s != DTP_PORT_SYNC)
			cr_expect_not(dtp_port_step(s, DTP_EV_RX_BEACON).actions &
			              DTP_ACT_APPLY_BEACON);
	}
}

Test(dtp_port, flap_goes_back_through_sent)
{
	enum dtp_port_state s = DTP_PORT_INIT;
	const enum dtp_port_event seq[] = {DTP_EV_LINK_UP,     DTP_EV_RETRY_TIMEOUT,
	                                   DTP_EV_RX_INIT_ACK, DTP_EV_LINK_DOWN,
	                                   DTP_EV_LINK_UP,     DTP_EV_RX_INIT_ACK};
	const enum dtp_port_state want[] = {DTP_PORT_SENT, DTP_PORT_SENT, DTP_PORT_SYNC,
	                                    DTP_PORT_INIT, DTP_PORT_SENT, DTP_PORT_SYNC};
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		s = dtp_port_step(s, seq[i]).state;
		cr_expect_eq(s, want[i], "step %zu: %s", i, dtp_port_state_name(s));
	}
}

Test(dtp_port, out_of_range_input_resets)
{
	struct dtp_port_next n = dtp_port_step(DTP_PORT_NSTATES, DTP_EV_LINK_UP);
	cr_expect_eq(n.state, DTP_PORT_INIT);
	n = dtp_port_step(DTP_PORT_SYNC, DTP_EV_NEVENTS);
	cr_expect_eq(n.state, DTP_PORT_INIT);
	cr_expect_eq(n.actions, DTP_ACT_STOP_TIMERS);
	cr_expect_str_eq(dtp_port_state_name(DTP_PORT_NSTATES), "?");
	cr_expect_str_eq(dtp_port_event_name(DTP_EV_NEVENTS), "?");
}
