// SPDX-License-Identifier: MIT
/*
 * tsync-vclock: create, inspect, adjust and score virtual clocks (see include/tsync/vclock.h).
 * The test benches use it to set up clocks and to measure true error.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsync/cli.h"
#include "tsync/vclock.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tsync-vclock COMMAND NAME [options]\n"
	        "  create NAME [--offset T] [--ppm X] [--wander-ppb Y] [--seed N]\n"
	        "                     new vclock T off CLOCK_REALTIME (units s|ms|us|ns, default "
	        "s),\n"
	        "                     natural frequency error X ppm, RMS wander Y ppb\n"
	        "  show NAME          model, discipline state and current error\n"
	        "  read NAME          the vclock's time, seconds\n"
	        "  step NAME DELTA    step by DELTA (e.g. -1.5ms)\n"
	        "  freq NAME [PPB]    set (or print) the frequency adjustment, ppb (+ = faster)\n"
	        "  error NAME [--ref NAME2] [--count N] [--interval S]\n"
	        "                     true error, ns: vclock minus CLOCK_REALTIME (or minus "
	        "vclock\n"
	        "                     NAME2), N samples S seconds apart, one per line\n"
	        "  remove NAME        delete the vclock file\n"
	        "  bench [--count N]  cost of one vclock read vs "
	        "clock_gettime(CLOCK_MONOTONIC_RAW)\n"
	        "NAME without '/' lives in /dev/shm/tsync-vclock.NAME; with '/', it is a path.\n");
}

static int die_err(const char *what, const char *name, int err)
{
	fprintf(stderr, "tsync-vclock: %s %s: %s\n", what, name, vclock_strerror(err));
	return 1;
}

static struct vclock *open_or_die(const char *name)
{
	int err = 0;
	struct vclock *v = vclock_open(name, &err);
	if (!v)
		die_err("cannot open vclock", name, err);
	return v;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {{"offset", required_argument, 0, 'o'},
	                                     {"ppm", required_argument, 0, 'p'},
	                                     {"wander-ppb", required_argument, 0, 'w'},
	                                     {"seed", required_argument, 0, 's'},
	                                     {0, 0, 0, 0}};
	struct vclock_params prm = {0};
	double d;
	int c, err = 0;

	prm.seed = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (cli_time("tsync-vclock", "--offset", optarg, -3600 * NS_PER_SEC,
			             3600 * NS_PER_SEC, &prm.initial_offset_ns))
				return 2;
			break;
		case 'p':
			if (cli_double("tsync-vclock", "--ppm", optarg, -1000, 1000, &prm.nat_ppm))
				return 2;
			break;
		case 'w':
			if (cli_double("tsync-vclock", "--wander-ppb", optarg, 0, 1e6,
			               &prm.wander_ppb))
				return 2;
			break;
		case 's':
			if (cli_double("tsync-vclock", "--seed", optarg, 0, 1.8e19, &d))
				return 2;
			prm.seed = (uint64_t)d;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tsync-vclock create: expected one NAME\n");
		return 2;
	}
	struct vclock *v = vclock_create(argv[optind], &prm, &err);
	if (!v)
		return die_err("cannot create vclock", argv[optind], err);
	vclock_close(v);
	return 0;
}

static int cmd_show(const char *name)
{
	struct tsync_vclock_page p;
	tmv_t vc, rt, win;
	struct vclock *v = open_or_die(name);
	int err;
	if (!v)
		return 1;
	if ((err = vclock_snapshot(v, &p)) || (err = vclock_read_pair(v, &vc, &rt, &win))) {
		vclock_close(v);
		return die_err("cannot read vclock", name, err);
	}
	printf("name             %s\n", p.name);
	printf("initial offset   %lld ns\n", (long long)p.initial_offset_ns);
	printf("natural error    %+.3f ppm\n", p.nat_ppm);
	printf("wander           %.1f ppb rms (seed %llu)\n", p.wander_ppb,
	       (unsigned long long)p.seed);
	printf("frequency adj    %+.3f ppb\n", p.adj_ppb);
	printf("adjfreq / steps  %llu / %llu\n", (unsigned long long)p.n_adjfreq,
	       (unsigned long long)p.n_step);
	printf("error now        %+lld ns (vs CLOCK_REALTIME, read window %lld ns)\n",
	       (long long)(vc - rt), (long long)win);
	vclock_close(v);
	return 0;
}

static int cmd_read(const char *name)
{
	char buf[40];
	tmv_t t;
	struct vclock *v = open_or_die(name);
	int err;
	if (!v)
		return 1;
	err = vclock_gettime(v, &t);
	vclock_close(v);
	if (err)
		return die_err("cannot read vclock", name, err);
	printf("%s\n", tmv_fmt(t, buf, sizeof(buf)));
	return 0;
}

static int cmd_step(const char *name, const char *delta)
{
	tmv_t d;
	struct vclock *v;
	int err;
	if (tmv_parse(delta, &d)) {
		fprintf(stderr, "tsync-vclock: bad DELTA '%s' (e.g. 1.5ms, -200ns, 0.001)\n",
		        delta);
		return 2;
	}
	if (!(v = open_or_die(name)))
		return 1;
	err = vclock_step(v, d);
	vclock_close(v);
	return err ? die_err("cannot step vclock", name, err) : 0;
}

static int cmd_freq(const char *name, const char *ppb_s)
{
	double ppb;
	struct vclock *v;
	int err;
	if (ppb_s &&
	    cli_double("tsync-vclock", "PPB", ppb_s, -VCLOCK_MAX_ADJ_PPB, VCLOCK_MAX_ADJ_PPB, &ppb))
		return 2;
	if (!(v = open_or_die(name)))
		return 1;
	if (ppb_s) {
		err = vclock_adjfreq(v, ppb);
	} else {
		err = vclock_getfreq(v, &ppb);
		if (!err)
			printf("%.3f\n", ppb);
	}
	vclock_close(v);
	return err ? die_err("cannot adjust vclock", name, err) : 0;
}

static int cmd_error(int argc, char **argv)
{
	static const struct option opts[] = {{"ref", required_argument, 0, 'r'},
	                                     {"count", required_argument, 0, 'c'},
	                                     {"interval", required_argument, 0, 'i'},
	                                     {0, 0, 0, 0}};
	const char *ref = NULL;
	double count = 1, interval = 1;
	struct vclock *v, *r = NULL;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			ref = optarg;
			break;
		case 'c':
			if (cli_double("tsync-vclock", "--count", optarg, 1, 1e9, &count))
				return 2;
			break;
		case 'i':
			if (cli_double("tsync-vclock", "--interval", optarg, 0, 3600, &interval))
				return 2;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "tsync-vclock error: expected one NAME\n");
		return 2;
	}
	if (!(v = open_or_die(argv[optind])))
		return 1;
	if (ref && !(r = open_or_die(ref))) {
		vclock_close(v);
		return 1;
	}
	for (long i = 0; i < (long)count; i++) {
		tmv_t vc, rt, win, rc = 0, rrt = 0;
		if ((err = vclock_read_pair(v, &vc, &rt, &win)))
			break;
		if (r) {
			/* both against the same realtime instant: the realtime terms cancel */
			if ((err = vclock_read_pair(r, &rc, &rrt, &win)))
				break;
			vc = vc - rc - (rt - rrt);
			rt = 0;
		}
		printf("%lld\n", (long long)(vc - rt));
		fflush(stdout);
		if (i + 1 < (long)count)
			usleep((useconds_t)(interval * 1e6));
	}
	vclock_close(v);
	vclock_close(r);
	return err ? die_err("cannot read vclock", argv[optind], err) : 0;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median over batches of the cost of one read, ns. */
