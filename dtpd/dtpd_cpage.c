// SPDX-License-Identifier: MIT
/* dtpd's counter page (dtpd_cpage.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/dtp_counter.h"
#include "dtpd_cpage.h"
#include "node.h"

#define PAGE_BYTES 4096

_Static_assert(sizeof(struct dtpd_counter_page) <= PAGE_BYTES, "the page holds the struct");

int dtpd_cpage_create(const char *path, struct dtpd_counter_page **out)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, PAGE_BYTES) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	void *m = mmap(NULL, PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int e = errno;
	close(fd);
	if (m == MAP_FAILED)
		return -e;
	struct dtpd_counter_page *p = m;
	p->size = sizeof(*p);
	p->version = DTPD_CPAGE_VERSION;
	__atomic_store_n(&p->magic, DTPD_CPAGE_MAGIC, __ATOMIC_RELEASE);
	*out = p;
	return 0;
}

int dtpd_cpage_open(const char *path, const struct dtpd_counter_page **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	off_t len = lseek(fd, 0, SEEK_END);
	if (len < (off_t)sizeof(struct dtpd_counter_page)) {
		close(fd);
		return -EPROTO;
	}
	void *m = mmap(NULL, PAGE_BYTES, PROT_READ, MAP_SHARED, fd, 0);
	int e = errno;
	close(fd);
	if (m == MAP_FAILED)
		return -e;
	const struct dtpd_counter_page *p = m;
	if (p->magic != DTPD_CPAGE_MAGIC || p->version != DTPD_CPAGE_VERSION ||
	    p->size != sizeof(*p)) {
		munmap(m, PAGE_BYTES);
		return -EPROTO;
	}
	*out = p;
	return 0;
}

void dtpd_cpage_unmap(const struct dtpd_counter_page *p)
{
	if (p)
		munmap((void *)p, PAGE_BYTES);
}

/* the fields after seq */
#define BODY_OFF offsetof(struct dtpd_counter_page, flags)
#define BODY_LEN (sizeof(struct dtpd_counter_page) - BODY_OFF)

void dtpd_cpage_write(struct dtpd_counter_page *p, const struct dtpd_counter_page *v)
{
	uint32_t s = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);
	uint64_t updates = p->updates + 1;
	__atomic_store_n(&p->seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy((char *)p + BODY_OFF, (const char *)v + BODY_OFF, BODY_LEN);
	p->updates = updates;
	__atomic_store_n(&p->seq, s + 2, __ATOMIC_RELEASE);
}

int dtpd_cpage_read(const struct dtpd_counter_page *p, struct dtpd_counter_page *snap,
                    unsigned tries)
{
	if (p->magic != DTPD_CPAGE_MAGIC || p->version != DTPD_CPAGE_VERSION ||
	    p->size != sizeof(*p))
		return -EPROTO;
	for (unsigned i = 0; i < (tries ? tries : 1); i++) {
		uint32_t s1 = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		memcpy(snap, p, sizeof(*snap));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&p->seq, __ATOMIC_RELAXED) == s1) {
			snap->seq = s1;
			return 0;
		}
	}
	return -EAGAIN;
}

uint64_t dtpd_cpage_counter_at(const struct dtpd_counter_page *snap, uint64_t tsc)
{
	__int128 ns_q32 = (__int128)(int64_t)(tsc - snap->tsc) * (__int128)snap->tsc_ns_q32;
	__int128 ticks = (ns_q32 * 1000 / DTPD_TICK_PS) >> 32;
	return dtp_cnt_add(snap->counter, (int64_t)ticks);
}

int64_t dtpd_cpage_time_at(const struct dtpd_counter_page *snap, uint64_t tsc, int64_t near_ns)
{
	return dtpd_counter_ns(snap->epoch_ns, dtpd_cpage_counter_at(snap, tsc), near_ns);
}
