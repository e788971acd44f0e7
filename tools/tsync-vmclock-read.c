// SPDX-License-Identifier: MIT
/*
 * tsync-vmclock-read: read a vmclock page (a vmclockd page file, or /dev/vmclock0 in a Linux
 * guest) with the same reader the guest payload uses; print time, bounds, status and marker,
 * optionally against a reference clock (the truth of a test bench).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsync/cli.h"
#include "tsync/clock.h"
#include "tsync/vmclock.h"
#include "tsync/vmclock_counter.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tsync-vmclock-read PAGE [options]\n"
	        "  PAGE               VM name ($TSYNC_VMCLOCK_DIR or /dev/shm, "
	        "/tsync-vmclock.NAME),\n"
	        "                     a page file or /dev/vmclock0\n"
	        "  --count N          samples (1); --interval S between them (0.1)\n"
	        "  --ref TYPE[:NAME]  reference clock (sys, vclock:NAME): print the true error "
	        "and\n"
	        "                     whether [earliest, latest] holds it; exit 3 if any does "
	        "not\n"
	        "  --tai              print TAI instead of UTC (needs TAI_OFFSET_VALID)\n"
	        "  --stop             print the migration stop record at this instant\n"
	        "  --quiet            only the summary line\n"
	        "  --bench N          time N reads (ns per read, vs clock_gettime)\n"
	        "  --watch S          read in a tight loop for S seconds and check what a Linux\n"
	        "                     guest would see (no zero or 1970 page, no UNRELIABLE,\n"
	        "                     seq_count and marker never back; with --ref, every\n"
	        "                     bounded reading holds the truth); exit 4 if any fails\n"
	        "  --tsc-transform OFFSET,PPM  this host's TSC, as its vmclockd's --tsc-transform\n"
	        "                     (the machine's raw TSC by default)\n"
	        "  --tsc-offset K     the VM's tsc_offset in ticks (vmclockd status NAME): the\n"
	        "                     page maps the guest's counter, this host's TSC + K\n");
}

/*
 * Truncation: the page file is mapped, and if another process truncates it the next read of
 * the mapping raises SIGBUS (the page now lies past the end of the file). Every read below
 * runs armed: SIGBUS jumps back to main(), which says "page file truncated" and exits 1;
 * a file cut to less than the structure but not to zero pages is caught by fstat after each
 * read (vmclock_page_truncated). A SIGBUS while not armed is not ours: default action.
 */
static sigjmp_buf bus_env;
static volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	if (bus_armed)
		siglongjmp(bus_env, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int truncated(const char *page)
{
	bus_armed = 0;
	fprintf(stderr,
	        "tsync-vmclock-read: %s: page file truncated (another process cut it "
	        "under the reader)\n",
	        page);
	return 1;
}

struct opts {
	long count, bench;
	double interval, watch;
	const char *ref_spec;
	bool tai, stop, quiet;
	struct tsc_xform ctr; /* the page's counter from the machine's TSC (vmclock_counter.h) */
};
static int run(const char *path, struct vmclock_page_map *mp, const struct opts *op);

static struct tclock *open_ref(const char *spec)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", spec);
	char *name = strchr(buf, ':');
	if (name)
		*name++ = 0;
	enum tclock_type t;
	if (tclock_parse_type(buf, &t))
		return NULL;
	return tclock_create(t, name);
}

