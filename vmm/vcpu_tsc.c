// SPDX-License-Identifier: MIT
/* tsvmm: the guest's TSC across hosts (see vcpu_tsc.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "tsync/log.h"
#include "tsync/vmclock.h"
#include "uapi/tsvmm-boot.h"
#include "report.h"
#include "vcpu_private.h"
#include "vcpu_tsc.h"
#include "vm.h"
#include "vmm_private.h"

#define MSR_IA32_TSC        0x10
#define MSR_IA32_TSC_ADJUST 0x3b
/* a probe's offset: far beyond any read-back noise, undone at once */
#define PROBE_TICKS 1000000000000LL

/* ---- KVM probe ---- */

static int msr_get(struct vcpu *v, uint32_t idx, uint64_t *val)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} b = {.h.nmsrs = 1, .e.index = idx};
	if (ioctl(v->fd, KVM_GET_MSRS, &b) != 1)
		return -EIO;
	*val = b.e.data;
	return 0;
}

static int msr_set(struct vcpu *v, uint32_t idx, uint64_t val)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} b = {.h.nmsrs = 1, .e = {.index = idx, .data = val}};
	return ioctl(v->fd, KVM_SET_MSRS, &b) == 1 ? 0 : -EIO;
}

static int attr_get(struct vcpu *v, uint64_t *off)
{
	struct kvm_device_attr a = {.group = KVM_VCPU_TSC_CTRL,
	                            .attr = KVM_VCPU_TSC_OFFSET,
	                            .addr = (uint64_t)(uintptr_t)off};
	return ioctl(v->fd, KVM_GET_DEVICE_ATTR, &a) == 0 ? 0 : -errno;
}

static int attr_set(struct vcpu *v, uint64_t off)
{
	struct kvm_device_attr a = {.group = KVM_VCPU_TSC_CTRL,
	                            .attr = KVM_VCPU_TSC_OFFSET,
	                            .addr = (uint64_t)(uintptr_t)&off};
	return ioctl(v->fd, KVM_SET_DEVICE_ATTR, &a) == 0 ? 0 : -errno;
}

/* KVM's guest TSC minus the host's raw TSC, ticks */
static int64_t kvm_guest_minus_raw(struct vcpu *v)
{
	uint64_t g = 0;
	uint64_t a = vmclock_rdtsc();
	msr_get(v, MSR_IA32_TSC, &g);
	uint64_t b = vmclock_rdtsc();
	return (int64_t)(g - (a + (b - a) / 2));
}

/* the offset moved KVM's guest TSC by about PROBE_TICKS */
static bool moved(int64_t before, int64_t after)
{
	return llabs(after - before - PROBE_TICKS) < PROBE_TICKS / 1000;
}

int vcpu_tsc_probe(struct vcpu *v, struct vcpu_tsc_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->tsc_control = ioctl(v->fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_CONTROL) > 0 ||
	                 ioctl(vm_fd(v->vm), KVM_CHECK_EXTENSION, KVM_CAP_TSC_CONTROL) > 0;
	long khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
	if (khz <= 0)
		return -errno;
	c->set_khz = ioctl(v->fd, KVM_SET_TSC_KHZ, khz) == 0;
	uint64_t adj;
	c->msr_adjust = msr_get(v, MSR_IA32_TSC_ADJUST, &adj) == 0;

	struct kvm_device_attr a = {.group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET};
	c->offset_attr = ioctl(v->fd, KVM_HAS_DEVICE_ATTR, &a) == 0;
	uint64_t off0 = 0;
	if (c->offset_attr && attr_get(v, &off0) == 0) {
		int64_t before = kvm_guest_minus_raw(v);
		uint64_t off = off0 + (uint64_t)PROBE_TICKS, back = off0;
		c->offset_attr_set = attr_set(v, off) == 0;
		if (c->offset_attr_set) {
			c->offset_attr_kept = attr_get(v, &back) == 0 && back == off;
			c->offset_attr_works = moved(before, kvm_guest_minus_raw(v));
			attr_set(v, off0);
		}
	}
	uint64_t g0;
	if (msr_get(v, MSR_IA32_TSC, &g0) == 0) {
		int64_t before = kvm_guest_minus_raw(v);
		uint64_t raw = vmclock_rdtsc();
		if (msr_set(v, MSR_IA32_TSC, (uint64_t)(raw + before) + (uint64_t)PROBE_TICKS) ==
		    0) {
			c->msr_tsc_works = moved(before, kvm_guest_minus_raw(v));
			if (c->msr_tsc_works)
				msr_set(v, MSR_IA32_TSC, vmclock_rdtsc() + (uint64_t)before);
		}
	}
	return 0;
}

const char *vcpu_tsc_attr_word(const struct vcpu_tsc_caps *c)
{
	return !c->offset_attr         ? "absent"
	       : !c->offset_attr_set   ? "refused"
	       : !c->offset_attr_kept  ? "not kept"
	       : !c->offset_attr_works ? "not applied"
	                               : "applied";
}

