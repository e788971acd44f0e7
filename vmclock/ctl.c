// SPDX-License-Identifier: MIT
/* vmclockd control commands: one text line in, one line out (protocol: vmclock/README.md). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsync/cli.h"
#include "tsync/kv.h"
#include "tsync/time.h"
#include "vmclockd.h"

#define MAX_ARGS 16

int vmclockd_parse_ns(const char *s, uint64_t *ns)
{
	tmv_t t;
	if (!s || tmv_parse(s, &t) || t < 0)
		return -EINVAL;
	*ns = (uint64_t)t;
	return 0;
}

int vmclockd_parse_rate(const char *s, double *frac)
{
	char *end;
	if (!s)
		return -EINVAL;
	double v = strtod(s, &end);
	if (end == s || !(v >= 0) || !isfinite(v))
		return -EINVAL;
	if (strcmp(end, "ppm") == 0)
		v *= 1e-6;
	else if (strcmp(end, "ppb") == 0)
		v *= 1e-9;
	else if (*end)
		return -EINVAL;
	if (v >= 0.5)
		return -EINVAL;
	*frac = v;
	return 0;
}

static const char *const state_names[] = {"unknown", "initializing", "synchronized", "freerunning",
                                          "unreliable"};

int vmclockd_parse_state(const char *s, uint8_t *status)
{
	for (unsigned i = 0; i < 5; i++)
		if (s && strcmp(s, state_names[i]) == 0) {
			*status = (uint8_t)i;
			return 0;
		}
	return -EINVAL;
}

const char *vmclockd_state_name(uint8_t status)
{
	return status < 5 ? state_names[status] : "?";
}

/* value of key=... among args (NULL when absent) */
static const char *arg(char **argv, int argc, const char *key)
{
	size_t kl = strlen(key);
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], key, kl) == 0 && argv[i][kl] == '=')
			return argv[i] + kl + 1;
	return NULL;
}

const char *vmclockd_arg(char **argv, int argc, const char *key)
{
	return arg(argv, argc, key);
}

static int64_t raw_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmd_estimate(struct vmclockd *d, char **argv, int argc, char *reply, unsigned len)
{
	struct vmclockd_estimate e = d->est;
	const char *v;
	int err = 0;
	if ((v = arg(argv, argc, "maxerror")))
		err |= vmclockd_parse_ns(v, &e.maxerror_ns);
	if ((v = arg(argv, argc, "esterror")))
		err |= vmclockd_parse_ns(v, &e.esterror_ns);
	if ((v = arg(argv, argc, "freq-maxerror")))
		err |= vmclockd_parse_rate(v, &e.freq_maxerror);
	if ((v = arg(argv, argc, "freq-esterror")))
		err |= vmclockd_parse_rate(v, &e.freq_esterror);
	if ((v = arg(argv, argc, "state")))
		err |= vmclockd_parse_state(v, &e.status);
	if ((v = arg(argv, argc, "tai-offset"))) {
		/* given as TAI - UTC (37), stored as UTC - TAI; a whole integer, |t| < 2^15 */
		char *end;
		errno = 0;
		long t = strtol(v, &end, 10);
		if (end == v || *end || errno || t < -32767 || t > 32767)
			err |= -EINVAL;
		e.tai_valid = t != 0;
		e.tai_offset_sec = (int16_t)-t;
		d->tai_kernel = false; /* the caller's word from now on */
	}
	if (err) {
		snprintf(reply, len, "err bad estimate value");
		return -EINVAL;
	}
	/* "static=1": the bound holds at all times; by default it ages at freq-maxerror */
	v = arg(argv, argc, "static");
	e.grows = !(v && strcmp(v, "1") == 0);
	e.at_raw_ns = raw_now();
	d->est = e;
	d->rate.max_rate_err = e.freq_maxerror;
	snprintf(reply, len, "ok state=%s maxerror_ns=%" PRIu64, vmclockd_state_name(e.status),
	         e.maxerror_ns);
	return 0;
}

