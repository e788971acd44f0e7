// SPDX-License-Identifier: MIT
/* chrony exports: wire layouts, SHM writer (fields, mode-1 protocol, unit in use, bad units),
 * SOCK writer (datagram content against a socket bound here, bad paths, errors).
 * SHM tests use units 70..89 (never a running chronyd's 0..3), one unit per test because
 * Criterion runs tests in parallel; every test removes its segment in the suite's fini. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "tsync/chrony.h"
#include "tsync/ipc.h"

/* ------------------------------------------------------------------ layouts */

Test(chrony_layout, shmTime_matches_ntpd_abi)
{
	cr_assert_eq(sizeof(struct shmTime), 96);
	cr_assert_eq(offsetof(struct shmTime, mode), 0);
	cr_assert_eq(offsetof(struct shmTime, count), 4);
	cr_assert_eq(offsetof(struct shmTime, clockTimeStampSec), 8);
	cr_assert_eq(offsetof(struct shmTime, clockTimeStampUSec), 16);
	cr_assert_eq(offsetof(struct shmTime, receiveTimeStampSec), 24);
	cr_assert_eq(offsetof(struct shmTime, receiveTimeStampUSec), 32);
	cr_assert_eq(offsetof(struct shmTime, leap), 36);
	cr_assert_eq(offsetof(struct shmTime, precision), 40);
	cr_assert_eq(offsetof(struct shmTime, nsamples), 44);
	cr_assert_eq(offsetof(struct shmTime, valid), 48);
	cr_assert_eq(offsetof(struct shmTime, clockTimeStampNSec), 52);
	cr_assert_eq(offsetof(struct shmTime, receiveTimeStampNSec), 56);
	cr_assert_eq(offsetof(struct shmTime, dummy), 60);
	cr_assert_eq(CHRONY_SHM_KEY(0), 0x4e545030);
	cr_assert_eq(CHRONY_SHM_KEY(3), 0x4e545033);
}

Test(chrony_layout, sock_sample_matches_chrony_abi)
{
	cr_assert_eq(sizeof(struct sock_sample), 40);
	cr_assert_eq(offsetof(struct sock_sample, tv), 0);
	cr_assert_eq(offsetof(struct sock_sample, offset), 16);
	cr_assert_eq(offsetof(struct sock_sample, pulse), 24);
	cr_assert_eq(offsetof(struct sock_sample, leap), 28);
	cr_assert_eq(offsetof(struct sock_sample, _pad), 32);
	cr_assert_eq(offsetof(struct sock_sample, magic), 36);
	cr_assert_eq(CHRONY_SOCK_MAGIC, 0x534f434b);
}

/* ------------------------------------------------------------------ SHM */

static int test_unit = -1;

static void shm_fini(void)
{
	if (test_unit >= 0)
		chrony_shm_remove(test_unit);
}

/* Claim `unit` for this test: remove a leftover segment, remember it for the fini. */
static int use_unit(int unit)
{
	test_unit = unit;
	chrony_shm_remove(unit);
	return unit;
}

/* Attach the segment the way a reader (chronyd) does, independent of the writer's handle. */
static volatile struct shmTime *reader_attach(int unit)
{
	int id = shmget(CHRONY_SHM_KEY(unit), sizeof(struct shmTime), 0);
	void *p;

	cr_assert_geq(id, 0, "shmget: %s", strerror(errno));
	p = shmat(id, NULL, 0);
	cr_assert_neq(p, (void *)-1, "shmat: %s", strerror(errno));
	return p;
}

/* chrony 4.3's shm_poll acceptance rule: returns 1 and the sample if accepted. */
static int reader_poll(volatile struct shmTime *shm, struct shmTime *t)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(t, (const void *)shm, sizeof(*t));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if ((t->mode == 1 && t->count != shm->count) || !(t->mode == 0 || t->mode == 1) ||
	    !t->valid)
		return 0;
	shm->valid = 0;
	return 1;
}

static tmv_t shm_clock_ns(const struct shmTime *t)
{
	return (tmv_t)t->clockTimeStampSec * NS_PER_SEC + t->clockTimeStampNSec;
}

