/* SPDX-License-Identifier: MIT */
/*
 * tsvmm evacuation controller: which VMs migrate now and at what bandwidth cap, from measured
 * throughput. Pure (no I/O, no clock, no allocation): `tsvmm evacuate` feeds it query-migrate
 * samples, the simulator (evac_sim.h) feeds it simulated ones, unit tests feed it both.
 *
 * Units: bytes, bytes/s, seconds. Called once per control interval with every VM.
 *
 * Policies:
 *   EVAC_SEQUENTIAL  one migration at a time, capped at the whole budget.
 *   EVAC_ALL         every migration at once, each capped at budget / N (static).
 *   EVAC_FIXED_K     at most max_concurrency migrations at once (SRPT order), each capped at
 *                    budget / k (static: the fixed-k parallel baseline).
 *   EVAC_CONTROLLER  the feedback law below.
 *
 * The control law (EVAC_CONTROLLER), every interval:
 *  1. Priority. VMs are ranked by their effective remaining time at the whole budget,
 *     p = R / (B - D) (R remaining bytes, D dirty rate, B budget; B - D floored at B/20):
 *     shortest effective work first (SRPT), which minimises the sum of completion times on
 *     one shared link and counts a dirty rate as the extra work it causes (pre-copy of R
 *     bytes at rate b while D is dirtied sends about R b / (b - D) bytes).
 *  2. Bandwidth. Caps never sum above B. Every running migration keeps a keep-alive trickle
 *     (its source gives up after 10 s without progress; the VMM cannot pause a migration).
 *     Then, in serving order -- the expected remaining time at the whole capacity, R / (C - D)
 *     (rule 1's key), with a deadline those that cannot cross before it last -- each gets its
 *     floor, min(B, 1.5 D): at a cap at or below D pre-copy cannot converge (every byte is
 *     resent). A floor that does not fit in what is left holds its migration at the trickle
 *     (unless what is left still lifts it above D): no cap sits between the trickle and the
 *     dirty rate, where passes never shrink. With a deadline, a started migration that cannot
 *     cross before it is held while one that can is running (it is lost anyway). Then each
 *     served one gets its demand up to a fair share
 *     B / k (a started migration is never starved: its duration counts), then the rest of
 *     its demand in priority order: a
 *     migration that used >= 80 % of its cap is "cap-limited" and asks for 1.25x its cap
 *     (multiplicative probe up); one that used less is "self-limited" (CPU, TCP window, setup)
 *     and asks for 1.2x what it used. Whatever is left goes to the highest-priority
 *     migration (work conserving: a cap-limited one converts it into throughput).
 *  3. Concurrency: a gradient on aggregate throughput X. A new migration starts only when
 *     the running ones leave the link under-used, X < 0.9 B, for `settle` intervals with
 *     caps already offered to them (they are self-limited: more bandwidth does not help
 *     them, more migrations may), its floor fits in the unused budget, and no probe is
 *     pending. The start is a probe: once the new migration has transferred for `settle`
 *     intervals, the gain X - X_before is compared with the share it could add,
 *     min(B - X_before, B / k). A gain below 30 % of that means the bottleneck is shared
 *     (the link, the source host's CPU): kmax = k - 1, so a finishing migration is not
 *     replaced; otherwise kmax grows by one (additive increase). kmax is allowed to grow
 *     again after `reprobe_s` (conditions change as VMs finish).
 *  4. Pipelining: a migration's setup (connect, dedup index) sends nothing. When the work
 *     already running would drain at the whole budget, sum(R) / B, sooner than a setup takes
 *     (the EWMA of observed setups, or the elapsed setup of a VM still in it if longer), the
 *     next VM starts now, so its setup overlaps the others' transfer.
 *  5. Capacity (live feedback on the bottleneck): B is only an upper bound; the law runs on
 *     an estimate C of what the path delivers now (C = B at the start). Each settled ACTIVE
 *     stream keeps a reference, the mean of its own throughput (a stream alone on its host
 *     starts from the last reference of a stream alone on that host: one that starts after
 *     the path got slower is compared with what its host delivered before; after a drop
 *     these host references are forgotten). Held streams (at the keep-alive trickle) are
 *     never counted as cap-limited: what they report above their cap is the drain of what
 *     was queued before the bottleneck, not demand. When the caller measures the bottleneck
 *     on its far side (link_bps), X in this rule is that: the sources' acknowledged bytes
 *     overstate the path right after a drop (held streams drain) and understate it while the
 *     streams recover from the drop's losses (bench: X 4-13 Mbit/s, far side 16-20 Mbit/s,
 *     at a fall to 20 Mbit/s). It counts the packets' headers and any competing traffic. When at
 *     least two streams
 *     are below 70 % of their references at once, and their sum below 70 % of the sum of
 *     the references, for more than `settle` intervals (one stream alone slowing down -- its
 *     switchover, a busy source CPU -- is not a path signal; several at once are), the path
 *     lost capacity (a slower link, competing traffic): C = the aggregate X measured now,
 *     kmax = the streams that fill C at the per-stream rate seen before the drop (at least
 *     1, at most k), and the references restart from now. The caps of rule 2 then
 *     concentrate C on the highest-priority VM (SRPT on the smaller link: until k <= kmax
 *     again, only the first kmax in priority order get more than their floor) and a
 *     finishing migration is not replaced. When a stream is cap-limited (>= 90 % of its
 *     cap) and X >= 85 % of C (95 % when X is measured on the bottleneck's far side), and the
 *     last drop is more than `settle` intervals old (until then the streams report the drain
 *     of what was queued before the bottleneck), C grows by 20 % (up to B); once C is 60 %
 *     above its value at
 *     the last drop or failed probe (more than the measurement noise lets it overshoot), the
 *     path grew back: the migrations held at their floors share it again (kmax = k) and a
 *     new concurrency probe is allowed at once.
 *  6. Hosts: a VM's source host (its own uplink) is an input. A start prefers the best VM on
 *     a host with no running migration (a second stream on a busy uplink adds little); only
 *     when every host is busy does it take the overall best.
 *  7. Deadline (deadline_s > 0: power runs out then, unmoved VMs are lost): a queued VM whose
 *     remaining bytes cannot cross at the whole estimated capacity C before the deadline is
 *     not started (it would only take bandwidth from ones that can still make it).
 *  8. Parallel connections (the paper's finding: parallel TCP connections speed up a
 *     migration whose one connection cannot fill its path): a migration's connections are
 *     fixed at its start (conns), so the controller keeps the number the next start gets,
 *     c->conns (p.conns, 1 by default, at first). A settled stream alone on its host that stays below its share
 *     (its throughput < 80 % of its cap and < C / k) while the bottleneck has headroom
 *     (X < 85 % of C) for more than `settle` intervals, having been started with the current
 *     c->conns, is window-limited (one TCP connection over a long or lossy path): c->conns
 *     doubles, up to max_conns. The next VM started with more connections is a probe: once
 *     settled it must carry at least 1.3x what the slow stream carried, else (the limit was
 *     its host or CPU, not the window) c->conns halves back and no increase follows for
 *     `reprobe_s`. A capacity drop (rule 5) resets it to 1: the streams are then limited by
 *     the path, not their windows (to p.conns). The baselines always use p.conns (1).
 * Every change of C, kmax or conns and every skip is flagged in `events` of the step (the caller
 * logs them: the decision log).
 * A VM counts as new (offered the whole unused budget) until it has been ACTIVE for `settle`
 * intervals: its first, partial interval says nothing about what it can use.
 * With one migration able to fill the link, this runs migrations one by one in SRPT order
 * (the optimum for both metrics below); with self-limited migrations (WAN TCP windows,
 * CPU-bound dedup, setup phases) it overlaps just enough of them to fill the budget.
 */
