// SPDX-License-Identifier: MIT
/* tsvmm control socket server: Unix stream, JSON lines, poll(2). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "tsync/ipc.h"
#include "tsync/log.h"

/*
 * Connections: up to MAX_CLIENTS at once. A client beyond that evicts the one idle longest
 * (no complete request for the longest time), so idle connections can never lock a new
 * client out; one that does not read its replies is dropped after SEND_WAIT_MS rather than
 * stalling the loop. The socket file is 0600 (set on the socket before bind).
 */
#define MAX_CLIENTS  16
#define MAX_EXTRA    8
#define SEND_WAIT_MS 100
#define GREETING     "{\"QMP\": {\"version\": {\"package\": \"tsvmm\"}, \"capabilities\": []}}\n"

struct client {
	int fd;             /* -1: free */
	uint64_t active_ns; /* CLOCK_MONOTONIC of its connect or its last request */
	size_t len;
	bool overflow; /* discarding the rest of an over-long line */
	char buf[CONTROL_LINE_MAX];
};

struct control {
	int listen_fd;
	char path[IPC_PATH_MAX + 1];
	const struct control_cmd *cmds;
	size_t ncmds;
	void *ctx;
	struct client clients[MAX_CLIENTS];
};

static size_t append_id(char *out, size_t n, size_t outlen, const struct ctl_request *req)
{
	if (req->id && n < outlen) {
		n += (size_t)snprintf(out + n, outlen - n, ", \"id\": ");
		if (n < outlen)
			n += json_write(out + n, outlen - n, req->id);
	}
	return n;
}

static size_t error_reply(char *out, size_t outlen, const struct ctl_request *req, const char *cls,
                          const char *desc)
{
	char q[1024];
	json_quote(q, sizeof(q), desc);
	size_t n = (size_t)snprintf(out, outlen, "{\"error\": {\"class\": \"%s\", \"desc\": %s}",
	                            cls, q);
	n = append_id(out, n < outlen ? n : outlen, outlen, req);
	if (n < outlen)
		n += (size_t)snprintf(out + n, outlen - n, "}");
	return n < outlen ? n : outlen - 1;
}

static size_t handle(const struct control_cmd *cmds, size_t ncmds, void *ctx,
                     const struct ctl_request *req, char *out, size_t outlen)
{
	char err[256];
	for (size_t i = 0; i < ncmds; i++) {
		if (strcmp(cmds[i].name, req->execute))
			continue;
		char ret[CONTROL_REPLY_MAX - 256];
		strcpy(ret, "{}");
		int r = cmds[i].fn(ctx, req, ret, sizeof(ret));
		if (r)
			return error_reply(out, outlen, req, "GenericError", ret);
		size_t n = (size_t)snprintf(out, outlen, "{\"return\": %s", ret);
		n = append_id(out, n < outlen ? n : outlen, outlen, req);
		if (n < outlen)
			n += (size_t)snprintf(out + n, outlen - n, "}");
		return n < outlen ? n : outlen - 1;
	}
	snprintf(err, sizeof(err), "The command %s has not been found", req->execute);
	return error_reply(out, outlen, req, "CommandNotFound", err);
}

size_t control_handle_line(const struct control_cmd *cmds, size_t ncmds, void *ctx,
                           const char *line, size_t len, char *out, size_t outlen)
{
	struct ctl_request req;
	char err[256];
	size_t n = ctl_parse_request(line, len, &req, err, sizeof(err))
	                   ? error_reply(out, outlen, &req, "GenericError", err)
	                   : handle(cmds, ncmds, ctx, &req, out, outlen);
	ctl_request_free(&req);
	return n;
}