void vcpu_tsc_describe(const struct vcpu_tsc_caps *c, bool via_kvm, char *buf, size_t len)
{
	snprintf(buf, len,
	         "KVM_CAP_TSC_CONTROL %s, KVM_SET_TSC_KHZ %s, KVM_VCPU_TSC_OFFSET %s%s, IA32_TSC "
	         "write %s, IA32_TSC_ADJUST %s: the guest's TSC is continued by %s; it runs at "
	         "this host's rate (%s)",
	         c->tsc_control ? "yes" : "no (no scaling)", c->set_khz ? "accepted" : "refused",
	         vcpu_tsc_attr_word(c),
	         c->offset_attr && c->offset_attr_set && !c->offset_attr_kept
	                 ? " (KVM_SET_DEVICE_ATTR returns 0, KVM_GET_DEVICE_ATTR reads back "
	                   "another value)"
	                 : "",
	         c->msr_tsc_works ? "applied" : "not applied",
	         c->msr_adjust ? "readable" : "absent",
	         via_kvm ? "KVM_VCPU_TSC_OFFSET (tsvmm's TSC block keeps this host's emulated "
	                   "transform and a remainder of at most a tick)"
	                 : "tsvmm's TSC block (the guest payload applies it to its rdtsc)",
	         c->tsc_control ? "scaling not used" : "no scaling");
}

/* ---- tsvmm glue ---- */

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* (raw TSC, CLOCK_REALTIME) read together: the narrowest of 3 */
static void pair_now(uint64_t *raw, uint64_t *rt)
{
	uint64_t win = UINT64_MAX;
	for (int i = 0; i < 3; i++) {
		uint64_t a = vmclock_rdtsc(), t = realtime_ns(), b = vmclock_rdtsc();
		if (b - a < win) {
			win = b - a;
			*raw = a + (b - a) / 2;
			*rt = t;
		}
	}
}

static int write_block(struct vmm *m)
{
	struct tsc_xform x = vcpu_tsc_guest_xform(&m->tsc);
	int r = vm_write(m->vm, TSVMM_BOOT_GPA + offsetof(struct tsvmm_boot_params, tsc_mult),
	                 &x.mult, sizeof(x.mult));
	if (!r)
		r = vm_write(m->vm, TSVMM_BOOT_GPA + offsetof(struct tsvmm_boot_params, tsc_add),
		             &x.offset, sizeof(x.offset));
	return r;
}

int vmm_tsc_setup(struct vmm *m, char *err, size_t errlen)
{
	struct vcpu_tsc *t = &m->tsc;
	memset(t, 0, sizeof(*t));
	if (m->cfg.tsc_transform && tsc_xform_parse(m->cfg.tsc_transform, &t->host, err, errlen)) {
		char why[200];
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "bad --tsc-transform: %s", why);
		return -EINVAL;
	}
	const char *via = m->cfg.tsc_via ? m->cfg.tsc_via : "auto";
	if (strcmp(via, "auto") && strcmp(via, "kvm") && strcmp(via, "block")) {
		snprintf(err, errlen, "bad --tsc-via '%s' (auto, kvm or block)", via);
		return -EINVAL;
	}
	t->host_khz = (uint64_t)llround((double)m->tsc_khz * (1 + tsc_xform_ppm(&t->host) * 1e-6));
	struct vcpu_tsc_caps *c = &m->tsc_caps;
	char line[640];
	if (vcpu_tsc_probe(m->vcpu, c) == 0) {
		/* auto: KVM's offset only where the probe saw it applied; kvm: forced (a test of
		 * what the guest then sees) */
		t->via_kvm = !strcmp(via, "kvm") || (!strcmp(via, "auto") && c->offset_attr_works);
		if (t->via_kvm && attr_set(m->vcpu, 0)) {
			pr_warn("tsc: --tsc-via %s: KVM_SET_DEVICE_ATTR(KVM_VCPU_TSC_OFFSET) "
			        "failed: "
			        "%s; the block only",
			        via, strerror(errno));
			t->via_kvm = false;
		}
		vcpu_tsc_describe(c, t->via_kvm, line, sizeof(line));
		pr_info("tsc: %s%s", line,
		        !strcmp(via, "kvm") && !c->offset_attr_works
		                ? " (--tsc-via kvm: forced, although the probe did not see it "
		                  "applied)"
		                : "");
	}
	if (!tsc_xform_is_identity(&t->host))
		pr_info("tsc: this host's TSC = raw x (1 %+.3f ppm) %+" PRId64
		        " ticks (--tsc-transform, emulated): %" PRIu64 " kHz",
		        tsc_xform_ppm(&t->host), (int64_t)t->host.offset, t->host_khz);
	return 0;
}