static int vm_reply(struct vmclockd_vm *vm, char *reply, unsigned len)
{
	struct vmclock_pub *p = &vm->pub;
	struct kv_out o;
	kv_out_init(&o, reply, len, "ok");
	kv_put_str(&o, "vm", vm->name);
	kv_put_str(&o, "page", vm->path);
	kv_put_str(&o, "policy", vmclock_policy_name(p->policy));
	kv_put_ull(&o, "marker", p->disruption_marker);
	kv_put_ll(&o, "tsc_offset", (long long)vm->tsc_offset);
	kv_put_ll(&o, "offset_ns",
	          p->policy == VMCLOCK_POLICY_FREEZE ? p->offset_ns : p->slew_offset_ns);
	kv_put_f(&o, "slew_ppm", p->slew * 1e6, 3);
	kv_put_f(&o, "remaining_s", vmclock_pub_slew_remaining_s(p), 3);
	kv_put_ull(&o, "maxerror_ns", p->prev.time_maxerror_nanosec);
	kv_put_ull(&o, "updates", p->updates);
	int n = kv_out_end(&o);
	if (n < 0) /* a page path a reader could not take back (a space in page_dir) */
		snprintf(reply, len, "err %s: page path or reply not writable as key=value: %s",
		         vm->name, strerror(-n));
	return n < 0 ? n : 0;
}

/* A refused vm-add / migrate-in: say why in words an operator can act on. */
static int add_error(const struct vmclockd *d, const char *verb, const char *name, int err,
                     char *reply, unsigned len)
{
	if (err == -EINVAL)
		snprintf(reply, len,
		         "err %s: bad VM name (1-%d of [A-Za-z0-9._-], no leading dot, no '/')",
		         verb, VMCLOCK_NAME_MAX);
	else if (err == -EEXIST && vmclockd_vm_find((struct vmclockd *)d, name))
		snprintf(reply, len, "err %s %s: already published", verb, name);
	else if (err == -EEXIST)
		snprintf(reply, len,
		         "err %s %s: %s/" VMCLOCK_PAGE_PREFIX "%s exists and is not one of our "
		         "pages (left untouched)",
		         verb, name, d->page_dir ? d->page_dir : vmclock_page_dir(), name);
	else if (err == -EBUSY)
		snprintf(reply, len, "err %s %s: its page is in use by another vmclockd", verb,
		         name);
	else
		snprintf(reply, len, "err %s %s: %s", verb, name, strerror(-err));
	return err;
}

/* argv[0..argc) joined by single spaces into buf (size bytes). 0, or -E2BIG when it does not
 * fit (the client's line is refused, never cut: a cut record would be a different record). */
static int join_args(char **argv, int argc, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (used + n + 2 > size)
			return -E2BIG;
		memcpy(buf + used, argv[i], n);
		used += n;
		buf[used++] = ' ';
		buf[used] = 0;
	}
	return 0;
}

/* A whole decimal unsigned 64-bit number. 0 or -EINVAL. */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno == ERANGE)
		return -EINVAL;
	*out = v;
	return 0;
}

