/* SPDX-License-Identifier: MIT */
/*
 * Discrete-time simulator of N pre-copy live migrations sharing one link, to compare the
 * evacuation policies of controller.h. Pure and seeded (the same scenario and seed give the
 * same result bit for bit).
 *
 * Model, per time step dt:
 *  - a migration first spends setup_s without sending (connect, dedup index building);
 *  - then it sends at a rate r_i = its share of the bottleneck: max-min fair sharing of
 *    C = min(link_bps, host capacity) among the transferring migrations, each one wanting
 *    min(cap_i, stream_bps_i) (stream_bps: what one migration can push by itself: a TCP
 *    window over a long RTT, one CPU core hashing or compressing pages). The host capacity
 *    is host_bps / (1 + contention * max(0, k - cores)) with k transferring migrations;
 *  - pre-copy: pass 0 sends mem_bytes; while a pass runs the guest dirties dirty_bps, at most
 *    wss_bytes in all; at the end of a pass, the dirty bytes become the next pass unless the
 *    expected stop-and-copy time (dirty bytes / the rate of the pass just ended) is within
 *    downtime_s or max_iter passes are done: then the guest stops, the dirty bytes are sent
 *    and the migration ends switch_s later (device state, handshake). Downtime = stop to end.
 *  - the controller runs every interval_s on the throughput measured over the interval,
 *    multiplied by (1 + u), u uniform in [-noise, noise].
 *
 * Metric (the one the tests and the bench tables rank by): score = makespan + mean
 * duration, in seconds. makespan = evacuation start to the last switchover (when the host is
 * empty); duration_i = VM i's own migrate command to its switchover (how long it runs
 * degraded: dirty tracking, a second copy, the risk of a failure). Sequential keeps the
 * durations short and the makespan long when one migration cannot fill the link; all at once
 * keeps the makespan short and every duration as long as the makespan. The sum of completion
 * times (each VM's switchover measured from the evacuation start) is reported beside it.
 */
#ifndef TSVMM_MANAGER_EVAC_SIM_H
#define TSVMM_MANAGER_EVAC_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "manager/controller.h"

#define EVAC_SIM_MAX 32

struct evac_sim_vm {
	double mem_bytes;  /* bytes of the first pass (after deduplication) */
	double dirty_bps;  /* bytes/s dirtied while the guest runs */
	double wss_bytes;  /* most bytes dirty at once (working set) */
	double stream_bps; /* most one migration of this VM can send, bytes/s (0: no limit) */
	double setup_s;    /* before the first byte */
};

struct evac_sim_scenario {
	const char *name;
	int n;
	struct evac_sim_vm vm[EVAC_SIM_MAX];
	double link_bps;   /* physical link, bytes/s */
	double budget_bps; /* the evacuation's budget (<= link_bps) */
	double host_bps;   /* what the source host can process in all (0: no limit) */
	double host_cores; /* migrations that run without contention */
	double contention; /* host capacity loss per extra migration beyond host_cores */
	double downtime_s; /* downtime limit */
	int max_iter;      /* pre-copy passes before a forced stop-and-copy */
	double switch_s;   /* fixed part of the downtime */
	double noise;      /* relative noise on the measured throughput */
	double dt, interval_s;
	double t_max; /* give up after this simulated time */
	uint64_t seed;
};

struct evac_sim_vm_result {
	double start_s, end_s, downtime_s, bytes;
	int passes;
	bool forced; /* stop-and-copy forced by max_iter (downtime above the limit) */
	bool done;
};

struct evac_sim_result {
	struct evac_sim_vm_result vm[EVAC_SIM_MAX];
	int n, unfinished;
	double makespan_s, mean_duration_s, sum_completion_s, score_s;
	double max_downtime_s, bytes;
	double max_cap_sum_bps;  /* largest sum of caps the controller handed out */
	double max_rate_sum_bps; /* largest sum of rates on the link */
	int peak_k;              /* most migrations running at once */
	int probes_ok, probes_failed;
};

/* score = makespan + mean duration (see above), seconds. start/end: n entries. */
double evac_score(const double *start_s, const double *end_s, int n, double *makespan,
                  double *mean_duration, double *sum_completion);

/* Defaults for the physics (dt 5 ms, interval 0.25 s, downtime 0.1 s, 30 passes). */
void evac_sim_defaults(struct evac_sim_scenario *s);
/*
 * A built-in scenario by name with VM sizes and dirty rates drawn from seed:
 *   wan      100 Mbit/s, 20 ms RTT: one TCP stream gets ~1/3 of the link
 *   lan-cpu  10 Gbit/s, one migration is CPU-bound at ~1/3 of the link, 2 cores
 *   dirty    1 Gbit/s, one migration fills the link, some guests dirty fast
 *   setup    10 Gbit/s, 1.5-3 s of dedup index building before each migration
 *   mixed    1 Gbit/s, a mix of the above
 * 0, or -1 for an unknown name.
 */
int evac_sim_builtin(const char *name, uint64_t seed, struct evac_sim_scenario *s);
extern const char *const evac_sim_builtin_names[];

/* Run the scenario under policy (params: evac_ctl_params_default with the budget). 0. */
int evac_sim_run(const struct evac_sim_scenario *s, enum evac_policy policy,
                 struct evac_sim_result *r);

#endif
