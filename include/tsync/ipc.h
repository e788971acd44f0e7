/* SPDX-License-Identifier: MIT */
/*
 * Unix-domain sockets for tsync's control and management sockets (lib/ipc/unix.c): one place
 * for the path checks, the stale-socket replacement, the file mode and group, the fd flags and
 * the peer check, so every daemon and tool sets its sockets up the same way.
 *
 * Convention: functions that make an fd return it (>= 0) or -errno; nothing logs. A path that
 * does not fit sockaddr_un is -ENAMETOOLONG, which ipc_strerror() names with the limit.
 * Sockets are O_CLOEXEC always and O_NONBLOCK unless IPC_BLOCKING is given: a daemon's
 * reactor never waits on a client (DESIGN-NOTES "Control sockets never wait on a client").
 */
#ifndef TSYNC_IPC_H
#define TSYNC_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The longest socket path, in bytes without the terminating NUL (107 on Linux). */
#define IPC_PATH_MAX 107

enum {
	IPC_BLOCKING = 1 << 0, /* leave the fd blocking (tools that wait on one reply) */
};

struct ipc_listen_opts {
	int type;    /* SOCK_STREAM (listens) or SOCK_DGRAM */
	mode_t mode; /* the socket file's mode, set before bind (never more open meanwhile);
	               * 0: the default (0777 less the umask) */
	gid_t gid;   /* with group_set: the file's group, and mode 0660 after bind */
	bool group_set;
	int backlog; /* stream: listen() backlog, 0: 8 */
	int flags;   /* IPC_BLOCKING */
};

/*
 * Bind (and for a stream, listen) at path. A stale socket file there (its server died: it
 * refuses connections) is unlinked first; a socket a live server holds is left to it
 * (-EADDRINUSE), any other kind of file is left alone (-EEXIST). Returns the fd or -errno.
 */
int ipc_listen(const char *path, const struct ipc_listen_opts *o);

/* Accept a client of a listening stream socket: fd (O_CLOEXEC | O_NONBLOCK) or -errno
 * (-EAGAIN: none waiting). */
int ipc_accept(int lfd);

/*
 * Connect to path (SOCK_STREAM or SOCK_DGRAM). timeout_ms > 0 bounds the wait for a stream
 * server whose backlog is full (-ETIMEDOUT); <= 0 waits as long as connect(2) does.
 * Returns the fd or -errno.
 */
int ipc_connect(const char *path, int type, int flags, int timeout_ms);

/*
 * A datagram socket bound to an address of its own in the abstract namespace (autobind: unique,
 * nothing to unlink), for a client whose server answers to the sender's address. fd or -errno.
 */
int ipc_dgram_client(int flags);

/* Send one datagram to the socket at path: bytes sent or -errno (never raises SIGPIPE). */
int ipc_sendto(int fd, const char *path, const void *buf, size_t len);

/*
 * One datagram request and its reply: send req to path from an autobound socket, wait up to
 * timeout_ms for one datagram, store it NUL-terminated in reply (len >= 1; a longer reply is
 * cut at len - 1). Returns the reply's length or -errno (-ETIMEDOUT: no answer).
 */
int ipc_dgram_request(const char *path, const void *req, size_t reqlen, char *reply, size_t len,
                      int timeout_ms);

/*
 * A lock by name: a datagram socket bound to "@name" in the abstract namespace (one per network
 * namespace; the kernel frees it when the fd closes, even after a crash). fd, -EBUSY while
 * another socket holds the name, or -errno.
 */
int ipc_abstract_lock(const char *name);

/*
 * The peer of a connected Unix socket: its uid (and pid when wanted). trusted: it is root or
 * runs under our own effective uid. 0 or -errno (then *uid is -1 and the peer is not trusted).
 */
int ipc_peer(int fd, int *uid, int *pid, bool *trusted);

/* strerror(-err), except -ENAMETOOLONG (a socket path over IPC_PATH_MAX bytes) and
 * -EADDRINUSE (a running server holds the socket), named for a socket. */
const char *ipc_strerror(int err);

#endif
