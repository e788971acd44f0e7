// SPDX-License-Identifier: MIT
/* vmclock page writer (seqlock), page files, and the migration stop record. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

const char *vmclock_page_dir(void)
{
	const char *d = getenv("TSYNC_VMCLOCK_DIR");
	return d && d[0] == '/' ? d : "/dev/shm";
}

int vmclock_name_check(const char *name)
{
	if (!name || !*name || name[0] == '.' || strlen(name) > VMCLOCK_NAME_MAX)
		return -EINVAL;
	for (const char *c = name; *c; c++)
		if (!(*c == '.' || *c == '_' || *c == '-' || (*c >= '0' && *c <= '9') ||
		      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
			return -EINVAL;
	return 0;
}

int vmclock_page_path(const char *vm, char *buf, size_t len)
{
	if (!vm || !*vm)
		return -EINVAL;
	int n;
	if (strchr(vm, '/'))
		n = snprintf(buf, len, "%s", vm);
	else if (vmclock_name_check(vm))
		return -EINVAL;
	else
		n = snprintf(buf, len, "%s/" VMCLOCK_PAGE_PREFIX "%s", vmclock_page_dir(), vm);
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

int vmclock_page_validate(int fd, const char **why)
{
	static const char *dummy;
	struct stat st;
	struct vmclock_abi h;
	if (!why)
		why = &dummy;
	*why = NULL;
	if (fstat(fd, &st)) {
		*why = "cannot stat";
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		return -EINVAL;
	}
	if (st.st_size < VMCLOCK_ABI_SIZE) {
		*why = "shorter than a vmclock page (truncated?)";
		return -EBADMSG;
	}
	ssize_t n = pread(fd, &h, sizeof(h), 0);
	if (n != (ssize_t)sizeof(h)) {
		*why = n < 0 ? "cannot read" : "shorter than a vmclock page (truncated?)";
		return n < 0 ? -errno : -EBADMSG;
	}
	if (h.magic != VMCLOCK_MAGIC) {
		*why = "not a vmclock page (bad magic)";
		return -ENODEV;
	}
	if (h.version != VMCLOCK_VERSION || h.size < VMCLOCK_ABI_SIZE) {
		*why = "unsupported vmclock version or size";
		return -EPROTO;
	}
	return 0;
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
	m->taken_over = false;
	return 0;
}

/* One writer per page: the writer holds an exclusive flock on its page file for as long as it
 * maps it (released by close). A second vmclockd on the same page is refused (-EBUSY). */
static int lock_page(int fd)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	return errno == EWOULDBLOCK ? -EBUSY : -errno;
}

/* An existing file may be taken over only if it is one of our own page files: a regular file
 * (not followed through a symlink), owned by us, with one link, one page long, holding a
 * vmclock page. Anything else (a planted file, a hard link to /etc/shadow) is left alone. */
