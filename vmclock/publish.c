// SPDX-License-Identifier: MIT
/* vmclockd: sample the host clock against the TSC, publish each VM's page. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tsync/clock.h"
#include "tsync/log.h"
#include "vmclockd.h"

static int read_clock(void *ctx, int64_t *ns)
{
	tmv_t t;
	int err = tclock_gettime(ctx, &t);
	*ns = t;
	return err;
}

static int64_t raw_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int vmclockd_sample(struct vmclockd *d)
{
	struct counter_pair p;
	const struct counter_clock clk = {.read = read_clock, .ctx = d->clock};
	int err = d->tsc ? counter_pair_read(d->tsc, &clk, 5, &p) : -ENODEV;
	d->samples++;
	if (err) {
		d->sample_errors++;
		return err;
	}
	if (counter_rate_add(&d->rate, &p))
		pr_notice("vmclockd: host clock rate changed beyond its bound (a step?): rate "
		          "baseline restarted");
	d->last_pair = p;
	d->last_raw_ns = raw_now();
	d->have_pair = true;
	return 0;
}

int vmclockd_host(const struct vmclockd *d, int64_t now_raw_ns, struct vmclock_host *h)
{
	double npt, rel;
	if (!d->have_pair)
		return -EAGAIN;
	int err = counter_rate_get(&d->rate, &npt, &rel);
	if (err)
		return err;
	const struct vmclockd_estimate *e = &d->est;
	double growth = 0;
	if (e->grows && now_raw_ns > e->at_raw_ns)
		growth = e->freq_maxerror * (double)(now_raw_ns - e->at_raw_ns);
	/* the clock read happened within half a pairing window of the midpoint counter */
	double half_win = (double)d->last_pair.window_ticks * npt * (1 + 1e-3) / 2;
	memset(h, 0, sizeof(*h));
	h->counter = d->last_pair.counter;
	h->time_ns = d->last_pair.time_ns;
	h->maxerror_ns = e->maxerror_ns + (uint64_t)ceil(growth + half_win) + 1;
	h->esterror_ns = e->esterror_ns + (uint64_t)ceil(half_win / 2);
	h->ns_per_tick = npt;
	h->rate_maxerror = e->freq_maxerror + rel + e->freq_maxerror * rel;
	h->rate_esterror = e->freq_esterror + rel;
	h->status = e->status;
	h->tai_valid = e->tai_valid;
	h->tai_offset_sec = e->tai_offset_sec;
	h->leap = e->leap;
	return 0;
}

/*
 * Another process may truncate a page file (whoever may write it: root, or our uid). Our
 * MAP_SHARED write past the new end of the file would raise SIGBUS and kill the daemon, so:
 * before each write the size is checked (fstat) and a short file gets its page back; the
 * window between that check and the write is guarded (SIGBUS jumps back here, the page is
 * repaired, the update reports -EBADMSG and the next one publishes). Readers meanwhile see no
 * page (their own mapping SIGBUSes, or zeros: not a vmclock page), then a page whose
 * disruption_marker moved on.
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

void vmclockd_guard_install(void)
{
	struct sigaction sa = {.sa_handler = on_sigbus};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

static void repair(struct vmclockd_vm *vm)
{
	pr_err("vmclockd: %s: page file %s was truncated by another process: restored", vm->name,
	       vm->path);
	if (ftruncate(vm->map.fd, VMCLOCK_PAGE_SIZE)) {
		pr_err("vmclockd: %s: cannot restore the page: %s", vm->name, strerror(errno));
		return;
	}
	/* the file is all zeros again: put the page back with seq_count past the last one we
	 * wrote (it never falls back) and no time until the next update (INITIALIZING) */
	struct vmclock_abi init;
	vmclock_page_init(&init, VMCLOCK_PAGE_SIZE, VMCLOCK_COUNTER_X86_TSC, VMCLOCK_TIME_UTC);
	init.seq_count = (vm->seq | 1) + 1;
	memcpy(vm->map.abi, &init, sizeof(init));
	vm->pub.disruption_marker++; /* the guest saw no page for a while */
}