static tmv_t shm_receive_ns(const struct shmTime *t)
{
	return (tmv_t)t->receiveTimeStampSec * NS_PER_SEC + t->receiveTimeStampNSec;
}

TestSuite(chrony_shm, .fini = shm_fini);

Test(chrony_shm, write_fields_mode1)
{
	int unit = use_unit(70), err = 0, count0;
	struct chrony_shm *c = chrony_shm_open(unit, &err);
	volatile struct shmTime *r;
	tmv_t clk = 1700000000LL * NS_PER_SEC + 123456789; /* reference */
	tmv_t rcv = 1700000000LL * NS_PER_SEC + 122456000; /* system: 1.000789 ms behind */

	cr_assert_not_null(c, "open: %s", strerror(-err));
	cr_assert_eq(chrony_shm_unit(c), unit);
	r = reader_attach(unit);
	count0 = r->count;
	cr_assert_eq(chrony_shm_consumed(c), 1, "nothing written yet");

	cr_assert_eq(chrony_shm_write(c, clk, rcv, CHRONY_LEAP_INSERT, -20), 0);
	cr_assert_eq(r->mode, 1);
	cr_assert_eq(r->count, count0 + 2, "count goes up by 2 per write");
	cr_assert_eq(r->valid, 1);
	cr_assert_eq(r->clockTimeStampSec, 1700000000);
	cr_assert_eq(r->clockTimeStampUSec, 123456);
	cr_assert_eq(r->clockTimeStampNSec, 123456789);
	cr_assert_eq(r->receiveTimeStampSec, 1700000000);
	cr_assert_eq(r->receiveTimeStampUSec, 122456);
	cr_assert_eq(r->receiveTimeStampNSec, 122456000);
	cr_assert_eq(r->leap, 1);
	cr_assert_eq(r->precision, -20);
	cr_assert_eq(chrony_shm_consumed(c), 0);

	/* chrony's acceptance rule takes it, and then the writer sees it consumed */
	struct shmTime t;
	cr_assert_eq(reader_poll(r, &t), 1);
	cr_assert_eq(shm_clock_ns(&t) - shm_receive_ns(&t), 1000789,
	             "raw offset = clock - receive");
	cr_assert_eq(chrony_shm_consumed(c), 1);
	cr_assert_eq(reader_poll(r, &t), 0, "a sample is read once");

	/* second write: count again +2, new fields, other leap values */
	cr_assert_eq(chrony_shm_write(c, clk + NS_PER_SEC, rcv + NS_PER_SEC, CHRONY_LEAP_NONE, -30),
	             0);
	cr_assert_eq(r->count, count0 + 4);
	cr_assert_eq(r->clockTimeStampSec, 1700000001);
	cr_assert_eq(r->leap, 0);
	cr_assert_eq(r->precision, -30);
	cr_assert_eq(chrony_shm_write(c, clk, rcv, CHRONY_LEAP_DELETE, 0), 0);
	cr_assert_eq(r->leap, 2);
	cr_assert_eq(chrony_shm_write(c, clk, rcv, CHRONY_LEAP_UNSYNC, 0), 0);
	cr_assert_eq(r->leap, 3);

	chrony_shm_close(c);
	cr_assert_eq(r->valid, 0, "close withdraws the pending sample");
	shmdt((const void *)r);
}

Test(chrony_shm, second_boundaries_and_us_ns_consistency)
{
	int unit = use_unit(71), err = 0;
	struct chrony_shm *c = chrony_shm_open(unit, &err);
	volatile struct shmTime *r;

	cr_assert_not_null(c, "open: %s", strerror(-err));
	r = reader_attach(unit);
	/* reference just past a second, system just before it: offset crosses the boundary */
	cr_assert_eq(chrony_shm_write(c, 5 * NS_PER_SEC + 999, 4 * NS_PER_SEC + 999999999, 0, -20),
	             0);
	cr_assert_eq(r->clockTimeStampSec, 5);
	cr_assert_eq(r->clockTimeStampUSec, 0);
	cr_assert_eq(r->clockTimeStampNSec, 999);
	cr_assert_eq(r->receiveTimeStampSec, 4);
	cr_assert_eq(r->receiveTimeStampUSec, 999999);
	cr_assert_eq(r->receiveTimeStampNSec, 999999999);
	/* chrony uses the ns fields only if ns / 1000 == us for both */
	cr_assert_eq(r->clockTimeStampNSec / 1000, r->clockTimeStampUSec);
	cr_assert_eq(r->receiveTimeStampNSec / 1000, r->receiveTimeStampUSec);
	struct shmTime t;
	cr_assert_eq(reader_poll(r, &t), 1);
	cr_assert_eq(shm_clock_ns(&t) - shm_receive_ns(&t), 1000);
	chrony_shm_close(c);
	shmdt((const void *)r);
}

