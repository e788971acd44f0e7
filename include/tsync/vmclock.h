/* SPDX-License-Identifier: MIT */
/*
 * vmclock page reader and writer (ABI: uapi/vmclock-abi.h).
 *
 * Reader (lib/refclock/vmclock_read.c): freestanding. It needs only <stdint.h>, <stdbool.h> and
 * <stddef.h>, no libc, no 128-bit division, no FPU: the tsvmm guest payload compiles it with
 * -ffreestanding -mgeneral-regs-only, Linux user space uses it on an mmap of /dev/vmclock0 or of
 * a page file. All time arithmetic is exact 128-bit integer arithmetic with documented rounding.
 *
 * Writer and page files (lib/refclock/vmclock_page.c): host side (libc).
 *
 * Times are in the page's time scale (time_type; vmclockd publishes UTC): ns since the
 * 1970 epoch as int64_t, or 64.64 fixed point (sec + frac / 2^64). Error codes are negated Linux
 * errno values, spelled VMCLOCK_E* so that freestanding code has them.
 */
#ifndef TSYNC_VMCLOCK_H
#define TSYNC_VMCLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/vmclock-abi.h"

#define VMCLOCK_EAGAIN  11 /* the seqlock never settled within the retry limit */
#define VMCLOCK_ENODEV  19 /* no page: wrong magic (e.g. an all-zero page) */
#define VMCLOCK_EINVAL  22 /* bad argument, or a TAI/UTC conversion without a valid offset */
#define VMCLOCK_ERANGE  34 /* the time does not fit int64 ns since 1970 (or is before it) */
#define VMCLOCK_ENODATA 61 /* page valid but carries no time (counter_id INVALID, bad time_type) */
#define VMCLOCK_EPROTO  71 /* unsupported version or a size below 112 bytes */

/* A good default max_tries for vmclock_read(): attempts are spaced by a `pause` instruction,
 * so this waits out a writer for some ms (a writer preempted mid-update can take that long). */
#define VMCLOCK_READ_TRIES 1000000
#define VMCLOCK_NO_BOUND   UINT64_MAX

/* ---------------------------------------------------------------------------------------- */
/* reader                                                                                    */

/* Returns the current counter (TSC) value; ctx is the caller's. */
typedef uint64_t (*vmclock_counter_fn)(void *ctx);

struct vmclock_reading {
	/* the page the time came from (a consistent snapshot) */
	uint32_t seq;
	uint64_t disruption_marker;
	uint64_t flags;
	uint64_t vm_generation_counter;
	uint8_t clock_status;   /* VMCLOCK_STATUS_* */
	uint8_t time_type;      /* scale of every time below (vmclock_reading_convert changes it) */
	uint8_t leap_indicator; /* VMCLOCK_LEAP_* */
	int16_t tai_offset_sec; /* UTC - TAI, s, if flags & VMCLOCK_FLAG_TAI_OFFSET_VALID */
	unsigned tries;         /* seqlock attempts used (1 = first try) */

	/* the time at `counter` */
	uint64_t counter; /* counter value the time is for */
	int64_t delta;    /* counter - counter_value, ticks; wraps mod 2^64, read as signed */
	uint64_t sec;     /* time, s + frac / 2^64: the exact value rounded down */
	uint64_t frac;
	int64_t time_ns;      /* time, ns since the epoch, rounded down */
	uint64_t maxerror_ns; /* time_maxerror + |delta| x period maxerror rate, rounded up, ns;
			       * VMCLOCK_NO_BOUND when the page gives no bound */
	uint64_t esterror_ns; /* same with the esterror fields (0 when not valid) */
	int64_t earliest_ns;  /* floor(time - maxerror): true time >= this (if bounded) */
	int64_t latest_ns;    /* ceil(time + maxerror): true time <= this (if bounded) */
	bool bounded;         /* TIME_ and PERIOD_MAXERROR_VALID set and status not UNRELIABLE */
};

/*
 * Copy the page consistently (seqlock; up to max_tries attempts, >= 1). 0, -VMCLOCK_EAGAIN when
 * the writer never let go, -VMCLOCK_ENODEV / -VMCLOCK_EPROTO for a page that is not one.
 * tries (optional) gets the attempts used.
 */
int vmclock_snapshot(const volatile struct vmclock_abi *page, unsigned max_tries,
                     struct vmclock_abi *out, unsigned *tries);

/*
 * Read the time now: snapshot the page and read the counter inside the seqlock (as Linux's
 * ptp_vmclock does), then vmclock_eval(). counter(ctx) is called once per attempt.
 * Refuses what the Linux driver refuses or gets wrong: a MONOTONIC page (-VMCLOCK_ENODATA: no
 * epoch; Linux registers no clock for it) and a counter before counter_value (-VMCLOCK_ERANGE:
 * Linux takes the negative delta as ~2^64 ticks ahead; vmclockd anchors each page a little
 * before its write so that this does not happen). out is filled either way. A TAI page
 * without a valid offset is read (in TAI) where Linux refuses it: the reading says its scale
 * and vmclock_reading_convert() refuses to make UTC of it. vmclock_eval() itself evaluates
 * any counter (backwards too: the migration stop record needs the page at the park TSC).
 */