static void check_size(struct vmclockd_vm *vm)
{
	struct stat st;
	if (fstat(vm->map.fd, &st) == 0 && st.st_size < VMCLOCK_PAGE_SIZE)
		repair(vm);
}

struct write_args {
	struct vmclockd *d;
	struct vmclockd_vm *vm;
	const struct vmclock_stop_record *rec;
	uint64_t counter;
	struct vmclock_stop_record *out;
};

/* fn(a) with the page's size checked first and SIGBUS guarded (the daemon is one thread). */
static int guarded(int (*fn)(struct write_args *), struct write_args *a)
{
	check_size(a->vm);
	bus_armed = 1;
	if (sigsetjmp(bus_env, 1)) {
		bus_armed = 0;
		repair(a->vm);
		return -EBADMSG;
	}
	int err = fn(a);
	bus_armed = 0;
	return err;
}

static int publish_one(struct write_args *a)
{
	struct vmclockd *d = a->d;
	struct vmclockd_vm *vm = a->vm;
	struct vmclock_host h;
	struct vmclock_abi page;
	int err = vmclockd_host(d, d->last_raw_ns, &h);
	if (err)
		return err;
	vm->pub.gen_present = d->gen_present;
	if (!a->rec)
		vm->pub.disruption_flags = vmclockd_mig_flags(d, vm->name);
	vmclock_write_begin(vm->map.abi);
	/* after the odd count: see policy.h (SLEW); in the guest's counter (tsc_offset) */
	uint64_t anchor = tsc_host_now(d->tsc) + vm->tsc_offset;
	h.counter += vm->tsc_offset;
	if (a->rec)
		err = vmclock_pub_migrate_in(&vm->pub, a->rec, &h, anchor, &page);
	else
		err = vmclock_pub_update(&vm->pub, &h, anchor, &page);
	if (!err) {
		vmclock_write_fields(vm->map.abi, &page);
		tsc_page_offset_store(vm->map.abi, vm->tsc_offset); /* for a restart (tsc.h) */
	}
	vmclock_write_end(vm->map.abi);
	vm->seq = vm->map.abi->seq_count;
	return err;
}

int vmclockd_publish_vm(struct vmclockd *d, struct vmclockd_vm *vm,
                        const struct vmclock_stop_record *rec)
{
	struct write_args a = {.d = d, .vm = vm, .rec = rec};
	int err = guarded(publish_one, &a);
	if (err)
		pr_err("vmclockd: %s: publish failed: %s", vm->name, strerror(-err));
	return err;
}

static int stop_one(struct write_args *a)
{
	return vmclock_stop_record(a->vm->map.abi, a->counter, a->out);
}

int vmclockd_vm_stop_record(struct vmclockd_vm *vm, uint64_t counter,
                            struct vmclock_stop_record *rec)
{
	struct write_args a = {.vm = vm, .counter = counter, .out = rec};
	return guarded(stop_one, &a);
}

int vmclockd_publish_all(struct vmclockd *d)
{
	int first = 0;
	for (unsigned i = 0; i < VMCLOCKD_MAX_VMS; i++) {
		if (!d->vms[i].used)
			continue;
		int err = vmclockd_publish_vm(d, &d->vms[i], NULL);
		if (err && !first)
			first = err;
	}
	return first;
}

struct vmclockd_vm *vmclockd_vm_find(struct vmclockd *d, const char *name)
{
	for (unsigned i = 0; i < VMCLOCKD_MAX_VMS; i++)
		if (d->vms[i].used && strcmp(d->vms[i].name, name) == 0)
			return &d->vms[i];
	return NULL;
}

static int open_dir(struct vmclockd *d)
{
	if (d->dir_open)
		return 0;
	if (!d->page_dir)
		d->page_dir = vmclock_page_dir();
	d->dirfd = open(d->page_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0)
		return -errno;
	d->dir_open = true;
	return 0;
}

