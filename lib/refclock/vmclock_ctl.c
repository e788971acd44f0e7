// SPDX-License-Identifier: MIT
/* vmclockd control socket client: one text line out, one line back (vmclock/README.md). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tsync/ipc.h"
#include "tsync/vmclock.h"

int vmclock_ctl_request(const char *path, const char *cmd, char *reply, size_t len, int timeout_ms)
{
	if (!path || !reply || len == 0)
		return -EINVAL;
	if (timeout_ms <= 0)
		timeout_ms = 5000;
	reply[0] = 0;
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s\n", cmd);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -EMSGSIZE;
	int fd = ipc_connect(path, SOCK_STREAM, IPC_BLOCKING, timeout_ms);
	if (fd < 0)
		return fd;
	int err = 0;
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n)
		err = errno ? -errno : -EIO;
	size_t got = 0;
	while (!err) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int r = poll(&pfd, 1, timeout_ms);
		if (r == 0) {
			err = -ETIMEDOUT;
			break;
		}
		if (r < 0) {
			err = -errno;
			break;
		}
		ssize_t k = recv(fd, reply + got, len - 1 - got, 0);
		if (k < 0) {
			err = -errno;
			break;
		}
		got += (size_t)k;
		reply[got] = 0;
		char *nl = strchr(reply, '\n');
		if (nl) {
			*nl = 0;
			break;
		}
		if (k == 0 || got == len - 1) {
			err = k == 0 ? -ECONNRESET : 0;
			break;
		}
	}
	close(fd);
	if (err)
		return err;
	if (strncmp(reply, "ok", 2) == 0)
		return 0;
	return -EPROTO;
}