int vmm_tsc_json(const struct vmm *m, char *buf, size_t len)
{
	const struct vcpu_tsc *t = &m->tsc;
	return snprintf(buf, len,
	                "{\"via\": \"%s\", \"kvm-tsc-offset-attr\": \"%s\", \"resumed\": %s, "
	                "\"page-offset\": %" PRId64 ", \"kvm-offset\": %" PRId64
	                ", \"block-offset\": %" PRId64 ", \"host-khz\": %" PRIu64 "}",
	                t->via_kvm ? "kvm" : "block", vcpu_tsc_attr_word(&m->tsc_caps),
	                t->resumed ? "true" : "false",
	                (int64_t)vcpu_tsc_page_offset(t, vmclock_rdtsc()), (int64_t)t->kvm_offset,
	                (int64_t)t->offset, t->host_khz);
}

uint64_t vmm_guest_tsc(const struct vmm *m, uint64_t raw)
{
	return vcpu_tsc_guest(&m->tsc, raw);
}

uint64_t vmm_tsc_offset(const struct vmm *m)
{
	return vcpu_tsc_page_offset(&m->tsc, vmclock_rdtsc());
}

struct tsc_xform vmm_tsc_guest_xform(const struct vmm *m)
{
	return vcpu_tsc_guest_xform(&m->tsc);
}

void vmm_tsc_stop_record(const struct vmm *m, struct tsmig_tsc *rec)
{
	uint64_t raw, rt;
	pair_now(&raw, &rt);
	/* CLOCK_REALTIME at the park, from this pair and the machine's TSC rate */
	uint64_t back_ns = (uint64_t)((unsigned __int128)(raw - m->park_tsc) * 1000000 /
	                              (m->tsc_khz ? m->tsc_khz : 1));
	vcpu_tsc_stop_record(&m->tsc, m->park_tsc, rt - back_ns, rec);
}

int vmm_tsc_resume(struct vmm *m, const struct tsmig_tsc *rec)
{
	struct vcpu_tsc *t = &m->tsc;
	if (m->cfg.tsc_no_continuity)
		rec = NULL; /* a negative control: the guest reads this host's TSC as it is */
	if (rec) {
		uint64_t raw, rt;
		pair_now(&raw, &rt);
		int64_t down = (int64_t)(rt - rec->stop_realtime_ns);
		/* the guest's TSC now: at the stop + the downtime at this host's rate */
		uint64_t target = rec->guest_tsc + vcpu_tsc_resume_offset(0, down, t->host_khz, 0);
		t->resumed = true;
		const char *how = "tsvmm's TSC block";
		if (t->via_kvm) {
			vcpu_tsc_resume_kvm(t, target, raw);
			uint64_t back = 0;
			bool forced = m->cfg.tsc_via && !strcmp(m->cfg.tsc_via, "kvm");
			int r = attr_set(m->vcpu, t->kvm_offset);
			if (!r && (attr_get(m->vcpu, &back) || back != t->kvm_offset))
				pr_warn("tsc: KVM_VCPU_TSC_OFFSET %" PRId64
				        " set, read back %" PRId64 ": KVM did not keep it%s",
				        (int64_t)t->kvm_offset, (int64_t)back,
				        forced ? " (--tsc-via kvm: used as set; the guest's TSC "
				                 "shows "
				                 "whether KVM applies it)"
				               : "");
			if (r || (back != t->kvm_offset && !forced)) {
				pr_warn("tsc: KVM_VCPU_TSC_OFFSET not taken (%s): the block only",
				        r ? strerror(-r) : "not kept");
				t->via_kvm = false;
				t->kvm_offset = 0;
				attr_set(m->vcpu, 0);
			} else {
				how = "KVM_VCPU_TSC_OFFSET";
			}
		}
		if (!t->via_kvm)
			t->offset = vcpu_tsc_resume_offset(rec->guest_tsc, down, t->host_khz,
			                                   vcpu_tsc_host(t, raw));
		pr_info("tsc: guest TSC continued: %" PRIu64 " at the stop on a host at %" PRIu64
		        " kHz (%+.3f ppm, offset %" PRId64 "), + %.3f ms downtime at this host's "
		        "%" PRIu64 " kHz: offset guest - host = %" PRId64 " ticks, through %s "
		        "(KVM offset %" PRId64 " ticks, block %" PRId64 ")",
		        rec->guest_tsc, rec->host_khz, rec->host_ppb / 1e3,
		        (int64_t)rec->guest_offset, down / 1e6, t->host_khz,
		        (int64_t)vcpu_tsc_page_offset(t, raw), how, (int64_t)t->kvm_offset,
		        (int64_t)t->offset);
		if (m->report)
			report_tsc_kvm_offset(m->report, t->kvm_offset);
	} else {
		t->offset = 0;
		pr_info("tsc: %s: the guest reads this host's TSC as it is",
		        m->cfg.tsc_no_continuity ? "--tsc-no-continuity" : "no TSC record");
	}
	int r = write_block(m);
	if (r)
		pr_err("tsc: cannot write the guest's TSC block: %s", strerror(-r));
	return r;
}
