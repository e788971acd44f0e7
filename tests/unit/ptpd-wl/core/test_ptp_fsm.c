// SPDX-License-Identifier: MIT
/* ptpd-wl port state machines: every state x event pair against a written-out expectation
 * table (IEEE 1588-2019 figures 30 and 31), for mdiff false and true, plus invalid inputs. */
#include <criterion/criterion.h>

#include "core/fsm.h"

enum {
	I = PTP_PS_INITIALIZING,
	F = PTP_PS_FAULTY,
	D = PTP_PS_DISABLED,
	L = PTP_PS_LISTENING,
	PM = PTP_PS_PRE_MASTER,
	M = PTP_PS_MASTER,
	P = PTP_PS_PASSIVE,
	U = PTP_PS_UNCALIBRATED,
	S = PTP_PS_SLAVE
};

#define NEV (PTP_EV_COUNT - 1) /* events 1..16 */

/* Columns: POWERUP INITIALIZE INIT_COMPLETE DES_ENABLED DES_DISABLED FAULT_CLEARED
 * FAULT_DETECTED STATE_DECISION QUALIFICATION_TO ANNOUNCE_RECEIPT_TO SYNC_FAULT
 * MASTER_CLOCK_SELECTED RS_MASTER RS_GRAND_MASTER RS_SLAVE RS_PASSIVE; mdiff false. */
static const int full[10][NEV] = {
        [I] = {I, I, L, I, D, I, F, I, I, I, I, I, I, I, I, I},
        [F] = {I, I, F, F, D, I, F, F, F, F, F, F, F, F, F, F},
        [D] = {I, I, D, I, D, D, D, D, D, D, D, D, D, D, D, D},
        [L] = {I, I, L, L, D, L, F, L, L, M, L, L, PM, M, U, P},
        [PM] = {I, I, PM, PM, D, PM, F, PM, M, PM, PM, PM, PM, M, U, P},
        [M] = {I, I, M, M, D, M, F, M, M, M, M, M, M, M, U, P},
        [P] = {I, I, P, P, D, P, F, P, P, M, P, P, PM, M, U, P},
        [U] = {I, I, U, U, D, U, F, U, U, M, U, S, PM, M, U, P},
        [S] = {I, I, S, S, D, S, F, S, S, M, U, S, PM, M, S, P},
};

static const int slave_only[10][NEV] = {
        [I] = {I, I, L, I, D, I, F, I, I, I, I, I, I, I, I, I},
        [F] = {I, I, F, F, D, I, F, F, F, F, F, F, F, F, F, F},
        [D] = {I, I, D, I, D, D, D, D, D, D, D, D, D, D, D, D},
        [L] = {I, I, L, L, D, L, F, L, L, L, L, L, L, L, U, L},
        [PM] = {I, I, L, L, D, L, F, L, L, L, L, L, L, L, U, L},
        [M] = {I, I, L, L, D, L, F, L, L, L, L, L, L, L, U, L},
        [P] = {I, I, L, L, D, L, F, L, L, L, L, L, L, L, U, L},
        [U] = {I, I, U, U, D, U, F, U, U, L, U, S, L, L, U, L},
        [S] = {I, I, S, S, D, S, F, S, S, L, U, S, L, L, S, L},
};

/* mdiff true differs only for RS_SLAVE in SLAVE: a new parent restarts calibration. */
static int expect(const int table[10][NEV], int s, int ev, bool mdiff)
{
	if (mdiff && s == S && ev == PTP_EV_RS_SLAVE)
		return U;
	return table[s][ev - 1];
}

static void walk(const int table[10][NEV],
                 enum ptp_port_state (*fsm)(enum ptp_port_state, enum ptp_fsm_event, bool))
{
	int pairs = 0;

