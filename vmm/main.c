// SPDX-License-Identifier: MIT
/*
 * tsvmm: a small KVM VMM for clock-synchronisation experiments.
 *   tsvmm run [options]          boot the guest payload (see tsvmm run --help)
 *   tsvmm ctl SOCK JSON...       send JSON request lines to a control socket, print replies
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm_cli.h"
#include "control.h"
#include "control_cmds.h"
#include "memstats.h"
#include "manager/evacuate.h"
#include "migrate/migrate.h"
#include "migrate/tls.h"
#include "report.h"
#include "tsync/ipc.h"
#include "tsync/log.h"
#include "vcpu.h"
#include "vmm.h"

#define POLL_MS 20

static const char usage[] = "usage: tsvmm run [options]     boot the guest (tsvmm run --help)\n"
                            "       tsvmm ctl SOCK JSON...  talk to a control socket\n"
                            "       tsvmm evacuate ...      migrate N VMs under one budget "
                            "(tsvmm evacuate --help)\n";

static const char *default_guest(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = 0;
	snprintf(buf, len, "%s/../guest/tsvmm-guest.bin", dirname(exe));
	return buf;
}

static void print_summary(struct vmm *m, uint64_t create_ns)
{
	const struct report_stats *s = report_stats(vmm_report(m));
	pr_info("%s: %s", vmm_state_name(vmm_get_state(m)),
	        vmm_stop_message(m)[0] ? vmm_stop_message(m) : "stopped by the VMM");
	pr_info("VM built in %llu us; report: %llu samples, %llu gaps, %llu dropped, "
	        "largest TSC gap %llu us, %llu pages dirtied, fill %llu pages in %llu ms",
	        (unsigned long long)(create_ns / 1000), (unsigned long long)s->samples,
	        (unsigned long long)s->gaps, (unsigned long long)s->dropped,
	        (unsigned long long)(s->max_gap_ns / 1000), (unsigned long long)s->dirtied,
	        (unsigned long long)s->fill_pages, (unsigned long long)(s->fill_ns / 1000000));
}

static void print_memstats(struct vmm *m)
{
	struct memstats st;
	int err = vmm_memstats(m, &st);
	if (err) {
		pr_err("memstats: %s", strerror(-err));
		return;
	}
	printf("memstats: pages=%llu zero=%llu dup=%llu disk=%llu unique=%llu distinct=%llu\n",
	       (unsigned long long)st.pages, (unsigned long long)st.zero,
	       (unsigned long long)st.dup, (unsigned long long)st.disk,
	       (unsigned long long)st.unique, (unsigned long long)st.distinct);
	fflush(stdout);
}

/* Boot latency: vCPU start to ring-3 entry, from the guest's TSC at boot (the raw host TSC
 * on this KVM, so comparable with the host's rdtsc at start). */
static void print_boot(struct vmm *m)
{
	uint64_t boot = report_stats(vmm_report(m))->tsc_boot, start = vmm_start_tsc(m);
	uint64_t khz = vmm_tsc_khz(m);
	if (boot > start && boot - start < khz * 100000)
		pr_info("boot: vCPU start to ring 3 in %llu us",
		        (unsigned long long)((boot - start) * 1000 / khz));
}

