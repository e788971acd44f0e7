// SPDX-License-Identifier: MIT
/*
 * Shared-memory vclock: the model page in a named file, a seqlock around the discipline state.
 * Any number of processes may open the same vclock; writers serialise on the seqlock itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tsync/vclock.h"

struct vclock {
	struct tsync_vclock_page *page;
	bool writable;
	char name[TSYNC_VCLOCK_NAMELEN];
};

#define SPIN_LIMIT 50000000 /* a writer that died mid-update: give up rather than hang */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

int vclock_path(const char *name, char *buf, unsigned long len)
{
	size_t n;
	if (!name || !*name)
		return -EINVAL;
	if (strchr(name, '/')) {
		if ((size_t)snprintf(buf, len, "%s", name) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	n = strlen(name);
	if (n >= TSYNC_VCLOCK_NAMELEN)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return -EINVAL;
	}
	if ((size_t)snprintf(buf, len, "/dev/shm/tsync-vclock.%s", name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static const char *base_name(const char *name)
{
	const char *s = strrchr(name, '/');
	return s ? s + 1 : name;
}

/* Seqlock read of the whole page into *out. */
static int page_read(const struct tsync_vclock_page *p, struct tsync_vclock_page *out)
{
	for (long spins = 0; spins < SPIN_LIMIT; spins++) {
		uint32_t s1 = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			cpu_relax();
			continue;
		}
		memcpy(out, (const void *)p, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&p->seq, __ATOMIC_RELAXED) == s1)
			return 0;
	}
	return -EDEADLK;
}

static int write_lock(struct tsync_vclock_page *p)
{
	for (long spins = 0; spins < SPIN_LIMIT; spins++) {
		uint32_t s = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);
		if (!(s & 1) && __atomic_compare_exchange_n(&p->seq, &s, s + 1, false,
		                                            __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			__atomic_thread_fence(__ATOMIC_RELEASE);
			return 0;
		}
		cpu_relax();
	}
	return -EDEADLK;
}

static void write_unlock(struct tsync_vclock_page *p)
{
	__atomic_fetch_add(&p->seq, 1, __ATOMIC_RELEASE);
}

static struct vclock *vclock_new(struct tsync_vclock_page *page, const char *name, bool writable)
{
	struct vclock *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->page = page;
	v->writable = writable;
	snprintf(v->name, sizeof(v->name), "%s", base_name(name));
	return v;
}

struct vclock *vclock_create(const char *name, const struct vclock_params *prm, int *err)
{
	struct tsync_vclock_page init, *page;
	char path[256];
	tmv_t raw, a, b;
	struct vclock *v;
	int fd, e;

	if ((e = vclock_path(name, path, sizeof(path))))
		goto fail;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = -errno;
		goto fail;
	}
	if (ftruncate(fd, sizeof(*page))) {
		e = -errno;
		goto fail_unlink;
	}
	page = mmap(NULL, sizeof(*page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED) {
		e = -errno;
		goto fail_unlink;
	}
	/* the reference read around the raw read */
	tmv_clock_read(CLOCK_REALTIME, &a);
	tmv_clock_read(CLOCK_MONOTONIC_RAW, &raw);
	tmv_clock_read(CLOCK_REALTIME, &b);
	vclock_model_init(&init, base_name(name), prm, raw, a + (b - a) / 2);
	init.magic = 0;
	memcpy(page, &init, sizeof(init));
	__atomic_store_n(&page->magic, TSYNC_VCLOCK_MAGIC, __ATOMIC_RELEASE); /* valid last */
	close(fd);
	v = vclock_new(page, name, true);
	if (!v) {
		munmap(page, sizeof(*page));
		e = -ENOMEM;
		unlink(path);
		goto fail;
	}
	return v;
fail_unlink:
	close(fd);
	unlink(path);
fail:
	if (err)
		*err = e;
	errno = -e;
	return NULL;
}

struct vclock *vclock_open(const char *name, int *err)
{
	struct tsync_vclock_page hdr;
	struct tsync_vclock_page *page;
	bool writable = true;
	char path[256];
	struct stat st;
	struct vclock *v;
	ssize_t got;
	int fd, e;

	if ((e = vclock_path(name, path, sizeof(path))))
		goto fail;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == EACCES) {
		writable = false;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		e = -errno;
		goto fail;
	}
	if (fstat(fd, &st)) {
		e = -errno;
		goto fail_close;
	}
	/* validate through read() first: mapping past the end of a short file would SIGBUS */
	memset(&hdr, 0, sizeof(hdr));
	got = pread(fd, &hdr, sizeof(hdr), 0);
	if (got < 0) {
		e = -errno;
		goto fail_close;
	}
	if ((e = vclock_model_validate(&hdr, (unsigned long)got)))
		goto fail_close;
	page = mmap(NULL, sizeof(*page), writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED,
	            fd, 0);
	if (page == MAP_FAILED) {
		e = -errno;
		goto fail_close;
	}
	close(fd);
	v = vclock_new(page, name, writable);
	if (!v) {
		munmap(page, sizeof(*page));
		e = -ENOMEM;
		goto fail;
	}
	return v;
fail_close:
	close(fd);
fail:
	if (err)
		*err = e;
	errno = -e;
	return NULL;
}

void vclock_close(struct vclock *v)
{
	if (!v)
		return;
	munmap(v->page, sizeof(*v->page));
	free(v);
}

int vclock_remove(const char *name)
{
	char path[256];
	int e = vclock_path(name, path, sizeof(path));
	if (e)
		return e;
	return unlink(path) ? -errno : 0;
}

const char *vclock_name(const struct vclock *v)
{
	return v->name;
}

int vclock_snapshot(struct vclock *v, struct tsync_vclock_page *out)
{
	return page_read(v->page, out);
}

int vclock_gettime(struct vclock *v, tmv_t *ns)
{
	struct tsync_vclock_page p;
	tmv_t raw;
	int e;
	if ((e = tmv_clock_read(CLOCK_MONOTONIC_RAW, &raw)))
		return e;
	if ((e = page_read(v->page, &p)))
		return e;
	*ns = vclock_model_eval(&p, raw);
	return 0;
}

int vclock_adjfreq(struct vclock *v, double ppb)
{
	tmv_t raw;
	int e;
	if (!v->writable)
		return -EROFS;
	if (!(ppb >= -VCLOCK_MAX_ADJ_PPB && ppb <= VCLOCK_MAX_ADJ_PPB))
		return -ERANGE;
	if ((e = write_lock(v->page)))
		return e;
	tmv_clock_read(CLOCK_MONOTONIC_RAW, &raw);
	vclock_model_adjfreq(v->page, raw, ppb);
	write_unlock(v->page);
	return 0;
}

int vclock_getfreq(struct vclock *v, double *ppb)
{
	struct tsync_vclock_page p;
	int e = page_read(v->page, &p);
	if (!e)
		*ppb = p.adj_ppb;
	return e;
}

int vclock_step(struct vclock *v, tmv_t delta_ns)
{
	tmv_t raw;
	int e;
	if (!v->writable)
		return -EROFS;
	if ((e = write_lock(v->page)))
		return e;
	tmv_clock_read(CLOCK_MONOTONIC_RAW, &raw);
	vclock_model_step(v->page, raw, delta_ns);
	write_unlock(v->page);
	return 0;
}

/* A consistent page plus CLOCK_MONOTONIC_RAW and CLOCK_REALTIME read at one instant (realtime
 * is the midpoint of two reads around the raw read; *window_ns their distance). */
static int page_and_now(struct vclock *v, struct tsync_vclock_page *p, tmv_t *raw, tmv_t *rt,
                        tmv_t *window_ns)
{
	tmv_t a, b;
	int e;
	if ((e = page_read(v->page, p)))
		return e;
	tmv_clock_read(CLOCK_REALTIME, &a);
	tmv_clock_read(CLOCK_MONOTONIC_RAW, raw);
	tmv_clock_read(CLOCK_REALTIME, &b);
	*rt = a + (b - a) / 2;
	if (window_ns)
		*window_ns = b - a;
	return 0;
}

int vclock_read_pair(struct vclock *v, tmv_t *vc, tmv_t *rt, tmv_t *window_ns)
{
	struct tsync_vclock_page p;
	tmv_t raw;
	int e = page_and_now(v, &p, &raw, rt, window_ns);
	if (!e)
		*vc = vclock_model_eval(&p, raw);
	return e;
}

int vclock_from_realtime(struct vclock *v, tmv_t rt_ns, tmv_t *vc_ns)
{
	struct tsync_vclock_page p;
	tmv_t raw, rt;
	int e = page_and_now(v, &p, &raw, &rt, NULL);
	/* map the realtime stamp onto the raw axis (REALTIME and RAW differ in rate only by the
	 * host's own discipline: a few ppm over the age of the stamp), then evaluate the model */
	if (!e)
		*vc_ns = vclock_model_eval(&p, raw + (rt_ns - rt));
	return e;
}

const char *vclock_strerror(int err)
{
	switch (err) {
	case -EBADMSG:
		return "vclock file is truncated (shorter than its page)";
	case -EPROTO:
		return "not a vclock file (wrong magic)";
	case -EPROTONOSUPPORT:
		return "unsupported vclock version";
	case -EINVAL:
		return "invalid vclock name or page contents";
	case -EEXIST:
		return "vclock already exists";
	case -ENOENT:
		return "no such vclock";
	case -EROFS:
		return "vclock opened read-only";
	case -EDEADLK:
		return "vclock seqlock stuck (a writer died mid-update?)";
	case -ERANGE:
		return "frequency adjustment out of range";
	default:
		return strerror(-err);
	}
}
