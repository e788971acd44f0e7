/* SPDX-License-Identifier: MIT */
/*
 * tsync-chrony-feed: send reference-clock samples with given offsets to chronyd through an SHM
 * segment or a SOCK socket. For tests, demos and for checking a chrony configuration.
 *
 * Each sample is taken "now": system time = CLOCK_REALTIME at the send, reference time =
 * system time + offset. One line per sample on stdout:
 *     sample <n> offset <seconds, %.9f> sys <CLOCK_REALTIME, %.9f>
 * where offset is exactly what chrony will see as its raw offset (reference minus system).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsync/chrony.h"
#include "tsync/cli.h"

#define PROG         "tsync-chrony-feed"
#define MAX_OFFSETS  100000
#define WAIT_READ_NS (5 * NS_PER_SEC)

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: " PROG
	        " (--shm N | --sock PATH) (--offsets LIST | --offset S [--count N])\n"
	        "       [--interval S] [--leap N] [--precision N] [--wait-read]\n"
	        "\n"
	        "Send reference-clock samples to chronyd (`refclock SHM N` or `refclock SOCK "
	        "PATH`).\n"
	        "Offsets are reference (true) time minus system time, in seconds: chrony's raw\n"
	        "offset (refclocks.log column 7) has the same sign.\n"
	        "\n"
	        "  --shm N          write SHM unit N (key 0x4e545030+N, 0..%d), mode 1\n"
	        "  --sock PATH      send to chronyd's SOCK refclock socket at PATH\n"
	        "  --offsets LIST   comma-separated offsets in seconds, e.g. 1e-3,-2.5e-4,0\n"
	        "  --offset S       one offset in seconds, sent --count times\n"
	        "  --count N        number of samples for --offset (default 1)\n"
	        "  --interval S     seconds between samples (default 1)\n"
	        "  --leap N         leap indicator: 0 none, 1 insert, 2 delete (SHM: 3 unsync); "
	        "default 0\n"
	        "  --precision N    SHM precision, log2 seconds, -30..0 (default -20)\n"
	        "  --wait-read      SHM: after each sample wait until the reader has taken it\n"
	        "                   (fail after 5 s); makes every sample reach chronyd\n"
	        "  --help           this text\n"
	        "\n"
	        "Prints one line per sample: sample <n> offset <s %%.9f> sys <CLOCK_REALTIME s>.\n"
	        "Exit status: 0 all sent, 1 a send failed, 2 bad usage.\n",
	        CHRONY_SHM_UNIT_MAX);
}

__attribute__((noreturn)) static void bad(const char *flag, const char *why, const char *arg)
{
	if (arg && *arg)
		fprintf(stderr, PROG ": %s: %s '%s' (see --help)\n", flag, why, arg);
	else
		fprintf(stderr, PROG ": %s: %s (see --help)\n", flag, why);
	exit(2);
}

static double parse_sec(const char *flag, const char *s)
{
	double v;
	if (cli_double(PROG, flag, s, -1e9, 1e9, &v)) /* cli_double names flag and value */
		exit(2);
	return v;
}

static long parse_int(const char *flag, const char *s, long lo, long hi)
{
	long v;
	if (cli_long(PROG, flag, s, LONG_MIN, LONG_MAX, &v)) /* syntax: named by cli_long */
		exit(2);
	if (v < lo || v > hi) {
		fprintf(stderr, PROG ": %s: %ld outside %ld..%ld (see --help)\n", flag, v, lo, hi);
		exit(2);
	}
	return v;
}

static int parse_list(const char *s, double *out, int max)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int n = 0;

	if (!copy) {
		perror(PROG);
		exit(1);
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			bad("--offsets", "too many offsets in", s);
		out[n++] = parse_sec("--offsets", tok);
	}
	free(copy);
	if (!n)
		bad("--offsets", "empty list", s);
	return n;
}

static tmv_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return tmv_from_timespec(ts);
}

