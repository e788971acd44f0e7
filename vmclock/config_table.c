// SPDX-License-Identifier: MIT
/* vmclockd's configuration table and its translation into the daemon's state. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>

#include "config_table.h"
#include "tsync/cli.h"
#include "vmclockd.h"

#define G CFG_SCOPE_GLOBAL

static const struct config_item table[] = {
        CFG_STRING("clock", G, NULL),         /* sys | phc:/dev/ptpN | vclock:NAME */
        CFG_STRING("policy", G, "slew"),      /* step | slew | freeze */
        CFG_STRING("slew_max", G, "1000ppm"), /* rate > 0 */
        CFG_DOUBLE("interval", G, 0.5, 0.01, 3600),
        CFG_STRING("maxerror", G, "1s"),
        CFG_STRING("esterror", G, NULL), /* NULL: maxerror / 3 */
        CFG_STRING("freq_maxerror", G, "100ppm"),
        CFG_STRING("freq_esterror", G, NULL), /* NULL: freq_maxerror / 3 */
        CFG_STRING("state", G, "synchronized"),
        CFG_BOOL("estimate_ages", G, 0),
        CFG_INT("tai_offset", G, 0, -32767, 32767), /* TAI - UTC, s; 0: kernel_tai */
        CFG_BOOL("kernel_tai", G, 1), /* tai_offset 0: the kernel's (adjtimex, read only) */
        CFG_STRING("socket", G, NULL),
        CFG_STRING("socket_group", G, NULL),
        CFG_STRING("page_dir", G, NULL), /* absolute */
        CFG_UINT("calibrate_ms", G, 200, 0, 600000),
        CFG_DOUBLE("baseline", G, 10, 0, 86400), /* 0: 10 s */
        CFG_STRING("tsc_transform", G, NULL),    /* OFFSET,PPM: this host's emulated TSC */
        CFG_BOOL("vm_generation", G, 0),
        CFG_STRING("ptpd", G, NULL),
        CFG_STRING("dtpd", G, NULL), /* dtpd's ctl_socket instead of --ptpd (dtpd_pull.c) */
        CFG_DOUBLE("ptpd_sigma", G, 3, 1, 100), /* k: coverage factor (bound.h) */
        CFG_STRING("ptpd_tstamp", G, "sys"),    /* sys | phc | nic (DTP ticks) | sim */
        CFG_STRING("ptpd_asymmetry", G, NULL),  /* NULL: by ptpd_tstamp */
        CFG_STRING("ptpd_freq_floor", G, "100ppb"),
        CFG_STRING("ptpd_freq_maxerror", G, "1ppm"),
        CFG_BOOL("migration_burst", G, 1),       /* bursts around migrations (`migrating`) */
        CFG_DOUBLE("burst_lead", G, 3, 0, 600),  /* s before the switchover (mig_plan.h) */
        CFG_DOUBLE("burst_hold", G, 2, 0, 600),  /* s after the migration ends */
        CFG_INT("burst_log_sync", G, -6, -7, 4), /* the burst's Sync interval, log2 s */
        CFG_BOOL("verbose", G, 0),
};

