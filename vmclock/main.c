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
#include "tsync/log.h"
#include "tsync/reactor.h"
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
	        "  --tai-offset N            TAI - UTC, s (37 today; 0 = unknown)\n"
	        "  --socket PATH             control socket, mode 0600 (commands: "
	        "vmclock/README.md)\n"
	        "  --socket-group GROUP      make it 0660 for GROUP: its members may query "
	        "(status,\n"
	        "                            stop); changes need root or vmclockd's uid\n"
	        "  --page-dir DIR            page files DIR/tsync-vmclock.NAME ($TSYNC_VMCLOCK_DIR "
	        "or\n"
	        "                            /dev/shm)\n"
	        "  --calibrate-ms MS         TSC calibration at start (200)\n"
	        "  --baseline S              rate baseline, s (10)\n"
	        "  --vm-generation           publish VM_GEN_COUNTER_PRESENT\n"
	        "  --ptpd SOCK               pull state and error estimate from ptpd-wl's "
	        "uds_address\n"
	        "  --ptpd-sigma K            maxerror = K x est + |offset| + margin (6)\n"
	        "  --ptpd-margin T           (1us)\n"
	        "  --ptpd-freq-maxerror R    frequency bound while synchronized (1ppm; 10ppm "
	        "otherwise)\n"
	        "  -v, --verbose             debug messages\n");
}

#define LINE_WAIT_MS 500

struct srv {
	struct vmclockd *d;
	struct reactor *r;
	int lfd;
};

static void on_timer(struct reactor *r, struct reactor_timer *t, uint64_t exp, void *arg)
{
	(void)r, (void)t, (void)exp;
	struct vmclockd *d = arg;
	vmclockd_ptpd_pull(d); /* failures are logged and make the pages UNRELIABLE */
	int err = vmclockd_sample(d);
	if (!err)
		err = vmclockd_publish_all(d);
	if (err)
		pl_warning(10, "vmclockd: update failed: %s", strerror(-err));
}

static void on_conn(struct reactor *r, int fd, short ev, void *arg)
{
	(void)fd, (void)ev;
	struct srv *s = arg;
	int c = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	/* who is asking: state changes only from root and our own uid */
	struct ucred cr = {.uid = (uid_t)-1};
	socklen_t crlen = sizeof(cr);
	bool trusted = getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == 0 &&
	               (cr.uid == 0 || cr.uid == geteuid());
	char line[1024];
	size_t got = 0;
	/* one line within LINE_WAIT_MS in all (the daemon is one thread: a client that drips
	 * bytes must not hold the page updates); a line cut short by the deadline is not run */
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool complete = false;
	while (got < sizeof(line) - 1) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = LINE_WAIT_MS -
		            ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		struct pollfd p = {.fd = c, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		ssize_t k = recv(c, line + got, sizeof(line) - 1 - got, 0);
		if (k <= 0) {
			complete = k == 0; /* the client shut its side down: the line is whole */
			break;
		}
		got += (size_t)k;
		line[got] = 0;
		if (strchr(line, '\n')) {
			complete = true;
			break;
		}
	}
	line[got] = 0;
	char reply[1024];
	bool quit = false;
	if (!complete) {
		snprintf(reply, sizeof(reply) - 1, "err no complete command line within %d ms",
		         LINE_WAIT_MS);
	} else if (!trusted && vmclockd_command_mutates(line)) {
		snprintf(reply, sizeof(reply) - 1,
		         "err permission denied: only root and uid %u may change vmclockd's state",
		         (unsigned)geteuid());
		pr_notice("vmclockd: refused a state change from uid %d", (int)cr.uid);
	} else {
		vmclockd_command(s->d, line, reply, sizeof(reply) - 1, &quit);
	}
	pr_debug("vmclockd: '%s' -> '%s'", strtok(line, "\n"), reply);
	strcat(reply, "\n");
	if (send(c, reply, strlen(reply), MSG_NOSIGNAL) < 0)
		pr_debug("vmclockd: reply lost: %s", strerror(errno));
	close(c);
	if (quit)
		reactor_stop(r);
}

static void on_signal(struct reactor *r, int signo, void *arg)
{
	(void)signo, (void)arg;
	reactor_stop(r);
}

/* The socket is made 0600, or 0660 for gid. */
static int listen_on(const char *path, gid_t gid)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		close(fd);
		return -EEXIST; /* only a stale socket is replaced, never another file */
	}
	unlink(path);
	/* Linux gives the socket file the mode of the socket's inode (less the umask): set before
	 * bind, the file is never more open than 0600 */
	int err = fchmod(fd, 0600) || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	if (!err && gid != (gid_t)-1 && (chown(path, (uid_t)-1, gid) || chmod(path, 0660)))
		err = -errno;
	if (!err && listen(fd, 8))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
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

static void bad(const char *opt, const char *v)
{
	fprintf(stderr, "vmclockd: bad %s '%s'\n", opt, v);
	exit(2);
}

