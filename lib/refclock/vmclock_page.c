// SPDX-License-Identifier: MIT
/* vmclock page writer (seqlock), page files, and the migration stop record. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tsync/vmclock.h"

_Static_assert(VMCLOCK_EAGAIN == EAGAIN && VMCLOCK_ENODEV == ENODEV && VMCLOCK_EINVAL == EINVAL &&
                       VMCLOCK_ERANGE == ERANGE && VMCLOCK_ENODATA == ENODATA &&
                       VMCLOCK_EPROTO == EPROTO,
               "VMCLOCK_E* are the Linux errno values");

void vmclock_page_init(struct vmclock_abi *p, uint32_t region_size, uint8_t counter_id,
                       uint8_t time_type)
{
	memset(p, 0, sizeof(*p));
	p->magic = VMCLOCK_MAGIC;
	p->size = region_size;
	p->version = VMCLOCK_VERSION;
	p->counter_id = counter_id;
	p->time_type = time_type;
	p->clock_status = VMCLOCK_STATUS_INITIALIZING;
}

void vmclock_write_begin(volatile struct vmclock_abi *p)
{
	uint32_t s = __atomic_load_n(&p->seq_count, __ATOMIC_RELAXED);
	__atomic_store_n(&p->seq_count, (s | 1) + ((s & 1) ? 2 : 0), __ATOMIC_RELAXED);
	/* the odd count is visible before any field changes */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void vmclock_write_end(volatile struct vmclock_abi *p)
{
	/* every field is visible before the even count */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	uint32_t s = __atomic_load_n(&p->seq_count, __ATOMIC_RELAXED);
	__atomic_store_n(&p->seq_count, (s | 1) + 1, __ATOMIC_RELEASE);
}

void vmclock_write_fields(volatile struct vmclock_abi *p, const struct vmclock_abi *src)
{
	/* 64-bit words from disruption_marker (0x10) to the end; the word at 0x20 holds pad,
	 * status, hint, tai offset, leap and shift */
	volatile uint64_t *d = (volatile uint64_t *)p;
	const uint64_t *s = (const uint64_t *)src;
	for (unsigned i = 2; i < VMCLOCK_ABI_SIZE / 8; i++)
		d[i] = s[i];
}

void vmclock_publish(volatile struct vmclock_abi *p, const struct vmclock_abi *src)
{
	vmclock_write_begin(p);
	vmclock_write_fields(p, src);
	vmclock_write_end(p);
}

int vmclock_page_path(const char *vm, char *buf, size_t len)
{
	if (!vm || !*vm)
		return -EINVAL;
	int n;
	if (strchr(vm, '/')) {
		n = snprintf(buf, len, "%s", vm);
	} else {
		for (const char *c = vm; *c; c++)
			if (!(*c == '.' || *c == '_' || *c == '-' || (*c >= '0' && *c <= '9') ||
			      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
				return -EINVAL;
		if (vm[0] == '.')
			return -EINVAL;
		n = snprintf(buf, len, "/dev/shm/tsync-vmclock.%s", vm);
	}
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

static int map_fd(int fd, bool writable, struct vmclock_page_map *m)
{
	void *p = mmap(NULL, VMCLOCK_PAGE_SIZE, writable ? PROT_READ | PROT_WRITE : PROT_READ,
	               MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	m->abi = p;
	m->fd = fd;
	m->len = VMCLOCK_PAGE_SIZE;
	m->writable = writable;
	return 0;
}

int vmclock_page_create(const char *path, struct vmclock_page_map *m)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int err = ftruncate(fd, VMCLOCK_PAGE_SIZE) ? -errno : 0;
	if (!err)
		err = map_fd(fd, true, m);
	if (err) {
		close(fd);
		return err;
	}
	struct vmclock_abi init;
	vmclock_page_init(&init, VMCLOCK_PAGE_SIZE, VMCLOCK_COUNTER_X86_TSC, VMCLOCK_TIME_UTC);
	memcpy(m->abi, &init, sizeof(init));
	return 0;
}

int vmclock_page_open(const char *path, bool writable, struct vmclock_page_map *m)
{
	int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int err = fstat(fd, &st) ? -errno : 0;
	/* a regular file must hold the structure; a device (/dev/vmclock0) maps one page */
	if (!err && S_ISREG(st.st_mode) && st.st_size < VMCLOCK_ABI_SIZE)
		err = -EBADMSG;
	if (!err)
		err = map_fd(fd, writable, m);
	if (err)
		close(fd);
	return err;
}

void vmclock_page_close(struct vmclock_page_map *m)
{
	if (m->abi)
		munmap(m->abi, m->len);
	if (m->fd >= 0)
		close(m->fd);
	m->abi = NULL;
	m->fd = -1;
}

int vmclock_stop_record(const volatile struct vmclock_abi *page, uint64_t counter_at_stop,
                        struct vmclock_stop_record *rec)
{
	struct vmclock_abi p;
	struct vmclock_reading r;
	int err = vmclock_snapshot(page, VMCLOCK_READ_TRIES, &p, NULL);
	if (!err)
		err = vmclock_eval(&p, counter_at_stop, &r);
	if (err)
		return err;
	rec->counter = counter_at_stop;
	rec->time_ns = r.time_ns;
	rec->maxerror_ns = r.bounded ? r.maxerror_ns : VMCLOCK_NO_BOUND;
	rec->disruption_marker = r.disruption_marker;
	rec->vm_generation_counter = r.vm_generation_counter;
	rec->time_type = r.time_type;
	return 0;
}

int vmclock_stop_record_format(const struct vmclock_stop_record *rec, char *buf, size_t len)
{
	return snprintf(buf, len,
	                "counter=%" PRIu64 " time_ns=%" PRId64 " maxerror_ns=%" PRIu64
	                " marker=%" PRIu64 " gen=%" PRIu64 " time_type=%u",
	                rec->counter, rec->time_ns, rec->maxerror_ns, rec->disruption_marker,
	                rec->vm_generation_counter, (unsigned)rec->time_type);
}

/* Find "key=" as a whole word in s and parse an integer after it. */
static int field(const char *s, const char *key, bool is_signed, uint64_t *v)
{
	size_t kl = strlen(key);
	for (const char *p = s; (p = strstr(p, key)) != NULL; p += kl) {
		if ((p != s && p[-1] != ' ' && p[-1] != '\t') || p[kl] != '=')
			continue;
		const char *num = p + kl + 1;
		char *end;
		errno = 0;
		if (is_signed)
			*v = (uint64_t)strtoll(num, &end, 10);
		else
			*v = strtoull(num, &end, 10);
		if (errno || end == num || (*end && *end != ' ' && *end != '\t' && *end != '\n') ||
		    (!is_signed && *num == '-'))
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

int vmclock_stop_record_parse(const char *s, struct vmclock_stop_record *rec)
{
	uint64_t c, t, m, mk, g, tt;
	if (field(s, "counter", false, &c) || field(s, "time_ns", true, &t) ||
	    field(s, "maxerror_ns", false, &m) || field(s, "marker", false, &mk) ||
	    field(s, "gen", false, &g))
		return -EINVAL;
	if (field(s, "time_type", false, &tt))
		tt = VMCLOCK_TIME_UTC;
	if (tt > VMCLOCK_TIME_TAI)
		return -EINVAL;
	rec->counter = c;
	rec->time_ns = (int64_t)t;
	rec->maxerror_ns = m;
	rec->disruption_marker = mk;
	rec->vm_generation_counter = g;
	rec->time_type = (uint8_t)tt;
	return 0;
}
