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

#include "bound.h"
#include "mig_plan.h"
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
	const char *path;   /* ptpd-wl's uds_address, NULL: estimates come from the socket */
	double sigma;       /* k: the coverage factor on the servo's sigma (bound.h) */
	uint64_t margin_ns; /* the path asymmetry term, ns (ptpd_asymmetry; by ptpd_tstamp) */
	double freq_floor;  /* the lowest frequency bound once the servo is trusted */
	struct vmclock_bound_hist hist; /* the servo's last samples (vmclockd_ptpd_update) */
	double freq_locked;             /* frequency bound while synchronized (fraction) */
	double freq_unlocked;           /* otherwise */
	uint64_t pulls, errors;
	bool answered;            /* ptpd-wl gave a synchronized/freerunning estimate once */
	struct tsync_status last; /* ptpd-wl's "tsync status" reply (tsync/status.h) */
};

struct vmclockd_vm {
	bool used;
	char name[VMCLOCKD_NAMELEN];
	char path[256];
	struct vmclock_page_map map;
	struct vmclock_pub pub;
	uint32_t seq;        /* seq_count after our last write (restored after a truncation) */
	uint64_t tsc_offset; /* the guest's counter = host TSC + tsc_offset (migrate-in) */
};

/* A migration of one VM as its VMM reports it (`migrating`; the VM's page may not exist yet
 * on the destination). */
#define VMCLOCKD_MAX_MIGS 16
struct vmclockd_mig {
	bool used;
	bool source;
	char name[VMCLOCKD_NAMELEN];
	struct mig_plan plan;
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
	struct vmclockd_mig migs[VMCLOCKD_MAX_MIGS];
	bool mig_burst;                    /* ask for bursts around migrations */
	double burst_lead_s, burst_hold_s; /* mig_plan.h */
	int burst_log_sync;
	uint64_t bursts, burst_errors; /* bursts asked of the sync daemon for migrations */
	bool tai_kernel;               /* the TAI offset is the kernel's (vmclockd_tai_refresh) */
	const char *page_dir;          /* page files go here (NULL: vmclock_page_dir()) */
	int dirfd;                     /* open on page_dir once dir_open */
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

/* Pure: the marker a writer taking over a page whose marker is `old` starts with (old + 1,
 * never 0; a marker only moves forward). */
uint64_t vmclockd_next_marker(uint64_t old);
/* How far before the TSC read at the write each page is anchored (counter_value), in ticks:
 * VMCLOCKD_ANCHOR_BACK_NS at the calibrated rate. A reader on a CPU whose TSC is a little
 * behind the writer's then never reads a counter before counter_value. */
#define VMCLOCKD_ANCHOR_BACK_NS 50000
uint64_t vmclockd_anchor_back_ticks(const struct vmclockd *d);

/* ---- migrating.c ---- */
/* `migrating NAME role=src|dst phase=P [pages=N] [eta=S]`: the VMM's report (argv as split by
 * ctl.c). Updates the plan, republishes NAME's page if its flags changed, asks for a burst if
 * one is due. 0 or -errno, reply set. */
int vmclockd_migrating(struct vmclockd *d, char **argv, int argc, char *reply, unsigned len);
/* The disruption flags the plan gives NAME's page (0: none). */
uint64_t vmclockd_mig_flags(const struct vmclockd *d, const char *name);
/* Every update: ask the sync daemon for the burst the plans want (if any is due). */
void vmclockd_mig_tick(struct vmclockd *d);

/* ---- tai.c ---- */
/* Pure: the estimate's TAI offset from the kernel's TAI - UTC (struct timex .tai): valid when
 * > 0 (the kernel says 0 until a sync daemon sets it), stored as UTC - TAI. */
void vmclockd_tai_apply(struct vmclockd_estimate *e, int kernel_tai);
/* With d->tai_kernel: read the kernel's offset (adjtimex with modes 0: a query, it never sets
 * anything) into d->est. 0 or -errno (then the offset is left as it was). */
int vmclockd_tai_refresh(struct vmclockd *d);

/* ---- ctl.c ---- */
/* Execute one command line; the one-line reply (no newline) goes to reply. Sets *quit for
 * "quit". Returns 0 (reply "ok ...") or -errno (reply "err ..."). */
int vmclockd_command(struct vmclockd *d, const char *line, char *reply, unsigned len, bool *quit);
/* Whether the command line changes the daemon's state (everything but status and stop): the
 * socket server runs those only for root and the daemon's own uid (SO_PEERCRED). */
bool vmclockd_command_mutates(const char *line);
/* The value of key=... among argv[1..argc) (NULL when absent). */
const char *vmclockd_arg(char **argv, int argc, const char *key);
/* Parse "1ms"-style durations into ns and "25ppm"/"25000ppb"/"2.5e-5" rates into fractions. */
int vmclockd_parse_ns(const char *s, uint64_t *ns);
int vmclockd_parse_rate(const char *s, double *frac);
int vmclockd_parse_state(const char *s, uint8_t *status);
const char *vmclockd_state_name(uint8_t status);

/* ---- ptpd_pull.c ---- */
/* Pure: the host estimate from a status (rules in ptpd_pull.c); now_raw_ns: when it came. */
void vmclockd_ptpd_estimate(const struct vmclockd_ptpd_cfg *cfg, const struct tsync_status *st,
                            int64_t now_raw_ns, struct vmclockd_estimate *e);
/* Pure: the estimate from a status, ptpd-wl's "unreliable" included (rules in ptpd_pull.c:
 * stale with a locked servo is holdover, before any good estimate INITIALIZING, a servo
 * not locked after one UNRELIABLE). Updates cfg->answered. */
void vmclockd_ptpd_update(struct vmclockd_ptpd_cfg *cfg, const struct tsync_status *st,
                          int64_t now_raw_ns, struct vmclockd_estimate *e);
/* Pure: the estimate when the sync daemon does not answer: holdover (FREERUNNING, the last
 * bound aging at cfg->freq_unlocked from its sample), or INITIALIZING before any answer. */
void vmclockd_ptpd_silent(const struct vmclockd_ptpd_cfg *cfg, struct vmclockd_estimate *e);
/* Pull the status into d->est (no-op without --ptpd). 0 or -errno (then
 * vmclockd_ptpd_silent). */
int vmclockd_ptpd_pull(struct vmclockd *d);
/* --dtpd SOCK (dtpd_pull.c): dtpd answers ptpd-wl's `tsync status` / `tsync burst`, so the
 * pull above serves it; sets d->ptpd.path. 0, or -1 with err (--ptpd given too). */
int vmclockd_dtpd_config(struct vmclockd *d, const char *sock, char *err, size_t len);
/* Ask ptpd-wl for a burst (Sync every 2^log_sync s for seconds), without waiting for it to
 * settle. 0 or -errno (-EPROTO: ptpd-wl refused; -ENOENT: no --ptpd). */
int vmclockd_ptpd_burst_start(struct vmclockd *d, double seconds, int log_sync);
/* Ask ptpd-wl for a burst (Sync every 2^log_sync s for seconds) and wait (<= wait_s, pages
 * kept fresh) until its estimate settles; reply: the host bound before and after. */
int vmclockd_ptpd_burst(struct vmclockd *d, double seconds, int log_sync, double wait_s,
                        char *reply, unsigned len);

#endif