static int cmd_vm(struct vmclockd *d, const char *verb, char **argv, int argc, char *reply,
                  unsigned len)
{
	if (argc < 2 || strchr(argv[1], '=')) {
		snprintf(reply, len, "err %s needs a VM name", verb);
		return -EINVAL;
	}
	enum vmclock_policy pol = d->default_policy;
	const char *pv = arg(argv, argc, "policy");
	if (pv && vmclock_policy_parse(pv, &pol)) {
		snprintf(reply, len, "err unknown policy '%s' (step, slew, freeze)", pv);
		return -EINVAL;
	}
	int err = 0;
	struct vmclockd_vm *vm = vmclockd_vm_find(d, argv[1]);
	if (strcmp(verb, "vm-add") == 0) {
		vm = vmclockd_vm_add(d, argv[1], pol, &err);
		if (!vm)
			return add_error(d, verb, argv[1], err, reply, len);
		return vm_reply(vm, reply, len);
	}
	/* migrate-in NAME [policy=P] <stop record fields>: parsed before NAME is added, so a
	 * bad command leaves no page behind */
	struct vmclock_stop_record rec;
	uint64_t tsc_off = 0; /* the guest's counter = this host's TSC + tsc_off */
	if (strcmp(verb, "migrate-in") == 0) {
		char joined[512];
		if (join_args(argv + 2, argc - 2, joined, sizeof(joined))) {
			snprintf(reply, len, "err migrate-in: stop record longer than %zu bytes",
			         sizeof(joined) - 1);
			return -E2BIG;
		}
		if (vmclock_stop_record_parse(joined, &rec)) {
			snprintf(
			        reply, len,
			        "err migrate-in needs counter= time_ns= maxerror_ns= marker= gen=");
			return -EINVAL;
		}
		const char *tv = arg(argv, argc, "tsc_offset");
		if (tv && tsc_offset_parse(tv, &tsc_off)) {
			snprintf(reply, len, "err migrate-in: bad tsc_offset '%s' (signed ticks)",
			         tv);
			return -EINVAL;
		}
	}
	if (!vm && strcmp(verb, "migrate-in") == 0) {
		/* the destination usually learns of the VM with its first page */
		vm = vmclockd_vm_add(d, argv[1], pol, &err);
		if (!vm)
			return add_error(d, verb, argv[1], err, reply, len);
	}
	if (!vm) {
		snprintf(reply, len, "err no VM '%s'", argv[1]);
		return -ENOENT;
	}
	if (strcmp(verb, "vm-del") == 0) {
		vmclockd_vm_del(d, vm);
		snprintf(reply, len, "ok");
		return 0;
	}
	if (strcmp(verb, "status") == 0)
		return vm_reply(vm, reply, len);
	if (strcmp(verb, "stop") == 0) {
		/* what the source records: the page's time at counter (default: now) */
		struct vmclock_stop_record rec;
		uint64_t c;
		const char *cv = arg(argv, argc, "counter");
		c = tsc_host_now(d->tsc) + vm->tsc_offset; /* the guest's counter */
		if (cv && parse_u64(cv, &c)) {
			snprintf(reply, len, "err stop: bad value '%s' for counter (a TSC count)",
			         cv);
			return -EINVAL;
		}
		err = vmclockd_vm_stop_record(vm, c, &rec);
		if (err) {
			snprintf(reply, len, "err stop %s: %s", vm->name, strerror(-err));
			return err;
		}
		char buf[256];
		vmclock_stop_record_format(&rec, buf, sizeof(buf));
		snprintf(reply, len, "ok %s", buf);
		return 0;
	}
	vm->pub.policy = pol;
	vm->tsc_offset = tsc_off;
	vmclockd_ptpd_pull(d); /* the freshest estimate for the first page */
	err = vmclockd_sample(d);
	if (!err)
		err = vmclockd_publish_vm(d, vm, &rec);
	if (err) {
		snprintf(reply, len, "err migrate-in %s: %s", vm->name, strerror(-err));
		return err;
	}
	return vm_reply(vm, reply, len);
}

bool vmclockd_command_mutates(const char *line)
{
	char verb[16];
	size_t n = strspn(line, " \t");
	size_t k = strcspn(line + n, " \t\r\n");
	if (k == 0 || k >= sizeof(verb))
		return k != 0; /* an empty line changes nothing; an unknown long word is refused */
	memcpy(verb, line + n, k);
	verb[k] = 0;
	return strcmp(verb, "status") != 0 && strcmp(verb, "stop") != 0;
}