static int reuse_own_page(int dirfd, const char *file, struct vmclock_page_map *m)
{
	int fd = openat(dirfd, file, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -EEXIST : -errno;
	struct stat st;
	int err = fstat(fd, &st) ? -errno : 0;
	if (!err && (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1 ||
	             st.st_size != VMCLOCK_PAGE_SIZE || vmclock_page_validate(fd, NULL)))
		err = -EEXIST;
	if (!err)
		err = lock_page(fd);
	if (!err)
		err = map_fd(fd, true, m);
	if (err) {
		close(fd);
		return err;
	}
	/* A VMM may still map it and a guest read it: the content stays as it is (the last page
	 * the previous writer published: its time and bound keep extrapolating, the bound growing
	 * at the period's rate) until the caller publishes through the seqlock. Not re-initialised
	 * here: an INITIALIZING page with time 0 would give a Linux guest 1970-01-01. */
	m->taken_over = true;
	return 0;
}

int vmclock_page_create_at(int dirfd, const char *file, struct vmclock_page_map *m)
{
	if (vmclock_name_check(file))
		return -EINVAL;
	m->abi = NULL;
	m->fd = -1;
	m->taken_over = false;
	int fd = openat(dirfd, file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? reuse_own_page(dirfd, file, m) : -errno;
	int err = lock_page(fd);
	if (!err)
		err = ftruncate(fd, VMCLOCK_PAGE_SIZE) ? -errno : 0;
	if (!err)
		err = map_fd(fd, true, m);
	if (err) {
		close(fd);
		unlinkat(dirfd, file, 0); /* a failed create leaves nothing behind */
		return err;
	}
	struct vmclock_abi init;
	vmclock_page_init(&init, VMCLOCK_PAGE_SIZE, VMCLOCK_COUNTER_X86_TSC, VMCLOCK_TIME_UTC);
	memcpy(m->abi, &init, sizeof(init));
	return 0;
}

int vmclock_page_create(const char *path, struct vmclock_page_map *m)
{
	char dir[256];
	const char *slash = strrchr(path, '/');
	const char *file = slash ? slash + 1 : path;
	int dl = !slash ? 1 : slash == path ? 1 : (int)(slash - path);
	int n = snprintf(dir, sizeof(dir), "%.*s", dl, !slash ? "." : path);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -ENAMETOOLONG;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	int err = vmclock_page_create_at(dfd, file, m);
	close(dfd);
	return err;
}

int vmclock_page_open_in_dir(const char *dir, const char *path, const char **why)
{
	static const char *dummy;
	char file[VMCLOCK_NAME_MAX + sizeof(VMCLOCK_PAGE_PREFIX)], parent[256];
	struct stat ds, ps, st;
	if (!why)
		why = &dummy;
	*why = NULL;
	const char *slash = strrchr(path, '/');
	if (!slash) { /* a VM name */
		if (vmclock_name_check(path)) {
			*why = "bad VM name";
			return -EINVAL;
		}
		snprintf(file, sizeof(file), VMCLOCK_PAGE_PREFIX "%s", path);
	} else {
		int pl = slash == path ? 1 : (int)(slash - path);
		if (vmclock_name_check(slash + 1) ||
		    (size_t)snprintf(parent, sizeof(parent), "%.*s", pl, path) >= sizeof(parent) ||
		    stat(parent, &ps) || stat(dir, &ds) || ps.st_dev != ds.st_dev ||
		    ps.st_ino != ds.st_ino) {
			*why = "not a file directly in the page directory";
			return -EACCES;
		}
		snprintf(file, sizeof(file), "%s", slash + 1);
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		*why = "cannot open the page directory";
		return -errno;
	}
	if (fstat(dfd, &ds)) {
		int err = -errno;
		close(dfd);
		return err;
	}
	int fd = openat(dfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int err = fd < 0 ? -errno : 0;
	close(dfd);
	if (err) {
		*why = err == -ELOOP ? "a symlink" : "cannot open";
		return err;
	}
	err = fstat(fd, &st) ? -errno : 0;
	if (!err && S_ISREG(st.st_mode) && st.st_uid != 0 && st.st_uid != geteuid() &&
	    st.st_uid != ds.st_uid) {
		*why = "owned by another user";
		err = -EPERM;
	}
	if (!err)
		err = vmclock_page_validate(fd, why);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int vmclock_page_open(const char *path, bool writable, struct vmclock_page_map *m)
{
	int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int err = fstat(fd, &st) ? -errno : 0;
	/* a regular file must hold the structure; a device (/dev/vmclock0) maps one page */
	if (!err && S_ISREG(st.st_mode) && st.st_size < VMCLOCK_ABI_SIZE)
		err = -EBADMSG;
	else if (!err && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		err = -EINVAL;
	if (!err)
		err = map_fd(fd, writable, m);
	if (err)
		close(fd);
	return err;
}

int vmclock_page_pread(int fd, unsigned max_tries, struct vmclock_abi *out)
{
	for (unsigned i = 0; i < (max_tries ? max_tries : 1); i++) {
		uint32_t seq;
		ssize_t n = pread(fd, out, sizeof(*out), 0);
		if (n >= 0 && n != (ssize_t)sizeof(*out))
			return -EBADMSG; /* the file is shorter than the structure: truncated */
		if (n < 0)
			return -errno;
		/* the copy read seq_count (offset 12) before the fields (16..): the kernel copies
		 * in ascending order; one more read of seq_count closes the seqlock window */
		if (pread(fd, &seq, sizeof(seq), offsetof(struct vmclock_abi, seq_count)) !=
		    (ssize_t)sizeof(seq))
			return -EBADMSG;
		if (!(seq & 1) && seq == out->seq_count) {
			struct vmclock_abi copy = *out;
			return vmclock_snapshot(&copy, 1, out, NULL); /* magic, version, size */
		}
	}
	return -EAGAIN;
}

int vmclock_page_truncated(const struct vmclock_page_map *m)
{
	struct stat st;
	if (m->fd < 0 || fstat(m->fd, &st))
		return 0;
	return S_ISREG(st.st_mode) && st.st_size < VMCLOCK_ABI_SIZE;
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
	/* only UTC and TAI travel: a MONOTONIC time has no epoch the destination shares, and
	 * vmclock_stop_record_parse() would refuse the record (fuzz finding) */
	if (r.time_type != VMCLOCK_TIME_UTC && r.time_type != VMCLOCK_TIME_TAI)
		return -VMCLOCK_ENODATA;
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
