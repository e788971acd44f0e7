/* SPDX-License-Identifier: MIT */
/*
 * dtp-sim's engine: every device runs the DTP core (dtp/core) unchanged on its own oscillator
 * (156.25 MHz with a static error and a random-walk wander); messages cross cables (5 ns/m
 * plus a fixed PHY latency) and a clock-domain crossing at the receiver (observed at the next
 * receiver tick plus 0 or 1 tick); beacons leave only in idle blocks, so with traffic load a
 * beacon waits for the frame on the wire (INIT / INIT-ACK are not delayed: links carry no
 * traffic before they are in SYNC). Counters are advanced lazily between events, so the cost is
 * per message, not per tick. Faulty nodes are left out of the offsets (the question is
 * whether they drag the healthy ones: jumps and the network's rate).
 */
#ifndef DTP_SIM_SIM_H
#define DTP_SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/topo.h"
#include "tsync/statlog.h"

#define SIM_MAX_FLAPS  64
#define SIM_MAX_FAULTS 16

struct sim_flap {
	unsigned link;
	int64_t start_ps, dur_ps;
};

enum sim_fault_kind { SIM_FAULT_FAST, SIM_FAULT_WILD };

struct sim_fault {
	unsigned node;
	enum sim_fault_kind kind;
	double ppm;    /* FAST: the node's oscillator error */
	int64_t ticks; /* WILD: added to its counters at at_ps */
	int64_t at_ps;
};

struct sim_config {
	int64_t duration_ps;
	int64_t beacon_ticks;    /* beacon interval */
	int64_t retry_ticks;     /* INIT retry timeout */
	int64_t alpha_ticks;     /* DTP's alpha: turnaround 1 + mean CDC excess 1 + 1 */
	int64_t sample_ps;       /* offset sampling interval */
	int64_t phy_ps;          /* fixed PHY latency per direction */
	int64_t wander_step_ps;  /* how often the wander walks */
	double max_ppm;          /* static error drawn in [-max_ppm, max_ppm] */
	double wander_ppb;       /* sigma of each wander step */
	double temp_step_ppm;    /* temperature steps: sigma of one step of a node's frequency */
	int64_t temp_every_ps;   /* ... mean time between two steps of one node (Poisson) */
	double load;             /* fraction of blocks carrying frames, 0 .. 0.99 */
	unsigned frame_bytes;    /* frame length under load */
	int64_t jump_ticks;      /* a beacon correcting lc by more is a jump */
	int64_t guard_ticks;     /* jump guard (0: plain DTP) */
	unsigned delay_samples;  /* multi-sample delay (1: plain DTP) */
	int64_t remeasure_ticks; /* ... measured again every this many ticks (0: never) */
	bool bound;              /* per-node error bound (root: the first healthy node) */
	int64_t burst_start_ps, burst_dur_ps; /* on-demand burst on every node (dur 0: none) */
	unsigned burst_div;                   /* beacon interval / this during the burst */
	bool sync;                            /* frequency syntonization */
	int64_t warmup_ps;                    /* offsets count only after this (and once steady) */
	double sync_margin_ppm;               /* ... runs this far below the fastest */
	bool rate_check; /* peers whose oscillator is off ours by > 2 max_ppm + 50 are rejected */
	uint64_t gc0;    /* counters start at gc0 + a random 0 .. 2^20 */
	uint64_t seed;
	struct sim_flap flaps[SIM_MAX_FLAPS];
	unsigned nflaps;
	struct sim_fault faults[SIM_MAX_FAULTS];
	unsigned nfaults;
	struct statlog *statlog; /* time series or NULL: t[s] offset[ns] (largest pairwise)
	                          * hop_offset[ns] (largest between neighbours) steady
	                          * sync_ports jumps own_error[ns] own_bound[ns] (the node
	                          * farthest from the root and its own bound; nan without
	                          * --enhance bound); offsets nan until steady */
	bool progress;           /* progress on stderr for runs over 2 s */
	const char *topo_spec;
};

struct sim_result {
	unsigned nodes, links;
	int diameter;
	int64_t max_offset, max_hop_offset; /* ticks, over steady samples */
	int64_t bound_hop, bound_net;       /* 4 and 4 D */
	uint64_t hop_violations, net_violations;
	uint64_t samples, steady_samples;
	uint64_t events, beacons, jumps, rejected, max_events_in_flight;
	double settle_s; /* first time every port was SYNC (-1: never) */
	double wall_s, sim_s;
	double rate_ppm; /* the network counter's rate against 156.25 MHz since steady */
	/* per-node bound (steady samples, healthy nodes): each node's |gc - gc(root)| against
	 * its own dtp_device_bound() */
	int64_t self_bound_max, self_error_max; /* the largest bound, the largest actual error */
	int64_t self_slack_min;                 /* smallest bound - error (INT64_MAX: none) */
	uint64_t self_violations, self_unknown; /* error > bound; node samples without a bound */
	/* burst: steady samples inside the burst window */
	int64_t burst_max_offset, burst_max_hop_offset;
	uint64_t burst_samples;
	uint64_t remeasures; /* completed periodic delay re-measurements */
	uint64_t temp_steps; /* temperature steps applied */
};

/* Run; 0 or -1 with err (e.g. out of memory). */
int sim_run(const struct topo *t, const struct sim_config *cfg, struct sim_result *res, char *err,
            size_t errlen);

#endif