int vmclock_read(const volatile struct vmclock_abi *page, vmclock_counter_fn counter, void *ctx,
                 unsigned max_tries, struct vmclock_reading *out);

/*
 * Pure: the time a consistent page p gives at counter value `counter`, with its bounds.
 * 0, -VMCLOCK_ENODEV/-EPROTO (not a page), -VMCLOCK_ENODATA (no time), -VMCLOCK_ERANGE.
 */
int vmclock_eval(const struct vmclock_abi *p, uint64_t counter, struct vmclock_reading *out);

/*
 * Convert every time in r to `time_type` (VMCLOCK_TIME_UTC or VMCLOCK_TIME_TAI) using
 * tai_offset_sec = UTC - TAI: UTC = TAI + tai_offset_sec. 0, or -VMCLOCK_EINVAL if the scales
 * differ and the page has no valid offset (or either scale is not UTC/TAI), -VMCLOCK_ERANGE.
 */
int vmclock_reading_convert(struct vmclock_reading *r, uint8_t time_type);

/* 64.64 time -> ns, rounded down / up; -VMCLOCK_ERANGE when it does not fit int64. */
int vmclock_6464_to_ns_floor(uint64_t sec, uint64_t frac, int64_t *ns);
int vmclock_6464_to_ns_ceil(uint64_t sec, uint64_t frac, int64_t *ns);
/* ns (>= 0) -> 64.64 rounded up (less than 2^-64 s above), so that the floor conversion back
 * gives ns exactly. */
void vmclock_ns_to_6464(int64_t ns, uint64_t *sec, uint64_t *frac);

#if defined(__x86_64__)
/* The x86 TSC (lfence orders it after earlier loads). Works in ring 3 unless CR4.TSD. */
static inline uint64_t vmclock_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}
#endif
/* vmclock_counter_fn that reads the TSC (ctx unused). */
uint64_t vmclock_counter_tsc(void *ctx);

/* ---------------------------------------------------------------------------------------- */
/* writer (host)                                                                             */

/* Initialise a page before it is shared: constant fields, seq_count 0, status INITIALIZING,
 * no time flags. region_size: bytes of the region (VMCLOCK_PAGE_SIZE for a page file). */
void vmclock_page_init(struct vmclock_abi *p, uint32_t region_size, uint8_t counter_id,
                       uint8_t time_type);
/* Seqlock writer: begin makes seq_count odd then a barrier; end a barrier then seq_count even.
 * One writer per page (the caller serialises). */
void vmclock_write_begin(volatile struct vmclock_abi *p);
void vmclock_write_end(volatile struct vmclock_abi *p);
/* Store every seqlock-protected field of src (not seq_count, not the constant fields) into p.
 * Call between begin and end. */
void vmclock_write_fields(volatile struct vmclock_abi *p, const struct vmclock_abi *src);
/* begin + write_fields + end. */
void vmclock_publish(volatile struct vmclock_abi *p, const struct vmclock_abi *src);

/* A page file mapped MAP_SHARED (the VMM maps the same file into the guest). */
struct vmclock_page_map {
	struct vmclock_abi *abi; /* the structure at offset 0 of the mapping */
	int fd;
	size_t len;
	bool writable;
	bool taken_over; /* vmclock_page_create_at() took an existing page over */
};
/*
 * Page files and their directory (the security rule, see vmclock/README.md): a VM name that
 * comes from outside (vmclockd's control socket, tsvmm's) names a file "tsync-vmclock.NAME"
 * directly inside the page directory and nothing else; NAME is 1..VMCLOCK_NAME_MAX of
 * [A-Za-z0-9._-] and does not start with '.'. Page files are created with O_EXCL|O_NOFOLLOW
 * through the directory's fd, so no existing file or symlink is followed or overwritten.
 */
#define VMCLOCK_NAME_MAX    63
#define VMCLOCK_PAGE_PREFIX "tsync-vmclock."
/* The page directory: $TSYNC_VMCLOCK_DIR when set to an absolute path, else /dev/shm. */
const char *vmclock_page_dir(void);
/* 0 if name is a safe VM name (rule above), else -VMCLOCK_EINVAL. */
int vmclock_name_check(const char *name);
/* For readers: vm without '/' -> <page dir>/tsync-vmclock.<vm> (the name must be safe);
 * with '/' -> the path as is (the user names a file to read with their own rights).
 * 0, -VMCLOCK_EINVAL for an empty or unsafe name or a short buffer. */
int vmclock_page_path(const char *vm, char *buf, size_t len);
/*
 * Create the page file `file` (a safe name, no '/') in the directory dirfd: O_CREAT|O_EXCL|
 * O_NOFOLLOW, one page, initialised with vmclock_page_init(VMCLOCK_COUNTER_X86_TSC,
 * VMCLOCK_TIME_UTC), mapped read-write. If the file exists it is taken over only when it is
 * one of our own pages (regular, not a symlink, owned by our euid, one link, one page, valid
 * magic/version): then it is mapped as it is (m->taken_over; its content, the last page the
 * previous writer published, stays until the caller publishes through the seqlock, so a VMM
 * that still maps it never sees a zero or INITIALIZING page, seq_count never falls back, and
 * the caller can move its disruption_marker on). Anything else: -EEXIST and the file is
 * untouched. The writer holds an exclusive flock(2) on the file while it has it open: a
 * second writer of the same page gets -EBUSY. A create that fails after the file was made
 * unlinks it. 0 or -errno.
 */