Test(chrony_shm, write_rejects_bad_arguments)
{
	int unit = use_unit(72), err = 0;
	struct chrony_shm *c = chrony_shm_open(unit, &err);
	volatile struct shmTime *r;
	tmv_t t = 1700000000LL * NS_PER_SEC;

	cr_assert_not_null(c, "open: %s", strerror(-err));
	r = reader_attach(unit);
	cr_assert_eq(chrony_shm_write(c, t, t, -1, -20), -EINVAL);
	cr_assert_eq(chrony_shm_write(c, t, t, 4, -20), -EINVAL);
	cr_assert_eq(chrony_shm_write(c, t, t, 0, 1), -EINVAL);
	cr_assert_eq(chrony_shm_write(c, t, t, 0, -31), -EINVAL);
	cr_assert_eq(chrony_shm_write(c, -1, t, 0, -20), -ERANGE);
	cr_assert_eq(chrony_shm_write(c, t, -NS_PER_SEC, 0, -20), -ERANGE);
	cr_assert_eq(r->valid, 0, "a rejected write publishes nothing");
	cr_assert_eq(chrony_shm_consumed(c), 1);
	chrony_shm_close(c);
	shmdt((const void *)r);
}

Test(chrony_shm, bad_unit_numbers)
{
	int err = 0;

	errno = 0;
	cr_assert_null(chrony_shm_open(-1, &err));
	cr_assert_eq(err, -EINVAL);
	cr_assert_eq(errno, EINVAL, "errno too (tsync/errors.h)");
	err = 0;
	cr_assert_null(chrony_shm_open(CHRONY_SHM_UNIT_MAX + 1, &err));
	cr_assert_eq(err, -EINVAL);
	cr_assert_null(chrony_shm_open(INT_MAX, NULL), "err may be NULL");
	cr_assert_null(chrony_shm_open(INT_MIN, NULL));
	cr_assert_eq(chrony_shm_remove(-1), -EINVAL);
	cr_assert_eq(chrony_shm_remove(CHRONY_SHM_UNIT_MAX + 1), -EINVAL);
	use_unit(73);
	cr_assert_eq(chrony_shm_remove(73), -ENOENT, "no segment to remove");
}

Test(chrony_shm, unit_in_use_same_process)
{
	int unit = use_unit(74), err = 0;
	struct chrony_shm *a = chrony_shm_open(unit, &err), *b;

	cr_assert_not_null(a, "open: %s", strerror(-err));
	b = chrony_shm_open(unit, &err);
	cr_assert_null(b, "a second writer on one unit is refused");
	cr_assert_eq(err, -EBUSY);
	chrony_shm_close(a);
	b = chrony_shm_open(unit, &err);
	cr_assert_not_null(b, "free again after close: %s", strerror(-err));
	chrony_shm_close(b);
}

