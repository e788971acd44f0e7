// SPDX-License-Identifier: MIT
/*
 * vmclockd: publishes a vmclock page (uapi/vmclock-abi.h) for each VM on this host from the
 * host's disciplined clock, and applies the migration policies. See vmclock/README.md.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "tsync/clock.h"
#include "tsync/ipc.h"
#include "tsync/log.h"
#include "tsync/reactor.h"
#include "config_table.h"
#include "ctl_srv.h"
#include "vmclockd.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: vmclockd --clock TYPE[:NAME] [options]     (the daemon)\n"
	        "       vmclockd --socket PATH --send 'COMMAND'    (one control command)\n"
	        "  --clock sys | phc:/dev/ptpN | vclock:NAME   host clock to publish (sys: "
	        "CLOCK_REALTIME)\n"
	        "  --vm NAME[:POLICY]        publish the page of NAME ([A-Za-z0-9._-]; "
	        "repeatable)\n"
	        "  --policy step|slew|freeze default migration policy (slew)\n"
	        "  --slew-max RATE           max slew rate, e.g. 1000ppm (default) or 0.05\n"
	        "  --interval S              update period, s (0.5)\n"
	        "  --maxerror T              bound on |host clock - true| (e.g. 1ms; default 1s)\n"
	        "  --esterror T              estimate of it (default maxerror/3)\n"
	        "  --freq-maxerror RATE      bound on the host clock's frequency error (100ppm)\n"
	        "  --freq-esterror RATE      estimate of it (freq-maxerror/3)\n"
	        "  --state S                 synchronized|freerunning|unreliable (synchronized)\n"
	        "  --estimate-ages           the command-line maxerror grows at freq-maxerror\n"
	        "  --tai-offset N            TAI - UTC, s (37 today; 0: the kernel's, see\n"
	        "                            --kernel-tai)\n"
	        "  --kernel-tai=0|1          without --tai-offset: the host kernel's TAI offset\n"
	        "                            (adjtimex query, read only) when it knows one (1)\n"
	        "  --socket PATH             control socket, mode 0600 (commands: "
	        "vmclock/README.md)\n"
	        "  --socket-group GROUP      make it 0660 for GROUP: its members may query "
	        "(status,\n"
	        "                            stop); changes need root or vmclockd's uid\n"
	        "  --page-dir DIR            page files DIR/tsync-vmclock.NAME ($TSYNC_VMCLOCK_DIR "
	        "or\n"
	        "                            /dev/shm)\n"
	        "  --calibrate-ms MS         TSC calibration at start (200)\n"
	        "  --tsc-transform OFF,PPM   emulate this host's TSC: raw x (1 + PPM e-6) + OFF\n"
	        "  --baseline S              rate baseline, s (10)\n"
	        "  --vm-generation           publish VM_GEN_COUNTER_PRESENT\n"
	        "  --ptpd SOCK               pull state and error estimate from ptpd-wl's "
	        "uds_address\n"
	        "  --dtpd SOCK               the same from dtpd's ctl_socket (bursts too)\n"
	        "  --ptpd-sigma K            maxerror = asym + K x sigma + converge (3; "
	        "vmclock/README.md)\n"
	        "  --ptpd-tstamp S           timestamps: sys|phc|nic|sim, sets the asymmetry "
	        "(sys)\n"
	        "  --ptpd-asymmetry T        path asymmetry term (sys 1us, phc 100ns, nic 20ns)\n"
	        "  --ptpd-freq-floor R       lowest frequency bound once converged (100ppb)\n"
	        "  --ptpd-freq-maxerror R    frequency bound while synchronized (1ppm; 10ppm "
	        "otherwise)\n"
	        "  --migration-burst=0|1     ask --ptpd for a burst around migrations (1)\n"
	        "  --burst-lead S            migrations: burst this long before the expected\n"
	        "                            switchover (3)\n"
	        "  --burst-hold S            and until this long after the migration (2)\n"
	        "  --burst-log-sync L        the burst's Sync interval, log2 s (-6)\n"
	        "  -v, --verbose             debug messages\n"
	        "  -f, --config FILE         keys from FILE ('key value' lines; the flags above\n"
	        "                            with '_' for '-': slew_max 20ppm); flags win\n"
	        "  --key_name=VALUE          any key, as in the file\n");
}

static void on_timer(struct reactor *r, struct reactor_timer *t, uint64_t exp, void *arg)
{
	(void)r, (void)t, (void)exp;
	struct vmclockd *d = arg;
	vmclockd_ptpd_pull(d); /* failures are logged: holdover (vmclockd_ptpd_silent) */
	vmclockd_tai_refresh(d);
	vmclockd_mig_tick(d); /* on-demand bursts around migrations */
	int err = vmclockd_sample(d);
	if (!err)
		err = vmclockd_publish_all(d);
	if (err)
		pl_warning(10, "vmclockd: update failed: %s", strerror(-err));
}

