// SPDX-License-Identifier: MIT
/* vmclockd's control socket never blocks its reactor: a client that sends half a line, or
 * nothing, or never reads, holds no other client up; the half line is answered with an error at
 * the deadline and not run; connections beyond the limit are closed at once. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_srv.h"
#include "tsync/ipc.h"
#include "tsync/reactor.h"
#include "vmclockd.h"

static char path[64];

static int client(void)
{
	int fd = ipc_connect(path, SOCK_STREAM, IPC_BLOCKING, 2000);
	cr_assert_geq(fd, 0, "%s", ipc_strerror(fd));
	return fd;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* run the reactor until fd has something to read (or EOF), at most ms; the elapsed ms */
static double serve_until_readable(struct reactor *r, int fd, double ms)
{
	double t0 = now_ms();
	while (now_ms() - t0 < ms) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 0) == 1)
			break;
		cr_assert_geq(reactor_run_once(r, 10), 0);
	}
	return now_ms() - t0;
}

static ssize_t read_reply(int fd, char *buf, size_t len)
{
	ssize_t k = recv(fd, buf, len - 1, MSG_DONTWAIT);
	buf[k > 0 ? k : 0] = 0;
	return k;
}

static struct vmclockd d;
static struct reactor *r;
static struct ctl_srv *srv;

static void setup(void)
{
	snprintf(path, sizeof(path), "/tmp/h7-ctl-srv-%d.sock", (int)getpid());
	d.est.maxerror_ns = 1000;
	r = reactor_create();
	cr_assert_not_null(r);
	srv = ctl_srv_create(&d, r, path, (gid_t)-1);
	cr_assert_not_null(srv, "%s", strerror(errno));
}

static void teardown(void)
{
	ctl_srv_destroy(srv);
	reactor_destroy(r);
	cr_assert_eq(access(path, F_OK), -1, "the socket is unlinked");
}

TestSuite(vmclock_ctl_srv, .init = setup, .fini = teardown);

Test(vmclock_ctl_srv, a_half_line_holds_no_one_up_and_is_not_run)
{
	char buf[1100];
	int slow = client(), idle = client();
	cr_assert_eq(send(slow, "qu", 2, 0), 2);
	cr_assert_geq(reactor_run_once(r, 10), 0);
	int fast = client();
	cr_assert_eq(send(fast, "status\n", 7, 0), 7);
	double ms = serve_until_readable(r, fast, 2000);
	cr_assert_lt(ms, 200, "the status reply took %.0f ms", ms);
	cr_assert_gt(read_reply(fast, buf, sizeof(buf)), 0);
	cr_assert(strncmp(buf, "ok ", 3) == 0, "%s", buf);
	/* the half line: refused at the deadline, and "qu" never ran as "quit" */
	ms = serve_until_readable(r, slow, 3000);
	cr_assert(ms > 300 && ms < 1500, "deadline after %.0f ms", ms);
	cr_assert_gt(read_reply(slow, buf, sizeof(buf)), 0);
	cr_assert(strstr(buf, "err no complete command line within 500 ms"), "%s", buf);
	serve_until_readable(r, idle, 1000);
	cr_assert_gt(read_reply(idle, buf, sizeof(buf)), 0);
	cr_assert(strncmp(buf, "err no complete", 15) == 0, "%s", buf);
	close(slow);
	close(idle);
	close(fast);
}

Test(vmclock_ctl_srv, a_line_past_1k_is_refused_not_cut)
{
	char big[1500], buf[1100];
	memset(big, 'x', sizeof(big));
	memcpy(big, "status ", 7);
	int c = client();
	cr_assert_eq(send(c, big, sizeof(big), 0), (ssize_t)sizeof(big));
	double ms = serve_until_readable(r, c, 2000);
	cr_assert_lt(ms, 300);
	cr_assert_gt(read_reply(c, buf, sizeof(buf)), 0);
	cr_assert(strncmp(buf, "err no complete", 15) == 0, "%s", buf);
	close(c);
}

Test(vmclock_ctl_srv, connections_beyond_the_limit_are_closed)
{
	int fds[CTL_SRV_MAX_CONNS + 1];
	char buf[64];
	for (int i = 0; i <= CTL_SRV_MAX_CONNS; i++) {
		fds[i] = client();
		cr_assert_geq(reactor_run_once(r, 10), 0);
	}
	/* the last one sees EOF at once, without waiting for the deadline */
	double ms = serve_until_readable(r, fds[CTL_SRV_MAX_CONNS], 1000);
	cr_assert_lt(ms, 200, "%.0f ms", ms);
	cr_assert_eq(read_reply(fds[CTL_SRV_MAX_CONNS], buf, sizeof(buf)), 0);
	/* the others are still served */
	cr_assert_eq(send(fds[0], "status\n", 7, 0), 7);
	serve_until_readable(r, fds[0], 1000);
	cr_assert_gt(read_reply(fds[0], buf, sizeof(buf)), 0);
	cr_assert(strncmp(buf, "ok ", 3) == 0, "%s", buf);
	for (int i = 0; i <= CTL_SRV_MAX_CONNS; i++)
		close(fds[i]);
}

Test(vmclock_ctl_srv, quit_stops_the_reactor)
{
	int c = client();
	cr_assert_eq(send(c, "quit\n", 5, 0), 5);
	/* reactor_run returns once the command ran */
	cr_assert_eq(reactor_run(r), 0);
	char buf[64];
	cr_assert_gt(read_reply(c, buf, sizeof(buf)), 0);
	cr_assert(strncmp(buf, "ok", 2) == 0, "%s", buf);
	close(c);
}

Test(vmclock_ctl_srv, a_file_at_the_path_is_left_alone)
{
	char p2[80];
	snprintf(p2, sizeof(p2), "%s.file", path);
	int fd = open(p2, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_null(ctl_srv_create(&d, r, p2, (gid_t)-1));
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(access(p2, F_OK), 0);
	unlink(p2);
}

Test(vmclock_ctl_srv, a_running_server_keeps_its_socket)
{
	cr_assert_null(ctl_srv_create(&d, r, path, (gid_t)-1), "a second vmclockd on the path");
	cr_assert_eq(errno, EADDRINUSE);
	int c = client(); /* the first one still answers */
	char buf[256];
	cr_assert_eq(send(c, "status\n", 7, 0), 7);
	cr_assert_lt(serve_until_readable(r, c, 2000), 2000);
	cr_assert_gt(read_reply(c, buf, sizeof(buf)), 2);
	cr_assert(!strncmp(buf, "ok", 2), "%s", buf);
	close(c);
}