Test(chrony_shm, unit_in_use_other_process)
{
	int unit = use_unit(75), err = 0, p2c[2], c2p[2], status;
	struct chrony_shm *c;
	char ch;
	pid_t pid;

	cr_assert_eq(pipe(p2c), 0);
	cr_assert_eq(pipe(c2p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct chrony_shm *h = chrony_shm_open(unit, NULL);
		ch = h ? 'y' : 'n';
		if (write(c2p[1], &ch, 1) != 1 || read(p2c[0], &ch, 1) != 1)
			_exit(2);
		chrony_shm_close(h);
		_exit(h ? 0 : 1);
	}
	cr_assert_eq(read(c2p[0], &ch, 1), 1);
	cr_assert_eq(ch, 'y', "child could not open the unit");
	c = chrony_shm_open(unit, &err);
	cr_assert_null(c, "unit held by another process");
	cr_assert_eq(err, -EBUSY);
	cr_assert_eq(write(p2c[1], "x", 1), 1);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	c = chrony_shm_open(unit, &err);
	cr_assert_not_null(c, "the lock dies with its holder: %s", strerror(-err));
	chrony_shm_close(c);
}

Test(chrony_shm, unit_in_use_foreign_segment_size)
{
	int err = 0, id;

	/* bigger than a shmTime */
	use_unit(76);
	id = shmget(CHRONY_SHM_KEY(76), 4096, IPC_CREAT | IPC_EXCL | 0600);
	cr_assert_geq(id, 0, "shmget: %s", strerror(errno));
	cr_assert_null(chrony_shm_open(76, &err));
	cr_assert_eq(err, -EEXIST);
	cr_assert_eq(chrony_shm_remove(76), 0);

	/* smaller than a shmTime */
	id = shmget(CHRONY_SHM_KEY(76), 16, IPC_CREAT | IPC_EXCL | 0600);
	cr_assert_geq(id, 0, "shmget: %s", strerror(errno));
	err = 0;
	cr_assert_null(chrony_shm_open(76, &err));
	cr_assert_eq(err, -EEXIST);
	/* and the lock was released on that failure path */
	cr_assert_eq(chrony_shm_remove(76), 0);
	struct chrony_shm *c = chrony_shm_open(76, &err);
	cr_assert_not_null(c, "open: %s", strerror(-err));
	chrony_shm_close(c);
}

Test(chrony_shm, attaches_segment_created_by_reader)
{
	int unit = use_unit(77), err = 0, id;
	struct chrony_shm *c;
	struct shmid_ds ds;

	/* chronyd creates the segment itself at start-up: 96 bytes, 0600 */
	id = shmget(CHRONY_SHM_KEY(unit), sizeof(struct shmTime), IPC_CREAT | IPC_EXCL | 0600);
	cr_assert_geq(id, 0, "shmget: %s", strerror(errno));
	c = chrony_shm_open(unit, &err);
	cr_assert_not_null(c, "open: %s", strerror(-err));
	cr_assert_eq(shmctl(id, IPC_STAT, &ds), 0);
	cr_assert_eq(ds.shm_nattch, 1);
	chrony_shm_close(c);
	cr_assert_eq(shmctl(id, IPC_STAT, &ds), 0, "close keeps the segment");
	cr_assert_eq(ds.shm_nattch, 0);
	cr_assert_eq(chrony_shm_remove(unit), 0);
	cr_assert_eq(shmctl(id, IPC_STAT, &ds), -1, "remove deletes it");
}

/* Writer thread publishes sample i as clock = B + i*K, receive = clock - i; a reader using
 * chrony's rule must never accept a torn copy (whose receive does not match its clock). */
struct race {
	struct chrony_shm *c;
	volatile int stop;
	long written;
};

#define RACE_B (1700000000LL * NS_PER_SEC)
#define RACE_K 1000003LL

static void *race_writer(void *arg)
{
	struct race *r = arg;
	long i;

	for (i = 1; !r->stop; i++)
		chrony_shm_write(r->c, RACE_B + i * RACE_K, RACE_B + i * RACE_K - i, 0, -20);
	r->written = i;
	return NULL;
}

Test(chrony_shm, mode1_reader_never_sees_torn_sample)
{
	int unit = use_unit(78), err = 0;
	struct race r = {0};
	volatile struct shmTime *shm;
	struct shmTime t;
	pthread_t th;
	long accepted = 0, polls = 0;
	tmv_t end;
	struct timespec ts;

	r.c = chrony_shm_open(unit, &err);
	cr_assert_not_null(r.c, "open: %s", strerror(-err));
	shm = reader_attach(unit);
	cr_assert_eq(pthread_create(&th, NULL, race_writer, &r), 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = tmv_from_timespec(ts) + 300 * NS_PER_MS;
	do {
		polls++;
		if (reader_poll(shm, &t)) {
			tmv_t clk = shm_clock_ns(&t), rcv = shm_receive_ns(&t);
			long i = (long)((clk - RACE_B) / RACE_K);

			accepted++;
			cr_assert_eq(clk, RACE_B + i * RACE_K, "torn clock %lld", (long long)clk);
			cr_assert_eq(clk - rcv, i, "torn sample %ld: offset %lld", i,
			             (long long)(clk - rcv));
			cr_assert_eq(t.clockTimeStampNSec / 1000, t.clockTimeStampUSec);
			cr_assert_eq(t.receiveTimeStampNSec / 1000, t.receiveTimeStampUSec);
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
	} while (tmv_from_timespec(ts) < end);
	r.stop = 1;
	pthread_join(th, NULL);
	cr_log_info("race: %ld writes, %ld polls, %ld accepted", r.written, polls, accepted);
	cr_assert_gt(accepted, 0);
	chrony_shm_close(r.c);
	shmdt((const void *)shm);
}

/* ------------------------------------------------------------------ SOCK */

static char sock_dir[64];
static char sock_path[128];

static void sock_init(void)
{
	strcpy(sock_dir, "/tmp/tsync-chrony-test.XXXXXX");
	cr_assert_not_null(mkdtemp(sock_dir));
	snprintf(sock_path, sizeof(sock_path), "%s/chrony.sock", sock_dir);
}

static void sock_fini(void)
{
	char p[160];

	unlink(sock_path);
	snprintf(p, sizeof(p), "%s/file", sock_dir);
	unlink(p);
	rmdir(sock_dir);
}

/* Bind a datagram socket at path, like chronyd's SOCK driver does. */
static int bind_at(const char *path, int type)
{
	struct ipc_listen_opts o = {.type = type, .backlog = 1, .flags = IPC_BLOCKING};
	int fd = ipc_listen(path, &o);

	cr_assert_geq(fd, 0, "bind: %s", ipc_strerror(fd));
	return fd;
}

static void recv_sample(int fd, struct sock_sample *s)
{
	char buf[128];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	cr_assert_eq(n, 40, "datagram of %zd bytes", n);
	memcpy(s, buf, sizeof(*s));
}

TestSuite(chrony_sock, .init = sock_init, .fini = sock_fini);

Test(chrony_sock, datagram_content)
{
	int fd = bind_at(sock_path, SOCK_DGRAM), err = 0;
	struct chrony_sock *s = chrony_sock_open(sock_path, &err);
	struct sock_sample smp;
	unsigned char raw[40];

	cr_assert_not_null(s, "open: %s", strerror(-err));
	cr_assert_eq(chrony_sock_send(s, 1700000000LL * NS_PER_SEC + 123456789, -2.5e-4,
	                              CHRONY_LEAP_INSERT),
	             0);
	recv_sample(fd, &smp);
	cr_assert_eq(smp.tv.tv_sec, 1700000000);
	cr_assert_eq(smp.tv.tv_usec, 123456, "µs truncated");
	cr_assert_eq(smp.offset, -2.5e-4, "offset passed through exactly");
	cr_assert_eq(smp.pulse, 0);
	cr_assert_eq(smp.leap, 1);
	cr_assert_eq(smp._pad, 0);
	cr_assert_eq(smp.magic, 0x534f434b);
	memcpy(raw, &smp, sizeof(raw));
	cr_assert_eq(raw[36], 0x4b, "magic in host (little-endian) order: 'K'");

	cr_assert_eq(chrony_sock_send(s, 0, 1e-3, CHRONY_LEAP_DELETE), 0);
	recv_sample(fd, &smp);
	cr_assert_eq(smp.tv.tv_sec, 0);
	cr_assert_eq(smp.tv.tv_usec, 0);
	cr_assert_eq(smp.offset, 1e-3);
	cr_assert_eq(smp.leap, 2);
	chrony_sock_close(s);
	close(fd);
}

Test(chrony_sock, send_rejects_bad_arguments)
{
	int fd = bind_at(sock_path, SOCK_DGRAM), err = 0;
	struct chrony_sock *s = chrony_sock_open(sock_path, &err);
	char buf[64];

	cr_assert_not_null(s, "open: %s", strerror(-err));
	cr_assert_eq(chrony_sock_send(s, NS_PER_SEC, 0.0, 3), -EINVAL, "SOCK leap is 0..2");
	cr_assert_eq(chrony_sock_send(s, NS_PER_SEC, 0.0, -1), -EINVAL);
	cr_assert_eq(chrony_sock_send(s, NS_PER_SEC, NAN, 0), -EINVAL);
	cr_assert_eq(chrony_sock_send(s, NS_PER_SEC, INFINITY, 0), -EINVAL);
	cr_assert_eq(chrony_sock_send(s, NS_PER_SEC, 2e9, 0), -EINVAL);
	cr_assert_eq(chrony_sock_send(s, -1, 0.0, 0), -ERANGE);
	cr_assert_eq(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1, "nothing was sent");
	cr_assert_eq(errno, EAGAIN);
	chrony_sock_close(s);
	close(fd);
}

Test(chrony_sock, bad_paths)
{
	char longp[200];
	int err = 0, fd;

	cr_assert_null(chrony_sock_open(NULL, &err));
	cr_assert_eq(err, -EINVAL);
	cr_assert_null(chrony_sock_open("", &err));
	cr_assert_eq(err, -EINVAL);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = 0;
	cr_assert_null(chrony_sock_open(longp, &err));
	cr_assert_eq(err, -ENAMETOOLONG);
	cr_assert_eq(errno, ENAMETOOLONG, "errno too (tsync/errors.h)");
	cr_assert_null(chrony_sock_open(sock_path, &err), "chronyd not running");
	cr_assert_eq(err, -ENOENT);
	cr_assert_null(chrony_sock_open("/nonexistent-dir/chrony.sock", NULL));

	/* a stale socket file: bound once, its owner gone */
	fd = bind_at(sock_path, SOCK_DGRAM);
	close(fd);
	cr_assert_null(chrony_sock_open(sock_path, &err));
	cr_assert_eq(err, -ECONNREFUSED);

	/* a stream socket is not chrony's */
	fd = bind_at(sock_path, SOCK_STREAM);
	cr_assert_null(chrony_sock_open(sock_path, &err));
	cr_assert_eq(err, -EPROTOTYPE);
	close(fd);

	/* a regular file */
	char p[160];
	snprintf(p, sizeof(p), "%s/file", sock_dir);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	err = 0;
	cr_assert_null(chrony_sock_open(p, &err));
	cr_assert_eq(err, -ECONNREFUSED, "got %d", err);
	chrony_sock_close(NULL);
}

Test(chrony_sock, full_queue_is_eagain_not_blocking)
{
	int fd = bind_at(sock_path, SOCK_DGRAM), err = 0, i, ret = 0;
	struct chrony_sock *s = chrony_sock_open(sock_path, &err);

	cr_assert_not_null(s, "open: %s", strerror(-err));
	for (i = 0; i < 100000; i++) {
		ret = chrony_sock_send(s, NS_PER_SEC, 0.0, 0);
		if (ret)
			break;
	}
	cr_assert_eq(ret, -EAGAIN, "after %d samples: %d", i, ret);
	chrony_sock_close(s);
	close(fd);
}

Test(chrony_sock, reconnects_after_chronyd_restart)
{
	int fd = bind_at(sock_path, SOCK_DGRAM), err = 0;
	struct chrony_sock *s = chrony_sock_open(sock_path, &err);
	struct sock_sample smp;

	cr_assert_not_null(s, "open: %s", strerror(-err));
	cr_assert_eq(chrony_sock_send(s, NS_PER_SEC, 1e-6, 0), 0);
	recv_sample(fd, &smp);
	close(fd); /* chronyd exits ... */
	cr_assert_eq(chrony_sock_send(s, NS_PER_SEC, 1e-6, 0), -ECONNREFUSED, "nobody there");
	fd = bind_at(sock_path, SOCK_DGRAM); /* ... and starts again: unlink + bind */
	cr_assert_eq(chrony_sock_send(s, 2 * NS_PER_SEC, 2e-6, 0), 0);
	recv_sample(fd, &smp);
	cr_assert_eq(smp.tv.tv_sec, 2);
	cr_assert_eq(smp.offset, 2e-6);
	chrony_sock_close(s);
	close(fd);
}
