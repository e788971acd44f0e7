// SPDX-License-Identifier: MIT
/* Unix-domain sockets for control and management sockets: see include/tsync/ipc.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tsync/ipc.h"

_Static_assert(IPC_PATH_MAX == sizeof(((struct sockaddr_un *)0)->sun_path) - 1,
               "IPC_PATH_MAX is sun_path less its NUL");

static int addr_of(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (!path || !*path)
		return -EINVAL;
	size_t n = strlen(path);
	if (n > IPC_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, n + 1);
	return 0;
}

static int new_socket(int type, int flags)
{
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | (flags & IPC_BLOCKING ? 0 : SOCK_NONBLOCK),
	                0);
	return fd < 0 ? -errno : fd;
}

static int fail(int fd, int err)
{
	close(fd);
	return err;
}

/* Whether a server answers at the socket file sa names: a stale file (its server died)
 * refuses connections; a live one accepts them, or is of another type, or its backlog is
 * full, or it is closed to us (then it is not ours to take either). */
static bool in_use(const struct sockaddr_un *sa)
{
	static const int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return false;
		int r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? errno : 0;
		close(fd);
		if (r == ECONNREFUSED || r == ENOENT)
			return false;
		if (r != EPROTOTYPE)
			return true;
	}
	return false;
}

int ipc_listen(const char *path, const struct ipc_listen_opts *o)
{
	struct sockaddr_un sa;
	int err = addr_of(path, &sa);
	if (err)
		return err;
	if (o->type != SOCK_STREAM && o->type != SOCK_DGRAM)
		return -EINVAL;
	int fd = new_socket(o->type, o->flags);
	if (fd < 0)
		return fd;
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return fail(fd,
			            -EEXIST); /* only a stale socket is replaced, never a file */
		if (in_use(&sa))
			return fail(fd, -EADDRINUSE); /* a live server keeps its socket */
		unlink(path);
	}
	/* Linux gives the socket file the mode of the socket's inode (less the umask): set
	 * before bind, the file is never more open than asked */
	if (o->mode && fchmod(fd, o->mode))
		return fail(fd, -errno);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fail(fd, -errno);
	if (o->group_set && (chown(path, (uid_t)-1, o->gid) || chmod(path, 0660)))
		err = -errno;
	if (!err && o->type == SOCK_STREAM && listen(fd, o->backlog > 0 ? o->backlog : 8))
		err = -errno;
	if (err) {
		unlink(path);
		return fail(fd, err);
	}
	return fd;
}

int ipc_accept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

int ipc_connect(const char *path, int type, int flags, int timeout_ms)
{
	struct sockaddr_un sa;
	int err = addr_of(path, &sa);
	if (err)
		return err;
	/* connect(2) on a blocking Unix socket waits for room in a full backlog for up to
	 * SO_SNDTIMEO: bound it, then give the fd back with the flags asked for */
	int fd = new_socket(type, IPC_BLOCKING);
	if (fd < 0)
		return fd;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	if (timeout_ms > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return fail(fd, -errno);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fail(fd, errno == EAGAIN && timeout_ms > 0 ? -ETIMEDOUT : -errno);
	struct timeval none = {0, 0};
	if (timeout_ms > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof(none)))
		return fail(fd, -errno);
	if (!(flags & IPC_BLOCKING) && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK))
		return fail(fd, -errno);
	return fd;
}

int ipc_dgram_client(int flags)
{
	int fd = new_socket(SOCK_DGRAM, flags);
	if (fd < 0)
		return fd;
	/* an address length of just the family: the kernel picks a unique abstract name */
	struct sockaddr_un me = {.sun_family = AF_UNIX};
	if (bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)))
		return fail(fd, -errno);
	return fd;
}

int ipc_abstract_lock(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = name ? strlen(name) : 0;
	if (n == 0)
		return -EINVAL;
	if (n > IPC_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(sa.sun_path + 1, name, n); /* sun_path[0] = 0: abstract */
	int fd = new_socket(SOCK_DGRAM, 0);
	if (fd < 0)
		return fd;
	if (bind(fd, (struct sockaddr *)&sa,
	         (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)))
		return fail(fd, errno == EADDRINUSE ? -EBUSY : -errno);
	return fd;
}

int ipc_sendto(int fd, const char *path, const void *buf, size_t len)
{
	struct sockaddr_un sa;
	int err = addr_of(path, &sa);
	if (err)
		return err;
	ssize_t n = sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
	return n < 0 ? -errno : (int)n;
}

int ipc_dgram_request(const char *path, const void *req, size_t reqlen, char *reply, size_t len,
                      int timeout_ms)
{
	if (!reply || len == 0)
		return -EINVAL;
	reply[0] = 0;
	int fd = ipc_dgram_client(0);
	if (fd < 0)
		return fd;
	int err = ipc_sendto(fd, path, req, reqlen);
	if (err < 0)
		return fail(fd, err);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int k = poll(&p, 1, timeout_ms);
	if (k <= 0)
		return fail(fd, k == 0 ? -ETIMEDOUT : -errno);
	ssize_t got = recv(fd, reply, len - 1, 0);
	if (got < 0)
		return fail(fd, -errno);
	reply[got] = 0;
	close(fd);
	return (int)got;
}

int ipc_peer(int fd, int *uid, int *pid, bool *trusted)
{
	struct ucred cr = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	socklen_t crlen = sizeof(cr);
	int err = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) ? -errno : 0;
	if (err)
		cr.uid = (uid_t)-1;
	if (uid)
		*uid = (int)cr.uid;
	if (pid)
		*pid = err ? -1 : (int)cr.pid;
	if (trusted)
		*trusted = !err && (cr.uid == 0 || cr.uid == geteuid());
	return err;
}

const char *ipc_strerror(int err)
{
	if (err == -ENAMETOOLONG)
		return "Unix socket path too long (at most 107 bytes)";
	if (err == -EADDRINUSE)
		return "a running server holds this socket";
	return strerror(err < 0 ? -err : err);
}
