// SPDX-License-Identifier: MIT
/* ptpd-wl BMCA: figure 34 attribute order, figure 35 topology cases and errors, comparison
 * antisymmetry on random data sets, foreign master qualification and windows, the state
 * decision algorithm (M1/M2/M3, P1/P2, S1, slaveOnly) for ordinary and boundary clocks, and
 * the 9.3.5 data set updates. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "core/bmc.h"

static struct ptp_clock_id cid(uint8_t n)
{
	struct ptp_clock_id c = {{0, 0, 0, 0, 0, 0, 0, n}};
	return c;
}

static struct ptp_port_id pid(uint8_t n, uint16_t port)
{
	struct ptp_port_id p = {cid(n), port};
	return p;
}

/* A data set with GM gm, defaults elsewhere, sent by clock `from` port 1 to us (clock 50). */
static struct bmc_ds ds(uint8_t gm, uint16_t steps, uint8_t from, uint16_t rx_port)
{
	struct bmc_ds d = {.priority1 = 128,
	                   .gm_identity = cid(gm),
	                   .quality = {248, 0xfe, 0xffff},
	                   .priority2 = 128,
	                   .steps_removed = steps,
	                   .sender = pid(from, 1),
	                   .receiver = pid(50, rx_port)};
	return d;
}

Test(ptp_bmc, figure34_attribute_order)
{
	/* attribute k of A is better; every later attribute of A is worse: A must win */
	for (int k = 0; k < 6; k++) {
		struct bmc_ds a = ds(2, 0, 2, 1), b = ds(1, 0, 1, 1);
		uint8_t *pa[] = {&a.priority1, &a.quality.clock_class, &a.quality.accuracy, NULL,
		                 &a.priority2};
		uint8_t *pb[] = {&b.priority1, &b.quality.clock_class, &b.quality.accuracy, NULL,
		                 &b.priority2};
		for (int j = 0; j < 5; j++) {
			int av = j == k ? 10 : j > k ? 20 : 15, bv = j == k ? 11 : j > k ? 19 : 15;
			if (j == 3) {
				a.quality.variance = (uint16_t)(av * 100);
				b.quality.variance = (uint16_t)(bv * 100);
			} else {
				*pa[j] = (uint8_t)av;
				*pb[j] = (uint8_t)bv;
			}
		}
		/* k == 5: everything equal but the GM identity, A's (2) is worse */
		if (k == 5) {
			cr_assert_eq(bmc_compare(&a, &b), BMC_B_BETTER);
			cr_assert_eq(bmc_compare(&b, &a), BMC_A_BETTER);
			continue;
		}
		cr_assert_eq(bmc_compare(&a, &b), BMC_A_BETTER, "attribute %d", k);
		cr_assert_eq(bmc_compare(&b, &a), BMC_B_BETTER, "attribute %d", k);
	}
}

Test(ptp_bmc, quality_beats_steps_across_grandmasters)
{
	struct bmc_ds a = ds(1, 200, 3, 1), b = ds(2, 0, 4, 1);

	a.quality.clock_class = 6;
	cr_assert_eq(bmc_compare(&a, &b), BMC_A_BETTER, "different GMs: steps are not compared");
}