static void on_signal(struct reactor *r, int signo, void *arg)
{
	(void)signo, (void)arg;
	reactor_stop(r);
}

static struct tclock *open_clock(const char *spec)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", spec);
	char *name = strchr(buf, ':');
	if (name)
		*name++ = 0;
	enum tclock_type t;
	if (tclock_parse_type(buf, &t) || t == TCLOCK_SIM) {
		fprintf(stderr, "vmclockd: bad --clock '%s' (sys, phc:DEV, vclock:NAME)\n", spec);
		exit(2);
	}
	struct tclock *c = tclock_create(t, name);
	if (!c) {
		fprintf(stderr, "vmclockd: cannot open clock '%s': %s\n", spec, strerror(errno));
		exit(1);
	}
	return c;
}

/* --send: one command through the socket, its reply on stdout. The exit status. */
static int send_one(const char *sock, const char *cmd)
{
	char reply[1024];
	if (!sock) {
		fprintf(stderr, "vmclockd: --send needs --socket\n");
		return 2;
	}
	int err = vmclock_ctl_request(sock, cmd, reply, sizeof(reply), 0);
	if (err && err != -EPROTO) {
		fprintf(stderr, "vmclockd: %s: %s\n", sock, ipc_strerror(err));
		return 1;
	}
	printf("%s\n", reply);
	return err ? 1 : 0;
}

static void bad(const char *opt, const char *v)
{
	fprintf(stderr, "vmclockd: bad %s '%s'\n", opt, v);
	exit(2);
}

enum { O_VM = 256, O_SEND, O_KEY0 = 1024 };

/* getopt_long options: every config key as --key_name and --key-name, then the rest. Bool keys
 * take an optional value (--vm-generation means 1). */
static void build_opts(struct option *opts, char (*names)[40], size_t max)
{
	size_t n, k = 0;
	const struct config_item *t = vmclockd_config_table(&n);
	for (size_t i = 0; i < n && k + 2 < max; i++) {
		int has = t[i].type == CFG_TYPE_BOOL ? optional_argument : required_argument;
		opts[k++] = (struct option){t[i].name, has, 0, O_KEY0 + (int)i};
		snprintf(names[i], sizeof(names[i]), "%s", t[i].name);
		char *u = strchr(names[i], '_');
		if (!u)
			continue;
		for (; u; u = strchr(u, '_'))
			*u = '-';
		opts[k++] = (struct option){names[i], has, 0, O_KEY0 + (int)i};
	}
	static const struct option rest[] = {{"vm", 1, 0, O_VM},
	                                     {"send", 1, 0, O_SEND},
	                                     {"config", 1, 0, 'f'},
	                                     {"help", 0, 0, 'h'},
	                                     {0, 0, 0, 0}};
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]) && k < max; i++)
		opts[k++] = rest[i];
}