static int run(int argc, char **argv)
{
	struct vmm_config cfg;
	char err[512], guest[PATH_MAX + 32];
	int r = vmm_cli_parse(argc, argv, &cfg, err, sizeof(err));
	if (r == 1) {
		fputs(vmm_cli_usage, stdout);
		return 0;
	}
	if (r) {
		fprintf(stderr, "tsvmm: %s\n", err);
		return 2;
	}
	if (!cfg.incoming && (cfg.tls_psk || cfg.tls_cert)) { /* a bad key file: say so now */
		struct mig_tls_opts to = {cfg.tls_psk, cfg.tls_cert, cfg.tls_key,
		                          cfg.tls_ca,  NULL,         false};
		struct mig_tls *t = mig_tls_load(&to, false, err, sizeof(err));
		if (!t) {
			fprintf(stderr, "tsvmm: %s\n", err);
			return 2;
		}
		mig_tls_free(t);
	}
	if (!cfg.guest_path && !(cfg.guest_path = default_guest(guest, sizeof(guest)))) {
		fprintf(stderr, "tsvmm: no --guest and no default payload\n");
		return 2;
	}
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* before the vCPU thread: it inherits it */
	int sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (vcpu_signal_init() || sig_fd < 0) {
		fprintf(stderr, "tsvmm: signal setup: %s\n", strerror(errno));
		return 1;
	}
	uint64_t t0 = vmm_now_ns();
	struct vmm *m = vmm_create(&cfg, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "tsvmm: %s\n", err);
		return 1;
	}
	uint64_t create_ns = vmm_now_ns() - t0;
	struct vmm_ctl ctx = {.vmm = m};
	struct control *ctl = NULL;
	if (cfg.control_path) {
		size_t n;
		const struct control_cmd *cmds = vmm_control_cmds(&n);
		ctl = control_create(cfg.control_path, cmds, n, &ctx);
		if (!ctl) {
			fprintf(stderr, "tsvmm: --control %s: %s\n", cfg.control_path,
			        ipc_strerror(-errno));
			vmm_destroy(m);
			return 1;
		}
	}
	if (cfg.incoming ? (r = migrate_incoming(m, cfg.incoming, err, sizeof(err)))
	                 : (r = vmm_start(m))) {
		if (cfg.incoming)
			fprintf(stderr, "tsvmm: incoming migration failed: %s\n", err);
		else
			fprintf(stderr, "tsvmm: cannot start the vCPU: %s\n", strerror(-r));
		control_destroy(ctl);
		vmm_destroy(m);
		return 1;
	}
	int extra[2] = {vmm_event_fd(m), sig_fd};
	for (;;) {
		r = control_poll(ctl, extra, 2, POLL_MS);
		r = report_drain(vmm_report(m)) < 0 ? -EPROTO : r;
		if (r < 0 || ctx.quit || (r & 3))
			break;
	}
	if (r == -EPROTO)
		pr_err("the guest corrupted its report ring header");
	migration_destroy(ctx.mig); /* cancels a running migration: the guest resumes */
	vmm_pause(m);               /* -ESRCH when the guest already stopped */
	report_drain(vmm_report(m));
	print_boot(m);
	print_summary(m, create_ns);
	if (cfg.memstats)
		print_memstats(m);
	int status = vmm_exit_status(m);
	control_destroy(ctl);
	vmm_destroy(m);
	close(sig_fd);
	return status;
}

/* tsvmm ctl SOCK JSON...: one request line per argument, print each reply line. */
static int ctl(int argc, char **argv)
{
	if (argc < 3) {
		fputs(usage, stderr);
		return 2;
	}
	int fd = ipc_connect(argv[1], SOCK_STREAM, IPC_BLOCKING, 0);
	if (fd < 0) {
		fprintf(stderr, "tsvmm ctl: %s: %s\n", argv[1], ipc_strerror(fd));
		return 1;
	}
	FILE *in = fdopen(fd, "r");
	char line[CONTROL_REPLY_MAX + 2];
	if (!in || !fgets(line, sizeof(line), in)) { /* greeting */
		fprintf(stderr, "tsvmm ctl: no greeting from %s\n", argv[1]);
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (send(fd, argv[i], n, MSG_NOSIGNAL) != (ssize_t)n ||
		    send(fd, "\n", 1, MSG_NOSIGNAL) != 1 || !fgets(line, sizeof(line), in)) {
			fprintf(stderr, "tsvmm ctl: %s: connection lost\n", argv[1]);
			fclose(in);
			return 1;
		}
		fputs(line, stdout);
	}
	fclose(in);
	return 0;
}

int main(int argc, char **argv)
{
	log_init("tsvmm", LOG_INFO, true, false);
	log_set_timestamps(false);
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "run"))
		return run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ctl"))
		return ctl(argc - 1, argv + 1);
	if (!strcmp(argv[1], "evacuate"))
		return evacuate_main(argc - 1, argv + 1);
	fprintf(stderr, "tsvmm: unknown command '%s'\n%s", argv[1], usage);
	return 2;
}
