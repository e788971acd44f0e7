// SPDX-License-Identifier: MIT
/* vclock: pure model, shared-memory file life cycle, error paths, seqlock under contention. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tsync/vclock.h"

static char name[64];

static void make_name(void)
{
	snprintf(name, sizeof(name), "unit-%d-%ld", (int)getpid(), random());
}

static void cleanup(void)
{
	vclock_remove(name);
}

Test(vclock_model, rate_offset_and_adjustments_are_exact)
{
	struct tsync_vclock_page p;
	struct vclock_params prm = {.initial_offset_ns = 2000000, .nat_ppm = 80.0};
	vclock_model_init(&p, "m", &prm, 1000, 5000);
	cr_assert_eq(vclock_model_eval(&p, 1000), 5000 + 2000000);
	/* +80 ppm over 1 s adds 80 us */
	cr_assert_eq(vclock_model_eval(&p, 1000 + NS_PER_SEC), 5000 + 2000000 + NS_PER_SEC + 80000);
	/* adjfreq is continuous at the rebase point and changes the rate only */
	tmv_t before = vclock_model_eval(&p, 1000 + 10 * NS_PER_SEC);
	vclock_model_adjfreq(&p, 1000 + 10 * NS_PER_SEC, -80000.0);
	cr_assert_eq(vclock_model_eval(&p, 1000 + 10 * NS_PER_SEC), before);
	cr_assert_eq(vclock_model_eval(&p, 1000 + 20 * NS_PER_SEC), before + 10 * NS_PER_SEC);
	vclock_model_step(&p, 1000 + 20 * NS_PER_SEC, -123);
	cr_assert_eq(vclock_model_eval(&p, 1000 + 20 * NS_PER_SEC), before + 10 * NS_PER_SEC - 123);
	cr_assert_eq(p.n_adjfreq, 1);
	cr_assert_eq(p.n_step, 1);
}

Test(vclock_model, wander_is_seeded_and_has_the_requested_rms)
{
	struct tsync_vclock_page a, b, c;
	struct vclock_params prm = {.wander_ppb = 50.0, .seed = 9};
	vclock_model_init(&a, "a", &prm, 0, 0);
	vclock_model_init(&b, "b", &prm, 0, 0);
	prm.seed = 10;
	vclock_model_init(&c, "c", &prm, 0, 0);
	cr_assert_eq(memcmp(a.wander, b.wander, sizeof(a.wander)), 0);
	cr_assert_neq(memcmp(a.wander, c.wander, sizeof(a.wander)), 0);
	/* RMS over 20 hours (many periods of the slowest term) near the requested 50 ppb */
	double s2 = 0;
	int n = 0;
	for (tmv_t t = 0; t < 72000 * NS_PER_SEC; t += 10 * NS_PER_SEC, n++)
		s2 += pow(vclock_model_osc_ppb(&a, t), 2);
	cr_assert_float_eq(sqrt(s2 / n), 50.0, 15.0, "rms %f", sqrt(s2 / n));
	/* the phase is the integral of the frequency: compare a numerical derivative */
	for (tmv_t t = 100 * NS_PER_SEC; t < 5000 * NS_PER_SEC; t += 777 * NS_PER_SEC) {
		/* centred difference over +-1 s: truncation error (omega h)^2/6 < 0.2% of the
		 * amplitude, rounding to whole ns 0.5 ppb */
		double d = (double)(vclock_model_eval(&a, t + NS_PER_SEC) -
		                    vclock_model_eval(&a, t - NS_PER_SEC) - 2 * NS_PER_SEC) /
		           2.0; /* ns per s = ppb */
		cr_assert_float_eq(d, vclock_model_osc_ppb(&a, t), 1.0, "t=%lld", (long long)t);
	}
}

Test(vclock_model, validate_rejects_bad_pages)
{
	struct tsync_vclock_page p;
	struct vclock_params prm = {0};
	vclock_model_init(&p, "v", &prm, 0, 0);
	cr_assert_eq(vclock_model_validate(&p, sizeof(p)), 0);
	cr_assert_eq(vclock_model_validate(&p, 6), -EBADMSG);
	cr_assert_eq(vclock_model_validate(&p, sizeof(p) - 1), -EBADMSG);
	p.version = 99;
	cr_assert_eq(vclock_model_validate(&p, sizeof(p)), -EPROTONOSUPPORT);
	p.version = TSYNC_VCLOCK_VERSION;
	p.magic ^= 1;
	cr_assert_eq(vclock_model_validate(&p, sizeof(p)), -EPROTO);
	p.magic ^= 1;
	p.adj_ppb = NAN;
	cr_assert_eq(vclock_model_validate(&p, sizeof(p)), -EINVAL);
}

