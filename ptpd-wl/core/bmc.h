/* SPDX-License-Identifier: MIT */
/*
 * Best master clock algorithm (IEEE 1588-2019 9.3) as pure functions over caller-owned data:
 * data set comparison (9.3.4, figures 34/35), foreign master records and Announce
 * qualification (9.3.2.5), and the state decision algorithm (9.3.3, figure 33) for ordinary
 * and boundary clocks with any number of ports, plus the data set updates of 9.3.5.
 */
#ifndef PTPD_CORE_BMC_H
#define PTPD_CORE_BMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ds.h"
#include "fsm.h"
#include "msg.h"

#define BMC_FOREIGN_MASTER_THRESHOLD   2   /* Announces needed within the window */
#define BMC_FOREIGN_MASTER_TIME_WINDOW 4   /* in announce intervals */
#define BMC_MAX_FOREIGN                16  /* records per port */
#define BMC_STEPS_REMOVED_MAX          255 /* Announces with stepsRemoved >= this are dropped */

/* The data set the comparison works on (9.3.4, table 29). */
struct bmc_ds {
	uint8_t priority1;
	struct ptp_clock_id gm_identity;
	struct ptp_clock_quality quality;
	uint8_t priority2;
	uint16_t steps_removed;
	struct ptp_port_id sender;   /* sourcePortIdentity of the Announce; own port for D0 */
	struct ptp_port_id receiver; /* portIdentity of the receiving port; own for D0 */
};

/* Comparison results. Signs: positive means A wins, negative B wins; the two errors are
 * distinct non-sign values, so compare with ==, not with < 0. */
enum bmc_cmp {
	BMC_B_BETTER = -2,
	BMC_B_BETTER_TOPO = -1,
	BMC_A_BETTER_TOPO = 1,
	BMC_A_BETTER = 2,
	BMC_ERROR1 = 3, /* A received from its own receiver (a looped-back message) */
	BMC_ERROR2 = 4, /* A and B are the same message on the same port: duplicates */
};

/* Figures 34+35: A vs B. Identities compare as unsigned big-endian numbers (lower wins). */
enum bmc_cmp bmc_compare(const struct bmc_ds *a, const struct bmc_ds *b);

/* True for BMC_A_BETTER and BMC_A_BETTER_TOPO. */
static inline bool bmc_a_better(enum bmc_cmp c)
{
	return c == BMC_A_BETTER || c == BMC_A_BETTER_TOPO;
}

/* D0: the local clock's own data set from defaultDS (steps 0, sender = receiver = port 0). */
void bmc_ds_from_default(const struct ds_default *d, struct bmc_ds *out);
/* The data set of an Announce received on the port `receiver`. */
void bmc_ds_from_announce(const struct ptp_msg *announce, const struct ptp_port_id *receiver,
                          struct bmc_ds *out);

/* One foreign master (9.3.2.4): the latest Announce of a sender and its recent arrivals. */
struct bmc_foreign {
	struct ptp_port_id sender;
	struct bmc_ds ds;                       /* from the latest Announce */
	struct ptp_header hdr;                  /* its header (flags carry the time properties) */
	struct ptp_announce announce;           /* its body */
	tmv_t rx[BMC_FOREIGN_MASTER_THRESHOLD]; /* arrival times, ns of any monotonic clock,
						   newest first */
	unsigned n_rx;                          /* valid entries of rx[] */
};

/* The foreign master records of one port; zero-initialise, then use the calls below. */
struct bmc_foreign_table {
	struct bmc_foreign rec[BMC_MAX_FOREIGN];
	unsigned n;
};

/* FOREIGN_MASTER_TIME_WINDOW in ns for a logAnnounceInterval (clamped to -10..20). */
tmv_t bmc_foreign_window_ns(int8_t log_announce_interval);

/*
 * Qualify and record an Announce (msg_parse()d, type Announce) received at now (ns) on the
 * port identified by receiver (whose clockIdentity is ours). Not qualified (9.3.2.5):
 * from our own clock (-ELOOP), stepsRemoved >= 255 (-ERANGE), no room (-ENOSPC), not an
 * Announce (-EINVAL). Returns 1 when the sender is qualified (>= THRESHOLD Announces within
 * the window) and its data set is new or changed (a STATE_DECISION_EVENT is due), else 0.
 */
