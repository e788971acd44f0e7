// SPDX-License-Identifier: MIT
/*
 * ptpd-wl: an IEEE 1588-2019 ordinary/boundary clock that takes ptp4l's command line and
 * configuration keys. See the ptpd-wl section of README.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "tsync/log.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: ptpd-wl [options] [--key=value ...]\n"
	        "  -f FILE   read configuration from FILE (ptp4l syntax)\n"
	        "  -i IFACE  add a port on IFACE (repeat for a boundary clock)\n"
	        "  -m        print messages to stdout\n"
	        "  -q        do not print messages to syslog\n"
	        "  -s        slave only (slaveOnly 1)\n"
	        "  -l LEVEL  logging_level (0..7, default 6)\n"
	        "  -2 -4 -6  network_transport L2, UDPv4 (default), UDPv6\n"
	        "  -E -P     delay_mechanism E2E (default), P2P\n"
	        "  -S -H     time_stamping software (default), hardware\n"
	        "  -h        this help\n"
	        "  --key=value  any configuration key, e.g. --domainNumber=3 --clock_type=vclock\n"
	        "               --vclock=NAME --clock_servo=kalman --uds_address=/tmp/ptpd-wl\n");
}

static int set(struct config *cfg, const char *key, const char *val)
{
	struct config_error err;
	if (config_set(cfg, NULL, key, val, &err)) {
		fprintf(stderr, "ptpd-wl: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* Parse argv into cfg. Returns 0, 1 (help printed), or -1 (error printed). */
static int parse_args(int argc, char **argv, struct config *cfg)
{
	struct config_error err;
	const char *file = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 1;
		}
		if (a[0] == '-' && a[1] == '-') {
			if (!strchr(a, '=')) {
				fprintf(stderr, "ptpd-wl: option '%s' needs =value\n", a);
				return -1;
			}
			if (config_set_option(cfg, a, &err)) {
				fprintf(stderr, "ptpd-wl: %s\n", err.msg);
				return -1;
			}
			continue;
		}
		if (a[0] != '-' || !a[1] || a[2]) {
			fprintf(stderr, "ptpd-wl: unexpected argument '%s'\n", a);
			usage(stderr);
			return -1;
		}
		const char *arg = NULL;
		if (strchr("fil", a[1])) {
			if (++i >= argc) {
				fprintf(stderr, "ptpd-wl: option %s needs an argument\n", a);
				return -1;
			}
			arg = argv[i];
		}
		int r = 0;
		switch (a[1]) {
		case 'f':
			file = arg;
			break;
		case 'i':
			if (config_add_section(cfg, arg)) {
				fprintf(stderr, "ptpd-wl: bad interface name '%s'\n", arg);
				return -1;
			}
			break;
		case 'l':
			r = set(cfg, "logging_level", arg);
			break;
		case 'm':
			r = set(cfg, "verbose", "1");
			break;
		case 'q':
			r = set(cfg, "use_syslog", "0");
			break;
		case 's':
			r = set(cfg, "slaveOnly", "1");
			break;
		case '2':
			r = set(cfg, "network_transport", "L2");
			break;
		case '4':
			r = set(cfg, "network_transport", "UDPv4");
			break;
		case '6':
			r = set(cfg, "network_transport", "UDPv6");
			break;
		case 'E':
			r = set(cfg, "delay_mechanism", "E2E");
			break;
		case 'P':
			r = set(cfg, "delay_mechanism", "P2P");
			break;
		case 'S':
			r = set(cfg, "time_stamping", "software");
			break;
		case 'H':
			r = set(cfg, "time_stamping", "hardware");
			break;
		default:
			fprintf(stderr, "ptpd-wl: unknown option %s\n", a);
			usage(stderr);
			return -1;
		}
		if (r)
			return -1;
	}
	if (file && config_read_file(cfg, file, &err)) {
		fprintf(stderr, "ptpd-wl: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void on_signal(struct reactor *r, int signo, void *arg)
{
	(void)signo;
	(void)arg;
	reactor_stop(r);
}

int main(int argc, char **argv)
{
	struct config *cfg = ptpd_config_create();
	char err[256];
	int rc = 1;

	if (!cfg) {
		fprintf(stderr, "ptpd-wl: bug: bad configuration table\n");
		return 1;
	}
	int pr = parse_args(argc, argv, cfg);
	if (pr) {
		config_destroy(cfg);
		return pr > 0 ? 0 : 1;
	}
	if (ptpd_config_check(cfg, err, sizeof(err))) {
		fprintf(stderr, "ptpd-wl: %s\n", err);
		config_destroy(cfg);
		return 1;
	}
	bool verbose = config_get_bool(cfg, NULL, "verbose");
	log_init("ptpd-wl", config_get_int(cfg, NULL, "logging_level"), verbose,
	         config_get_bool(cfg, NULL, "use_syslog"));
	if (verbose) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		log_set_sink(stdout);
	}
	/* the daemon's one random seed: everything it draws comes from its own generator */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	const struct ptpd_env env = {.seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32)};

	struct reactor *r = reactor_create();
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	if (!r || reactor_add_signals(r, sigs, 4, on_signal, NULL)) {
		fprintf(stderr, "ptpd-wl: cannot create the event loop\n");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	struct ptpd_clock *c = ptpd_clock_create(cfg, r, &env);
	if (c) {
		rc = reactor_run(r) ? 1 : 0;
		ptpd_clock_destroy(c);
	}
out:
	if (r)
		reactor_destroy(r);
	config_destroy(cfg);
	return rc;
}
