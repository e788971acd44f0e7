// SPDX-License-Identifier: MIT
/* Hostile input to the page-file rules (issue #9): VM names, planted files and symlinks at page
 * paths, failed commands leaving no page, which commands change state, page validation. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/device.h"
#include "devices/vmclock_dev.h"
#include "tsync/kv.h"
#include "tsync/vmclock.h"
#include "vmclockd.h"

static char dir[64];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vmclock-hostile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static int entries(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 0", dir);
	return system(cmd) == 0 ? 0 : 1;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void expect(const char *path, const char *text)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s is gone", path);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	cr_assert_str_eq(buf, text, "%s was changed", path);
}

Test(vmclock_hostile, names)
{
	cr_assert_eq(vmclock_name_check("vm1"), 0);
	cr_assert_eq(vmclock_name_check("a.b_c-D9"), 0);
	cr_assert_eq(vmclock_name_check("../x"), -EINVAL);
	cr_assert_eq(vmclock_name_check("/tmp/x"), -EINVAL);
	cr_assert_eq(vmclock_name_check("a/b"), -EINVAL);
	cr_assert_eq(vmclock_name_check(".hidden"), -EINVAL);
	cr_assert_eq(vmclock_name_check(".."), -EINVAL);
	cr_assert_eq(vmclock_name_check(""), -EINVAL);
	cr_assert_eq(vmclock_name_check(NULL), -EINVAL);
	cr_assert_eq(vmclock_name_check("a b"), -EINVAL);
	cr_assert_eq(vmclock_name_check("a\nb"), -EINVAL);
	char n[80];
	memset(n, 'a', sizeof(n));
	n[VMCLOCK_NAME_MAX] = 0;
	cr_assert_eq(vmclock_name_check(n), 0);
	n[VMCLOCK_NAME_MAX] = 'a';
	n[VMCLOCK_NAME_MAX + 1] = 0;
	cr_assert_eq(vmclock_name_check(n), -EINVAL);
	char buf[128];
	setenv("TSYNC_VMCLOCK_DIR", "/run/x", 1);
	cr_assert_eq(vmclock_page_path("vm1", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/run/x/tsync-vmclock.vm1");
	setenv("TSYNC_VMCLOCK_DIR", "relative", 1);
	cr_assert_str_eq(vmclock_page_dir(), "/dev/shm", "a relative directory is ignored");
	unsetenv("TSYNC_VMCLOCK_DIR");
	cr_assert_eq(vmclock_page_path(".x", buf, sizeof(buf)), -EINVAL);
}

Test(vmclock_hostile, create_follows_and_overwrites_nothing)
{
	char p[160], t[160];
	struct vmclock_page_map m;
	mkdir_tmp();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(dfd, 0);
	/* a symlink planted at the page path, to a file and dangling */
	snprintf(t, sizeof(t), "%s/target", dir);
	put(t, "secret");
	snprintf(p, sizeof(p), "%s/sym", dir);
	cr_assert_eq(symlink(t, p), 0);
	cr_assert_eq(vmclock_page_create_at(dfd, "sym", &m), -EEXIST);
	expect(t, "secret");
	snprintf(p, sizeof(p), "%s/dangle", dir);
	snprintf(t, sizeof(t), "%s/made-through-link", dir);
	cr_assert_eq(symlink(t, p), 0);
	cr_assert_eq(vmclock_page_create_at(dfd, "dangle", &m), -EEXIST);
	cr_assert_eq(access(t, F_OK), -1, "the dangling link was created through");
	/* a file that exists and is not a page, a hard link */
	snprintf(p, sizeof(p), "%s/planted", dir);
	put(p, "hello");
	cr_assert_eq(vmclock_page_create_at(dfd, "planted", &m), -EEXIST);
	expect(p, "hello");
	snprintf(t, sizeof(t), "%s/target", dir);
	snprintf(p, sizeof(p), "%s/hard", dir);
	cr_assert_eq(link(t, p), 0);
	cr_assert_eq(vmclock_page_create_at(dfd, "hard", &m), -EEXIST);
	expect(t, "secret");
	/* names with a '/' are not file names */
	cr_assert_eq(vmclock_page_create_at(dfd, "../x", &m), -EINVAL);
	cr_assert_eq(vmclock_page_create_at(dfd, "/tmp/x", &m), -EINVAL);
	/* our own page: created, then taken over again (same inode, still a page) */
	cr_assert_eq(vmclock_page_create_at(dfd, "own", &m), 0);
	struct stat a, b;
	cr_assert_eq(fstat(m.fd, &a), 0);
	m.abi->disruption_marker = 7;
	vmclock_page_close(&m);
	cr_assert_eq(vmclock_page_create_at(dfd, "own", &m), 0);
	cr_assert_eq(fstat(m.fd, &b), 0);
	cr_assert_eq(a.st_ino, b.st_ino);
	cr_assert_eq(m.abi->magic, VMCLOCK_MAGIC);
	cr_assert(m.taken_over);
	cr_assert_eq(m.abi->disruption_marker, 7, "kept as it is (the caller moves it on)");
	cr_assert_eq(m.abi->seq_count, 0, "no write, no seq_count reset");
	cr_assert_eq(vmclock_page_validate(m.fd, NULL), 0);
	vmclock_page_close(&m);
	/* a valid page that is not ours (another owner) is not taken over */
	snprintf(p, sizeof(p), "%s/own", dir);
	cr_assert_eq(chown(p, 65534, 65534), 0);
	cr_assert_eq(vmclock_page_create_at(dfd, "own", &m), -EEXIST);
	close(dfd);
	rm_tmp();
}