#ifndef TSVMM_MANAGER_CONTROLLER_H
#define TSVMM_MANAGER_CONTROLLER_H

#include <stdbool.h>
#include <stdint.h>

#define EVAC_HOSTS 64 /* source hosts told apart (host ids modulo this) */

enum evac_policy {
	EVAC_SEQUENTIAL = 0,
	EVAC_ALL = 1,
	EVAC_CONTROLLER = 2,
	EVAC_FIXED_K = 3,
};
const char *evac_policy_name(enum evac_policy p);
/* "seq"/"sequential", "all", "ctl"/"controller", "fixed-k"/"fixed" -> policy; -1 if unknown. */
int evac_policy_parse(const char *s);

enum evac_vm_state {
	EVAC_QUEUED = 0, /* not started */
	EVAC_SETUP,      /* started, nothing transferred yet (connect, index building) */
	EVAC_ACTIVE,     /* transferring (pre-copy or stop-and-copy) */
	EVAC_DONE,       /* completed (or failed: no longer the controller's business) */
};

/* One VM as the controller sees it. The caller fills the inputs, evac_ctl_step the outputs. */
struct evac_vm {
	/* inputs */
	enum evac_vm_state state;
	double remaining; /* bytes still to send (queued: estimate of the first pass; in a later
	                     pass: the dirty bytes left) */
	double dirty_bps; /* dirty rate, bytes/s */
	double tput_bps;  /* measured throughput over the last interval (running), bytes/s */
	unsigned host;    /* source host (its own uplink), 0.. (all 0: one host) */
	int pass;         /* pre-copy passes completed (0: still in the first pass; the caller
	                     uses it for remaining) */
	/* outputs */
	double cap_bps; /* bandwidth cap while running (> 0), bytes/s; 0 when not running */
	bool start;     /* start this queued VM now (the caller then sets state SETUP) */
	int conns;      /* TCP connections to start it with (set with start; rule 8) */
	/* controller bookkeeping: zero-initialise the array once and keep it between steps */
	int setup_steps;  /* intervals seen in SETUP */
	int active_steps; /* intervals seen in ACTIVE */
	double ref_bps;   /* its recent throughput while settled (rule 5), bytes/s */
};

