// SPDX-License-Identifier: MIT
/*
 * tsync-judge: sample the true error of vclocks and score it.
 *
 * Every interval it reads each vclock against CLOCK_REALTIME (or against a reference vclock,
 * --ref) at one instant (vclock_read_pair), writes a statlog row (t[s] and one err column per
 * vclock, ns) and at the end prints one summary line per vclock:
 *
 *   judge vclock=NAME n=N lock_s=T rms_ns=R p99_ns=P max_ns=M mean_ns=U
 *
 * lock_s: the first time from which |error| stays within --lock-ns to the end ('-' if never);
 * rms/p99/max/mean over the samples after max(lock_s, --settle); p99 is of |error|. Every
 * statistic is include/tsync/stats.h's (percentile: Hyndman & Fan 7). Exit 3 if a vclock never
 * locked, 1 on errors.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsync/cli.h"
#include "tsync/statlog.h"
#include "tsync/stats.h"
#include "tsync/vclock.h"

#define MAXV 8

static volatile sig_atomic_t stop;

static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tsync-judge --vclock NAME [--vclock NAME ...] [--ref NAME]\n"
	           "         [--duration S] [--interval S] [--settle S] [--lock-ns N]\n"
	           "         [--statlog FILE]\n"
	           "  samples vclock - CLOCK_REALTIME (or - the --ref vclock) and scores it;\n"
	           "  defaults: duration 30, interval 0.1, settle 0, lock-ns 2000.\n"
	           "  SIGINT/SIGTERM end the run early (the summary is still printed).\n");
}

/* A vclock and CLOCK_REALTIME read "at one instant" is only as good as the window between the
 * two realtime reads around it: a read preempted in between (a loaded machine) is off by up to
 * half the window and showed as one sample of -14 us among -40 ns ones, which also moved
 * lock_s by 12 s. So take the narrowest of up to READ_TRIES reads, stopping at the first within
 * WIDE_NS; 1 if none was that narrow (the narrowest is used and counted), 0 otherwise. */
enum { WIDE_NS = 10000, READ_TRIES = 8 };