Test(vmclock_hostile, validate)
{
	char p[160];
	const char *why;
	mkdir_tmp();
	snprintf(p, sizeof(p), "%s/f", dir);
	put(p, "root:x:0:0:root:/root:/bin/bash\n");
	int fd = open(p, O_RDONLY);
	cr_assert_eq(vmclock_page_validate(fd, &why), -EBADMSG, "short");
	cr_assert(strstr(why, "shorter"), "%s", why);
	cr_assert_eq(truncate(p, 4096), 0);
	cr_assert_eq(vmclock_page_validate(fd, &why), -ENODEV);
	cr_assert(strstr(why, "magic"), "%s", why);
	struct vmclock_abi h;
	vmclock_page_init(&h, 4096, VMCLOCK_COUNTER_X86_TSC, VMCLOCK_TIME_UTC);
	h.version = 2;
	int wfd = open(p, O_WRONLY);
	cr_assert_eq(pwrite(wfd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	cr_assert_eq(vmclock_page_validate(fd, &why), -EPROTO);
	h.version = VMCLOCK_VERSION;
	cr_assert_eq(pwrite(wfd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	cr_assert_eq(vmclock_page_validate(fd, &why), 0);
	close(wfd);
	close(fd);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert_eq(vmclock_page_validate(fd, &why), -EINVAL, "a directory");
	close(fd);
	rm_tmp();
}

Test(vmclock_hostile, daemon_names_and_failed_commands_leave_nothing)
{
	static struct vmclockd d;
	char reply[512];
	bool quit = false;
	mkdir_tmp();
	d.page_dir = dir;
	d.slew_max = 1e-3;
	d.interval_s = 0.5;
	const char *bad[] = {"vm-add ../x",
	                     "vm-add /tmp/x",
	                     "vm-add .x",
	                     "migrate-in ../y counter=1 time_ns=1 maxerror_ns=1 marker=1 gen=0",
	                     "migrate-in newvm counter=banana",
	                     "migrate-in newvm policy=jump counter=1 time_ns=1 maxerror_ns=1 "
	                     "marker=1 gen=0"};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_lt(vmclockd_command(&d, bad[i], reply, sizeof(reply), &quit), 0, "%s",
		             bad[i]);
		cr_assert(strncmp(reply, "err ", 4) == 0, "%s -> %s", bad[i], reply);
		cr_assert_eq(entries(), 0, "'%s' left a file behind", bad[i]);
	}
	cr_assert_eq(vmclockd_command(&d, "vm-add vm1", reply, sizeof(reply), &quit), 0, "%s",
	             reply);
	char want[160];
	snprintf(want, sizeof(want), "page=%s/tsync-vmclock.vm1 ", dir);
	cr_assert(strstr(reply, want), "%s", reply);
	struct kv_in kv; /* what tsvmm reads back (vmm/vmclock_migrate.c) */
	cr_assert_eq(kv_parse(reply, &kv), 0, "%s", reply);
	snprintf(want, sizeof(want), "%s/tsync-vmclock.vm1", dir);
	cr_assert_str_eq(kv_get(&kv, "page"), want);
	cr_assert_str_eq(kv_get(&kv, "vm"), "vm1");
	cr_assert_eq(vmclockd_command(&d, "vm-add vm1", reply, sizeof(reply), &quit), -EEXIST);
	cr_assert(strstr(reply, "already published"), "%s", reply);
	for (unsigned i = 0; i < VMCLOCKD_MAX_VMS; i++)
		if (d.vms[i].used)
			vmclockd_vm_del(&d, &d.vms[i]);
	close(d.dirfd);
	rm_tmp();
}

Test(vmclock_hostile, which_commands_change_state)
{
	cr_assert_not(vmclockd_command_mutates("status"));
	cr_assert_not(vmclockd_command_mutates("  status vm1"));
	cr_assert_not(vmclockd_command_mutates("stop vm1 counter=5"));
	cr_assert_not(vmclockd_command_mutates(""));
	const char *w[] = {"vm-add x",
	                   "vm-del x",
	                   "migrate-in x",
	                   "estimate maxerror=1ns",
	                   "reset",
	                   "quit",
	                   "burst",
	                   "statusx",
	                   "stopp",
	                   "launch",
	                   "averyveryverylongunknownverb"};
	for (unsigned i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		cr_assert(vmclockd_command_mutates(w[i]), "%s", w[i]);
}

/* tsvmm's vmclock device: only real pages are mapped; a page file truncated under it costs a
 * warning on the host side (stop records through pread) and a switch to the zero page. */
Test(vmclock_hostile, tsvmm_device_maps_only_pages_and_survives_truncation)
{
	char p[160];
	struct vmclock_page_map m;
	mkdir_tmp();
	struct dev_env env = {0}; /* no VM: the slot is not registered */
	struct devices *devs = devices_create(&env);
	cr_assert_not_null(devs);
	snprintf(p, sizeof(p), "%s/notapage", dir);
	put(p, "root:x:0:0:root:/root:/bin/bash\n");
	cr_assert_eq(vmclock_dev_map_file(devs, p, 0), -EBADMSG, "short file");
	cr_assert_eq(truncate(p, 4096), 0);
	cr_assert_eq(vmclock_dev_map_file(devs, p, 0), -ENODEV, "bad magic");
	cr_assert_eq(vmclock_dev_map_file(devs, dir, 0), -EINVAL, "a directory");
	snprintf(p, sizeof(p), "%s/page", dir);
	cr_assert_eq(vmclock_page_create(p, &m), 0);
	struct vmclock_abi src;
	vmclock_page_init(&src, 4096, VMCLOCK_COUNTER_X86_TSC, VMCLOCK_TIME_UTC);
	src.time_sec = 1700000000;
	src.counter_period_frac_sec = 1ull << 34;
	src.clock_status = VMCLOCK_STATUS_SYNCHRONIZED;
	vmclock_publish(m.abi, &src);
	cr_assert_eq(vmclock_dev_map_file(devs, p, 0), 0);
	cr_assert_eq(vmclock_dev_recover(devs), 0, "not truncated: not ours");
	uint8_t *buf;
	size_t len;
	cr_assert_eq(devices_save(devs, &buf, &len), 0);
	cr_assert_gt(len, 0, "a stop record while the page is there");
	free(buf);
	cr_assert_eq(truncate(p, 0), 0);
	devices_pause(devs, vmclock_rdtsc()); /* reads the page: no SIGBUS */
	cr_assert_eq(devices_save(devs, &buf, &len), 0);
	free(buf);
	cr_assert_eq(vmclock_dev_recover(devs), 1, "truncated: back on the zero page");
	cr_assert_eq(vmclock_dev_recover(devs), 0, "and nothing mapped any more");
	devices_destroy(devs);
	vmclock_page_close(&m);
	rm_tmp();
}

/* tsvmm's control socket: the page directory rule for x-vmclock-map. */
Test(vmclock_hostile, open_in_dir)
{
	char p[160], q[200];
	const char *why;
	struct vmclock_page_map m;
	mkdir_tmp();
	snprintf(p, sizeof(p), "%s/tsync-vmclock.ok", dir);
	cr_assert_eq(vmclock_page_create(p, &m), 0);
	vmclock_page_close(&m);
	int fd = vmclock_page_open_in_dir(dir, "ok", &why);
	cr_assert_geq(fd, 0, "by VM name: %s", why);
	close(fd);
	fd = vmclock_page_open_in_dir(dir, p, &why);
	cr_assert_geq(fd, 0, "by path: %s", why);
	close(fd);
	cr_assert_eq(vmclock_page_open_in_dir(dir, "/etc/shadow", &why), -EACCES);
	snprintf(q, sizeof(q), "%s/../tsync-vmclock.ok", dir);
	cr_assert_eq(vmclock_page_open_in_dir(dir, q, &why), -EACCES, "..");
	cr_assert_eq(vmclock_page_open_in_dir(dir, "../ok", &why), -EACCES);
	cr_assert_eq(vmclock_page_open_in_dir(dir, ".ok", &why), -EINVAL);
	snprintf(q, sizeof(q), "%s/tsync-vmclock.link", dir);
	cr_assert_eq(symlink(p, q), 0);
	cr_assert_eq(vmclock_page_open_in_dir(dir, "link", &why), -ELOOP, "%s", why);
	snprintf(q, sizeof(q), "%s/tsync-vmclock.fifo", dir);
	cr_assert_eq(mkfifo(q, 0600), 0);
	cr_assert_eq(vmclock_page_open_in_dir(dir, "fifo", &why), -EINVAL, "%s", why);
	cr_assert_eq(chown(p, 65534, 65534), 0);
	cr_assert_eq(vmclock_page_open_in_dir(dir, "ok", &why), -EPERM, "%s", why);
	rm_tmp();
}

/* Fuzz finding (tests/fuzz/regress/vmclock_page/stop-record-monotonic-time-type): a page with
 * time_type MONOTONIC gave a stop record that vmclock_stop_record_parse() refuses, so the
 * destination could not load what the source saved. Such a page now gives no record. */
Test(vmclock_hostile, stop_record_of_a_monotonic_page_is_refused)
{
	struct vmclock_abi p;
	struct vmclock_stop_record rec;
	char text[256];
	vmclock_page_init(&p, 0xff56, VMCLOCK_COUNTER_X86_TSC, VMCLOCK_TIME_MONOTONIC);
	cr_assert_eq(vmclock_stop_record(&p, 0, &rec), -VMCLOCK_ENODATA);
	for (uint8_t tt = VMCLOCK_TIME_UTC; tt <= VMCLOCK_TIME_TAI; tt++) {
		p.time_type = tt;
		cr_assert_eq(vmclock_stop_record(&p, 0, &rec), 0);
		cr_assert_gt(vmclock_stop_record_format(&rec, text, sizeof(text)), 0);
		cr_assert_eq(vmclock_stop_record_parse(text, &rec), 0, "%s", text);
		cr_assert_eq(rec.time_type, tt);
	}
}

/* A create that fails after the file was made (here: the file size limit refuses the one-page
 * ftruncate) unlinks it: a failed vm-add leaves no page behind. */
Test(vmclock_hostile, failed_create_leaves_nothing)
{
	mkdir_tmp();
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = {.rlim_cur = 100, .rlim_max = RLIM_INFINITY};
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct vmclock_page_map m;
	cr_assert_eq(vmclock_page_create_at(dfd, "big", &m), -EFBIG);
	cr_assert_eq(entries(), 0, "the failed create left its file");
	static struct vmclockd d;
	char reply[512];
	bool quit = false;
	d.page_dir = dir;
	cr_assert_eq(vmclockd_command(&d, "vm-add big", reply, sizeof(reply), &quit), -EFBIG);
	cr_assert(strncmp(reply, "err vm-add big: File too large", 30) == 0, "%s", reply);
	cr_assert_eq(entries(), 0, "the failed vm-add left its page");
	rl.rlim_cur = RLIM_INFINITY;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	close(dfd);
	close(d.dirfd);
	rm_tmp();
}

/* Fuzz finding (tests/fuzz/regress/vmclock_page/reading-convert-time-ns-overflow): a TAI/UTC
 * conversion of a time within the offset of 2262 overflowed time_ns (signed overflow, UB).
 * Now: -VMCLOCK_ERANGE with the reading untouched; the bounds saturate. */
Test(vmclock_hostile, reading_convert_near_int64_limits)
{
	struct vmclock_reading r, keep;
	memset(&r, 0, sizeof(r));
	r.time_type = VMCLOCK_TIME_TAI;
	r.flags = VMCLOCK_FLAG_TAI_OFFSET_VALID;
	r.tai_offset_sec = 100; /* hostile: UTC - TAI = +100 s */
	r.time_ns = INT64_MAX - 50000000000LL;
	r.sec = (uint64_t)r.time_ns / 1000000000u;
	r.earliest_ns = r.time_ns - 1;
	r.latest_ns = r.time_ns + 1;
	keep = r;
	cr_assert_eq(vmclock_reading_convert(&r, VMCLOCK_TIME_UTC), -VMCLOCK_ERANGE);
	cr_assert(memcmp(&r, &keep, sizeof(r)) == 0, "a refused conversion changed the reading");
	/* a bound that does not fit saturates; the time converts */
	r.tai_offset_sec = -37;
	r.time_ns = 1700000000000000000LL;
	r.sec = 1700000000;
	r.earliest_ns = INT64_MIN + 10;
	r.latest_ns = INT64_MAX - 10;
	cr_assert_eq(vmclock_reading_convert(&r, VMCLOCK_TIME_UTC), 0);
	cr_assert_eq(r.time_ns, 1700000000000000000LL - 37000000000LL);
	cr_assert_eq(r.earliest_ns, INT64_MIN);
	cr_assert_eq(r.latest_ns, INT64_MAX - 10 - 37000000000LL);
	cr_assert_eq(vmclock_reading_convert(&r, VMCLOCK_TIME_TAI), 0);
	cr_assert_eq(r.time_ns, 1700000000000000000LL, "and back");
	cr_assert_eq(r.earliest_ns, INT64_MIN, "no bound stays no bound");
}

/* fuzz finding (vmclock_ctl): a control line whose arguments passed 512 bytes overflowed the
 * joined stop record on the stack; now a long record is refused whole, and a stop counter that
 * is not a number is named instead of read as 0 */
Test(vmclock_hostile, long_arguments_and_bad_counter)
{
	static struct vmclockd d;
	char reply[512], line[2048];
	bool quit = false;
	mkdir_tmp();
	d.page_dir = dir;
	d.slew_max = 1e-3;
	d.interval_s = 0.5;
	int n = snprintf(line, sizeof(line),
	                 "migrate-in vm2 counter=1 time_ns=1 maxerror_ns=1 "
	                 "marker=1 gen=0");
	for (int i = 0; i < 8; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		              " pad%d=0123456789012345678901234567890123456789012345678901234567",
		              i);
	cr_assert_eq(vmclockd_command(&d, line, reply, sizeof(reply), &quit), -E2BIG, "%s", reply);
	cr_assert(strstr(reply, "stop record longer than"), "%s", reply);
	cr_assert_eq(entries(), 0, "a refused migrate-in left a page behind");
	/* too many words, or a line past the buffer: refused whole, never cut */
	for (int i = 0; i < 20; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " w%d=1", i);
	cr_assert_eq(vmclockd_command(&d, line, reply, sizeof(reply), &quit), -E2BIG, "%s", reply);
	cr_assert(strstr(reply, "more than 16 words"), "%s", reply);
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	cr_assert_eq(vmclockd_command(&d, line, reply, sizeof(reply), &quit), -E2BIG, "%s", reply);
	cr_assert_eq(entries(), 0, "a refused command left a page behind");
	cr_assert_eq(vmclockd_command(&d, "vm-add vm1", reply, sizeof(reply), &quit), 0, "%s",
	             reply);
	cr_assert_eq(vmclockd_command(&d, "stop vm1 counter=12abc", reply, sizeof(reply), &quit),
	             -EINVAL);
	cr_assert(strstr(reply, "bad value '12abc' for counter"), "%s", reply);
	/* burst values were read with atof/atoi: "abc" became 0 */
	const char *bad_burst[][2] = {{"burst log_sync=abc", "'abc' for log_sync"},
	                              {"burst seconds=5x", "'5x' for seconds"},
	                              {"burst seconds=601", "'601' for seconds"},
	                              {"burst wait=-1", "'-1' for wait"},
	                              {"burst log_sync=9", "'9' for log_sync"}};
	for (unsigned i = 0; i < sizeof(bad_burst) / sizeof(bad_burst[0]); i++) {
		cr_assert_eq(vmclockd_command(&d, bad_burst[i][0], reply, sizeof(reply), &quit),
		             -EINVAL, "%s -> %s", bad_burst[i][0], reply);
		cr_assert(strstr(reply, bad_burst[i][1]), "%s -> %s", bad_burst[i][0], reply);
	}
	for (unsigned i = 0; i < VMCLOCKD_MAX_VMS; i++)
		if (d.vms[i].used)
			vmclockd_vm_del(&d, &d.vms[i]);
	close(d.dirfd);
	rm_tmp();
}
