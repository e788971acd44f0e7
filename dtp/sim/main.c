// SPDX-License-Identifier: MIT
/*
 * dtp-sim: a tick-level discrete-event simulator of DTP in a datacenter (see dtp_sim.h, topo.h).
 *   dtp-sim --topo fattree:4 --duration 20ms --beacon 200 --load 0.5 --seed 7 --summary json
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/dtp_sim.h"
#include "sim/topo.h"
#include "tsync/cli.h"
#include "tsync/statlog.h"
#include "uapi/dtp.h"

#define PROG "dtp-sim"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: " PROG " --topo SPEC [options]\n"
	        "  --topo SPEC        line:N (N hops), star:N, ring:N, fattree:K, leafspine:AxB,\n"
	        "                     file:PATH (lines 'NODE NODE METRES', '#' comments)\n"
	        "  --duration T       simulated time (default 10ms; units ns us ms s)\n"
	        "  --beacon N         beacon interval in ticks (default 200)\n"
	        "  --enhance LIST     none (plain DTP, default), or a comma list of: guard (jump\n"
	        "                     guard, --guard N), delay (multi-sample delay, "
	        "--delay-samples K),\n"
	        "                     remeasure (delay measured again every --remeasure T), "
	        "bound\n"
	        "                     (per-node error bound against the first node, counted)\n"
	        "  --delay-samples K  INIT/INIT-ACK exchanges averaged with --enhance delay (16)\n"
	        "  --remeasure T      re-measurement period with --enhance remeasure (default "
	        "10ms)\n"
	        "                     sync (frequency syntonization: counters advance at the\n"
	        "                     fastest oscillator's rate, --sync-margin PPM below it)\n"
	        "                     guard also rejects peers whose oscillator is off by more\n"
	        "                     than 2 x --ppm + 50 ppm (measured on free-running counts)\n"
	        "  --sync-margin PPM  syntonization's margin (default: 1/4 tick per beacon "
	        "interval)\n"
	        "  --warmup T         offsets count only after T (default 0)\n"
	        "  --burst DUR@START  every node beacons --burst-div times faster for DUR\n"
	        "  --burst-div N      beacon interval divisor during a burst (default 8)\n"
	        "  --seed N           random seed (default 1)\n"
	        "  --load F           fraction of blocks busy with frames, 0..0.99 (default 0)\n"
	        "  --frame BYTES      frame length under load (default 1522)\n"
	        "  --flap L@START+DUR link L (index or NODE-NODE) down at START for DUR\n"
	        "  --faulty N:fast:PPM | N:wild:TICKS@T   a faulty node\n"
	        "  --cable M          metres of generated links (default 5)\n"
	        "  --ppm P            static oscillator error range +-P (default 100)\n"
	        "  --wander PPB       wander step sigma every 1 ms (default 10)\n"
	        "  --temp-step PPM    temperature steps: sigma of one frequency step (default 0: "
	        "off)\n"
	        "  --temp-every T     mean time between two steps of one node (default 100ms)\n"
	        "  --alpha N          DTP alpha in ticks (default 3: turnaround 1 + mean CDC 1 + "
	        "1)\n"
	        "  --jump N           beacons correcting lc by more than N ticks are jumps (16)\n"
	        "  --guard N          jump guard bound in ticks (default 64, with --enhance "
	        "guard)\n"
	        "  --gc0 N            counters start near N (default 0; try 9007199254740000)\n"
	        "  --sample T         offset sampling interval (default duration/10000, >= 1us)\n"
	        "  --statlog DIR      write DIR/dtp-sim.log (tsync statlog)\n"
	        "  --summary FMT      table (default) or json\n"
	        "  --quiet            no progress on stderr\n");
}

static int parse_link(const struct topo *t, const char *s, unsigned *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s && !*end && v >= 0 && v < (long)t->nlinks) {
		*out = (unsigned)v;
		return 0;
	}
	const char *dash = strchr(s, '-');
	if (!dash || dash - s >= TOPO_NAME_MAX)
		return -1;
	char a[TOPO_NAME_MAX];
	memcpy(a, s, (size_t)(dash - s));
	a[dash - s] = 0;
	int ia = topo_find(t, a), ib = topo_find(t, dash + 1);
	for (unsigned l = 0; l < t->nlinks; l++)
		if ((t->links[l].a == (unsigned)ia && t->links[l].b == (unsigned)ib) ||
		    (t->links[l].a == (unsigned)ib && t->links[l].b == (unsigned)ia)) {
			*out = l;
			return 0;
		}
	return -1;
}

static int parse_flap(const struct topo *t, char *s, struct sim_config *c)
{
	char *at = strrchr(s, '@'), *plus = at ? strchr(at, '+') : NULL;
	if (!at || !plus || c->nflaps == SIM_MAX_FLAPS) {
		fprintf(stderr, PROG ": bad value '%s' for --flap (expected LINK@START+DUR)\n", s);
		return -1;
	}
	*at = *plus = 0;
	struct sim_flap *f = &c->flaps[c->nflaps];
	if (parse_link(t, s, &f->link)) {
		fprintf(stderr, PROG ": --flap: no link '%s' (an index < %u or NODE-NODE)\n", s,
		        t->nlinks);
		return -1;
	}
	if (cli_time(PROG, "--flap START", at + 1, 0, 3600000000000000ll, &f->start_ps) ||
	    cli_time(PROG, "--flap DUR", plus + 1, 1, 3600000000000000ll, &f->dur_ps))
		return -1;
	f->start_ps *= 1000; /* ns -> ps */
	f->dur_ps *= 1000;
	c->nflaps++;
	return 0;
}