static double now_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int run_bench(const struct vmclock_abi *page, const struct tsc_xform *ctr, long n)
{
	struct vmclock_reading r;
	struct timespec ts;
	unsigned retries = 0;
	double t0 = now_ns(CLOCK_MONOTONIC);
	for (long i = 0; i < n; i++) {
		int err = vmclock_read(page, vmclock_counter_xform, (void *)ctr, VMCLOCK_READ_TRIES,
		                       &r);
		if (err) {
			fprintf(stderr, "tsync-vmclock-read: read %ld: %s\n", i, strerror(-err));
			return 1;
		}
		retries += r.tries - 1;
	}
	double t1 = now_ns(CLOCK_MONOTONIC);
	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_REALTIME, &ts);
	double t2 = now_ns(CLOCK_MONOTONIC);
	printf("vmclock_read %.1f ns/read (%u retries in %ld reads), clock_gettime(REALTIME) "
	       "%.1f ns\n",
	       (t1 - t0) / n, retries, n, (t2 - t1) / n);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"count", 1, 0, 'n'},         {"interval", 1, 0, 'i'},   {"ref", 1, 0, 'r'},
	        {"tai", 0, 0, 't'},           {"stop", 0, 0, 's'},       {"quiet", 0, 0, 'q'},
	        {"help", 0, 0, 'h'},          {"bench", 1, 0, 'b'},      {"watch", 1, 0, 'w'},
	        {"tsc-transform", 1, 0, 'X'}, {"tsc-offset", 1, 0, 'K'}, {0, 0, 0, 0}};
	static struct opts op = {.count = 1, .interval = 0.1};
	const char *xform = NULL, *tsc_offset = NULL;
	int o;
	while ((o = getopt_long(argc, argv, "n:i:r:tsqhb:w:", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			if (cli_long("tsync-vmclock-read", "--count", optarg, 1, 1000000000,
			             &op.count))
				return 2;
			break;
		case 'i':
			if (cli_double("tsync-vmclock-read", "--interval", optarg, 0, 3600,
			               &op.interval))
				return 2;
			break;
		case 'r':
			op.ref_spec = optarg;
			break;
		case 't':
			op.tai = true;
			break;
		case 's':
			op.stop = true;
			break;
		case 'q':
			op.quiet = true;
			break;
		case 'b':
			if (cli_long("tsync-vmclock-read", "--bench", optarg, 1, 1000000000,
			             &op.bench))
				return 2;
			break;
		case 'w':
			if (cli_double("tsync-vmclock-read", "--watch", optarg, 0.001, 86400,
			               &op.watch))
				return 2;
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
	}
	if (optind != argc - 1 || op.count < 1) {
		usage(stderr);
		return 2;
	}
	char why[256];
	if (vmclock_counter_parse(xform, tsc_offset, &op.ctr, why, sizeof(why))) {
		fprintf(stderr, "tsync-vmclock-read: %s\n", why);
		return 2;
	}
	char path[256];
	struct vmclock_page_map m;
	int err = vmclock_page_path(argv[optind], path, sizeof(path));
	if (!err)
		err = vmclock_page_open(path, false, &m);
	if (err) {
		fprintf(stderr, "tsync-vmclock-read: %s: %s\n", argv[optind], strerror(-err));
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_sigbus};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(bus_env, 1))
		return truncated(path); /* m stays mapped: the process exits */
	bus_armed = 1;
	int rc = run(path, &m, &op);
	bus_armed = 0;
	return rc;
}

/* --watch: what a Linux guest reading the page in a tight loop would see. 0 all good, 4 some
 * check failed, 1 the page file was truncated. */
static int run_watch(const struct vmclock_page_map *m, const struct tsc_xform *ctr,
                     struct tclock *ref, double secs)
{
	long reads = 0, errors = 0, zero = 0, epoch = 0, unreliable = 0, initializing = 0;
	long seq_back = 0, marker_back = 0, markers = 0, backwards = 0, outside = 0;
	uint32_t last_seq = 0;
	uint64_t last_marker = 0;
	int64_t last_t = INT64_MIN;
	double t0 = now_ns(CLOCK_MONOTONIC), last_ok = t0, max_gap = 0;
	/* 2000-01-01: a time before it is a zero page read as 1970 */
	const int64_t y2000 = 946684800LL * 1000000000LL;
	while (now_ns(CLOCK_MONOTONIC) - t0 < secs * 1e9) {
		struct vmclock_reading r;
		tmv_t r1 = 0, r2 = 0;
		if (ref)
			tclock_gettime(ref, &r1);
		int err = vmclock_read(m->abi, vmclock_counter_xform, (void *)ctr,
		                       VMCLOCK_READ_TRIES, &r);
		if (ref)
			tclock_gettime(ref, &r2);
		reads++;
		if (vmclock_page_truncated(m))
			return 1;
		if (err == -VMCLOCK_ENODEV) {
			zero++;
			continue;
		}
		if (err) {
			errors++;
			continue;
		}
		double t = now_ns(CLOCK_MONOTONIC);
		max_gap = t - last_ok > max_gap ? t - last_ok : max_gap;
		last_ok = t;
		epoch += r.time_ns < y2000;
		unreliable += r.clock_status == VMCLOCK_STATUS_UNRELIABLE;
		initializing += r.clock_status == VMCLOCK_STATUS_INITIALIZING;
		seq_back += reads > 1 && r.seq < last_seq;
		if (r.disruption_marker != last_marker) {
			markers++;
			marker_back += r.disruption_marker < last_marker;
		}
		backwards += r.time_ns < last_t;
		if (ref && r.bounded && (r.earliest_ns > r2 || r.latest_ns < r1))
			outside++;
		last_seq = r.seq;
		last_marker = r.disruption_marker;
		last_t = r.time_ns;
	}
	printf("watch reads=%ld errors=%ld zero=%ld epoch=%ld unreliable=%ld initializing=%ld "
	       "seq_back=%ld marker_back=%ld markers=%ld last_marker=%" PRIu64 " backwards=%ld "
	       "outside=%ld max_gap_us=%.0f\n",
	       reads, errors, zero, epoch, unreliable, initializing, seq_back, marker_back, markers,
	       last_marker, backwards, outside, max_gap / 1e3);
	return errors || zero || epoch || unreliable || seq_back || marker_back || outside ? 4 : 0;
}