Test(vclock, lifecycle_and_real_time_behaviour, .init = make_name, .fini = cleanup)
{
	struct vclock_params prm = {.initial_offset_ns = 2000000, .nat_ppm = 100.0};
	int err = 0;
	struct vclock *v = vclock_create(name, &prm, &err);
	cr_assert_not_null(v, "create: %s", vclock_strerror(err));
	cr_assert_null(vclock_create(name, &prm, &err));
	cr_assert_eq(err, -EEXIST);

	tmv_t vc, rt, win;
	cr_assert_eq(vclock_read_pair(v, &vc, &rt, &win), 0);
	/* 2 ms initially, +100 ppm since: within 2 ms + a few us */
	cr_assert_geq(vc - rt, 2000000 - 5000);
	cr_assert_leq(vc - rt, 2000000 + 50000);

	struct vclock *w = vclock_open(name, &err); /* a second mapping sees the same clock */
	cr_assert_not_null(w);
	cr_assert_eq(vclock_step(w, -2000000), 0);
	cr_assert_eq(vclock_adjfreq(w, -100000.0), 0);
	cr_assert_eq(vclock_read_pair(v, &vc, &rt, &win), 0);
	cr_assert_lt(llabs(vc - rt), 50000, "error after step %lld", (long long)(vc - rt));
	double f;
	cr_assert_eq(vclock_getfreq(v, &f), 0);
	cr_assert_float_eq(f, -100000.0, 1e-9);
	cr_assert_eq(vclock_adjfreq(w, 1e9), -ERANGE);

	/* vclock_from_realtime agrees with a direct pair read */
	tmv_t mapped;
	cr_assert_eq(vclock_read_pair(v, &vc, &rt, &win), 0);
	cr_assert_eq(vclock_from_realtime(v, rt, &mapped), 0);
	cr_assert_lt(llabs(mapped - vc), 2000 + win, "mapped %lld vc %lld", (long long)mapped,
	             (long long)vc);
	vclock_close(w);
	vclock_close(v);
	cr_assert_eq(vclock_remove(name), 0);
	cr_assert_null(vclock_open(name, &err));
	cr_assert_eq(err, -ENOENT);
	cr_assert_eq(vclock_remove(name), -ENOENT);
}