struct control *control_create(const char *path, const struct control_cmd *cmds, size_t ncmds,
                               void *ctx)
{
	if (strlen(path) > IPC_PATH_MAX) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	struct control *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	strcpy(c->path, path);
	c->cmds = cmds;
	c->ncmds = ncmds;
	c->ctx = ctx;
	for (int i = 0; i < MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	/* the socket file is 0600 from the start; only a stale socket is replaced */
	struct ipc_listen_opts o = {.type = SOCK_STREAM, .mode = 0600, .backlog = 64};
	c->listen_fd = ipc_listen(path, &o);
	if (c->listen_fd < 0) {
		errno = -c->listen_fd;
		free(c);
		return NULL;
	}
	return c;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void drop_client(struct client *cl)
{
	close(cl->fd);
	cl->fd = -1;
	cl->len = 0;
	cl->overflow = false;
}

void control_destroy(struct control *c)
{
	if (!c)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			drop_client(&c->clients[i]);
	close(c->listen_fd);
	unlink(c->path);
	free(c);
}

static void send_all(struct client *cl, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(cl->fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = cl->fd, .events = POLLOUT};
			if (poll(&p, 1, SEND_WAIT_MS) > 0)
				continue;
			pl_warning(10,
			           "control socket: a client does not read its replies: dropped");
			drop_client(cl);
			return;
		}
		if (w <= 0)
			return; /* the peer is gone; the next read notices */
		s += w;
		n -= (size_t)w;
	}
}

static void serve_line(struct control *c, struct client *cl, const char *line, size_t len)
{
	char out[CONTROL_REPLY_MAX];
	size_t n = control_handle_line(c->cmds, c->ncmds, c->ctx, line, len, out, sizeof(out) - 1);
	out[n++] = '\n';
	send_all(cl, out, n);
}

static void on_readable(struct control *c, struct client *cl)
{
	ssize_t r = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len, 0);
	if (r <= 0) {
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			drop_client(cl);
		return;
	}
	cl->len += (size_t)r;
	if (memchr(cl->buf + cl->len - (size_t)r, '\n', (size_t)r))
		cl->active_ns = now_ns();
	char *start = cl->buf, *nl;
	while ((nl = memchr(start, '\n', cl->len - (size_t)(start - cl->buf)))) {
		if (cl->overflow) {
			cl->overflow = false;
			serve_line(c, cl, "<line too long>", 15); /* malformed -> error reply */
		} else if (nl > start) {
			serve_line(c, cl, start, (size_t)(nl - start));
		}
		if (cl->fd < 0)
			return;
		start = nl + 1;
	}
	cl->len -= (size_t)(start - cl->buf);
	memmove(cl->buf, start, cl->len);
	if (cl->len == sizeof(cl->buf)) { /* no newline in a full buffer */
		cl->overflow = true;
		cl->len = 0;
	}
}

static void on_accept(struct control *c)
{
	int fd = ipc_accept(c->listen_fd);
	if (fd < 0)
		return;
	struct client *cl = NULL;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *k = &c->clients[i];
		if (k->fd < 0) {
			cl = k;
			break;
		}
		if (!cl || k->active_ns < cl->active_ns)
			cl = k; /* idle longest */
	}
	if (cl->fd >= 0) {
		pl_warning(10, "control socket: %d clients: the one idle longest is dropped",
		           MAX_CLIENTS);
		drop_client(cl);
	}
	cl->fd = fd;
	cl->active_ns = now_ns();
	send_all(cl, GREETING, strlen(GREETING));
}

int control_poll(struct control *c, const int *extra, int nextra, int timeout_ms)
{
	struct pollfd p[1 + MAX_CLIENTS + MAX_EXTRA];
	struct client *who[1 + MAX_CLIENTS + MAX_EXTRA];
	int n = 0;
	if (nextra > MAX_EXTRA)
		return -EINVAL;
	for (int i = 0; i < nextra; i++)
		p[n++] = (struct pollfd){.fd = extra[i], .events = POLLIN};
	if (c) {
		p[n++] = (struct pollfd){.fd = c->listen_fd, .events = POLLIN};
		for (int i = 0; i < MAX_CLIENTS; i++) {
			if (c->clients[i].fd < 0)
				continue;
			who[n] = &c->clients[i];
			p[n++] = (struct pollfd){.fd = c->clients[i].fd, .events = POLLIN};
		}
	}
	int r = poll(p, (nfds_t)n, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	int mask = 0;
	for (int i = 0; i < nextra; i++)
		if (p[i].revents)
			mask |= 1 << i;
	if (!c)
		return mask;
	if (p[nextra].revents & POLLIN)
		on_accept(c);
	for (int i = nextra + 1; i < n; i++)
		if (p[i].revents && who[i]->fd >= 0)
			on_readable(c, who[i]);
	return mask;
}
