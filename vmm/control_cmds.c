// SPDX-License-Identifier: MIT
/* tsvmm control commands: the table behind the control socket (see control_cmds.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "control_cmds.h"
#include "devices/vmclock_dev.h"
#include "memstats.h"
#include "migrate/migrate.h"
#include "report.h"
#include "tsync/vmclock.h"
#include "uapi/tsvmm-report.h"
#include "devices/device.h"
#include "vcpu.h"
#include "vm.h"
#include "vmm.h"

#define DIRTY_SAMPLE_MAX_MS 10000

static const char *phase_name(int p)
{
	static const char *const names[] = {"boot", "fill", "run", "done"};
	return p >= 0 && p < 4 ? names[p] : "?";
}

static int cmd_capabilities(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	(void)ctx;
	(void)req;
	snprintf(ret, len, "{}");
	return 0;
}

static int cmd_query_status(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	struct vmm *m = ((struct vmm_ctl *)ctx)->vmm;
	(void)req;
	report_drain(vmm_report(m));
	const struct report_stats *s = report_stats(vmm_report(m));
	enum vmm_state st = vmm_get_state(m);
	char msg[300];
	json_quote(msg, sizeof(msg), vmm_stop_message(m));
	snprintf(ret, len,
	         "{\"status\": \"%s\", \"running\": %s, \"singlestep\": false, "
	         "\"last_pause_ns\": %llu, \"total_pause_ns\": %llu, \"stop_reason\": %s, "
	         "\"guest\": {\"phase\": \"%s\", \"max_gap_ns\": %llu, \"last_gap_ns\": %llu, "
	         "\"samples\": %llu, \"gaps\": %llu, \"dirtied\": %llu, \"dropped\": %llu, "
	         "\"fill_pages\": %llu, \"fill_ns\": %llu, \"vmclock\": %llu, "
	         "\"io_written_blocks\": %llu, \"io_read_blocks\": %llu, \"io_failed\": %llu}}",
	         vmm_state_name(st), st == VMM_RUNNING ? "true" : "false",
	         (unsigned long long)vmm_last_pause_ns(m),
	         (unsigned long long)vmm_total_pause_ns(m), msg, phase_name(s->phase),
	         (unsigned long long)s->max_gap_ns, (unsigned long long)s->last_gap_ns,
	         (unsigned long long)s->samples, (unsigned long long)s->gaps,
	         (unsigned long long)s->dirtied, (unsigned long long)s->dropped,
	         (unsigned long long)s->fill_pages, (unsigned long long)s->fill_ns,
	         (unsigned long long)s->vmclock, (unsigned long long)s->io_written,
	         (unsigned long long)s->io_read, (unsigned long long)s->io_failed);
	return 0;
}

static int cmd_stop(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	(void)req;
	int err = vmm_pause(((struct vmm_ctl *)ctx)->vmm);
	if (err)
		snprintf(ret, len, "the guest is not running (%s)", strerror(-err));
	return err;
}

static int cmd_cont(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	(void)req;
	int err = vmm_resume(((struct vmm_ctl *)ctx)->vmm);
	if (err)
		snprintf(ret, len, "the guest cannot run (%s)", strerror(-err));
	return err;
}

static int cmd_quit(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	(void)req;
	((struct vmm_ctl *)ctx)->quit = true;
	snprintf(ret, len, "{}");
	return 0;
}

int vmm_memstats(struct vmm *m, struct memstats *st)
{
	uint64_t npages, gpa = vmm_fill_gpa(m, &npages);
	const char *disk = vmm_config(m)->disk_path;
	void *dmap = NULL;
	size_t dlen = 0;
	if (disk) {
		int fd = open(disk, O_RDONLY | O_CLOEXEC);
		struct stat sb;
		if (fd >= 0 && fstat(fd, &sb) == 0 && sb.st_size > 0) {
			dlen = (size_t)sb.st_size;
			dmap = mmap(NULL, dlen, PROT_READ, MAP_PRIVATE, fd, 0);
			if (dmap == MAP_FAILED)
				dmap = NULL;
		}
		if (fd >= 0)
			close(fd);
	}
	const void *mem = vm_gpa_to_hva(vmm_vm(m), gpa, npages * 4096);
	int err = mem ? memstats_count(mem, npages, dmap, dmap ? dlen : 0, st) : -EFAULT;
	if (dmap)
		munmap(dmap, dlen);
	return err;
}

static int cmd_memstats(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	struct memstats st;
	(void)req;
	int err = vmm_memstats(((struct vmm_ctl *)ctx)->vmm, &st);
	if (err) {
		snprintf(ret, len, "memory statistics failed: %s", strerror(-err));
		return err;
	}
	snprintf(ret, len,
	         "{\"pages\": %llu, \"zero\": %llu, \"dup\": %llu, \"disk\": %llu, "
	         "\"unique\": %llu, \"distinct\": %llu}",
	         (unsigned long long)st.pages, (unsigned long long)st.zero,
	         (unsigned long long)st.dup, (unsigned long long)st.disk,
	         (unsigned long long)st.unique, (unsigned long long)st.distinct);
	return 0;
}

static long count_range(const uint64_t *bm, uint64_t first, uint64_t n)
{
	long c = 0;
	for (uint64_t p = first; p < first + n; p++)
		c += (bm[p / 64] >> (p % 64)) & 1;
	return c;
}

static int cmd_dirty_sample(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	struct vmm *m = ((struct vmm_ctl *)ctx)->vmm;
	uint64_t ms = 500;
	if (req->args && json_get_u64(req->args, "ms", &ms) == -EINVAL) {
		snprintf(ret, len, "\"ms\" must be a non-negative integer");
		return -EINVAL;
	}
	if (ms > DIRTY_SAMPLE_MAX_MS) {
		snprintf(ret, len, "\"ms\" must be at most %d", DIRTY_SAMPLE_MAX_MS);
		return -EINVAL;
	}
	struct vm *vm = vmm_vm(m);
	if (vm_dirty_log_active(vm)) { /* a fetch here would steal a migration's dirty pages */
		snprintf(ret, len, "dirty logging is in use (migration?)");
		return -EBUSY;
	}
	uint64_t *bm = malloc(vm_dirty_bitmap_words(vm) * sizeof(*bm));
	int err = bm ? vm_dirty_log_start(vm) : -ENOMEM;
	long n = err ? err : vm_dirty_log_fetch(vm, bm); /* forget what came before */
	if (n >= 0) {
		struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
		                      .tv_nsec = (long)(ms % 1000) * 1000000};
		nanosleep(&ts, NULL);
		n = vm_dirty_log_fetch(vm, bm);
		vm_dirty_log_stop(vm); /* write protection costs the guest a fault per page */
	}
	if (n < 0) {
		snprintf(ret, len, "dirty log failed: %s", strerror((int)-n));
		free(bm);
		return (int)n;
	}
	uint64_t wss, wgpa = vmm_wss_gpa(m, &wss);
	long in_ws = count_range(bm, wgpa / 4096, wss);
	snprintf(ret, len,
	         "{\"ms\": %llu, \"pages\": %ld, \"wss_pages\": %ld, \"other_pages\": %ld, "
	         "\"manual_protect\": %s}",
	         (unsigned long long)ms, n, in_ws, n - in_ws,
	         vm_dirty_log_manual(vm) ? "true" : "false");
	free(bm);
	return 0;
}