int main(int argc, char **argv)
{
	static struct vmclockd d;
	static struct option opts[2 * 64 + 8];
	static char names[64][40];
	const char *send_cmd = NULL, *file = NULL, *vms[VMCLOCKD_MAX_VMS];
	unsigned nvm = 0;
	int o;
	struct config_error cerr = {""};
	struct vmclockd_opts vo;
	char msg[256];
	struct config *cfg = vmclockd_config_create();
	if (!cfg) {
		fprintf(stderr, "vmclockd: config: %s\n", strerror(errno));
		return 1;
	}
	build_opts(opts, names, sizeof(opts) / sizeof(opts[0]));
	d.ptpd.freq_unlocked = 10e-6;
	while ((o = getopt_long(argc, argv, "vhf:", opts, NULL)) != -1) {
		size_t n;
		const struct config_item *t = vmclockd_config_table(&n);
		if (o >= O_KEY0 && o < O_KEY0 + (int)n) {
			const char *v = optarg ? optarg : "1"; /* a bare bool flag */
			if (config_set(cfg, NULL, t[o - O_KEY0].name, v, &cerr)) {
				fprintf(stderr, "vmclockd: %s\n", cerr.msg);
				config_destroy(cfg);
				return 2;
			}
			continue;
		}
		switch (o) {
		case O_VM:
			if (nvm < VMCLOCKD_MAX_VMS)
				vms[nvm++] = optarg;
			break;
		case O_SEND:
			send_cmd = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'v':
			config_set(cfg, NULL, "verbose", "1", &cerr);
			break;
		case 'h':
			usage(stdout);
			config_destroy(cfg);
			return 0;
		default:
			usage(stderr);
			config_destroy(cfg);
			return 2;
		}
	}
	if (file && config_read_file(cfg, file, &cerr)) {
		fprintf(stderr, "vmclockd: %s\n", cerr.msg);
		config_destroy(cfg);
		return 2;
	}
	if (vmclockd_config_apply(cfg, &d, &vo, msg, sizeof(msg))) {
		fprintf(stderr, "vmclockd: %s\n", msg);
		config_destroy(cfg);
		return 2;
	}
	const char *clock_spec = vo.clock_spec, *sock = vo.sock;
	int level = vo.verbose ? LOG_DEBUG : LOG_INFO;
	if (send_cmd) {
		int rc = send_one(sock, send_cmd);
		config_destroy(cfg);
		return rc;
	}
	if (!clock_spec || optind < argc) {
		usage(stderr);
		config_destroy(cfg);
		return 2;
	}
	log_init("vmclockd", level, true, false);
	vmclockd_guard_install(); /* page files truncated under us: publish.c */
	d.est.at_raw_ns = 0;
	d.clock = open_clock(clock_spec);
	vmclockd_tai_refresh(&d);
	if (d.ptpd.path && vmclockd_ptpd_pull(&d))
		fprintf(stderr, "vmclockd: ptpd-wl at %s does not answer yet: pages INITIALIZING\n",
		        d.ptpd.path);

	/* first pair, TSC calibration (sleeps cal_ms), second pair: a rate to start with */
	int err = 0;
	struct reactor *r = NULL;
	struct ctl_srv *srv = NULL;
	d.tsc = tsc_host_counter(vo.tsc_transform);
	if (!d.tsc) {
		fprintf(stderr, "vmclockd: no TSC: %s\n", strerror(errno));
		err = -ENODEV;
		goto out;
	}
	counter_rate_init(&d.rate, counter_width(d.tsc), 1.0, vo.baseline_s, d.est.freq_maxerror);
	struct tsc_cal cal;
	if ((err = vmclockd_sample(&d)) || (err = tsc_calibrate(d.tsc, vo.cal_ms, &cal))) {
		fprintf(stderr, "vmclockd: start-up sampling failed: %s\n", strerror(-err));
		goto out;
	}
	d.cal = cal;
	d.rate.ns_per_tick = cal.ns_per_tick;
	if (d.est.grows)
		d.est.at_raw_ns = d.last_raw_ns;
	if ((err = vmclockd_sample(&d))) {
		fprintf(stderr, "vmclockd: sampling failed: %s\n", strerror(-err));
		goto out;
	}
	pr_info("vmclockd: TSC %.6f ns/tick (+-%.2g), clock %s, policy %s, interval %.3f s",
	        cal.ns_per_tick, cal.rel_err, clock_spec, vmclock_policy_name(d.default_policy),
	        d.interval_s);
	for (unsigned i = 0; i < nvm; i++) {
		char name[VMCLOCKD_NAMELEN + 16];
		snprintf(name, sizeof(name), "%s", vms[i]);
		enum vmclock_policy pol = d.default_policy;
		char *c = strrchr(name, ':');
		if (c) {
			*c = 0;
			if (vmclock_policy_parse(c + 1, &pol))
				bad("--vm policy", c + 1);
		}
		if (!vmclockd_vm_add(&d, name, pol, &err)) {
			fprintf(stderr, "vmclockd: --vm %s: %s\n", name,
			        err == -EINVAL ? "bad VM name ([A-Za-z0-9._-], no leading dot; the "
			                         "page goes to --page-dir)"
			        : err == -EEXIST ? "its page file exists and is not one of ours"
			        : err == -EBUSY  ? "its page is in use by another vmclockd (one "
			                           "writer per page)"
			                         : strerror(-err));
			goto out;
		}
		pr_info("vmclockd: publishing %s (%s)", name, vmclock_policy_name(pol));
	}

	r = reactor_create();
	if (!r) {
		err = -ENOMEM;
		goto out;
	}
	static const int sigs[] = {SIGINT, SIGTERM};
	reactor_add_signals(r, sigs, 2, on_signal, NULL);
	if (sock) {
		srv = ctl_srv_create(&d, r, sock, vo.sock_gid);
		if (!srv) {
			fprintf(stderr, "vmclockd: socket %s: %s\n", sock,
			        errno == EEXIST ? "exists and is not a socket (left alone)"
			                        : ipc_strerror(-errno));
			err = -EEXIST; /* left through the common exit: nothing leaks */
			goto out;
		}
	}
	struct reactor_timer *t = reactor_timer_create(r, on_timer, &d);
	uint64_t period = (uint64_t)(d.interval_s * 1e9);
	if (!t || reactor_timer_arm(t, period, period))
		err = -ENOMEM;
	else
		err = reactor_run(r);
out:
	ctl_srv_destroy(srv);
	reactor_destroy(r);
	for (unsigned i = 0; i < VMCLOCKD_MAX_VMS; i++)
		if (d.vms[i].used)
			vmclockd_vm_del(&d, &d.vms[i]);
	tclock_destroy(d.clock);
	counter_destroy(d.tsc);
	pr_info("vmclockd: exit");
	config_destroy(cfg);
	return err ? 1 : 0;
}