int vmclock_page_create_at(int dirfd, const char *file, struct vmclock_page_map *m);
/* vmclock_page_create_at() in the directory part of path (tests, tools). */
int vmclock_page_create(const char *path, struct vmclock_page_map *m);
/* Map an existing page (a page file, or /dev/vmclock0 read-only). A regular file shorter than
 * the structure: -EBADMSG; neither a regular file nor a character device: -EINVAL. 0 or -errno.
 * Truncation later: the mapping stays, but a read of it raises SIGBUS (the whole page is past
 * the end of the file); readers that must survive it guard their reads (tsync-vmclock-read,
 * vmclockd, tsvmm do) and call vmclock_page_truncated() to say so. */
int vmclock_page_open(const char *path, bool writable, struct vmclock_page_map *m);
/*
 * Open a page that someone else named (tsvmm's control socket) under the page directory rule:
 * path is a VM name (-> dir/tsync-vmclock.NAME) or a path whose parent is dir itself (same
 * inode) and whose last component is a safe name; opened read-only with O_NOFOLLOW through
 * dir's fd, and accepted only if it is a regular file owned by root, our euid or dir's owner
 * that vmclock_page_validate() accepts. The fd (>= 0), or -errno with *why: -EACCES outside
 * the directory, -ELOOP a symlink, -EPERM another owner, -EINVAL bad name or not a regular
 * file, -ENODEV/-EPROTO/-EBADMSG not a page (vmclock_page_validate).
 */
int vmclock_page_open_in_dir(const char *dir, const char *path, const char **why);
/* A consistent copy of the page in the file fd read with pread(2), not through a mapping: a
 * file truncated under the reader gives -EBADMSG instead of SIGBUS. The seqlock: a copy whose
 * seq_count is even and equal to a second read of seq_count after it (up to max_tries).
 * 0, -EBADMSG, -EAGAIN, the vmclock_snapshot() errors or -errno. */
int vmclock_page_pread(int fd, unsigned max_tries, struct vmclock_abi *out);
/* 1 if m is a regular file now shorter than the structure (truncated under us), else 0. */
int vmclock_page_truncated(const struct vmclock_page_map *m);
/* Check that the open file fd holds a vmclock page: a regular file at least
 * VMCLOCK_ABI_SIZE long whose header has VMCLOCK_MAGIC, VMCLOCK_VERSION and size >= 112.
 * 0, or -errno with *why (if why) a short reason: -EINVAL not a regular file, -EBADMSG too
 * short, -ENODEV bad magic, -EPROTO bad version or size. */
int vmclock_page_validate(int fd, const char **why);
void vmclock_page_close(struct vmclock_page_map *m);

/* ---------------------------------------------------------------------------------------- */
/* migration hand-over                                                                       */

/* What the source records when it stops the guest (travels in the migration stream). */
struct vmclock_stop_record {
	uint64_t counter;     /* source counter when the vCPU stopped */
	int64_t time_ns;      /* guest time the page gave at that counter, ns (rounded down) */
	uint64_t maxerror_ns; /* its bound, or VMCLOCK_NO_BOUND */
	uint64_t disruption_marker;     /* the source page's marker */
	uint64_t vm_generation_counter; /* the source page's generation counter */
	uint8_t time_type;              /* scale of time_ns (VMCLOCK_TIME_UTC from vmclockd) */
};
/* Fill rec from the page at counter_at_stop (the TSC read just after the vCPU parked). 0, the
 * vmclock_read/eval errors, or -VMCLOCK_ENODATA for a time_type other than UTC/TAI (a
 * MONOTONIC time has no epoch to carry to another host). */
int vmclock_stop_record(const volatile struct vmclock_abi *page, uint64_t counter_at_stop,
                        struct vmclock_stop_record *rec);
/* Text form "counter=.. time_ns=.. maxerror_ns=.. marker=.. gen=.. time_type=.." (one line,
 * no newline) and back. format: bytes written (like snprintf); parse: 0 or -VMCLOCK_EINVAL. */
int vmclock_stop_record_format(const struct vmclock_stop_record *rec, char *buf, size_t len);
int vmclock_stop_record_parse(const char *s, struct vmclock_stop_record *rec);

/* ---------------------------------------------------------------------------------------- */
/* vmclockd control socket client (protocol: vmclock/README.md)                             */

/* Send one command line to the vmclockd socket at path and read its one-line reply (without
 * the newline) into reply. 0 if the reply starts with "ok", -EPROTO if with "err" (reply holds
 * the reason), other -errno for socket errors. timeout_ms: 0 = 5000. */
int vmclock_ctl_request(const char *path, const char *cmd, char *reply, size_t len, int timeout_ms);

#endif
