// SPDX-License-Identifier: MIT
/* vmclockd: sample the host clock against the TSC, publish each VM's page. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
	struct tsc_pair p;
	int err = tsc_pair_read(read_clock, d->clock, 5, &p);
	d->samples++;
	if (err) {
		d->sample_errors++;
		return err;
	}
	if (tsc_rate_add(&d->rate, &p))
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
	int err = tsc_rate_get(&d->rate, &npt, &rel);
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

int vmclockd_publish_vm(struct vmclockd *d, struct vmclockd_vm *vm,
                        const struct vmclock_stop_record *rec)
{
	struct vmclock_host h;
	struct vmclock_abi page;
	int err = vmclockd_host(d, d->last_raw_ns, &h);
	if (err)
		return err;
	vm->pub.gen_present = d->gen_present;
	vmclock_write_begin(vm->map.abi);
	uint64_t anchor = vmclock_rdtsc(); /* after the odd count: see policy.h (SLEW) */
	if (rec)
		err = vmclock_pub_migrate_in(&vm->pub, rec, &h, anchor, &page);
	else
		err = vmclock_pub_update(&vm->pub, &h, anchor, &page);
	if (!err)
		vmclock_write_fields(vm->map.abi, &page);
	vmclock_write_end(vm->map.abi);
	if (err)
		pr_err("vmclockd: %s: publish failed: %s", vm->name, strerror(-err));
	return err;
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

struct vmclockd_vm *vmclockd_vm_add(struct vmclockd *d, const char *name,
                                    enum vmclock_policy policy, int *err)
{
	struct vmclockd_vm *vm = NULL;
	*err = 0;
	if (strlen(name) >= VMCLOCKD_NAMELEN) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
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
	memset(vm, 0, sizeof(*vm));
	vm->map.fd = -1;
	*err = vmclock_page_path(name, vm->path, sizeof(vm->path));
	if (!*err)
		*err = vmclock_page_create(vm->path, &vm->map);
	if (*err)
		return NULL;
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vmclock_pub_init(&vm->pub, policy, d->slew_max, d->interval_s);
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