/* SLEW on a page taken over: continue from the page the guest reads (its time at the next
 * anchor is where ours starts, then the slew steers to the host), so a restart neither
 * steps guest time nor breaks TIME_MONOTONIC. Not for a page without a time (INITIALIZING,
 * zero period) or one whose seqlock never settles (a writer killed mid-update). */
static void take_over_slew(struct vmclockd_vm *vm)
{
	struct vmclock_abi old;
	if (vm->pub.policy != VMCLOCK_POLICY_SLEW ||
	    vmclock_snapshot(vm->map.abi, 1000, &old, NULL) ||
	    old.counter_id != VMCLOCK_COUNTER_X86_TSC || old.time_type != VMCLOCK_TIME_UTC ||
	    !old.counter_period_frac_sec || old.clock_status == VMCLOCK_STATUS_INITIALIZING ||
	    old.clock_status == VMCLOCK_STATUS_UNKNOWN)
		return;
	vm->pub.prev = old;
	vm->pub.have_prev = true;
}

struct vmclockd_vm *vmclockd_vm_add(struct vmclockd *d, const char *name,
                                    enum vmclock_policy policy, int *err)
{
	struct vmclockd_vm *vm = NULL;
	char file[VMCLOCKD_NAMELEN + sizeof(VMCLOCK_PAGE_PREFIX)];
	*err = vmclock_name_check(name);
	if (*err)
		return NULL;
	if (vmclockd_vm_find(d, name)) {
		*err = -EEXIST;
		return NULL;
	}
	for (unsigned i = 0; i < VMCLOCKD_MAX_VMS && !vm; i++)
		if (!d->vms[i].used)
			vm = &d->vms[i];
	if (!vm) {
		*err = -ENOSPC;
		return NULL;
	}
	if ((*err = open_dir(d)))
		return NULL;
	memset(vm, 0, sizeof(*vm));
	vm->map.fd = -1;
	snprintf(file, sizeof(file), VMCLOCK_PAGE_PREFIX "%s", name);
	int n = snprintf(vm->path, sizeof(vm->path), "%s/%s", d->page_dir, file);
	*err = n < 0 || (size_t)n >= sizeof(vm->path) ? -ENAMETOOLONG : 0;
	if (!*err)
		*err = vmclock_page_create_at(d->dirfd, file, &vm->map);
	if (*err)
		return NULL;
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vmclock_pub_init(&vm->pub, policy, d->slew_max, d->interval_s);
	vm->pub.anchor_back_ticks = vmclockd_anchor_back_ticks(d);
	if (vm->map.taken_over) {
		/* a restart (or vm-del + vm-add): the page a guest may still read carries the
		 * previous writer's marker; ours moves past it (the policy state is lost, so guest
		 * time may jump: that is a disruption), and seq_count continues from it */
		vm->seq = vm->map.abi->seq_count;
		vm->pub.disruption_marker = vmclockd_next_marker(
		        __atomic_load_n(&vm->map.abi->disruption_marker, __ATOMIC_RELAXED));
		vm->pub.vm_generation_counter = vm->map.abi->vm_generation_counter;
		tsc_page_offset_load(vm->map.abi, &vm->tsc_offset); /* the guest's counter */
		take_over_slew(vm);
	}
	vm->used = true;
	if (d->have_pair)
		vmclockd_publish_vm(d, vm, NULL);
	return vm;
}

void vmclockd_vm_del(struct vmclockd *d, struct vmclockd_vm *vm)
{
	(void)d;
	vmclock_page_close(&vm->map);
	vm->used = false;
}

uint64_t vmclockd_next_marker(uint64_t old)
{
	return old + 1 ? old + 1 : 1;
}

uint64_t vmclockd_anchor_back_ticks(const struct vmclockd *d)
{
	double npt = d->cal.ns_per_tick > 0 ? d->cal.ns_per_tick : d->rate.ns_per_tick;
	return npt > 0 ? (uint64_t)(VMCLOCKD_ANCHOR_BACK_NS / npt) : 0;
}