Test(ptp_bmc, figure35_topology)
{
	struct bmc_ds a, b;

	/* steps differ by more than one */
	a = ds(9, 3, 2, 1), b = ds(9, 1, 3, 1);
	cr_assert_eq(bmc_compare(&a, &b), BMC_B_BETTER);
	cr_assert_eq(bmc_compare(&b, &a), BMC_A_BETTER);
	/* A one step further: receiver of A vs sender of A */
	a = ds(9, 2, 60, 1), b = ds(9, 1, 3, 1); /* receiver 50 < sender 60 */
	cr_assert_eq(bmc_compare(&a, &b), BMC_B_BETTER);
	cr_assert_eq(bmc_compare(&b, &a), BMC_A_BETTER);
	a = ds(9, 2, 40, 1); /* receiver 50 > sender 40 */
	cr_assert_eq(bmc_compare(&a, &b), BMC_B_BETTER_TOPO);
	cr_assert_eq(bmc_compare(&b, &a), BMC_A_BETTER_TOPO);
	a.sender = a.receiver; /* our own message came back */
	cr_assert_eq(bmc_compare(&a, &b), BMC_ERROR1);
	cr_assert_eq(bmc_compare(&b, &a), BMC_ERROR1);
	/* same steps: sender identities, then receiver port numbers */
	a = ds(9, 1, 3, 1), b = ds(9, 1, 4, 1);
	cr_assert_eq(bmc_compare(&a, &b), BMC_A_BETTER_TOPO);
	cr_assert_eq(bmc_compare(&b, &a), BMC_B_BETTER_TOPO);
	b = ds(9, 1, 3, 1);
	b.sender.port = 2; /* same clock, other port of it */
	cr_assert_eq(bmc_compare(&a, &b), BMC_A_BETTER_TOPO);
	b = ds(9, 1, 3, 2); /* same sender, heard on our port 2 */
	cr_assert_eq(bmc_compare(&a, &b), BMC_A_BETTER_TOPO);
	cr_assert_eq(bmc_compare(&b, &a), BMC_B_BETTER_TOPO);
	b = ds(9, 1, 3, 1);
	cr_assert_eq(bmc_compare(&a, &b), BMC_ERROR2);
	cr_assert(!bmc_a_better(BMC_ERROR2) && !bmc_a_better(BMC_B_BETTER_TOPO));
}