static int parse_fault(const struct topo *t, char *s, struct sim_config *c)
{
	char *k1 = strchr(s, ':'), *k2 = k1 ? strchr(k1 + 1, ':') : NULL;
	if (!k1 || !k2 || c->nfaults == SIM_MAX_FAULTS) {
		fprintf(stderr,
		        PROG ": bad value '%s' for --faulty (expected NODE:fast:PPM or "
		             "NODE:wild:TICKS@TIME)\n",
		        s);
		return -1;
	}
	*k1 = *k2 = 0;
	struct sim_fault *f = &c->faults[c->nfaults];
	int n = topo_find(t, s);
	if (n < 0) {
		fprintf(stderr, PROG ": --faulty: no node '%s'\n", s);
		return -1;
	}
	f->node = (unsigned)n;
	if (!strcmp(k1 + 1, "fast")) {
		f->kind = SIM_FAULT_FAST;
		if (cli_double(PROG, "--faulty PPM", k2 + 1, -1e5, 1e5, &f->ppm))
			return -1;
	} else if (!strcmp(k1 + 1, "wild")) {
		f->kind = SIM_FAULT_WILD;
		char *at = strchr(k2 + 1, '@');
		long ticks;
		if (!at) {
			fprintf(stderr, PROG ": --faulty wild needs TICKS@TIME\n");
			return -1;
		}
		*at = 0;
		if (cli_long(PROG, "--faulty TICKS", k2 + 1, -(1l << 50), 1l << 50, &ticks) ||
		    cli_time(PROG, "--faulty TIME", at + 1, 0, 3600000000000000ll, &f->at_ps))
			return -1;
		f->ticks = ticks;
		f->at_ps *= 1000;
	} else {
		fprintf(stderr, PROG ": --faulty: kind '%s' is neither fast nor wild\n", k1 + 1);
		return -1;
	}
	c->nfaults++;
	return 0;
}

struct enhance {
	bool guard, delay, remeasure, bound, sync;
};