static int cmd_bench(int argc, char **argv)
{
	enum { BATCHES = 51 };
	double count = 200000, vc_ns[BATCHES], raw_ns[BATCHES];
	struct vclock_params prm = {.nat_ppm = 100, .wander_ppb = 50, .seed = 7};
	char name[64];
	struct vclock *v;
	int err = 0;

	if (argc == 3 && strcmp(argv[1], "--count") == 0) {
		if (cli_double("tsync-vclock", "--count", argv[2], 1000, 1e10, &count))
			return 2;
	} else if (argc != 1) {
		fprintf(stderr, "tsync-vclock bench: usage: bench [--count N]\n");
		return 2;
	}
	snprintf(name, sizeof(name), "bench-%d", (int)getpid());
	if (!(v = vclock_create(name, &prm, &err)))
		return die_err("cannot create vclock", name, err);
	long per = (long)count / BATCHES;
	for (int b = 0; b < BATCHES; b++) {
		tmv_t t0, t1, t2, x;
		volatile tmv_t sink = 0;
		tmv_clock_read(CLOCK_MONOTONIC, &t0);
		for (long i = 0; i < per; i++) {
			vclock_gettime(v, &x);
			sink += x;
		}
		tmv_clock_read(CLOCK_MONOTONIC, &t1);
		for (long i = 0; i < per; i++) {
			tmv_clock_read(CLOCK_MONOTONIC_RAW, &x);
			sink += x;
		}
		tmv_clock_read(CLOCK_MONOTONIC, &t2);
		(void)sink;
		vc_ns[b] = (double)(t1 - t0) / per;
		raw_ns[b] = (double)(t2 - t1) / per;
	}
	vclock_close(v);
	vclock_remove(name);
	qsort(vc_ns, BATCHES, sizeof(double), cmp_dbl);
	qsort(raw_ns, BATCHES, sizeof(double), cmp_dbl);
	printf("reads                         %ld x %d batches\n", per, BATCHES);
	printf("vclock_gettime                %.1f ns median (min %.1f, max %.1f)\n",
	       vc_ns[BATCHES / 2], vc_ns[0], vc_ns[BATCHES - 1]);
	printf("clock_gettime(MONOTONIC_RAW)  %.1f ns median (min %.1f, max %.1f)\n",
	       raw_ns[BATCHES / 2], raw_ns[0], raw_ns[BATCHES - 1]);
	printf("ratio vclock/raw              %.2f\n", vc_ns[BATCHES / 2] / raw_ns[BATCHES / 2]);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "create"))
		return cmd_create(argc - 1, argv + 1);
	if (!strcmp(cmd, "error"))
		return cmd_error(argc - 1, argv + 1);
	if (!strcmp(cmd, "bench"))
		return cmd_bench(argc - 1, argv + 1);
	if (argc < 3) {
		fprintf(stderr, "tsync-vclock %s: missing NAME\n", cmd);
		return 2;
	}
	if (!strcmp(cmd, "show") && argc == 3)
		return cmd_show(argv[2]);
	if (!strcmp(cmd, "read") && argc == 3)
		return cmd_read(argv[2]);
	if (!strcmp(cmd, "step") && argc == 4)
		return cmd_step(argv[2], argv[3]);
	if (!strcmp(cmd, "freq") && (argc == 3 || argc == 4))
		return cmd_freq(argv[2], argc == 4 ? argv[3] : NULL);
	if (!strcmp(cmd, "remove") && argc == 3) {
		int err = vclock_remove(argv[2]);
		return err ? die_err("cannot remove vclock", argv[2], err) : 0;
	}
	fprintf(stderr, "tsync-vclock: unknown command or wrong arguments: '%s' (see --help)\n",
	        cmd);
	return 2;
}
