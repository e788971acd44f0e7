// SPDX-License-Identifier: MIT
/*
 * tsync-clockbound: publish the AWS ClockBound shared-memory segment (protocol v2,
 * tsync/clockbound.h) from a vmclock page, so that applications built on ClockBound's client
 * (clockbound_now(): earliest, latest, status) work unchanged on a tsync host or guest.
 *
 * Every interval: read the page (vmclock_read) between two CLOCK_REALTIME reads; the segment's
 * bound is |CLOCK_REALTIME - page time| + the page's bound, as of CLOCK_MONOTONIC_COARSE;
 * its drift the system clock's measured rate against the page over the last interval + the
 * page's own rate bound + --drift; void after --valid; the disruption marker is the page's.
 * One line per update on stdout (unless --quiet).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsync/cli.h"
#include "tsync/clockbound.h"
#include "tsync/vmclock_counter.h"

#define PROG "tsync-clockbound"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: " PROG " PAGE [options]\n"
	        "  PAGE            VM name, a page file or /dev/vmclock0 (as tsync-vmclock-read)\n"
	        "  --shm PATH      the segment (" CLOCKBOUND_PATH ")\n"
	        "  --interval S    between updates (1)\n"
	        "  --valid S       the bound is void this long after it was computed "
	        "(3 x interval)\n"
	        "  --drift PPM     margin added to the measured drift of CLOCK_REALTIME (15)\n"
	        "  --count N       updates, then exit (0: until killed)\n"
	        "  --quiet         no line per update\n"
	        "  --tsc-transform OFFSET,PPM  this host's TSC, as its vmclockd's --tsc-transform\n"
	        "                  (the machine's raw TSC by default)\n"
	        "  --tsc-offset K  the VM's tsc_offset in ticks (vmclockd status NAME): the page\n"
	        "                  maps the guest's counter, this host's TSC + K\n");
}

static int64_t rt_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The page's period maxerror rate as a fraction (0 without a bound). */
static double page_rate_bound(const struct vmclock_abi *page)
{
	struct vmclock_abi p;
	if (vmclock_snapshot(page, VMCLOCK_READ_TRIES, &p, NULL) || !p.counter_period_frac_sec ||
	    !(p.flags & VMCLOCK_FLAG_PERIOD_MAXERROR_VALID))
		return 0;
	return (double)p.counter_period_maxerror_rate_frac_sec / (double)p.counter_period_frac_sec;
}

static int sample(const struct vmclock_abi *page, const struct tsc_xform *ctr,
                  struct clockbound_sample *s)
{
	struct timespec m;
	s->rt_before_ns = rt_ns();
	int err = vmclock_read(page, vmclock_counter_xform, (void *)ctr, VMCLOCK_READ_TRIES, &s->r);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &m);
	s->rt_after_ns = rt_ns();
	s->mono = (struct clockbound_ts){m.tv_sec, m.tv_nsec};
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"shm", 1, 0, 's'},   {"interval", 1, 0, 'i'},      {"valid", 1, 0, 'v'},
	        {"drift", 1, 0, 'd'}, {"count", 1, 0, 'n'},         {"quiet", 0, 0, 'q'},
	        {"help", 0, 0, 'h'},  {"tsc-transform", 1, 0, 'X'}, {"tsc-offset", 1, 0, 'K'},
	        {0, 0, 0, 0}};
	const char *shm = CLOCKBOUND_PATH;
	double interval = 1, valid = 0, drift_ppm = 15;
	long count = 0;
	bool quiet = false;
	const char *xform = NULL, *tsc_offset = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "s:i:v:d:n:qh", opts, NULL)) != -1) {
		int bad = 0;
		switch (o) {
		case 's':
			shm = optarg;
			break;
		case 'i':
			bad = cli_double(PROG, "--interval", optarg, 0.01, 3600, &interval);
			break;
		case 'v':
			bad = cli_double(PROG, "--valid", optarg, 0.01, 86400, &valid);
			break;
		case 'd':
			bad = cli_double(PROG, "--drift", optarg, 0, 1000, &drift_ppm);
			break;
		case 'n':
			bad = cli_long(PROG, "--count", optarg, 0, 1000000000, &count);
			break;
		case 'q':
			quiet = true;
			break;
		case 'X':
			xform = optarg;
			break;
		case 'K':
			tsc_offset = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (bad)
			return 2;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	struct tsc_xform ctr;
	char why[256];
	if (vmclock_counter_parse(xform, tsc_offset, &ctr, why, sizeof(why))) {
		fprintf(stderr, PROG ": %s\n", why);
		return 2;
	}
	if (valid <= 0)
		valid = 3 * interval;
	char path[256];
	struct vmclock_page_map m;
	int err = vmclock_page_path(argv[optind], path, sizeof(path));
	if (!err)
		err = vmclock_page_open(path, false, &m);
	if (err) {
		fprintf(stderr, PROG ": %s: %s\n", argv[optind], strerror(-err));
		return 1;
	}
	volatile struct clockbound_shm *seg;
	int fd;
	if ((err = clockbound_open(shm, &seg, &fd))) {
		fprintf(stderr, PROG ": %s: %s\n", shm, strerror(-err));
		vmclock_page_close(&m);
		return 1;
	}
	struct timespec res;
	clock_getres(CLOCK_MONOTONIC_COARSE, &res);
	int64_t coarse = (int64_t)res.tv_sec * 1000000000 + res.tv_nsec;
	struct clockbound_sample s, prev;
	bool have_prev = false;
	int rc = 0;
	for (long i = 0; count == 0 || i < count; i++) {
		if (i) {
			struct timespec d = {(time_t)interval,
			                     (long)((interval - (time_t)interval) * 1e9)};
			nanosleep(&d, NULL);
		}
		if ((err = sample(m.abi, &ctr, &s))) {
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(-err));
			rc = 1;
			continue;
		}
		/* the system clock's rate against the page since the last update (a disruption in
		 * between says nothing about it: the margin alone then) */
		double measured = 0;
		if (have_prev && prev.r.disruption_marker == s.r.disruption_marker &&
		    s.rt_before_ns > prev.rt_before_ns) {
			double o1 = (double)(prev.rt_before_ns - prev.r.time_ns);
			double o2 = (double)(s.rt_before_ns - s.r.time_ns);
			measured = fabs(o2 - o1) / (double)(s.rt_before_ns - prev.rt_before_ns);
		}
		double ppb = ceil((measured + page_rate_bound(m.abi) + drift_ppm * 1e-6) * 1e9);
		struct clockbound_shm out;
		clockbound_fill(&s, coarse, (int64_t)(valid * 1e9),
		                ppb > 4e9 ? UINT32_MAX : (uint32_t)ppb, &out);
		clockbound_publish(seg, &out);
		prev = s;
		have_prev = true;
		if (!quiet)
			printf("bound_ns=%" PRId64 " drift_ppb=%u status=%d marker=%" PRIu64
			       " generation=%u\n",
			       out.bound_ns, out.max_drift_ppb, out.clock_status,
			       out.disruption_marker, (unsigned)seg->generation);
		fflush(stdout);
	}
	clockbound_close(seg, fd);
	vmclock_page_close(&m);
	return rc;
}