/* The control socket names a page: only a real vmclock page directly in the page directory
 * (vmclock_page_open_in_dir: no path outside it, no symlink, no other file) is mapped. */
static int cmd_vmclock_map(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	char path[512];
	bool by_name = false;
	if (req->args && json_get_string(req->args, "path", path, sizeof(path)) &&
	    json_get_string(req->args, "vm", path, sizeof(path)) == 0)
		by_name = true;
	else if (!req->args || json_get_string(req->args, "path", path, sizeof(path))) {
		snprintf(ret, len, "x-vmclock-map needs {\"path\": FILE} or {\"vm\": NAME}");
		return -EINVAL;
	}
	const char *dir = vmclock_page_dir(), *why = NULL;
	int fd = by_name && vmclock_name_check(path) ? -EINVAL
	                                             : vmclock_page_open_in_dir(dir, path, &why);
	if (fd == -EINVAL && !why)
		why = "bad VM name";
	int err = fd < 0 ? fd : vmclock_dev_map_fd(vmm_devices(((struct vmm_ctl *)ctx)->vmm), fd);
	if (fd >= 0)
		close(fd);
	if (err)
		snprintf(ret, len, "%s: refused: %s (only vmclock pages in %s are mapped)", path,
		         why ? why : strerror(-err), dir);
	return err;
}

