// SPDX-License-Identifier: MIT
/* The AWS ClockBound shared-memory segment (v2) from a vmclock page (tsync/clockbound.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tsync/clockbound.h"

#define NSEC 1000000000LL

static struct clockbound_ts ts_add(struct clockbound_ts t, int64_t ns)
{
	int64_t v = t.tv_sec * NSEC + t.tv_nsec + ns;
	return (struct clockbound_ts){v / NSEC, v % NSEC};
}

static uint64_t uabs64(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

void clockbound_fill(const struct clockbound_sample *s, int64_t coarse_ns, int64_t valid_ns,
                     uint32_t drift_ppb, struct clockbound_shm *out)
{
	const struct vmclock_reading *r = &s->r;
	/* the page's time lies in [earliest, latest]; CLOCK_REALTIME was read somewhere in
	 * [rt_before, rt_after] around it: |realtime - true| <= the largest distance between
	 * the two intervals' ends */
	uint64_t bound = 0;
	int32_t status = CLOCKBOUND_UNKNOWN;
	if (r->bounded) {
		uint64_t a = uabs64(s->rt_after_ns - r->earliest_ns);
		uint64_t b = uabs64(r->latest_ns - s->rt_before_ns);
		bound = a > b ? a : b;
		if (r->clock_status == VMCLOCK_STATUS_SYNCHRONIZED)
			status = CLOCKBOUND_SYNCHRONIZED;
		else if (r->clock_status == VMCLOCK_STATUS_FREERUNNING)
			status = CLOCKBOUND_FREE_RUNNING;
	} else if (r->clock_status == VMCLOCK_STATUS_UNRELIABLE) {
		status = CLOCKBOUND_DISRUPTED;
	}
	out->as_of = ts_add(s->mono, -coarse_ns);
	out->void_after = ts_add(out->as_of, valid_ns);
	out->bound_ns = bound > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)bound;
	out->disruption_marker = r->disruption_marker;
	out->max_drift_ppb = drift_ppb;
	out->clock_status = status;
	out->disruption_support = 1;
	memset(out->pad, 0, sizeof(out->pad));
}

void clockbound_publish(volatile struct clockbound_shm *seg, const struct clockbound_shm *src)
{
	uint16_t g = __atomic_load_n(&seg->generation, __ATOMIC_RELAXED);
	uint16_t odd = (uint16_t)(g | 1);
	__atomic_store_n(&seg->generation, odd, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	seg->magic = CLOCKBOUND_MAGIC;
	seg->segment_size = CLOCKBOUND_SIZE;
	seg->version = CLOCKBOUND_VERSION;
	seg->as_of.tv_sec = src->as_of.tv_sec;
	seg->as_of.tv_nsec = src->as_of.tv_nsec;
	seg->void_after.tv_sec = src->void_after.tv_sec;
	seg->void_after.tv_nsec = src->void_after.tv_nsec;
	seg->bound_ns = src->bound_ns;
	seg->disruption_marker = src->disruption_marker;
	seg->max_drift_ppb = src->max_drift_ppb;
	seg->clock_status = src->clock_status;
	seg->disruption_support = src->disruption_support;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	uint16_t even = (uint16_t)(odd + 1);
	__atomic_store_n(&seg->generation, even ? even : 2, __ATOMIC_RELEASE);
}

int clockbound_open(const char *path, volatile struct clockbound_shm **seg, int *fd_out)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	struct stat st;
	int err = fstat(fd, &st) ? -errno : 0;
	if (!err && (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1))
		err = -EEXIST; /* not a file we may take over */
	/* never shrink a mapped segment (readers would fault): only grow a short one */
	if (!err && st.st_size < CLOCKBOUND_SIZE && ftruncate(fd, CLOCKBOUND_SIZE))
		err = -errno;
	void *p = err ? MAP_FAILED
	              : mmap(NULL, CLOCKBOUND_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!err && p == MAP_FAILED)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	*seg = p;
	*fd_out = fd;
	return 0;
}

void clockbound_close(volatile struct clockbound_shm *seg, int fd)
{
	if (seg)
		munmap((void *)seg, CLOCKBOUND_SIZE);
	if (fd >= 0)
		close(fd);
}