static int run(const char *path, struct vmclock_page_map *mp, const struct opts *op)
{
	struct vmclock_page_map m = *mp;
	long count = op->count, bench = op->bench;
	double interval = op->interval;
	const char *ref_spec = op->ref_spec;
	bool tai = op->tai, stop = op->stop, quiet = op->quiet;
	int err;
	if (stop) {
		struct vmclock_stop_record rec;
		char buf[256];
		err = vmclock_stop_record(m.abi, vmclock_counter_xform((void *)&op->ctr), &rec);
		if (err && vmclock_page_truncated(&m))
			return truncated(path);
		if (err) {
			fprintf(stderr, "tsync-vmclock-read: stop record: %s\n", strerror(-err));
			return 1;
		}
		vmclock_stop_record_format(&rec, buf, sizeof(buf));
		printf("%s\n", buf);
		return 0;
	}
	if (bench > 0)
		return run_bench(m.abi, &op->ctr, bench);
	struct tclock *ref = NULL;
	if (ref_spec && !(ref = open_ref(ref_spec))) {
		fprintf(stderr, "tsync-vmclock-read: cannot open reference '%s': %s\n", ref_spec,
		        strerror(errno));
		return 1;
	}
	if (op->watch > 0) {
		int rc = run_watch(&m, &op->ctr, ref, op->watch);
		if (ref)
			tclock_destroy(ref);
		return rc == 1 ? truncated(path) : rc;
	}
	long n = 0, in = 0, bad = 0, backwards = 0;
	int64_t last = INT64_MIN, maxabs = 0;
	uint64_t maxbound = 0;
	for (long i = 0; i < count; i++) {
		if (i) {
			struct timespec d = {(time_t)interval,
			                     (long)((interval - (time_t)interval) * 1e9)};
			nanosleep(&d, NULL);
		}
		struct vmclock_reading r;
		tmv_t r1 = 0, r2 = 0;
		if (ref)
			tclock_gettime(ref, &r1);
		err = vmclock_read(m.abi, vmclock_counter_xform, (void *)&op->ctr,
		                   VMCLOCK_READ_TRIES, &r);
		if (ref)
			tclock_gettime(ref, &r2);
		if (vmclock_page_truncated(&m))
			return truncated(path);
		if (!err && tai)
			err = vmclock_reading_convert(&r, VMCLOCK_TIME_TAI);
		if (err) {
			printf("error=%s\n", strerror(-err));
			bad++;
			continue;
		}
		n++;
		if (r.time_ns < last)
			backwards++;
		last = r.time_ns;
		if (r.bounded && r.maxerror_ns > maxbound)
			maxbound = r.maxerror_ns;
		char extra[160] = "";
		if (ref) {
			int64_t mid = r1 + (r2 - r1) / 2, e = r.time_ns - mid;
			bool ok = r.bounded && r.earliest_ns <= r2 && r.latest_ns >= r1;
			in += ok;
			if ((e < 0 ? -e : e) > maxabs)
				maxabs = e < 0 ? -e : e;
			snprintf(extra, sizeof(extra),
			         " ref_ns=%" PRId64 " err_ns=%" PRId64 " window_ns=%" PRId64
			         " inbounds=%d",
			         mid, e, r2 - r1, ok);
		}
		if (!quiet)
			printf("time_ns=%" PRId64 " earliest_ns=%" PRId64 " latest_ns=%" PRId64
			       " maxerror_ns=%" PRIu64 " esterror_ns=%" PRIu64
			       " status=%u marker=%" PRIu64 " flags=0x%" PRIx64
			       " seq=%u tries=%u%s\n",
			       r.time_ns, r.earliest_ns, r.latest_ns, r.maxerror_ns, r.esterror_ns,
			       r.clock_status, r.disruption_marker, r.flags, r.seq, r.tries, extra);
	}
	printf("samples=%ld errors=%ld backwards=%ld max_maxerror_ns=%" PRIu64, n, bad, backwards,
	       maxbound);
	if (ref)
		printf(" inbounds=%ld max_abs_err_ns=%" PRId64, in, maxabs);
	printf("\n");
	vmclock_page_close(&m);
	if (ref)
		tclock_destroy(ref);
	return bad ? 1 : (ref && in != n) ? 3 : 0;
}