	for (int s = I; s <= S; s++)
		for (int ev = 1; ev < PTP_EV_COUNT; ev++)
			for (int md = 0; md < 2; md++) {
				int got = fsm(s, ev, md), want = expect(table, s, ev, md);
				cr_expect_eq(got, want, "%s + %s (mdiff %d): got %s, want %s",
				             ptp_port_state_str(s), ptp_fsm_event_str(ev), md,
				             ptp_port_state_str(got), ptp_port_state_str(want));
				pairs++;
			}
	cr_assert_eq(pairs, 9 * 16 * 2);
}

Test(ptp_fsm, full_machine_every_pair)
{
	walk(full, ptp_fsm);
}

Test(ptp_fsm, slave_only_machine_every_pair)
{
	walk(slave_only, ptp_fsm_slave_only);
}

Test(ptp_fsm, slave_only_never_reaches_master_states)
{
	for (int s = I; s <= S; s++)
		for (int ev = 0; ev < PTP_EV_COUNT; ev++)
			for (int md = 0; md < 2; md++) {
				int n = ptp_fsm_slave_only(s, ev, md);
				cr_assert(n != PM && n != M && n != P, "%s + %s -> %s",
				          ptp_port_state_str(s), ptp_fsm_event_str(ev),
				          ptp_port_state_str(n));
			}
}

Test(ptp_fsm, invalid_inputs)
{
	static const int bad_states[] = {0, 10, 255, -1};

	for (unsigned i = 0; i < 4; i++) {
		int s = bad_states[i];
		for (int ev = 0; ev < PTP_EV_COUNT; ev++) {
			int want = ev == PTP_EV_POWERUP || ev == PTP_EV_INITIALIZE ? I : s;
			cr_assert_eq(ptp_fsm(s, ev, false), want, "state %d event %d", s, ev);
			cr_assert_eq(ptp_fsm_slave_only(s, ev, false), want);
		}
	}
	for (int s = I; s <= S; s++) {
		cr_assert_eq(ptp_fsm(s, PTP_EV_NONE, true), s);
		cr_assert_eq(ptp_fsm(s, PTP_EV_COUNT, true), s);
		cr_assert_eq(ptp_fsm(s, 99, false), s);
	}
}

Test(ptp_fsm, a_typical_life)
{
	enum ptp_port_state s = ptp_fsm(0, PTP_EV_POWERUP, false);

	cr_assert_eq(s, I);
	s = ptp_fsm(s, PTP_EV_INIT_COMPLETE, false);
	cr_assert_eq(s, L);
	s = ptp_fsm(s, PTP_EV_RS_SLAVE, false);
	cr_assert_eq(s, U);
	s = ptp_fsm(s, PTP_EV_MASTER_CLOCK_SELECTED, false);
	cr_assert_eq(s, S);
	s = ptp_fsm(s, PTP_EV_ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES, false);
	cr_assert_eq(s, M);
	s = ptp_fsm(s, PTP_EV_RS_PASSIVE, false);
	cr_assert_eq(s, P);
	s = ptp_fsm(s, PTP_EV_RS_MASTER, false);
	cr_assert_eq(s, PM);
	s = ptp_fsm(s, PTP_EV_QUALIFICATION_TIMEOUT_EXPIRES, false);
	cr_assert_eq(s, M);
	s = ptp_fsm(s, PTP_EV_FAULT_DETECTED, false);
	cr_assert_eq(s, F);
	s = ptp_fsm(s, PTP_EV_FAULT_CLEARED, false);
	cr_assert_eq(s, I);
}

Test(ptp_fsm, names)
{
	cr_assert_str_eq(ptp_port_state_str(PTP_PS_PRE_MASTER), "PRE_MASTER");
	cr_assert_str_eq(ptp_port_state_str(0), "?");
	cr_assert_str_eq(ptp_port_state_str(10), "?");
	cr_assert_str_eq(ptp_fsm_event_str(PTP_EV_RS_GRAND_MASTER), "RS_GRAND_MASTER");
	cr_assert_str_eq(ptp_fsm_event_str(PTP_EV_COUNT), "?");
	cr_assert_str_eq(ptp_fsm_event_str(-1), "?");
}