/* Debug: on a paused VM, read the vCPU state, write it back (keeping the TSC), read it again
 * and compare; save/load the devices; read the KVM clock. Proves the migration interfaces
 * work on this KVM. */
static int cmd_state_roundtrip(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	struct vmm *m = ((struct vmm_ctl *)ctx)->vmm;
	if (vmm_get_state(m) != VMM_PAUSED) {
		snprintf(ret, len, "stop the VM first");
		return -EBUSY;
	}
	struct vcpu_state *a = calloc(2, sizeof(*a));
	struct kvm_clock_data clk;
	uint8_t *dev = NULL;
	size_t devlen = 0;
	const char *what = "vcpu_state_get";
	int err = a ? vcpu_state_get(vmm_vcpu(m), &a[0]) : -ENOMEM;
	if (err)
		goto out;
	what = "vcpu_state_set";
	int keep = 1;
	if (req->args)
		json_get_bool(req->args, "keep_tsc", &keep);
	if ((err = vcpu_state_set(vmm_vcpu(m), &a[0], keep ? VCPU_STATE_KEEP_TSC : 0)))
		goto out;
	what = "vcpu_state_get (again)";
	if ((err = vcpu_state_get(vmm_vcpu(m), &a[1])))
		goto out;
	what = "devices_save";
	if ((err = devices_save(vmm_devices(m), &dev, &devlen)))
		goto out;
	what = "devices_load";
	if ((err = devices_load(vmm_devices(m), dev, devlen)))
		goto out;
	what = "KVM_GET_CLOCK";
	err = vm_clock_get(vmm_vm(m), &clk);
out:
	if (err) {
		snprintf(ret, len, "%s failed: %s", what, strerror(-err));
	} else {
		bool same = !memcmp(&a[0].regs, &a[1].regs, sizeof(a[0].regs)) &&
		            !memcmp(&a[0].sregs, &a[1].sregs, sizeof(a[0].sregs));
		snprintf(ret, len,
		         "{\"regs_sregs_equal\": %s, \"rip\": %llu, \"msrs\": %u, \"xsave\": %s, "
		         "\"xcrs\": %s, \"device_state_bytes\": %zu, \"kvmclock_ns\": %llu}",
		         same ? "true" : "false", (unsigned long long)a[0].regs.rip, a[0].nmsrs,
		         a[0].flags & VCPU_STATE_HAS_XSAVE ? "true" : "false",
		         a[0].flags & VCPU_STATE_HAS_XCRS ? "true" : "false", devlen,
		         (unsigned long long)clk.clock);
	}
	free(dev);
	free(a);
	return err;
}

static const struct control_cmd cmds[] = {
        {"qmp_capabilities", cmd_capabilities},
        {"query-status", cmd_query_status},
        {"stop", cmd_stop},
        {"cont", cmd_cont},
        {"quit", cmd_quit},
        {"query-memory-stats", cmd_memstats},
        {"x-dirty-log-sample", cmd_dirty_sample},
        {"x-vmclock-map", cmd_vmclock_map},
        {"x-state-roundtrip", cmd_state_roundtrip},
        {"migrate", migrate_cmd_migrate},
        {"migrate-set-parameters", migrate_cmd_set_params},
        {"query-migrate", migrate_cmd_query},
        {"migrate_cancel", migrate_cmd_cancel},
        {"x-memory-checksum", migrate_cmd_checksum},
};

const struct control_cmd *vmm_control_cmds(size_t *n)
{
	*n = sizeof(cmds) / sizeof(cmds[0]);
	return cmds;
}