enum {
	O_CLOCK = 256,
	O_VM,
	O_POLICY,
	O_SLEW,
	O_INTERVAL,
	O_MAXERR,
	O_ESTERR,
	O_FMAX,
	O_FEST,
	O_STATE,
	O_AGES,
	O_TAI,
	O_SOCKET,
	O_SEND,
	O_CAL,
	O_BASE,
	O_GEN,
	O_PTPD,
	O_PSIGMA,
	O_PMARGIN,
	O_PFREQ,
	O_SGROUP,
	O_PDIR
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"clock", 1, 0, O_CLOCK},
	                                     {"vm", 1, 0, O_VM},
	                                     {"policy", 1, 0, O_POLICY},
	                                     {"slew-max", 1, 0, O_SLEW},
	                                     {"interval", 1, 0, O_INTERVAL},
	                                     {"maxerror", 1, 0, O_MAXERR},
	                                     {"esterror", 1, 0, O_ESTERR},
	                                     {"freq-maxerror", 1, 0, O_FMAX},
	                                     {"freq-esterror", 1, 0, O_FEST},
	                                     {"state", 1, 0, O_STATE},
	                                     {"estimate-ages", 0, 0, O_AGES},
	                                     {"tai-offset", 1, 0, O_TAI},
	                                     {"socket", 1, 0, O_SOCKET},
	                                     {"send", 1, 0, O_SEND},
	                                     {"calibrate-ms", 1, 0, O_CAL},
	                                     {"baseline", 1, 0, O_BASE},
	                                     {"vm-generation", 0, 0, O_GEN},
	                                     {"ptpd", 1, 0, O_PTPD},
	                                     {"ptpd-sigma", 1, 0, O_PSIGMA},
	                                     {"ptpd-margin", 1, 0, O_PMARGIN},
	                                     {"ptpd-freq-maxerror", 1, 0, O_PFREQ},
	                                     {"socket-group", 1, 0, O_SGROUP},
	                                     {"page-dir", 1, 0, O_PDIR},
	                                     {"verbose", 0, 0, 'v'},
	                                     {"help", 0, 0, 'h'},
	                                     {0, 0, 0, 0}};
	static struct vmclockd d;
	const char *clock_spec = NULL, *sock = NULL, *send_cmd = NULL, *vms[VMCLOCKD_MAX_VMS];
	unsigned nvm = 0, cal_ms = 200;
	double baseline = 10;
	bool est_set = false, fest_set = false;
	int level = LOG_INFO, o;
	gid_t sock_gid = (gid_t)-1;
	d.default_policy = VMCLOCK_POLICY_SLEW;
	d.slew_max = 1e-3;
	d.interval_s = 0.5;
	d.ptpd = (struct vmclockd_ptpd_cfg){
	        .sigma = 6, .margin_ns = 1000, .freq_locked = 1e-6, .freq_unlocked = 10e-6};
	d.est = (struct vmclockd_estimate){.maxerror_ns = 1000000000,
	                                   .freq_maxerror = 100e-6,
	                                   .status = VMCLOCK_STATUS_SYNCHRONIZED};
	while ((o = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (o) {
		case O_CLOCK:
			clock_spec = optarg;
			break;
		case O_VM:
			if (nvm < VMCLOCKD_MAX_VMS)
				vms[nvm++] = optarg;
			break;
		case O_POLICY:
			if (vmclock_policy_parse(optarg, &d.default_policy))
				bad("--policy", optarg);
			break;
		case O_SLEW:
			if (vmclockd_parse_rate(optarg, &d.slew_max) || d.slew_max <= 0)
				bad("--slew-max", optarg);
			break;
		case O_INTERVAL:
			d.interval_s = atof(optarg);
			if (!(d.interval_s >= 0.01 && d.interval_s <= 3600))
				bad("--interval", optarg);
			break;
		case O_MAXERR:
			if (vmclockd_parse_ns(optarg, &d.est.maxerror_ns))
				bad("--maxerror", optarg);
			break;
		case O_ESTERR:
			if (vmclockd_parse_ns(optarg, &d.est.esterror_ns))
				bad("--esterror", optarg);
			est_set = true;
			break;
		case O_FMAX:
			if (vmclockd_parse_rate(optarg, &d.est.freq_maxerror))
				bad("--freq-maxerror", optarg);
			break;
		case O_FEST:
			if (vmclockd_parse_rate(optarg, &d.est.freq_esterror))
				bad("--freq-esterror", optarg);
			fest_set = true;
			break;
		case O_STATE:
			if (vmclockd_parse_state(optarg, &d.est.status))
				bad("--state", optarg);
			break;
		case O_AGES:
			d.est.grows = true;
			break;
		case O_TAI: {
			long t = strtol(optarg, NULL, 10);
			d.est.tai_valid = t != 0;
			d.est.tai_offset_sec = (int16_t)-t;
			break;
		}
		case O_SOCKET:
			sock = optarg;
			break;
		case O_SEND:
			send_cmd = optarg;
			break;
		case O_CAL:
			cal_ms = (unsigned)atoi(optarg);
			break;
		case O_BASE:
			baseline = atof(optarg);
			break;
		case O_GEN:
			d.gen_present = true;
			break;
		case O_PTPD:
			d.ptpd.path = optarg;
			break;
		case O_PSIGMA:
			d.ptpd.sigma = atof(optarg);
			if (!(d.ptpd.sigma >= 1 && d.ptpd.sigma <= 100))
				bad("--ptpd-sigma", optarg);
			break;
		case O_PMARGIN:
			if (vmclockd_parse_ns(optarg, &d.ptpd.margin_ns))
				bad("--ptpd-margin", optarg);
			break;
		case O_PFREQ:
			if (vmclockd_parse_rate(optarg, &d.ptpd.freq_locked))
				bad("--ptpd-freq-maxerror", optarg);
			break;
		case O_SGROUP: {
			struct group *g = getgrnam(optarg);
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (g)
				sock_gid = g->gr_gid;
			else if (*optarg && !*end)
				sock_gid = (gid_t)v;
			else
				bad("--socket-group", optarg);
			break;
		}
		case O_PDIR:
			if (optarg[0] != '/')
				bad("--page-dir (an absolute path)", optarg);
			d.page_dir = optarg;
			break;
		case 'v':
			level = LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (send_cmd) {
		char reply[1024];
		if (!sock) {
			fprintf(stderr, "vmclockd: --send needs --socket\n");
			return 2;
		}
		int err = vmclock_ctl_request(sock, send_cmd, reply, sizeof(reply), 0);
		if (err && err != -EPROTO) {
			fprintf(stderr, "vmclockd: %s: %s\n", sock, strerror(-err));
			return 1;
		}
		printf("%s\n", reply);
		return err ? 1 : 0;
	}
	if (!clock_spec || optind < argc) {
		usage(stderr);
		return 2;
	}
	log_init("vmclockd", level, true, false);
	vmclockd_guard_install(); /* page files truncated under us: publish.c */
	if (!est_set)
		d.est.esterror_ns = d.est.maxerror_ns / 3;
	if (!fest_set)
		d.est.freq_esterror = d.est.freq_maxerror / 3;
	d.est.at_raw_ns = 0;
	d.clock = open_clock(clock_spec);
	if (d.ptpd.path && vmclockd_ptpd_pull(&d))
		fprintf(stderr, "vmclockd: ptpd-wl at %s does not answer yet: pages UNRELIABLE\n",
		        d.ptpd.path);

	/* first pair, TSC calibration (sleeps cal_ms), second pair: a rate to start with */
	int err = 0;
	struct srv s = {.d = &d, .lfd = -1};
	d.tsc = counter_tsc_create(0);
	if (!d.tsc) {
		fprintf(stderr, "vmclockd: no TSC: %s\n", strerror(errno));
		err = -ENODEV;
		goto out;
	}
	counter_rate_init(&d.rate, counter_width(d.tsc), 1.0, baseline, d.est.freq_maxerror);
	struct tsc_cal cal;
	if ((err = vmclockd_sample(&d)) || (err = tsc_calibrate(d.tsc, cal_ms, &cal))) {
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
			                         : strerror(-err));
			goto out;
		}
		pr_info("vmclockd: publishing %s (%s)", name, vmclock_policy_name(pol));
	}

	s.r = reactor_create();
	if (!s.r) {
		err = -ENOMEM;
		goto out;
	}
	static const int sigs[] = {SIGINT, SIGTERM};
	reactor_add_signals(s.r, sigs, 2, on_signal, NULL);
	if (sock) {
		s.lfd = listen_on(sock, sock_gid);
		if (s.lfd < 0) {
			fprintf(stderr, "vmclockd: socket %s: %s\n", sock,
			        s.lfd == -EEXIST ? "exists and is not a socket (left alone)"
			                         : strerror(-s.lfd));
			err = -EEXIST; /* left through the common exit: nothing leaks */
			goto out;
		}
		reactor_add_fd(s.r, s.lfd, POLLIN, on_conn, &s);
	}
	struct reactor_timer *t = reactor_timer_create(s.r, on_timer, &d);
	uint64_t period = (uint64_t)(d.interval_s * 1e9);
	if (!t || reactor_timer_arm(t, period, period))
		err = -ENOMEM;
	else
		err = reactor_run(s.r);
out:
	reactor_destroy(s.r);
	if (s.lfd >= 0) {
		close(s.lfd);
		unlink(sock);
	}
	for (unsigned i = 0; i < VMCLOCKD_MAX_VMS; i++)
		if (d.vms[i].used)
			vmclockd_vm_del(&d, &d.vms[i]);
	tclock_destroy(d.clock);
	counter_destroy(d.tsc);
	pr_info("vmclockd: exit");
	return err ? 1 : 0;
}