int vmclockd_command(struct vmclockd *d, const char *line, char *reply, unsigned len, bool *quit)
{
	char buf[1024], *argv[MAX_ARGS], *save = NULL;
	int argc = 0;
	if (strlen(line) >= sizeof(buf)) {
		snprintf(reply, len, "err command longer than %zu bytes", sizeof(buf) - 1);
		return -E2BIG;
	}
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc ==
		    MAX_ARGS) { /* refused whole: a dropped argument would change its meaning */
			snprintf(reply, len, "err more than %d words in a command", MAX_ARGS);
			return -E2BIG;
		}
		argv[argc++] = t;
	}
	if (argc == 0) {
		snprintf(reply, len, "err empty command");
		return -EINVAL;
	}
	const char *verb = argv[0];
	if (strcmp(verb, "estimate") == 0)
		return cmd_estimate(d, argv, argc, reply, len);
	if (strcmp(verb, "vm-add") == 0 || strcmp(verb, "vm-del") == 0 ||
	    strcmp(verb, "stop") == 0 || strcmp(verb, "migrate-in") == 0 ||
	    (strcmp(verb, "status") == 0 && argc > 1))
		return cmd_vm(d, verb, argv, argc, reply, len);
	if (strcmp(verb, "status") == 0) {
		unsigned n = 0;
		for (unsigned i = 0; i < VMCLOCKD_MAX_VMS; i++)
			n += d->vms[i].used;
		/* the bound's terms over the current window (ptpd-wl's last status) */
		struct vmclock_bound_terms t = {0};
		if (d->ptpd.path && d->ptpd.answered)
			vmclock_bound_eval(&d->ptpd.hist, &d->ptpd.last, d->ptpd.sigma,
			                   (double)d->ptpd.margin_ns, d->ptpd.freq_floor,
			                   d->ptpd.freq_locked, &t);
		int o = snprintf(
		        reply, len,
		        "ok state=%s maxerror_ns=%" PRIu64 " freq_maxerror_ppb=%.1f vms=%u "
		        "samples=%" PRIu64 " rate_resets=%u ptpd_est_ns=%.0f ptpd_pulls=%" PRIu64
		        " ptpd_errors=%" PRIu64 " mig_bursts=%" PRIu64 " mig_burst_errors=%" PRIu64,
		        vmclockd_state_name(d->est.status), d->est.maxerror_ns,
		        d->est.freq_maxerror * 1e9, n, d->samples, d->rate.resets,
		        d->ptpd.path ? d->ptpd.last.est_ns : -1.0, d->ptpd.pulls, d->ptpd.errors,
		        d->bursts, d->burst_errors);
		if (o > 0 && (size_t)o < len)
			snprintf(reply + o, len - (size_t)o,
			         " bound_asym_ns=%.0f bound_path_ns=%.0f bound_sigma_ns=%.0f "
			         "bound_spread_ns=%.0f bound_converge_ns=%.0f bound_trusted=%d",
			         t.asym_ns, t.path_ns, t.sigma_ns, t.spread_ns, t.converge_ns,
			         t.trusted);
		return 0;
	}
	if (strcmp(verb, "burst") == 0) {
		const char *v, *bad = NULL;
		double secs = 5, wait = 3;
		long ls = -6;
		/* quiet parsers (prog NULL): the client gets the error, not our stderr */
		if ((v = arg(argv, argc, "seconds")) &&
		    cli_double(NULL, "seconds", v, 1e-3, 600, &secs))
			bad = "seconds";
		else if ((v = arg(argv, argc, "wait")) && cli_double(NULL, "wait", v, 0, 60, &wait))
			bad = "wait";
		else if ((v = arg(argv, argc, "log_sync")) &&
		         cli_long(NULL, "log_sync", v, -7, 4, &ls))
			bad = "log_sync";
		if (bad) {
			snprintf(reply, len,
			         "err burst: bad value '%s' for %s (burst [seconds=S<=600] "
			         "[log_sync=-7..4] [wait=S<=60])",
			         v, bad);
			return -EINVAL;
		}
		return vmclockd_ptpd_burst(d, secs, (int)ls, wait, reply, len);
	}
	if (strcmp(verb, "migrating") == 0)
		return vmclockd_migrating(d, argv, argc, reply, len);
	if (strcmp(verb, "reset") == 0) {
		counter_rate_reset(&d->rate);
		int err = vmclockd_sample(d);
		snprintf(reply, len, err ? "err sample failed" : "ok rate baseline restarted");
		return err;
	}
	if (strcmp(verb, "quit") == 0) {
		*quit = true;
		snprintf(reply, len, "ok bye");
		return 0;
	}
	snprintf(reply, len, "err unknown command '%s'", verb);
	return -EINVAL;
}
