// SPDX-License-Identifier: MIT
/* Unix sockets: bind over a stale socket but never over another file, the mode and the fd
 * flags, path-length errors, connect, peer credentials, datagram request/reply. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tsync/ipc.h"

static char dir[64], path[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tsync-ipc-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

TestSuite(ipc_unix, .init = setup, .fini = teardown);

Test(ipc_unix, listen_mode_flags_and_stale_socket)
{
	struct ipc_listen_opts o = {.type = SOCK_STREAM, .mode = 0600};
	int fd = ipc_listen(path, &o);
	cr_assert_geq(fd, 0, "%s", ipc_strerror(fd));
	struct stat st;
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_assert_eq(ipc_accept(fd), -EAGAIN, "nobody waiting: no wait either");
	cr_assert_eq(ipc_listen(path, &o), -EADDRINUSE, "a live server keeps its socket");
	cr_assert(strstr(ipc_strerror(-EADDRINUSE), "running server"));
	struct ipc_listen_opts od = {.type = SOCK_DGRAM};
	cr_assert_eq(ipc_listen(path, &od), -EADDRINUSE, "whatever the type asked");
	int probe; /* the server sees each probe as a client that hangs up at once */
	while ((probe = ipc_accept(fd)) >= 0) {
		char b;
		cr_assert_eq(recv(probe, &b, 1, 0), 0, "EOF");
		close(probe);
	}
	cr_assert_eq(probe, -EAGAIN);
	close(fd); /* the daemon died: its socket file stays */
	fd = ipc_listen(path, &o);
	cr_assert_geq(fd, 0, "a stale socket is replaced: %s", ipc_strerror(fd));
	int c = ipc_connect(path, SOCK_STREAM, 0, 500);
	cr_assert_geq(c, 0, "%s", ipc_strerror(c));
	cr_assert(fcntl(c, F_GETFL) & O_NONBLOCK);
	int a = ipc_accept(fd);
	cr_assert_geq(a, 0);
	int uid, pid;
	bool trusted;
	cr_assert_eq(ipc_peer(a, &uid, &pid, &trusted), 0);
	cr_assert_eq(uid, (int)geteuid());
	cr_assert_eq(pid, (int)getpid());
	cr_assert(trusted);
	close(a);
	close(c);
	close(fd);
	unlink(path);

	int f = open(path, O_CREAT | O_WRONLY, 0600);
	cr_assert_geq(f, 0);
	close(f);
	cr_assert_eq(ipc_listen(path, &o), -EEXIST, "a regular file is never replaced");
	cr_assert_eq(access(path, F_OK), 0);
}

Test(ipc_unix, blocking_and_group)
{
	struct ipc_listen_opts o = {.type = SOCK_DGRAM,
	                            .mode = 0600,
	                            .flags = IPC_BLOCKING,
	                            .gid = getegid(),
	                            .group_set = true};
	int fd = ipc_listen(path, &o);
	cr_assert_geq(fd, 0, "%s", ipc_strerror(fd));
	cr_assert_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	cr_assert_eq(ipc_listen(path, &o), -EADDRINUSE, "a live datagram server too");
	struct stat st;
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0660, "a group opens it to 0660");
	cr_assert_eq(st.st_gid, getegid());
	close(fd);
}

Test(ipc_unix, path_errors_are_named)
{
	char longp[200];
	memset(longp, 'p', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = 0;
	struct ipc_listen_opts o = {.type = SOCK_STREAM};
	cr_assert_eq(ipc_listen(longp, &o), -ENAMETOOLONG);
	cr_assert_eq(ipc_connect(longp, SOCK_STREAM, 0, 100), -ENAMETOOLONG);
	cr_assert_eq(ipc_dgram_request(longp, "x", 1, (char[8]){0}, 8, 10), -ENAMETOOLONG);
	cr_assert(strstr(ipc_strerror(-ENAMETOOLONG), "107"), "%s", ipc_strerror(-ENAMETOOLONG));
	longp[IPC_PATH_MAX] = 0; /* exactly the longest path: not a length error */
	cr_assert_neq(ipc_connect(longp, SOCK_STREAM, 0, 100), -ENAMETOOLONG);
	cr_assert_eq(ipc_listen("", &o), -EINVAL);
	cr_assert_eq(ipc_connect(path, SOCK_STREAM, 0, 100), -ENOENT);
	o.type = SOCK_RAW;
	cr_assert_eq(ipc_listen(path, &o), -EINVAL);
}

Test(ipc_unix, connect_times_out_on_a_full_backlog)
{
	struct ipc_listen_opts o = {.type = SOCK_STREAM, .backlog = 1};
	int fd = ipc_listen(path, &o);
	cr_assert_geq(fd, 0);
	int held[4], n = 0, err = 0;
	while (n < 4 && (err = ipc_connect(path, SOCK_STREAM, 0, 200)) >= 0)
		held[n++] = err;
	cr_assert_eq(err, -ETIMEDOUT, "the backlog fills and connect gives up: %s",
	             ipc_strerror(err));
	while (n)
		close(held[--n]);
	close(fd);
}

Test(ipc_unix, dgram_request_reply)
{
	struct ipc_listen_opts o = {.type = SOCK_DGRAM, .mode = 0600};
	int srv = ipc_listen(path, &o);
	cr_assert_geq(srv, 0);
	char reply[8];
	cr_assert_eq(ipc_dgram_request(path, "ping", 4, reply, sizeof(reply), 50), -ETIMEDOUT);
	char b[16];
	cr_assert_eq(recv(srv, b, sizeof(b), MSG_DONTWAIT), 4, "the unanswered ping");
	pid_t child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) { /* answer one request to its sender */
		struct pollfd p = {.fd = srv, .events = POLLIN};
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		if (poll(&p, 1, 2000) == 1 &&
		    recvfrom(srv, b, sizeof(b), 0, (struct sockaddr *)&from, &fl) > 0)
			sendto(srv, "pong and more", 13, 0, (struct sockaddr *)&from, fl);
		_exit(0);
	}
	int n = ipc_dgram_request(path, "ping", 4, reply, sizeof(reply), 2000);
	cr_assert_eq(n, 7, "cut at the buffer: %d", n);
	cr_assert_str_eq(reply, "pong an");
	int c = ipc_dgram_client(0);
	cr_assert_geq(c, 0);
	cr_assert_eq(ipc_sendto(c, "/nonexistent/s", "x", 1), -ENOENT);
	close(c);
	close(srv);
}

Test(ipc_unix, abstract_lock)
{
	char name[64];
	snprintf(name, sizeof(name), "tsync-test-lock-%d", (int)getpid());
	int a = ipc_abstract_lock(name);
	cr_assert_geq(a, 0, "%s", ipc_strerror(a));
	cr_assert_eq(ipc_abstract_lock(name), -EBUSY, "held");
	close(a);
	a = ipc_abstract_lock(name);
	cr_assert_geq(a, 0, "freed by close");
	close(a);
	cr_assert_eq(ipc_abstract_lock(""), -EINVAL);
}