struct evac_ctl_params {
	enum evac_policy policy;
	double budget_bps;   /* B: bytes/s over all migrations */
	double interval_s;   /* control period (for reprobe_s) */
	int max_concurrency; /* hard upper bound on k (0 = no bound); k of EVAC_FIXED_K */
	int settle;          /* intervals to wait after a change before judging (>= 1) */
	double reprobe_s;    /* after a failed probe, allow a new one after this long */
	double deadline_s;   /* power deadline from the first step (0: none), rule 7 */
	int conns;           /* connections every migration starts with (baselines: always; the
	                        controller: at first), >= 1 */
	int max_conns;       /* rule 8: at most this many connections per migration (<= conns:
	                        off) */
};

/* Decision events of one step (struct evac_ctl.events). */
enum {
	EVAC_EV_CAP_DOWN = 1, /* capacity estimate lowered (measured drop) */
	EVAC_EV_CAP_UP = 2,   /* capacity estimate raised (cap-limited streams) */
	EVAC_EV_KMAX = 4,     /* kmax changed */
	EVAC_EV_SKIP = 8,     /* a queued VM was not started: it cannot make the deadline */
	EVAC_EV_CONNS = 16,   /* connections per new migration changed (rule 8) */
};

void evac_ctl_params_default(struct evac_ctl_params *p, enum evac_policy policy, double budget_bps);

/* Controller state (no pointers: copyable). */
struct evac_ctl {
	struct evac_ctl_params p;
	int kmax;            /* concurrency allowed now */
	int probe_vm;        /* index of the VM started as a probe, -1: none */
	double x_before;     /* aggregate throughput before the probe, bytes/s */
	int k_before;        /* running migrations before the probe */
	int under_steps;     /* consecutive intervals with X < 0.9 B */
	double since_fail_s; /* time since the last failed probe */
	double setup_est_s;  /* EWMA of observed setup times (start to first byte), s */
	uint64_t steps;
	int probes_ok, probes_failed; /* counters for reports */
	/* rule 5 */
	double cap_est;              /* C, bytes/s */
	int drop_steps;              /* consecutive intervals below the drop threshold */
	double cap_at_fail;          /* C at the last failed probe or drop */
	double host_ref[EVAC_HOSTS]; /* the last stream reference seen per source host */
	bool shrink;       /* after a drop, until k <= kmax: only the first kmax get more than
	                       their floor */
	uint64_t skip_sig; /* bit i: VM i was reported as skipped (rule 7) */
	/* decision log of the last step */
	unsigned events;   /* EVAC_EV_* */
	double cap_before; /* C before this step */
	int kmax_before;   /* kmax before this step */
	int skipped_vm;    /* the VM of EVAC_EV_SKIP */
	int drops, raises; /* counters for reports */
	/* rule 8 */
	int conns;                    /* connections the next start gets */
	int conns_before;             /* ... before this step */
	int slow_steps;               /* consecutive intervals with a window-limited stream */
	int conns_vm;                 /* the stream that showed it (for the log), -1: none */
	double conns_tput, conns_cap; /* its throughput and cap then, bytes/s */
	int conns_probe_vm;   /* the first VM started with more (-2: the next start, -1: none) */
	double conns_since_s; /* time since a failed probe */
	int conns_failed;     /* failed probes (for reports) */
	/* input, set by the caller before each step: bytes/s the bottleneck delivered in the last
	 * interval, measured on its far side (the destination's ingress), 0: unknown */
	double link_bps;
	int drop_age; /* intervals since the last capacity drop (capped at settle + 1) */
};

void evac_ctl_init(struct evac_ctl *c, const struct evac_ctl_params *p);

/*
 * One control interval over vms[0..n-1]: sets cap_bps of every running VM (those in SETUP or
 * ACTIVE, and those it starts) and start for the queued VMs to start now. Invariant: the
 * caps of all running VMs sum to at most budget_bps. Returns the number of VMs running after
 * the starts.
 */
int evac_ctl_step(struct evac_ctl *c, struct evac_vm *vms, int n);

/* Priority key of rule 1 (smaller runs first). */
double evac_priority(const struct evac_vm *v, double budget_bps);

#endif
