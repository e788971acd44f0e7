/* SPDX-License-Identifier: MIT */
/*
 * chrony SOCK refclock writer: one 40-byte struct sock_sample per datagram to the Unix socket
 * chronyd binds. See include/tsync/chrony.h for the API and include/uapi/chrony-refclock.h.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "tsync/chrony.h"
#include "tsync/errors.h"
#include "tsync/ipc.h"

struct chrony_sock {
	int fd;
	char path[IPC_PATH_MAX + 1];
};

static int sock_connect(struct chrony_sock *s)
{
	int fd = ipc_connect(s->path, SOCK_DGRAM, 0, 0);

	if (fd < 0)
		return fd;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = fd;
	return 0;
}

struct chrony_sock *chrony_sock_open(const char *path, int *err)
{
	struct chrony_sock *s;
	size_t len;
	int ret;

	if (!path || !*path) {
		ret = -EINVAL;
		goto fail;
	}
	len = strlen(path);
	if (len > IPC_PATH_MAX) {
		ret = -ENAMETOOLONG;
		goto fail;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		ret = -ENOMEM;
		goto fail;
	}
	s->fd = -1;
	memcpy(s->path, path, len + 1);

	ret = sock_connect(s);
	if (ret)
		goto fail_free;
	return s;

fail_free:
	free(s);
fail:
	if (err)
		*err = ret;
	return tsync_fail_null(ret); /* errno too: the lib/ convention (tsync/errors.h) */
}

int chrony_sock_send(struct chrony_sock *s, tmv_t sys_ns, double offset_s, int leap)
{
	struct sock_sample smp;
	struct timeval tv;
	ssize_t n;
	int ret;

	if (leap < CHRONY_LEAP_NONE || leap > CHRONY_LEAP_DELETE)
		return -EINVAL;
	if (!isfinite(offset_s) || fabs(offset_s) >= 1e9)
		return -EINVAL;
	if (sys_ns < 0)
		return -ERANGE;

	tv = tmv_to_timeval(sys_ns);
	memset(&smp, 0, sizeof(smp));
	smp.tv = tv;
	smp.offset = offset_s;
	smp.pulse = 0;
	smp.leap = leap;
	smp.magic = CHRONY_SOCK_MAGIC;

	n = send(s->fd, &smp, sizeof(smp), MSG_NOSIGNAL);
	if (n < 0 && (errno == ECONNREFUSED || errno == ENOTCONN)) {
		/* chronyd restarted: it unlinks and re-binds its socket at start-up. */
		ret = sock_connect(s);
		if (ret)
			return ret;
		n = send(s->fd, &smp, sizeof(smp), MSG_NOSIGNAL);
	}
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if ((size_t)n != sizeof(smp))
		return -EIO;
	return 0;
}

void chrony_sock_close(struct chrony_sock *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}
