/* SPDX-License-Identifier: MIT */
/*
 * vmclockd internals: the daemon state shared by publish.c (host sampling, per-VM pages),
 * ctl.c (the control socket and its command language) and main.c (options, reactor).
 */
#ifndef VMCLOCK_VMCLOCKD_H
#define VMCLOCK_VMCLOCKD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "tsc.h"
#include "tsync/status.h"
#include "tsync/vmclock.h"

struct tclock;

#define VMCLOCKD_MAX_VMS 64
#define VMCLOCKD_NAMELEN 64

/* The sync daemon's error estimate of the host clock (command line or `estimate` command). */
struct vmclockd_estimate {
	uint64_t maxerror_ns; /* bound on |host clock - true|, ns */
	uint64_t esterror_ns; /* estimate of it, ns */
	double freq_maxerror; /* bound on the host clock's frequency error, fraction */
	double freq_esterror; /* estimate of it, fraction */
	uint8_t status;       /* VMCLOCK_STATUS_* */
	bool grows;           /* the bound grows at freq_maxerror from at_raw_ns (socket input);
				* command-line estimates hold at all times */
	int64_t at_raw_ns;    /* CLOCK_MONOTONIC_RAW when it was given */
	bool tai_valid;
	int16_t tai_offset_sec; /* UTC - TAI */
	uint8_t leap;
};

/* Where and how to pull the estimate from ptpd-wl (--ptpd SOCK). */
struct vmclockd_ptpd_cfg {
	const char *path; /* ptpd-wl's uds_address, NULL: estimates come from the socket */
	double sigma;     /* maxerror = sigma x est + |offset| + margin */
	uint64_t margin_ns;
	double freq_locked;   /* frequency bound while synchronized (fraction) */
	double freq_unlocked; /* otherwise */
	uint64_t pulls, errors;
	struct tsync_status last; /* ptpd-wl's "tsync status" reply (tsync/status.h) */
};

struct vmclockd_vm {
	bool used;
	char name[VMCLOCKD_NAMELEN];
	char path[256];
	struct vmclock_page_map map;
	struct vmclock_pub pub;
};

struct vmclockd {
	struct tclock *clock;
	struct counter *tsc; /* the counter guests read (x86 TSC); owned */
	struct tsc_cal cal;
	struct counter_rate rate;
	struct vmclockd_estimate est;
	enum vmclock_policy default_policy;
	double slew_max; /* fraction */
	double interval_s;
	bool gen_present;
	struct vmclockd_vm vms[VMCLOCKD_MAX_VMS];
	struct counter_pair last_pair;
	int64_t last_raw_ns; /* CLOCK_MONOTONIC_RAW at last_pair */
	bool have_pair;
	uint64_t samples, sample_errors;
	struct vmclockd_ptpd_cfg ptpd;
	const char *page_dir; /* page files go here (NULL: vmclock_page_dir()) */
	int dirfd;            /* open on page_dir once dir_open */
	bool dir_open;
};

/* ---- publish.c ---- */
/* Read the host clock against the TSC, feed the rate tracker. 0 or -errno. */
int vmclockd_sample(struct vmclockd *d);
/* The host view from the last sample and the estimate (pure given d). 0 or -EAGAIN (no rate). */
int vmclockd_host(const struct vmclockd *d, int64_t now_raw_ns, struct vmclock_host *h);
/* The page of vm's stop record at counter (the `stop` command), read with the same truncation
 * guard as publishing. 0 or the vmclock_stop_record errors, -EBADMSG (page file truncated). */
int vmclockd_vm_stop_record(struct vmclockd_vm *vm, uint64_t counter,
                            struct vmclock_stop_record *rec);
/* Install the SIGBUS handler that guards page writes against truncation (publish.c). */
void vmclockd_guard_install(void);
/* Publish every VM's page from the last sample. 0 or the first -errno. */
int vmclockd_publish_all(struct vmclockd *d);
/* Publish one VM (after a fresh sample); rec != NULL: migrate in with it first. */
int vmclockd_publish_vm(struct vmclockd *d, struct vmclockd_vm *vm,
                        const struct vmclock_stop_record *rec);
/* Add a VM: name must pass vmclock_name_check() (-EINVAL); its page file is
 * <page_dir>/tsync-vmclock.<name>, made by vmclock_page_create_at() (-EEXIST for a file that
 * is not one of our pages). Remove it: unlinks nothing (the VMM may still map it; a later
 * vm-add of the name takes the page over again). */
struct vmclockd_vm *vmclockd_vm_add(struct vmclockd *d, const char *name,
                                    enum vmclock_policy policy, int *err);
struct vmclockd_vm *vmclockd_vm_find(struct vmclockd *d, const char *name);
void vmclockd_vm_del(struct vmclockd *d, struct vmclockd_vm *vm);

/* ---- ctl.c ---- */
/* Execute one command line; the one-line reply (no newline) goes to reply. Sets *quit for
 * "quit". Returns 0 (reply "ok ...") or -errno (reply "err ..."). */
int vmclockd_command(struct vmclockd *d, const char *line, char *reply, unsigned len, bool *quit);
/* Whether the command line changes the daemon's state (everything but status and stop): the
 * socket server runs those only for root and the daemon's own uid (SO_PEERCRED). */
bool vmclockd_command_mutates(const char *line);
/* Parse "1ms"-style durations into ns and "25ppm"/"25000ppb"/"2.5e-5" rates into fractions. */
int vmclockd_parse_ns(const char *s, uint64_t *ns);
int vmclockd_parse_rate(const char *s, double *frac);
int vmclockd_parse_state(const char *s, uint8_t *status);
const char *vmclockd_state_name(uint8_t status);

/* ---- ptpd_pull.c ---- */
/* Pure: the host estimate from a status (rules in ptpd_pull.c); now_raw_ns: when it came. */
void vmclockd_ptpd_estimate(const struct vmclockd_ptpd_cfg *cfg, const struct tsync_status *st,
                            int64_t now_raw_ns, struct vmclockd_estimate *e);
/* Pull the status into d->est (no-op without --ptpd). 0 or -errno (then UNRELIABLE). */
int vmclockd_ptpd_pull(struct vmclockd *d);
/* Ask ptpd-wl for a burst (Sync every 2^log_sync s for seconds) and wait (<= wait_s, pages
 * kept fresh) until its estimate settles; reply: the host bound before and after. */
int vmclockd_ptpd_burst(struct vmclockd *d, double seconds, int log_sync, double wait_s,
                        char *reply, unsigned len);

#endif
