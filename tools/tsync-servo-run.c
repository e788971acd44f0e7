// SPDX-License-Identifier: MIT
/*
 * tsync-servo-run: discipline a real shared-memory vclock in real time with one of the servos.
 *
 * Each interval it reads the vclock against CLOCK_REALTIME (the reference), adds seeded
 * gaussian measurement noise, feeds the servo and applies its answer to the vclock, printing
 * ptp4l-style lines. The true error (no noise) is scored at the end: time to lock, RMS and max
 * over the second half (include/tsync/stats.h definitions). This is the smallest end-to-end slice of a sync daemon: clock -> sample -> servo
 * -> clock, on the same vclock files the test benches use.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsync/cli.h"
#include "tsync/servo.h"
#include "tsync/sim.h"
#include "tsync/stats.h"
#include "tsync/vclock.h"

struct opts {
	enum servo_type servo;
	const char *name;
	bool keep;
	double duration_s, interval_s, noise_ns, offset_s, ppm, wander_ppb;
	uint64_t seed;
	bool quiet;
	bool sw_gains;
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tsync-servo-run [options]\n"
	        "  --servo pi|linreg|kalman   servo (default pi)\n"
	        "  --vclock NAME              vclock to create (default servo-run-<pid>)\n"
	        "  --keep                     keep the vclock afterwards\n"
	        "  --offset S --ppm X --wander-ppb Y   its oscillator (default 1e-3, 100, 0)\n"
	        "  --duration S               run time (default 20)\n"
	        "  --interval S               sample interval (default 0.125)\n"
	        "  --noise NS                 gaussian measurement noise, 1 sigma (default 1000)\n"
	        "  --seed N                   noise seed (default 1)\n"
	        "  --quiet                    only the summary line\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	        {"servo", required_argument, 0, 's'},    {"vclock", required_argument, 0, 'v'},
	        {"keep", no_argument, 0, 'k'},           {"offset", required_argument, 0, 'o'},
	        {"ppm", required_argument, 0, 'p'},      {"wander-ppb", required_argument, 0, 'w'},
	        {"duration", required_argument, 0, 'd'}, {"interval", required_argument, 0, 'i'},
	        {"noise", required_argument, 0, 'n'},    {"seed", required_argument, 0, 'S'},
	        {"quiet", no_argument, 0, 'q'},          {"sw-gains", no_argument, 0, 'g'},
	        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
	double d;
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (servo_parse_type(optarg, &o->servo)) {
				fprintf(stderr, "tsync-servo-run: unknown --servo '%s'\n", optarg);
				return -1;
			}
			break;
		case 'v':
			o->name = optarg;
			break;
		case 'k':
			o->keep = true;
			break;
		case 'o':
			if (cli_double("tsync-servo-run", "--offset", optarg, -10, 10,
			               &o->offset_s))
				return -1;
			break;
		case 'p':
			if (cli_double("tsync-servo-run", "--ppm", optarg, -1000, 1000, &o->ppm))
				return -1;
			break;
		case 'w':
			if (cli_double("tsync-servo-run", "--wander-ppb", optarg, 0, 1e6,
			               &o->wander_ppb))
				return -1;
			break;
		case 'd':
			if (cli_double("tsync-servo-run", "--duration", optarg, 0.1, 86400,
			               &o->duration_s))
				return -1;
			break;
		case 'i':
			if (cli_double("tsync-servo-run", "--interval", optarg, 0.001, 64,
			               &o->interval_s))
				return -1;
			break;
		case 'n':
			if (cli_double("tsync-servo-run", "--noise", optarg, 0, 1e9, &o->noise_ns))
				return -1;
			break;
		case 'S':
			if (cli_double("tsync-servo-run", "--seed", optarg, 0, 1e18, &d))
				return -1;
			o->seed = (uint64_t)d;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'g':
			o->sw_gains = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tsync-servo-run: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.servo = SERVO_PI,
	                 .duration_s = 20,
	                 .interval_s = 0.125,
	                 .noise_ns = 1000,
	                 .offset_s = 1e-3,
	                 .ppm = 100,
	                 .seed = 1};
	char defname[64];
	struct servo_config cfg;
	struct sim_rng rng;
	int err = 0, rc = 1;

	if (parse(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	snprintf(defname, sizeof(defname), "servo-run-%d", (int)getpid());
	if (!o.name)
		o.name = defname;
	struct vclock_params prm = {.initial_offset_ns = tmv_from_sec(o.offset_s),
	                            .nat_ppm = o.ppm,
	                            .wander_ppb = o.wander_ppb,
	                            .seed = o.seed};
	struct vclock *v = vclock_create(o.name, &prm, &err);
	if (!v) {
		fprintf(stderr, "tsync-servo-run: cannot create vclock %s: %s\n", o.name,
		        vclock_strerror(err));
		return 1;
	}
	servo_config_defaults(&cfg, o.sw_gains);
	struct servo *s = servo_create(o.servo, &cfg, 0.0, VCLOCK_MAX_ADJ_PPB);
	if (!s) {
		fprintf(stderr, "tsync-servo-run: cannot create servo: %s\n", strerror(errno));
		goto out;
	}
	servo_sync_interval(s, o.interval_s);
	sim_rng_seed(&rng, o.seed);

	long n = (long)(o.duration_s / o.interval_s);
	double *err_ns = calloc((size_t)n, sizeof(double));
	double lock_t = -1;
	tmv_t start;
	tmv_clock_read(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < n; i++) {
		tmv_t vc, rt, win, next = start + (tmv_t)((i + 1) * o.interval_s * 1e9);
		enum servo_state st;
		if ((err = vclock_read_pair(v, &vc, &rt, &win)))
			break;
		int64_t true_err = vc - rt;
		int64_t meas = true_err + (int64_t)llround(o.noise_ns * sim_rng_gauss(&rng));
		double freq = servo_sample(s, meas, (uint64_t)rt, 1.0, &st);
		err_ns[i] = (double)true_err;
		if (st == SERVO_JUMP)
			err = vclock_step(v, -meas);
		if (!err && st != SERVO_UNLOCKED)
			err = vclock_adjfreq(v, freq);
		if (err)
			break;
		if (!o.quiet)
			printf("%s: master offset %9lld s%d freq %+9.0f true error %9lld\n",
			       servo_type_name(o.servo), (long long)meas, (int)st, freq,
			       (long long)true_err);
		fflush(stdout);
		tmv_t now;
		tmv_clock_read(CLOCK_MONOTONIC, &now);
		if (next > now)
			usleep((useconds_t)((next - now) / 1000));
	}
	if (err) {
		fprintf(stderr, "tsync-servo-run: vclock %s: %s\n", o.name, vclock_strerror(err));
		goto out_free;
	}
	/* time to lock as tsync-servo-sim defines it: the first sample from which the true error
	 * stays within max(10 * noise, 100 ns) to the end of the run */
	double thr = fmax(10 * o.noise_ns, 100.0);
	long lock = stats_lock_index_of(err_ns, (size_t)n, thr);
	if (lock >= 0)
		lock_t = (double)lock * o.interval_s;
	/* score the second half of the run (after lock: the servo has settled there) */
	long from = n / 2;
	double rms = stats_rms(err_ns + from, (size_t)(n - from));
	double mx = stats_max_abs(err_ns + from, (size_t)(n - from));
	double est;
	char est_s[32] = "-";
	if (servo_error_estimate(s, &est) == 0)
		snprintf(est_s, sizeof(est_s), "%.0f", est);
	printf("summary servo=%s noise_ns=%.0f lock_threshold_ns=%.0f locked_after_s=%.3f "
	       "true_rms_ns=%.0f true_max_ns=%.0f est_ns=%s final_state=s%d\n",
	       servo_type_name(o.servo), o.noise_ns, thr, lock_t, rms, mx, est_s,
	       (int)servo_state(s));
	rc = lock_t >= 0 ? 0 : 3;
out_free:
	free(err_ns);
	servo_destroy(s);
out:
	vclock_close(v);
	if (!o.keep)
		vclock_remove(o.name);
	return rc;
}