static int read_narrow(struct vclock *v, tmv_t *vc, tmv_t *rt)
{
	tmv_t best = -1;
	for (int k = 0; k < READ_TRIES; k++) {
		tmv_t c, r, w;
		if (vclock_read_pair(v, &c, &r, &w))
			continue;
		if (best < 0 || w < best) {
			best = w;
			*vc = c;
			*rt = r;
		}
		if (w <= WIDE_NS)
			break;
	}
	return !(best >= 0 && best <= WIDE_NS);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"vclock", required_argument, 0, 'v'},
	                                   {"ref", required_argument, 0, 'r'},
	                                   {"duration", required_argument, 0, 'd'},
	                                   {"interval", required_argument, 0, 'i'},
	                                   {"settle", required_argument, 0, 's'},
	                                   {"lock-ns", required_argument, 0, 'l'},
	                                   {"statlog", required_argument, 0, 'o'},
	                                   {"help", no_argument, 0, 'h'},
	                                   {0, 0, 0, 0}};
	const char *names[MAXV], *ref = NULL, *out = NULL;
	struct vclock *v[MAXV], *rv = NULL;
	double duration = 30, interval = 0.1, settle = 0, lock_ns = 2000;
	int nv = 0, c, e, rc = 0;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (nv == MAXV) {
				fprintf(stderr, "tsync-judge: at most %d vclocks\n", MAXV);
				return 1;
			}
			names[nv++] = optarg;
			break;
		case 'r':
			ref = optarg;
			break;
		case 'd':
			if (cli_double("tsync-judge", "--duration", optarg, 0.1, 1e6, &duration))
				return 2;
			break;
		case 'i':
			if (cli_double("tsync-judge", "--interval", optarg, 0.001, 3600, &interval))
				return 2;
			break;
		case 's':
			if (cli_double("tsync-judge", "--settle", optarg, 0, 1e6, &settle))
				return 2;
			break;
		case 'l':
			if (cli_double("tsync-judge", "--lock-ns", optarg, 1, 1e12, &lock_ns))
				return 2;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!nv || !(interval > 0) || !(duration > 0)) {
		usage(stderr);
		return 1;
	}
	for (int i = 0; i < nv; i++)
		if (!(v[i] = vclock_open(names[i], &e))) {
			fprintf(stderr, "tsync-judge: vclock %s: %s\n", names[i],
			        vclock_strerror(e));
			return 1;
		}
	if (ref && !(rv = vclock_open(ref, &e))) {
		fprintf(stderr, "tsync-judge: vclock %s: %s\n", ref, vclock_strerror(e));
		return 1;
	}
	size_t cap = (size_t)(duration / interval) + 2;
	double *t = calloc(cap, sizeof(double)), *err = calloc(cap * MAXV, sizeof(double));
	char *cols[MAXV + 1];
	cols[0] = strdup("t[s]");
	for (int i = 0; i < nv; i++) {
		char b[128];
		snprintf(b, sizeof(b), "err%d[ns]", i);
		cols[i + 1] = strdup(b);
	}
	struct statlog *sl = NULL;
	if (out) {
		const struct statlog_meta meta[] = {{"source", "tsync-judge"},
		                                    {"reference", ref ? ref : "CLOCK_REALTIME"}};
		sl = statlog_open(out, (const char *const *)cols, (size_t)nv + 1, meta, 2, 0);
		if (!sl) {
			fprintf(stderr, "tsync-judge: %s: %s\n", out, strerror(errno));
			return 1;
		}
	}
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t n = 0;
	long wide = 0;
	for (; n < cap && !stop; n++) {
		struct timespec due = t0;
		double at = (double)n * interval;
		if (at > duration)
			break;
		due.tv_sec += (time_t)at;
		due.tv_nsec += (long)((at - floor(at)) * 1e9);
		if (due.tv_nsec >= 1000000000L) {
			due.tv_sec++;
			due.tv_nsec -= 1000000000L;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR &&
		       !stop)
			;
		if (stop)
			break;
		double row[MAXV + 1];
		tmv_t rvc = 0, rrt = 0;
		if (rv)
			wide += read_narrow(rv, &rvc, &rrt);
		t[n] = row[0] = at;
		for (int i = 0; i < nv; i++) {
			tmv_t vc = 0, rt = 0;
			wide += read_narrow(v[i], &vc, &rt);
			double ev = (double)(vc - rt) - (rv ? (double)(rvc - rrt) : 0.0);
			err[i * cap + n] = row[i + 1] = ev;
		}
		if (sl)
			statlog_write(sl, row);
	}
	if (sl)
		statlog_close(sl);
	if (wide)
		fprintf(stderr,
		        "tsync-judge: %ld reads stayed wider than %d us after %d tries "
		        "(a loaded machine: those samples may be off by up to half that)\n",
		        wide, WIDE_NS / 1000, READ_TRIES);
	double *tmp = calloc(cap, sizeof(double));
	for (int i = 0; i < nv; i++) {
		const double *ev = err + i * cap;
		long lock = stats_lock_index_of(ev, n, lock_ns);
		double from = lock >= 0 && t[lock] > settle ? t[lock] : settle;
		size_t m = 0;
		for (size_t k = 0; k < n; k++)
			if (t[k] >= from)
				tmp[m++] = ev[k];
		struct stats_error sc;
		if (stats_error_score(tmp, m, &sc)) {
			fprintf(stderr, "tsync-judge: out of memory\n");
			rc = 1;
			vclock_close(v[i]);
			continue;
		}
		char ls[32];
		if (lock >= 0)
			snprintf(ls, sizeof(ls), "%.1f", t[lock]);
		else
			snprintf(ls, sizeof(ls), "-");
		printf("judge vclock=%s n=%zu lock_s=%s rms_ns=%.0f p99_ns=%.0f max_ns=%.0f "
		       "mean_ns=%.0f\n",
		       names[i], m, ls, sc.rms, sc.p99_abs, sc.max_abs, sc.mean);
		if (lock < 0)
			rc = 3;
		vclock_close(v[i]);
	}
	if (rv)
		vclock_close(rv);
	for (int i = 0; i <= nv; i++)
		free(cols[i]);
	free(t);
	free(err);
	free(tmp);
	return rc;
}