static void sleep_until(tmv_t mono_ns)
{
	struct timespec ts = tmv_to_timespec(mono_ns);

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int wait_read(struct chrony_shm *shm)
{
	tmv_t end = now_ns(CLOCK_MONOTONIC) + WAIT_READ_NS;

	while (!chrony_shm_consumed(shm)) {
		if (now_ns(CLOCK_MONOTONIC) > end)
			return -ETIMEDOUT;
		sleep_until(now_ns(CLOCK_MONOTONIC) + NS_PER_MS);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"shm", required_argument, NULL, 's'},
	        {"sock", required_argument, NULL, 'S'},
	        {"offsets", required_argument, NULL, 'O'},
	        {"offset", required_argument, NULL, 'o'},
	        {"count", required_argument, NULL, 'c'},
	        {"interval", required_argument, NULL, 'i'},
	        {"leap", required_argument, NULL, 'l'},
	        {"precision", required_argument, NULL, 'p'},
	        {"wait-read", no_argument, NULL, 'w'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	static double offsets[MAX_OFFSETS];
	const char *sock_path = NULL;
	struct chrony_shm *shm = NULL;
	struct chrony_sock *sock = NULL;
	int unit = -1, n = 0, leap = 0, precision = -20, wait = 0, have_offset = 0, count = 1;
	int have_count = 0, opt, err = 0, i, rc = 0;
	double offset = 0, interval = 1;
	tmv_t next;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			unit = (int)parse_int("--shm", optarg, 0, CHRONY_SHM_UNIT_MAX);
			break;
		case 'S':
			sock_path = optarg;
			break;
		case 'O':
			n = parse_list(optarg, offsets, MAX_OFFSETS);
			break;
		case 'o':
			offset = parse_sec("--offset", optarg);
			have_offset = 1;
			break;
		case 'c':
			count = (int)parse_int("--count", optarg, 1, MAX_OFFSETS);
			have_count = 1;
			break;
		case 'i':
			interval = parse_sec("--interval", optarg);
			if (interval < 0 || interval > 86400)
				bad("--interval", "must be 0..86400 seconds:", optarg);
			break;
		case 'l':
			leap = (int)parse_int("--leap", optarg, 0, 3);
			break;
		case 'p':
			precision = (int)parse_int("--precision", optarg, -30, 0);
			break;
		case 'w':
			wait = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			bad(argv[optind - 1], "missing argument", "");
			break;
		default:
			bad(optopt ? (char[]){'-', (char)optopt, 0} : argv[optind - 1],
			    "unknown option", "");
		}
	}
	if (optind < argc)
		bad("arguments", "unexpected", argv[optind]);
	if ((unit >= 0) == (sock_path != NULL))
		bad("--shm/--sock", "give exactly one of them", "");
	if (n && have_offset)
		bad("--offsets/--offset", "give only one of them", "");
	if (!n && !have_offset)
		bad("--offsets/--offset", "give one of them", "");
	if (n && have_count)
		bad("--count", "only with --offset", "");
	if (sock_path && leap > 2)
		bad("--leap", "SOCK takes 0..2:", "3");
	if (sock_path && wait)
		bad("--wait-read", "only with --shm", "");
	if (have_offset) {
		for (i = 0; i < count; i++)
			offsets[i] = offset;
		n = count;
	}

	if (sock_path) {
		sock = chrony_sock_open(sock_path, &err);
		if (!sock) {
			fprintf(stderr, PROG ": --sock %s: %s%s\n", sock_path, strerror(-err),
			        err == -ENOENT || err == -ECONNREFUSED
			                ? " (is chronyd running with `refclock SOCK <path>`?)"
			                : "");
			return 1;
		}
	} else {
		shm = chrony_shm_open(unit, &err);
		if (!shm) {
			fprintf(stderr, PROG ": --shm %d: %s%s\n", unit, strerror(-err),
			        err == -EBUSY    ? " (unit in use by another tsync writer)"
			        : err == -EEXIST ? " (unit in use: segment of another size)"
			                         : "");
			return 1;
		}
	}

	next = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		tmv_t sys, off_ns;
		double sent;

		if (i)
			sleep_until(next);
		sys = now_ns(CLOCK_REALTIME);
		if (shm) {
			off_ns = (tmv_t)llround(offsets[i] * 1e9);
			sent = tmv_to_sec(off_ns);
			err = chrony_shm_write(shm, sys + off_ns, sys, leap, precision);
		} else {
			sent = offsets[i];
			err = chrony_sock_send(sock, sys, sent, leap);
		}
		if (err) {
			fprintf(stderr, PROG ": sample %d: %s\n", i + 1, strerror(-err));
			rc = 1;
			break;
		}
		printf("sample %d offset %.9f sys %lld.%09lld\n", i + 1, sent,
		       (long long)(sys / NS_PER_SEC), (long long)(sys % NS_PER_SEC));
		fflush(stdout);
		if (shm && wait && wait_read(shm)) {
			fprintf(stderr, PROG ": sample %d: not taken by the reader within 5 s\n",
			        i + 1);
			rc = 1;
			break;
		}
		next += (tmv_t)llround(interval * 1e9);
	}

	chrony_shm_close(shm);
	chrony_sock_close(sock);
	return rc;
}