static int parse_enhance(const char *s, struct enhance *e)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", s);
	*e = (struct enhance){0};
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "none"))
			continue;
		bool *flag = !strcmp(tok, "guard")       ? &e->guard
		             : !strcmp(tok, "delay")     ? &e->delay
		             : !strcmp(tok, "remeasure") ? &e->remeasure
		             : !strcmp(tok, "bound")     ? &e->bound
		             : !strcmp(tok, "sync")      ? &e->sync
		                                         : NULL;
		if (flag) {
			*flag = true;
			continue;
		}
		fprintf(stderr,
		        PROG ": bad value '%s' for --enhance (expected none, guard, delay, "
		             "remeasure, bound, sync, or a comma list)\n",
		        tok);
		return -1;
	}
	return 0;
}

static int parse_burst(char *s, struct sim_config *c)
{
	char *at = strrchr(s, '@');
	tmv_t dur, start;
	if (!at) {
		fprintf(stderr, PROG ": bad value '%s' for --burst (expected DUR@START)\n", s);
		return -1;
	}
	*at = 0;
	if (cli_time(PROG, "--burst DUR", s, 1, 3600000000000000ll, &dur) ||
	    cli_time(PROG, "--burst START", at + 1, 0, 3600000000000000ll, &start))
		return -1;
	c->burst_dur_ps = dur * 1000;
	c->burst_start_ps = start * 1000;
	return 0;
}

static void print_summary(const struct sim_result *r, const struct sim_config *c, bool json,
                          const char *enhance)
{
	if (json) {
		printf("{\"topo\": \"%s\", \"nodes\": %u, \"links\": %u, \"diameter_hops\": %d, "
		       "\"beacon_ticks\": %lld, \"load\": %g, \"enhance\": \"%s\", \"seed\": %llu, "
		       "\"max_offset_ticks\": %lld, \"max_hop_offset_ticks\": %lld, "
		       "\"bound_hop_ticks\": %lld, \"bound_4TD_ticks\": %lld, "
		       "\"bound_violations\": %llu, \"hop_violations\": %llu, "
		       "\"net_violations\": %llu, \"samples\": %llu, \"steady_samples\": %llu, "
		       "\"settle_s\": %.9f, \"rate_ppm\": %.3f, \"jumps\": %llu, \"rejected\": "
		       "%llu, \"beacons\": %llu, \"self_bound_ticks\": %lld, \"self_error_ticks\": "
		       "%lld, \"self_slack_min_ticks\": %lld, \"self_violations\": %llu, "
		       "\"self_unknown\": %llu, \"burst_samples\": %llu, "
		       "\"burst_max_offset_ticks\": "
		       "%lld, \"burst_max_hop_offset_ticks\": %lld, \"remeasures\": %llu, "
		       "\"temp_steps\": %llu, "
		       "\"events\": %llu, \"sim_s\": %g, \"wall_s\": %.3f, \"events_per_s\": "
		       "%.0f}\n",
		       c->topo_spec, r->nodes, r->links, r->diameter, (long long)c->beacon_ticks,
		       c->load, enhance, (unsigned long long)c->seed, (long long)r->max_offset,
		       (long long)r->max_hop_offset, (long long)r->bound_hop,
		       (long long)r->bound_net,
		       (unsigned long long)(r->hop_violations + r->net_violations +
		                            r->self_violations),
		       (unsigned long long)r->hop_violations, (unsigned long long)r->net_violations,
		       (unsigned long long)r->samples, (unsigned long long)r->steady_samples,
		       r->settle_s, r->rate_ppm, (unsigned long long)r->jumps,
		       (unsigned long long)r->rejected, (unsigned long long)r->beacons,
		       (long long)r->self_bound_max, (long long)r->self_error_max,
		       (long long)(r->self_slack_min == INT64_MAX ? -1 : r->self_slack_min),
		       (unsigned long long)r->self_violations, (unsigned long long)r->self_unknown,
		       (unsigned long long)r->burst_samples, (long long)r->burst_max_offset,
		       (long long)r->burst_max_hop_offset, (unsigned long long)r->remeasures,
		       (unsigned long long)r->temp_steps, (unsigned long long)r->events, r->sim_s,
		       r->wall_s, r->wall_s > 0 ? (double)r->events / r->wall_s : 0);
		return;
	}
	printf("dtp-sim %s: %u nodes, %u links, diameter %d hops, beacon %lld ticks, load %g, "
	       "enhance %s, seed %llu\n",
	       c->topo_spec, r->nodes, r->links, r->diameter, (long long)c->beacon_ticks, c->load,
	       enhance, (unsigned long long)c->seed);
	printf("  %-28s %12s %12s %12s\n", "", "measured", "bound", "violations");
	printf("  %-28s %12lld %12lld %12llu\n", "per hop offset [ticks]",
	       (long long)r->max_hop_offset, (long long)r->bound_hop,
	       (unsigned long long)r->hop_violations);
	printf("  %-28s %12lld %12lld %12llu\n", "network offset [ticks]", (long long)r->max_offset,
	       (long long)r->bound_net, (unsigned long long)r->net_violations);
	if (c->bound)
		printf("  %-28s %12lld %12lld %12llu  (%llu node samples without a bound)\n",
		       "own error vs root [ticks]", (long long)r->self_error_max,
		       (long long)r->self_bound_max, (unsigned long long)r->self_violations,
		       (unsigned long long)r->self_unknown);
	if (c->burst_dur_ps > 0)
		printf("  burst: network %lld, per hop %lld ticks over %llu samples\n",
		       (long long)r->burst_max_offset, (long long)r->burst_max_hop_offset,
		       (unsigned long long)r->burst_samples);
	printf("  settle %.6f s; %llu of %llu samples steady; jumps %llu, rejected %llu; "
	       "network rate %+.3f ppm\n",
	       r->settle_s, (unsigned long long)r->steady_samples, (unsigned long long)r->samples,
	       (unsigned long long)r->jumps, (unsigned long long)r->rejected, r->rate_ppm);
	printf("  %llu events (%llu beacons) in %.3f s wall for %g s simulated: %.2f Mev/s\n",
	       (unsigned long long)r->events, (unsigned long long)r->beacons, r->wall_s, r->sim_s,
	       r->wall_s > 0 ? (double)r->events / r->wall_s * 1e-6 : 0);
}

