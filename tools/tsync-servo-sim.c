// SPDX-License-Identifier: MIT
/*
 * tsync-servo-sim: run the seeded closed-loop servo simulation (servo_sim.h) and print what it
 * measured, or the benchmark matrix (--table) that BENCHMARKS.md quotes.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/cli.h"
#include "tsync/servo_sim.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tsync-servo-sim [options]\n"
	        "Simulate a servo locking a clock from 1 ms offset and +100 ppm error.\n"
	        "  --servo NAME     pi, linreg, kalman or all (default all)\n"
	        "  --noise NS       white gaussian measurement noise, 1 sigma, ns (default 1000)\n"
	        "  --spikes P       probability per sample of a delay spike, 0..1 (default 0)\n"
	        "  --spike-mean NS  mean exponential spike delay, ns; offset += delay/2 (default "
	        "50000)\n"
	        "  --duration S     simulated seconds (default 1200)\n"
	        "  --interval S     sync interval, seconds (default 1)\n"
	        "  --wander PPB     RMS oscillator frequency wander, ppb (default 0)\n"
	        "  --sw             software timestamping gain set (PI)\n"
	        "  --seed N         seed (default 1)\n"
	        "  --trace          print every sample (t, offset, freq, state, error, estimate)\n"
	        "  --table          the benchmark matrix: each servo x noise 100 ns, 1 us, 10 us,\n"
	        "                   and 1 us with 5%% delay spikes\n"
	        "  -h, --help       this text\n"
	        "Time to lock: first time after which |true error| stays <= max(10 sigma, 100 "
	        "ns).\n"
	        "Statistics: true error over the second half of the run.\n");
}

static void trace_print(void *arg, const struct servo_sim_sample *s)
{
	(void)arg;
	printf("%10.3f %12lld %14.3f %s %12lld %12.1f\n", s->t_s, (long long)s->offset_ns,
	       s->freq_ppb, servo_state_name(s->state), (long long)s->error_ns, s->estimate_ns);
}

static void print_header(void)
{
	printf("%-7s %-16s %9s %12s %12s %12s %12s %9s\n", "servo", "noise", "lock(s)", "rms(ns)",
	       "p99(ns)", "max(ns)", "est(ns)", "cover3s");
}

static void print_row(const struct servo_sim_params *p, const struct servo_sim_result *r)
{
	char noise[32], lock[16], est[16], cov[16];

	if (p->spike_prob > 0)
		snprintf(noise, sizeof(noise), "%gns+%g%%spk", p->noise_ns, p->spike_prob * 100);
	else
		snprintf(noise, sizeof(noise), "%gns", p->noise_ns);
	if (r->locked)
		snprintf(lock, sizeof(lock), "%.0f", r->lock_time_s);
	else
		snprintf(lock, sizeof(lock), "never");
	if (r->has_estimate) {
		snprintf(est, sizeof(est), "%.0f", r->est_mean_ns);
		snprintf(cov, sizeof(cov), "%.3f", r->est_coverage);
	} else {
		snprintf(est, sizeof(est), "-");
		snprintf(cov, sizeof(cov), "-");
	}
	printf("%-7s %-16s %9s %12.0f %12.0f %12.0f %12s %9s\n", servo_type_name(p->type), noise,
	       lock, r->rms_ns, r->p99_ns, r->max_ns, est, cov);
}

static int run_one(struct servo_sim_params *p, int trace)
{
	struct servo_sim_result r;
	int err = servo_sim_run(p, &r, trace ? trace_print : NULL, NULL);

	if (err) {
		fprintf(stderr, "tsync-servo-sim: %s: %s (seed %llu)\n", servo_type_name(p->type),
		        strerror(-err), (unsigned long long)p->seed);
		return err;
	}
	print_row(p, &r);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"servo", required_argument, NULL, 's'},
	        {"noise", required_argument, NULL, 'n'},
	        {"spikes", required_argument, NULL, 'p'},
	        {"spike-mean", required_argument, NULL, 'm'},
	        {"duration", required_argument, NULL, 'd'},
	        {"interval", required_argument, NULL, 'i'},
	        {"wander", required_argument, NULL, 'w'},
	        {"seed", required_argument, NULL, 'S'},
	        {"sw", no_argument, NULL, 'W'},
	        {"trace", no_argument, NULL, 't'},
	        {"table", no_argument, NULL, 'T'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	static const double table_noise[] = {100, 1000, 10000, 1000};
	static const double table_spikes[] = {0, 0, 0, 0.05};
	struct servo_config cfg;
	struct servo_sim_params p;
	enum servo_type types[3] = {SERVO_PI, SERVO_LINREG, SERVO_KALMAN};
	int ntypes = 3, table = 0, trace = 0, c, i, j, rc = 0;
	char *end;

	servo_sim_defaults(&p);
	servo_config_defaults(&cfg, false);
	p.cfg = &cfg;
	p.noise_ns = 1000;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!strcmp(optarg, "all")) {
				ntypes = 3;
			} else if (servo_parse_type(optarg, &types[0]) == 0) {
				ntypes = 1;
			} else {
				fprintf(stderr,
				        "tsync-servo-sim: --servo: unknown servo '%s' "
				        "(pi, linreg, kalman, all)\n",
				        optarg);
				return 2;
			}
			break;
		case 'n':
			if (cli_double("tsync-servo-sim", "--noise", optarg, 0, 1e9, &p.noise_ns))
				return 2;
			break;
		case 'p':
			if (cli_double("tsync-servo-sim", "--spikes", optarg, 0, 1, &p.spike_prob))
				return 2;
			break;
		case 'm':
			if (cli_double("tsync-servo-sim", "--spike-mean", optarg, 0, 1e12,
			               &p.spike_mean_ns))
				return 2;
			break;
		case 'd':
			if (cli_double("tsync-servo-sim", "--duration", optarg, 1e-3, 1e7,
			               &p.duration_s))
				return 2;
			break;
		case 'i':
			if (cli_double("tsync-servo-sim", "--interval", optarg, 1e-3, 1e4,
			               &p.interval_s))
				return 2;
			break;
		case 'w':
			if (cli_double("tsync-servo-sim", "--wander", optarg, 0, 1e6,
			               &p.wander_ppb))
				return 2;
			break;
		case 'S':
			errno = 0;
			p.seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || optarg[0] == '-') {
				fprintf(stderr, "tsync-servo-sim: --seed: bad value '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 'W':
			cfg.sw_ts = true;
			break;
		case 't':
			trace = 1;
			break;
		case 'T':
			table = 1;
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
		fprintf(stderr, "tsync-servo-sim: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (p.interval_s > p.duration_s) {
		fprintf(stderr, "tsync-servo-sim: --interval %g is longer than --duration %g\n",
		        p.interval_s, p.duration_s);
		return 2;
	}
	if (trace && (table || ntypes != 1)) {
		fprintf(stderr, "tsync-servo-sim: --trace needs one --servo and no --table\n");
		return 2;
	}

	if (table) {
		printf("# seed %llu, duration %g s, interval %g s, 1 ms / +100 ppm start, "
		       "spikes: Exp(mean %g ns) delay, offset += delay/2\n",
		       (unsigned long long)p.seed, p.duration_s, p.interval_s, p.spike_mean_ns);
		print_header();
		for (i = 0; i < ntypes; i++) {
			for (j = 0; j < 4; j++) {
				p.type = types[i];
				p.noise_ns = table_noise[j];
				p.spike_prob = table_spikes[j];
				rc |= run_one(&p, 0);
			}
		}
		return rc ? 1 : 0;
	}
	if (!trace)
		print_header();
	for (i = 0; i < ntypes; i++) {
		p.type = types[i];
		rc |= run_one(&p, trace);
	}
	return rc ? 1 : 0;
}