int bmc_foreign_add(struct bmc_foreign_table *t, const struct ptp_msg *announce,
                    const struct ptp_port_id *receiver, tmv_t now, int8_t log_announce_interval);

/* Drop arrivals older than the window, then records left empty. Returns records dropped. */
unsigned bmc_foreign_prune(struct bmc_foreign_table *t, tmv_t now, int8_t log_announce_interval);

/* Remove every record (on a port state change to FAULTY/DISABLED/INITIALIZING). */
void bmc_foreign_clear(struct bmc_foreign_table *t);

/* Erbest: the best qualified record (>= THRESHOLD arrivals within the window at now),
 * or NULL. */
const struct bmc_foreign *bmc_foreign_best(const struct bmc_foreign_table *t, tmv_t now,
                                           int8_t log_announce_interval);

/* Recommended states of the state decision algorithm (figure 33). */
enum bmc_decision {
	BMC_RS_NONE = 0, /* no change: LISTENING without a foreign master, or port not active */
	BMC_RS_M1,       /* master, own clockClass 1..127 beats Erbest */
	BMC_RS_M2,       /* master, D0 beats Ebest */
	BMC_RS_M3,       /* master on this port, another port slaves to Ebest */
	BMC_RS_P1,       /* passive, clockClass 1..127 and Erbest is better */
	BMC_RS_P2,       /* passive, Ebest better by topology than this port's Erbest */
	BMC_RS_S1,       /* slave: Ebest arrived on this port */
	BMC_RS_LISTEN,   /* slave-only clock with nothing to follow on this port: LISTENING */
};

/* "M1", ...; the FSM event a decision produces (PTP_EV_NONE for NONE). LISTEN maps to
 * RS_PASSIVE, which the slave-only FSM turns into LISTENING. */
const char *bmc_decision_str(enum bmc_decision d);
enum ptp_fsm_event bmc_decision_event(enum bmc_decision d);

/* One port's view for the clock-wide decision. */
struct bmc_port_in {
	enum ptp_port_state state;
	const struct bmc_ds *erbest; /* NULL if the port has no qualified foreign master */
};

/*
 * Figure 33 for one port r. d0: own data set; class: defaultDS clockClass; ebest: best of all
 * ports' Erbest (NULL if none); erbest: this port's (NULL if none); ebest_here: Ebest came in on
 * this port; state: this port's state. slave_only: never M*, P*: S1 if Ebest is here, else
 * LISTEN (NONE if LISTENING without Erbest).
 */
enum bmc_decision bmc_state_decision(const struct bmc_ds *d0, uint8_t clock_class, bool slave_only,
                                     const struct bmc_ds *ebest, const struct bmc_ds *erbest,
                                     bool ebest_here, enum ptp_port_state state);

/*
 * All ports at once: picks Ebest among ports not INITIALIZING/FAULTY/DISABLED, decides each
 * such port into out[i] (BMC_RS_NONE for the others). *ebest_port (optional) gets Ebest's port
 * index or -1. Returns 0 or -EINVAL (bad arguments).
 */
int bmc_decide_all(const struct ds_default *dflt, const struct bmc_port_in *ports, unsigned nports,
                   enum bmc_decision *out, int *ebest_port);

/*
 * Data set updates of 9.3.5. As grandmaster (M1/M2): currentDS zeroed, parentDS describes
 * us, timePropertiesDS = own_tp. As slave (S1) of the record f: stepsRemoved = f's + 1,
 * parentDS from f's Announce (parent = its sender), timePropertiesDS from its flags and body.
 * M3/P*: no change. Any argument but the decision may be NULL to skip that data set.
 */
void bmc_update_ds(enum bmc_decision d, const struct ds_default *dflt,
                   const struct ds_time_props *own_tp, const struct bmc_foreign *f,
                   struct ds_current *cur, struct ds_parent *parent, struct ds_time_props *tp);

#endif
