/* SPDX-License-Identifier: MIT */
/*
 * chrony / ntpd SHM refclock writer (mode 1). See include/tsync/chrony.h for the API and
 * include/uapi/chrony-refclock.h for the segment layout and the reader's protocol.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "tsync/chrony.h"
#include "tsync/errors.h"
#include "tsync/ipc.h"

struct chrony_shm {
	int unit;
	int shmid;
	int lockfd;          /* abstract Unix socket held as the per-unit writer lock */
	struct shmTime *shm; /* attached segment */
	int written;         /* a sample has been published through this handle */
};

static void barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Bind "@tsync-chrony-shm-<key>" in the abstract namespace: fails with EADDRINUSE while any
 * other handle (any process, same network namespace) holds it; freed by the kernel on close. */
static int take_unit_lock(int unit, int *fd_out)
{
	char name[32];
	snprintf(name, sizeof(name), "tsync-chrony-shm-%08x", (unsigned)CHRONY_SHM_KEY(unit));
	int fd = ipc_abstract_lock(name);
	if (fd < 0)
		return fd;
	*fd_out = fd;
	return 0;
}

static int unit_ok(int unit)
{
	return unit >= 0 && unit <= CHRONY_SHM_UNIT_MAX;
}

struct chrony_shm *chrony_shm_open(int unit, int *err)
{
	struct chrony_shm *c;
	struct shmid_ds ds;
	void *p;
	int ret;

	if (!unit_ok(unit)) {
		ret = -EINVAL;
		goto fail;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		ret = -ENOMEM;
		goto fail;
	}
	c->unit = unit;
	c->lockfd = -1;

	ret = take_unit_lock(unit, &c->lockfd);
	if (ret)
		goto fail_free;

	c->shmid = shmget(CHRONY_SHM_KEY(unit), sizeof(struct shmTime), IPC_CREAT | 0600);
	if (c->shmid < 0) {
		/* EINVAL here: the key exists with a smaller size than ours. */
		ret = errno == EINVAL ? -EEXIST : -errno;
		goto fail_unlock;
	}
	if (shmctl(c->shmid, IPC_STAT, &ds) < 0) {
		ret = -errno;
		goto fail_unlock;
	}
	if (ds.shm_segsz != sizeof(struct shmTime)) {
		ret = -EEXIST; /* a larger segment: not an NTP SHM refclock */
		goto fail_unlock;
	}
	p = shmat(c->shmid, NULL, 0);
	if (p == (void *)-1) {
		ret = -errno;
		goto fail_unlock;
	}
	c->shm = p;
	return c;

fail_unlock:
	close(c->lockfd);
fail_free:
	free(c);
fail:
	if (err)
		*err = ret;
	return tsync_fail_null(ret); /* errno too: the lib/ convention (tsync/errors.h) */
}

int chrony_shm_write(struct chrony_shm *c, tmv_t clock_ns, tmv_t receive_ns, int leap,
                     int precision)
{
	struct shmTime *s = c->shm;
	struct timespec ct, rt;

	if (leap < CHRONY_LEAP_NONE || leap > CHRONY_LEAP_UNSYNC)
		return -EINVAL;
	if (precision < -30 || precision > 0)
		return -EINVAL;
	if (clock_ns < 0 || receive_ns < 0)
		return -ERANGE;
	ct = tmv_to_timespec(clock_ns);
	rt = tmv_to_timespec(receive_ns);

	s->valid = 0;
	barrier();
	s->count++;
	barrier();
	s->mode = CHRONY_SHM_MODE_COUNT;
	s->clockTimeStampSec = ct.tv_sec;
	s->clockTimeStampUSec = (int)(ct.tv_nsec / 1000);
	s->clockTimeStampNSec = (int)ct.tv_nsec;
	s->receiveTimeStampSec = rt.tv_sec;
	s->receiveTimeStampUSec = (int)(rt.tv_nsec / 1000);
	s->receiveTimeStampNSec = (int)rt.tv_nsec;
	s->leap = leap;
	s->precision = precision;
	s->nsamples = 0;
	barrier();
	s->count++;
	barrier();
	s->valid = 1;
	barrier();
	c->written = 1;
	return 0;
}

int chrony_shm_consumed(const struct chrony_shm *c)
{
	if (!c->written)
		return 1;
	return __atomic_load_n(&c->shm->valid, __ATOMIC_ACQUIRE) == 0;
}

int chrony_shm_unit(const struct chrony_shm *c)
{
	return c->unit;
}

void chrony_shm_close(struct chrony_shm *c)
{
	if (!c)
		return;
	c->shm->valid = 0;
	barrier();
	shmdt(c->shm);
	close(c->lockfd);
	free(c);
}

int chrony_shm_remove(int unit)
{
	int id;

	if (!unit_ok(unit))
		return -EINVAL;
	id = shmget(CHRONY_SHM_KEY(unit), 0, 0);
	if (id < 0)
		return -errno;
	if (shmctl(id, IPC_RMID, NULL) < 0)
		return -errno;
	return 0;
}