static uint32_t rng(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

static struct bmc_ds random_ds(uint64_t *s)
{
	struct bmc_ds d = ds((uint8_t)(rng(s) % 3), (uint16_t)(rng(s) % 4),
	                     (uint8_t)(48 + rng(s) % 5), (uint16_t)(1 + rng(s) % 2));
	d.priority1 = (uint8_t)(127 + rng(s) % 2);
	d.quality.clock_class = (uint8_t)(rng(s) % 2 ? 6 : 248);
	d.priority2 = (uint8_t)(127 + rng(s) % 2);
	if (rng(s) % 4 == 0)
		d.sender.port = 2;
	return d;
}

Test(ptp_bmc, random_pairs_are_antisymmetric)
{
	uint64_t seed = 0xb3c, s = seed;

	for (int i = 0; i < 50000; i++) {
		struct bmc_ds a = random_ds(&s), b = random_ds(&s);
		enum bmc_cmp r = bmc_compare(&a, &b), q = bmc_compare(&b, &a);
		if (r == BMC_ERROR1 || r == BMC_ERROR2)
			cr_assert_eq(q, r, "seed %llu i %d", (unsigned long long)seed, i);
		else
			cr_assert_eq((int)q, -(int)r, "seed %llu i %d: %d vs %d",
			             (unsigned long long)seed, i, r, q);
	}
}

/* ------------------------------------------------------------------ foreign masters */

static const struct ptp_port_id rx_port = {{{0, 0, 0, 0, 0, 0, 0, 50}}, 1};

static struct ptp_msg announce(uint8_t from, uint8_t gm, uint16_t steps, uint8_t p1)
{
	struct ptp_msg m;
	const struct ptp_port_id s = pid(from, 1);

	memset(&m, 0, sizeof(m));
	msg_hdr_init(&m.hdr, PTP_ANNOUNCE, &s, 0, 0, 0);
	m.hdr.flags = PTP_FLAG_UTC_OFF_VALID | PTP_FLAG_PTP_TIMESCALE | PTP_FLAG_TWO_STEP;
	m.announce.gm_priority1 = p1;
	m.announce.gm_priority2 = 128;
	m.announce.gm_quality = (struct ptp_clock_quality){248, 0xfe, 0xffff};
	m.announce.gm_identity = cid(gm);
	m.announce.steps_removed = steps;
	m.announce.utc_offset = 37;
	m.announce.time_source = 0x20;
	return m;
}

#define SEC NS_PER_SEC

Test(ptp_bmc, foreign_threshold_and_window)
{
	struct bmc_foreign_table t = {0};
	struct ptp_msg a = announce(7, 7, 0, 128);

	cr_assert_eq(bmc_foreign_window_ns(0), 4 * SEC);
	cr_assert_eq(bmc_foreign_window_ns(-2), SEC);
	cr_assert_eq(bmc_foreign_window_ns(1), 8 * SEC);
	cr_assert_eq(bmc_foreign_add(&t, &a, &rx_port, 100 * SEC, 0), 0, "one is not enough");
	cr_assert_null(bmc_foreign_best(&t, 100 * SEC, 0));
	cr_assert_eq(bmc_foreign_add(&t, &a, &rx_port, 101 * SEC, 0), 1, "two within 4 s");
	const struct bmc_foreign *f = bmc_foreign_best(&t, 101 * SEC, 0);
	cr_assert_not_null(f);
	cr_assert_eq(f->ds.gm_identity.id[7], 7);
	cr_assert(ptp_port_id_eq(&f->ds.receiver, &rx_port));
	cr_assert_eq(bmc_foreign_add(&t, &a, &rx_port, 102 * SEC, 0), 0, "nothing changed");
	a.announce.gm_priority1 = 100;
	cr_assert_eq(bmc_foreign_add(&t, &a, &rx_port, 103 * SEC, 0), 1, "data set changed");
	a.announce.utc_offset = 38;
	cr_assert_eq(bmc_foreign_add(&t, &a, &rx_port, 104 * SEC, 0), 1, "time props changed");
	/* silence: the record stops qualifying after the window */
	cr_assert_not_null(bmc_foreign_best(&t, 107 * SEC, 0));
	cr_assert_null(bmc_foreign_best(&t, 109 * SEC, 0));
	/* Announces further apart than the window never qualify */
	struct bmc_foreign_table u = {0};
	cr_assert_eq(bmc_foreign_add(&u, &a, &rx_port, 10 * SEC, -2), 0);
	cr_assert_eq(bmc_foreign_add(&u, &a, &rx_port, 12 * SEC, -2), 0);
	cr_assert_null(bmc_foreign_best(&u, 12 * SEC, -2));
	cr_assert_eq(bmc_foreign_add(&u, &a, &rx_port, 12 * SEC + SEC / 2, -2), 1);
}

Test(ptp_bmc, foreign_qualification_rejects)
{
	struct bmc_foreign_table t = {0};
	struct ptp_msg own = announce(50, 50, 0, 128);
	struct ptp_msg far = announce(7, 7, 255, 128);
	struct ptp_msg ok = announce(7, 7, 254, 128);
	struct ptp_msg sync = announce(7, 7, 0, 128);

	sync.hdr.type = PTP_SYNC;
	cr_assert_eq(bmc_foreign_add(&t, &own, &rx_port, SEC, 0), -ELOOP);
	cr_assert_eq(bmc_foreign_add(&t, &far, &rx_port, SEC, 0), -ERANGE);
	cr_assert_eq(bmc_foreign_add(&t, &sync, &rx_port, SEC, 0), -EINVAL);
	cr_assert_eq(t.n, 0);
	cr_assert_eq(bmc_foreign_add(&t, &ok, &rx_port, SEC, 0), 0);
	cr_assert_eq(bmc_foreign_add(&t, &ok, &rx_port, 2 * SEC, 0), 1);
}

Test(ptp_bmc, foreign_table_full_prune_clear_best)
{
	struct bmc_foreign_table t = {0};

	for (int i = 0; i < BMC_MAX_FOREIGN; i++) {
		struct ptp_msg a = announce((uint8_t)(100 + i), (uint8_t)(100 + i), 0, 128);
		cr_assert_eq(bmc_foreign_add(&t, &a, &rx_port, SEC, 0), 0);
	}
	struct ptp_msg x = announce(99, 99, 0, 128);
	cr_assert_eq(bmc_foreign_add(&t, &x, &rx_port, 2 * SEC, 0), -ENOSPC);
	/* later every old record has expired: the add prunes and succeeds */
	cr_assert_eq(bmc_foreign_add(&t, &x, &rx_port, 10 * SEC, 0), 0);
	cr_assert_eq(t.n, 1);
	struct ptp_msg y = announce(98, 98, 0, 127); /* better priority1 */
	bmc_foreign_add(&t, &x, &rx_port, 11 * SEC, 0);
	bmc_foreign_add(&t, &y, &rx_port, 11 * SEC, 0);
	cr_assert_eq(bmc_foreign_best(&t, 11 * SEC, 0)->sender.clock.id[7], 99, "y unqualified");
	bmc_foreign_add(&t, &y, &rx_port, 12 * SEC, 0);
	cr_assert_eq(bmc_foreign_best(&t, 12 * SEC, 0)->sender.clock.id[7], 98);
	cr_assert_eq(bmc_foreign_prune(&t, 15 * SEC + 1, 0), 1, "x's last arrival was 11 s");
	cr_assert_eq(t.n, 1);
	bmc_foreign_clear(&t);
	cr_assert_eq(t.n, 0);
	cr_assert_null(bmc_foreign_best(&t, 12 * SEC, 0));
}

/* ------------------------------------------------------------------ state decision */

static struct ds_default dflt(uint8_t id, uint8_t clock_class, bool slave_only)
{
	struct ds_default d = {.two_step = true,
	                       .slave_only = slave_only,
	                       .number_ports = 1,
	                       .priority1 = 128,
	                       .quality = {clock_class, 0xfe, 0xffff},
	                       .priority2 = 128,
	                       .identity = cid(id)};
	return d;
}

Test(ptp_bmc, slave_only_clock)
{
	struct ds_default d = dflt(50, 255, true);
	struct bmc_ds e = ds(7, 0, 7, 1);
	enum bmc_decision out[1];
	struct bmc_port_in p = {PTP_PS_LISTENING, NULL};

	cr_assert_eq(bmc_decide_all(&d, &p, 1, out, NULL), 0);
	cr_assert_eq(out[0], BMC_RS_NONE, "no foreign master: stays LISTENING");
	p.erbest = &e;
	cr_assert_eq(bmc_decide_all(&d, &p, 1, out, NULL), 0);
	cr_assert_eq(out[0], BMC_RS_S1);
	/* even a worse foreign master is followed: a slave-only clock never masters */
	d.quality.clock_class = 6;
	d.priority1 = 0;
	cr_assert_eq(bmc_decide_all(&d, &p, 1, out, NULL), 0);
	cr_assert_eq(out[0], BMC_RS_S1);
	/* lost the master while SLAVE: LISTEN, which the slave-only FSM turns into LISTENING */
	p = (struct bmc_port_in){PTP_PS_SLAVE, NULL};
	cr_assert_eq(bmc_decide_all(&d, &p, 1, out, NULL), 0);
	cr_assert_eq(out[0], BMC_RS_LISTEN);
	cr_assert_eq(ptp_fsm_slave_only(PTP_PS_SLAVE, bmc_decision_event(out[0]), false),
	             PTP_PS_LISTENING);
	/* Ebest on another port */
	struct bmc_ds e2 = ds(7, 0, 7, 2);
	cr_assert_eq(bmc_state_decision(NULL, 255, true, &e2, &e, false, PTP_PS_SLAVE),
	             BMC_RS_LISTEN);
}

Test(ptp_bmc, class_1_to_127_rules)
{
	struct ds_default d = dflt(50, 6, false);
	struct bmc_ds worse = ds(7, 0, 7, 1), better = ds(7, 0, 7, 1);
	enum bmc_decision out[1];

	better.quality.clock_class = 6;
	better.priority1 = 1;
	struct bmc_port_in p = {PTP_PS_LISTENING, &worse};
	bmc_decide_all(&d, &p, 1, out, NULL);
	cr_assert_eq(out[0], BMC_RS_M1);
	p.erbest = &better;
	bmc_decide_all(&d, &p, 1, out, NULL);
	cr_assert_eq(out[0], BMC_RS_P1, "class < 128 never slaves");
	p = (struct bmc_port_in){PTP_PS_MASTER, NULL};
	bmc_decide_all(&d, &p, 1, out, NULL);
	cr_assert_eq(out[0], BMC_RS_M1);
	d.quality.clock_class = 127;
	p.erbest = &better;
	bmc_decide_all(&d, &p, 1, out, NULL);
	cr_assert_eq(out[0], BMC_RS_P1);
	d.quality.clock_class = 128; /* 128 and up may slave */
	bmc_decide_all(&d, &p, 1, out, NULL);
	cr_assert_eq(out[0], BMC_RS_S1);
}

Test(ptp_bmc, ordinary_clock_m2_s1)
{
	struct ds_default d = dflt(50, 248, false);
	struct bmc_ds e = ds(7, 0, 7, 1);
	enum bmc_decision out[1];
	int eb;

	struct bmc_port_in p = {PTP_PS_LISTENING, &e};
	bmc_decide_all(&d, &p, 1, out, &eb);
	cr_assert_eq(out[0], BMC_RS_S1, "GM 7 beats us (50) on identity");
	cr_assert_eq(eb, 0);
	d.priority2 = 1;
	bmc_decide_all(&d, &p, 1, out, NULL);
	cr_assert_eq(out[0], BMC_RS_M2);
	p.erbest = NULL;
	p.state = PTP_PS_LISTENING;
	bmc_decide_all(&d, &p, 1, out, &eb);
	cr_assert_eq(out[0], BMC_RS_NONE);
	cr_assert_eq(eb, -1);
}

/* Boundary clock (us: 50) with four ports. GM 7 is heard directly on port 1 (steps 0, sender
 * 7) and through another boundary clock on port 2 (steps 1, sender bc). Port 3 hears
 * nothing, port 4 is disabled but still holds a record that would win. */
static void bc_case(uint8_t bc, enum bmc_decision want_port2)
{
	struct ds_default d = dflt(50, 248, false);
	struct bmc_ds direct = ds(7, 0, 7, 1), via = ds(7, 1, bc, 2), stale = ds(1, 0, 1, 4);
	struct bmc_port_in ports[4] = {{PTP_PS_SLAVE, &direct},
	                               {PTP_PS_MASTER, &via},
	                               {PTP_PS_MASTER, NULL},
	                               {PTP_PS_DISABLED, &stale}};
	enum bmc_decision out[4];
	int eb;

	d.number_ports = 4;
	cr_assert_eq(bmc_decide_all(&d, ports, 4, out, &eb), 0);
	cr_assert_eq(eb, 0);
	cr_assert_eq(out[0], BMC_RS_S1);
	cr_assert_eq(out[1], want_port2, "bc %u: %s", bc, bmc_decision_str(out[1]));
	cr_assert_eq(out[2], BMC_RS_M3);
	cr_assert_eq(out[3], BMC_RS_NONE);
	ports[2].state = PTP_PS_LISTENING;
	cr_assert_eq(bmc_decide_all(&d, ports, 4, out, &eb), 0);
	cr_assert_eq(out[2], BMC_RS_NONE, "LISTENING without Erbest stays");
}

Test(ptp_bmc, boundary_clock_m3_p2_s1)
{
	/* other BC's identity 40 < ours 50: Ebest is better by topology than its Erbest: P2 */
	bc_case(40, BMC_RS_P2);
	/* other BC's identity 60 > ours: Ebest is plainly better: M3 */
	bc_case(60, BMC_RS_M3);
}

Test(ptp_bmc, decide_all_arguments)
{
	struct ds_default d = dflt(50, 248, false);
	enum bmc_decision out[1];

	cr_assert_eq(bmc_decide_all(NULL, NULL, 0, NULL, NULL), -EINVAL);
	cr_assert_eq(bmc_decide_all(&d, NULL, 1, out, NULL), -EINVAL);
	cr_assert_eq(bmc_decide_all(&d, NULL, 0, NULL, NULL), 0);
}

Test(ptp_bmc, decision_events_and_names)
{
	cr_assert_eq(bmc_decision_event(BMC_RS_M1), PTP_EV_RS_GRAND_MASTER);
	cr_assert_eq(bmc_decision_event(BMC_RS_M2), PTP_EV_RS_GRAND_MASTER);
	cr_assert_eq(bmc_decision_event(BMC_RS_M3), PTP_EV_RS_MASTER);
	cr_assert_eq(bmc_decision_event(BMC_RS_P1), PTP_EV_RS_PASSIVE);
	cr_assert_eq(bmc_decision_event(BMC_RS_P2), PTP_EV_RS_PASSIVE);
	cr_assert_eq(bmc_decision_event(BMC_RS_S1), PTP_EV_RS_SLAVE);
	cr_assert_eq(bmc_decision_event(BMC_RS_NONE), PTP_EV_NONE);
	cr_assert_str_eq(bmc_decision_str(BMC_RS_P2), "P2");
	cr_assert_str_eq(bmc_decision_str(42), "?");
}

Test(ptp_bmc, data_set_updates)
{
	struct ds_default d = dflt(50, 248, false);
	struct ds_time_props own = {37, PTP_FLAG_PTP_TIMESCALE, 0xa0}, tp;
	struct ds_current cur = {5, 100, 200};
	struct ds_parent par;
	struct bmc_foreign_table t = {0};
	struct ptp_msg a = announce(7, 9, 2, 100);

	bmc_update_ds(BMC_RS_M2, &d, &own, NULL, &cur, &par, &tp);
	cr_assert_eq(cur.steps_removed, 0);
	cr_assert_eq(cur.offset_from_master, 0);
	cr_assert_eq(par.gm_identity.id[7], 50);
	cr_assert_eq(par.parent_port.port, 0);
	cr_assert_eq(par.gm_priority1, 128);
	cr_assert_eq(tp.time_source, 0xa0);

	bmc_foreign_add(&t, &a, &rx_port, SEC, 0);
	bmc_foreign_add(&t, &a, &rx_port, 2 * SEC, 0);
	const struct bmc_foreign *f = bmc_foreign_best(&t, 2 * SEC, 0);
	cr_assert_not_null(f);
	bmc_update_ds(BMC_RS_S1, &d, &own, f, &cur, &par, &tp);
	cr_assert_eq(cur.steps_removed, 3);
	cr_assert_eq(par.parent_port.clock.id[7], 7);
	cr_assert_eq(par.parent_port.port, 1);
	cr_assert_eq(par.gm_identity.id[7], 9);
	cr_assert_eq(par.gm_priority1, 100);
	cr_assert_eq(tp.utc_offset, 37);
	cr_assert_eq(tp.flags, PTP_FLAG_UTC_OFF_VALID | PTP_FLAG_PTP_TIMESCALE);
	cr_assert_eq(tp.time_source, 0x20);
	/* M3 and P*: nothing changes */
	struct ds_current before = cur;
	bmc_update_ds(BMC_RS_M3, &d, &own, f, &cur, &par, &tp);
	cr_assert_eq(memcmp(&before, &cur, sizeof(cur)), 0);
}