const struct config_item *vmclockd_config_table(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

struct config *vmclockd_config_create(void)
{
	return config_create(table, sizeof(table) / sizeof(table[0]));
}

/* "bad --slew-max 'x'": the flag spelling of key */
static int bad(char *err, size_t len, const char *key, const char *v, const char *why)
{
	char flag[64];
	snprintf(flag, sizeof(flag), "%s", key);
	for (char *p = flag; *p; p++)
		if (*p == '_')
			*p = '-';
	snprintf(err, len, "bad --%s '%s'%s%s", flag, v ? v : "", why ? " " : "", why ? why : "");
	return -EINVAL;
}

static int get_ns(const struct config *cfg, const char *key, uint64_t *ns, char *err, size_t len)
{
	const char *v = config_get_string(cfg, NULL, key);
	return vmclockd_parse_ns(v, ns) ? bad(err, len, key, v, "(a time: 1ms, 2us, 0.5)") : 0;
}

static int get_rate(const struct config *cfg, const char *key, double *r, char *err, size_t len)
{
	const char *v = config_get_string(cfg, NULL, key);
	return vmclockd_parse_rate(v, r) ? bad(err, len, key, v, "(a rate: 20ppm, 300ppb, 1e-5)")
	                                 : 0;
}

static int get_group(const char *v, gid_t *gid, char *err, size_t len)
{
	struct group *g = getgrnam(v);
	long n;
	if (g)
		*gid = g->gr_gid;
	else if (v[0] && !v[strspn(v, "0123456789")] &&
	         !cli_long("vmclockd", "--socket-group", v, 0, 0x7fffffff, &n))
		*gid = (gid_t)n;
	else
		return bad(err, len, "socket_group", v, "(a group name or gid)");
	return 0;
}

int vmclockd_config_apply(const struct config *cfg, struct vmclockd *d, struct vmclockd_opts *o,
                          char *err, size_t len)
{
	const char *v;
	int e = 0;
	o->clock_spec = config_get_string(cfg, NULL, "clock");
	o->sock = config_get_string(cfg, NULL, "socket");
	o->sock_gid = (gid_t)-1;
	if ((v = config_get_string(cfg, NULL, "socket_group")) &&
	    get_group(v, &o->sock_gid, err, len))
		return -EINVAL;
	o->cal_ms = (unsigned)config_get_u64(cfg, NULL, "calibrate_ms");
	o->baseline_s = config_get_double(cfg, NULL, "baseline");
	o->tsc_transform = config_get_string(cfg, NULL, "tsc_transform");
	if (o->tsc_transform && tsc_host_counter_check(o->tsc_transform, err, len))
		return -EINVAL;
	o->verbose = config_get_bool(cfg, NULL, "verbose");

	v = config_get_string(cfg, NULL, "policy");
	if (vmclock_policy_parse(v, &d->default_policy))
		return bad(err, len, "policy", v, "(step, slew or freeze)");
	if ((e = get_rate(cfg, "slew_max", &d->slew_max, err, len)))
		return e;
	if (!(d->slew_max > 0))
		return bad(err, len, "slew_max", config_get_string(cfg, NULL, "slew_max"), "(> 0)");
	d->interval_s = config_get_double(cfg, NULL, "interval");
	if ((e = get_ns(cfg, "maxerror", &d->est.maxerror_ns, err, len)) ||
	    (e = get_rate(cfg, "freq_maxerror", &d->est.freq_maxerror, err, len)))
		return e;
	d->est.esterror_ns = d->est.maxerror_ns / 3;
	if (config_get_string(cfg, NULL, "esterror") &&
	    (e = get_ns(cfg, "esterror", &d->est.esterror_ns, err, len)))
		return e;
	d->est.freq_esterror = d->est.freq_maxerror / 3;
	if (config_get_string(cfg, NULL, "freq_esterror") &&
	    (e = get_rate(cfg, "freq_esterror", &d->est.freq_esterror, err, len)))
		return e;
	v = config_get_string(cfg, NULL, "state");
	if (vmclockd_parse_state(v, &d->est.status))
		return bad(err, len, "state", v, "(synchronized, freerunning or unreliable)");
	d->est.grows = config_get_bool(cfg, NULL, "estimate_ages");
	int tai = config_get_int(cfg, NULL, "tai_offset");
	d->est.tai_valid = tai != 0;
	d->est.tai_offset_sec = (int16_t)-tai;
	d->tai_kernel = tai == 0 && config_get_bool(cfg, NULL, "kernel_tai");
	d->page_dir = config_get_string(cfg, NULL, "page_dir");
	if (d->page_dir && d->page_dir[0] != '/')
		return bad(err, len, "page_dir", d->page_dir, "(an absolute path)");
	d->gen_present = config_get_bool(cfg, NULL, "vm_generation");
	d->mig_burst = config_get_bool(cfg, NULL, "migration_burst");
	d->burst_lead_s = config_get_double(cfg, NULL, "burst_lead");
	d->burst_hold_s = config_get_double(cfg, NULL, "burst_hold");
	d->burst_log_sync = config_get_int(cfg, NULL, "burst_log_sync");
	d->ptpd.path = config_get_string(cfg, NULL, "ptpd");
	if (vmclockd_dtpd_config(d, config_get_string(cfg, NULL, "dtpd"), err, len) < 0)
		return -EINVAL;
	d->ptpd.sigma = config_get_double(cfg, NULL, "ptpd_sigma");
	enum ts_source src;
	const char *ts = config_get_string(cfg, NULL, "ptpd_tstamp");
	if (ts_source_parse(ts, &src))
		return bad(err, len, "ptpd_tstamp", ts, "(sys, phc, nic or sim)");
	d->ptpd.margin_ns = vmclock_bound_asym_default(src);
	if ((config_get_string(cfg, NULL, "ptpd_asymmetry") &&
	     (e = get_ns(cfg, "ptpd_asymmetry", &d->ptpd.margin_ns, err, len))) ||
	    (e = get_rate(cfg, "ptpd_freq_floor", &d->ptpd.freq_floor, err, len)) ||
	    (e = get_rate(cfg, "ptpd_freq_maxerror", &d->ptpd.freq_locked, err, len)))
		return e;
	return 0;
}