Test(vclock, bad_names)
{
	char buf[256];
	int err = 0;
	struct vclock_params prm = {0};
	cr_assert_eq(vclock_path("", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(vclock_path("a b", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(vclock_path("x$", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(
	        vclock_path("0123456789012345678901234567890123456789012345678", buf, sizeof(buf)),
	        -EINVAL);
	cr_assert_eq(vclock_path("gm.0_a-b", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "/dev/shm/tsync-vclock.gm.0_a-b");
	cr_assert_null(vclock_create("bad name", &prm, &err));
	cr_assert_eq(err, -EINVAL);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

Test(vclock, truncated_wrong_magic_and_version_files)
{
	char path[64];
	struct tsync_vclock_page p;
	struct vclock_params prm = {0};
	int err = 0;
	snprintf(path, sizeof(path), "/tmp/tsync-vclock-unit-%d", (int)getpid());
	vclock_model_init(&p, "f", &prm, 0, 0);

	write_file(path, &p, sizeof(p) / 2);
	cr_assert_null(vclock_open(path, &err));
	cr_assert_eq(err, -EBADMSG);
	cr_assert_str_eq(vclock_strerror(err), "vclock file is truncated (shorter than its page)");

	write_file(path, "", 0);
	cr_assert_null(vclock_open(path, &err));
	cr_assert_eq(err, -EBADMSG);

	p.magic = 0x12345678;
	write_file(path, &p, sizeof(p));
	cr_assert_null(vclock_open(path, &err));
	cr_assert_eq(err, -EPROTO);

	p.magic = TSYNC_VCLOCK_MAGIC;
	p.version = 7;
	write_file(path, &p, sizeof(p));
	cr_assert_null(vclock_open(path, &err));
	cr_assert_eq(err, -EPROTONOSUPPORT);

	p.version = TSYNC_VCLOCK_VERSION;
	write_file(path, &p, sizeof(p));
	struct vclock *v = vclock_open(path, &err);
	cr_assert_not_null(v, "a valid file written by hand opens: %s", vclock_strerror(err));
	vclock_close(v);
	unlink(path);
}

Test(vclock, read_only_file_refuses_adjustments, .init = make_name, .fini = cleanup)
{
	char path[256];
	struct vclock_params prm = {0};
	int err = 0;
	struct vclock *v = vclock_create(name, &prm, &err);
	cr_assert_not_null(v);
	vclock_close(v);
	cr_assert_eq(vclock_path(name, path, sizeof(path)), 0);
	chmod(path, 0444);
	/* root ignores file modes: open it from a child that dropped to an unprivileged user */
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(10);
		v = vclock_open(name, &err);
		if (!v)
			_exit(11);
		tmv_t t;
		int rc = vclock_step(v, 1) == -EROFS && vclock_adjfreq(v, 1.0) == -EROFS &&
		                         vclock_gettime(v, &t) == 0
		                 ? 0
		                 : 12;
		vclock_close(v);
		_exit(rc);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "child died");
	cr_assert_eq(WEXITSTATUS(st), 0,
	             "child exit %d: 10 no setuid, 11 open failed, 12 adjustments not refused",
	             WEXITSTATUS(st));
}

/* A writer process steps the clock +1 s and -1 s alternately while this process takes
 * snapshots. Every consistent page satisfies: n_step odd <=> base_ns - base_raw_ns is 1 s above
 * its initial value. A torn copy (n_step from one update, base_ns from another) breaks it. */
Test(vclock, seqlock_consistent_across_processes, .init = make_name, .fini = cleanup)
{
	struct vclock_params prm = {.nat_ppm = 10.0, .wander_ppb = 100.0, .seed = 3};
	struct tsync_vclock_page snap;
	int err = 0;
	struct vclock *v = vclock_create(name, &prm, &err);
	cr_assert_not_null(v);
	cr_assert_eq(vclock_snapshot(v, &snap), 0);
	const tmv_t d0 = snap.base_ns - snap.base_raw_ns;
	enum { STEPS = 20000 };
	int go[2];
	cr_assert_eq(pipe(go), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char c;
		struct vclock *w = vclock_open(name, &err);
		/* start together with the reader, or a fast child finishes before it looks */
		if (!w || read(go[0], &c, 1) != 1)
			_exit(1);
		for (int i = 0; i < STEPS; i++) {
			/* a seqlock favours writers: leave readers a few us between updates, as a
			 * daemon adjusting at any sane rate does */
			tmv_t t0, t;
			tmv_clock_read(CLOCK_MONOTONIC, &t0);
			do
				tmv_clock_read(CLOCK_MONOTONIC, &t);
			while (t - t0 < 2000);
			vclock_step(w, (i & 1) ? -NS_PER_SEC : NS_PER_SEC);
		}
		vclock_close(w);
		_exit(0);
	}
	long bad = 0, odd = 0, n = 0;
	int st;
	cr_assert_eq(write(go[1], "g", 1), 1);
	/* read until the writer is done (bounded by its steps, not by a read count) */
	for (;; n++) {
		if (vclock_snapshot(v, &snap)) {
			bad++;
			break;
		}
		bool stepped = (snap.base_ns - snap.base_raw_ns) - d0 > NS_PER_SEC / 2;
		if (stepped != (bool)(snap.n_step & 1))
			bad++;
		odd += snap.n_step & 1;
		if (snap.n_step >= STEPS || ((n & 1023) == 0 && waitpid(pid, &st, WNOHANG) == pid))
			break;
	}
	if (waitpid(pid, &st, 0) < 0 && errno != ECHILD)
		cr_assert_fail("waitpid: %s", strerror(errno));
	cr_assert_eq(vclock_snapshot(v, &snap), 0);
	vclock_close(v);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_eq(snap.n_step, STEPS);
	close(go[0]);
	close(go[1]);
	cr_assert_eq(snap.seq % 2, 0);
	cr_assert_eq(bad, 0, "%ld of %ld snapshots were torn", bad, n);
	cr_assert_gt(odd, 0, "the reader never overlapped the writer: the test proved nothing");
}

Test(vclock, stuck_writer_is_reported_not_hung, .init = make_name, .fini = cleanup, .timeout = 60)
{
	struct vclock_params prm = {0};
	int err = 0;
	struct vclock *v = vclock_create(name, &prm, &err);
	struct tsync_vclock_page *raw;
	char path[256];
	cr_assert_not_null(v);
	vclock_close(v);
	/* simulate a writer that died inside its critical section: seq left odd */
	vclock_path(name, path, sizeof(path));
	int fd = open(path, O_RDWR);
	cr_assert_geq(fd, 0);
	raw = mmap(NULL, sizeof(*raw), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	cr_assert_neq(raw, MAP_FAILED);
	raw->seq |= 1;
	v = vclock_open(name, &err);
	cr_assert_not_null(v);
	tmv_t t;
	cr_assert_eq(vclock_gettime(v, &t), -EDEADLK);
	cr_assert_eq(vclock_step(v, 1), -EDEADLK);
	vclock_close(v);
	munmap(raw, sizeof(*raw));
}