static struct statlog *open_statlog(const char *dir, const struct sim_config *c)
{
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, PROG ": --statlog %s: %s\n", dir, strerror(errno));
		return NULL;
	}
	char path[4096], seed[32], beacon[32], started[64];
	snprintf(path, sizeof(path), "%s/dtp-sim.log", dir);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)c->seed);
	snprintf(beacon, sizeof(beacon), "%lld", (long long)c->beacon_ticks);
	static const char *const cols[] = {"t[s]",          "offset[ns]",   "hop_offset[ns]",
	                                   "steady",        "sync_ports",   "jumps",
	                                   "own_error[ns]", "own_bound[ns]"};
	const struct statlog_meta meta[] = {
	        {"source", "dtp-sim"},
	        {"topo", c->topo_spec},
	        {"seed", seed},
	        {"beacon_ticks", beacon},
	        {"started", statlog_iso8601_now(started, sizeof(started))}};
	struct statlog *sl = statlog_open(path, cols, 8, meta, 5, STATLOG_BUFFERED);
	if (!sl)
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
	return sl;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"topo", 1, 0, 't'},        {"duration", 1, 0, 'd'}, {"beacon", 1, 0, 'b'},
	        {"enhance", 1, 0, 'e'},     {"seed", 1, 0, 's'},     {"load", 1, 0, 'l'},
	        {"frame", 1, 0, 'F'},       {"flap", 1, 0, 'f'},     {"faulty", 1, 0, 'x'},
	        {"cable", 1, 0, 'c'},       {"ppm", 1, 0, 'p'},      {"wander", 1, 0, 'w'},
	        {"jump", 1, 0, 'j'},        {"guard", 1, 0, 'g'},    {"gc0", 1, 0, 'G'},
	        {"sample", 1, 0, 'S'},      {"statlog", 1, 0, 'L'},  {"summary", 1, 0, 'o'},
	        {"alpha", 1, 0, 'a'},       {"quiet", 0, 0, 'q'},    {"delay-samples", 1, 0, 'k'},
	        {"remeasure", 1, 0, 'R'},   {"burst", 1, 0, 'B'},    {"burst-div", 1, 0, 'D'},
	        {"sync-margin", 1, 0, 'M'}, {"warmup", 1, 0, 'W'},   {"temp-step", 1, 0, 'T'},
	        {"temp-every", 1, 0, 'E'},  {"help", 0, 0, 'h'},     {0, 0, 0, 0}};
	struct sim_config c = {.duration_ps = 10000000000ll,
	                       .beacon_ticks = 200,
	                       .retry_ticks = 10000,
	                       .alpha_ticks = 3,
	                       .phy_ps = 25600,
	                       .wander_step_ps = 1000000000ll,
	                       .max_ppm = 100,
	                       .wander_ppb = 10,
	                       .temp_every_ps = 100000000000ll,
	                       .frame_bytes = 1522,
	                       .jump_ticks = 16,
	                       .seed = 1,
	                       .sync_margin_ppm = -1,
	                       .progress = true};
	const char *topo_spec = NULL, *statdir = NULL, *enhance = "none";
	char *flaps[SIM_MAX_FLAPS], *faults[SIM_MAX_FAULTS];
	unsigned nflaps = 0, nfaults = 0;
	double cable = 5;
	long v, guard = 64;
	tmv_t ns, sample_ns = 0;
	bool json = false;
	struct enhance enh;
	long delay_samples = 16, burst_div = 8;
	tmv_t remeasure_ns = 10000000;
	int o, bad = 0;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 't':
			topo_spec = optarg;
			break;
		case 'd':
			bad |= cli_time(PROG, "--duration", optarg, 1000, 3600000000000ll, &ns) !=
			       0;
			c.duration_ps = ns * 1000;
			break;
		case 'b':
			bad |= cli_long(PROG, "--beacon", optarg, 1, 1000000, &v) != 0;
			c.beacon_ticks = v;
			break;
		case 'e':
			enhance = optarg;
			break;
		case 's':
			bad |= cli_long(PROG, "--seed", optarg, 0, LONG_MAX, &v) != 0;
			c.seed = (uint64_t)v;
			break;
		case 'l':
			bad |= cli_double(PROG, "--load", optarg, 0, 0.99, &c.load) != 0;
			break;
		case 'F':
			bad |= cli_long(PROG, "--frame", optarg, 64, 9216, &v) != 0;
			c.frame_bytes = (unsigned)v;
			break;
		case 'f':
			if (nflaps < SIM_MAX_FLAPS)
				flaps[nflaps++] = optarg;
			else
				bad = 1,
				fprintf(stderr, PROG ": at most %d --flap\n", SIM_MAX_FLAPS);
			break;
		case 'x':
			if (nfaults < SIM_MAX_FAULTS)
				faults[nfaults++] = optarg;
			else
				bad = 1,
				fprintf(stderr, PROG ": at most %d --faulty\n", SIM_MAX_FAULTS);
			break;
		case 'c':
			bad |= cli_double(PROG, "--cable", optarg, 0, 100000, &cable) != 0;
			break;
		case 'p':
			bad |= cli_double(PROG, "--ppm", optarg, 0, 1000, &c.max_ppm) != 0;
			break;
		case 'w':
			bad |= cli_double(PROG, "--wander", optarg, 0, 100000, &c.wander_ppb) != 0;
			break;
		case 'T':
			bad |= cli_double(PROG, "--temp-step", optarg, 0, 1000, &c.temp_step_ppm) !=
			       0;
			break;
		case 'E': {
			tmv_t ns;
			bad |= cli_time(PROG, "--temp-every", optarg, 1000, 3600000000000ll, &ns) !=
			       0;
			c.temp_every_ps = ns * 1000;
			break;
		}
		case 'j':
			bad |= cli_long(PROG, "--jump", optarg, 1, 1l << 50, &v) != 0;
			c.jump_ticks = v;
			break;
		case 'g':
			bad |= cli_long(PROG, "--guard", optarg, 1, 1l << 50, &guard) != 0;
			break;
		case 'G':
			bad |= cli_long(PROG, "--gc0", optarg, 0, (1l << 53) - 1, &v) != 0;
			c.gc0 = (uint64_t)v;
			break;
		case 'S':
			bad |= cli_time(PROG, "--sample", optarg, 1000, 3600000000000ll,
			                &sample_ns) != 0;
			break;
		case 'L':
			statdir = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "table"))
				bad = 1,
				fprintf(stderr,
				        PROG ": bad value '%s' for --summary (expected table or "
				             "json)\n",
				        optarg);
			break;
		case 'a':
			bad |= cli_long(PROG, "--alpha", optarg, 0, 1000, &v) != 0;
			c.alpha_ticks = v;
			break;
		case 'k':
			bad |= cli_long(PROG, "--delay-samples", optarg, 1, 100000,
			                &delay_samples) != 0;
			break;
		case 'R':
			bad |= cli_time(PROG, "--remeasure", optarg, 1000, 3600000000000ll,
			                &remeasure_ns) != 0;
			break;
		case 'B':
			bad |= parse_burst(optarg, &c) != 0;
			break;
		case 'D':
			bad |= cli_long(PROG, "--burst-div", optarg, 2, 1000, &burst_div) != 0;
			break;
		case 'W':
			bad |= cli_time(PROG, "--warmup", optarg, 0, 3600000000000ll, &ns) != 0;
			c.warmup_ps = ns * 1000;
			break;
		case 'M':
			bad |= cli_double(PROG, "--sync-margin", optarg, 0, 1000,
			                  &c.sync_margin_ppm) != 0;
			break;
		case 'q':
			c.progress = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		bad = 1;
	}
	if (!topo_spec) {
		fprintf(stderr, PROG ": --topo is required\n");
		bad = 1;
	}
	if (parse_enhance(enhance, &enh))
		bad = 1;
	if (bad)
		return 2;
	c.guard_ticks = enh.guard ? guard : 0;
	c.delay_samples = enh.delay || enh.remeasure ? (unsigned)delay_samples : 1;
	c.remeasure_ticks = enh.remeasure ? remeasure_ns * 1000 / DTP_TICK_PS : 0;
	c.bound = enh.bound;
	c.sync = enh.sync;
	if (c.sync_margin_ppm < 0) /* 1/4 tick per interval: see dtp_device.h */
		c.sync_margin_ppm = 0.25e6 / (double)c.beacon_ticks;
	c.rate_check = enh.guard;
	c.burst_div = (unsigned)burst_div;
	c.topo_spec = topo_spec;
	c.sample_ps = sample_ns ? sample_ns * 1000 : c.duration_ps / 10000;
	if (c.sample_ps < 1000000)
		c.sample_ps = 1000000;
	struct topo t;
	char err[512];
	if (topo_build(&t, topo_spec, cable, err, sizeof(err))) {
		fprintf(stderr, PROG ": %s\n", err);
		topo_free(&t);
		return 2;
	}
	for (unsigned i = 0; i < nflaps && !bad; i++)
		bad = parse_flap(&t, flaps[i], &c) != 0;
	for (unsigned i = 0; i < nfaults && !bad; i++)
		bad = parse_fault(&t, faults[i], &c) != 0;
	if (!bad && statdir && !(c.statlog = open_statlog(statdir, &c)))
		bad = 1;
	if (bad) {
		topo_free(&t);
		return 2;
	}
	struct sim_result r;
	int rc = sim_run(&t, &c, &r, err, sizeof(err));
	if (c.statlog && statlog_close(c.statlog)) {
		fprintf(stderr, PROG ": --statlog: write error\n");
		rc = -1;
	}
	if (rc) {
		fprintf(stderr, PROG ": %s\n", err);
		topo_free(&t);
		return 1;
	}
	print_summary(&r, &c, json, enhance);
	topo_free(&t);
	return 0;
}
