// SPDX-License-Identifier: MIT
/* vmclockd control socket: non-blocking connections on the reactor (see ctl_srv.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_srv.h"
#include "tsync/ipc.h"
#include "tsync/log.h"
#include "tsync/reactor.h"
#include "vmclockd.h"

struct conn {
	struct ctl_srv *s;
	struct conn *next;
	struct reactor_timer *deadline;
	int fd;
	bool trusted;
	int uid;
	size_t got;
	char line[1024];
};

struct ctl_srv {
	struct vmclockd *d;
	struct reactor *r;
	int lfd;
	char path[108];
	struct conn *conns;
	unsigned nconns;
};

static void conn_free(struct conn *c)
{
	struct ctl_srv *s = c->s;
	for (struct conn **pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	s->nconns--;
	reactor_remove_fd(s->r, c->fd);
	close(c->fd);
	reactor_timer_destroy(c->deadline);
	free(c);
}

/* Answer and close: the line is run when complete, else refused. */
static void conn_finish(struct conn *c, bool complete)
{
	struct ctl_srv *s = c->s;
	char reply[1024];
	bool quit = false;
	c->line[c->got] = 0;
	if (!complete) {
		snprintf(reply, sizeof(reply) - 1, "err no complete command line within %d ms",
		         CTL_SRV_LINE_MS);
	} else if (!c->trusted && vmclockd_command_mutates(c->line)) {
		snprintf(reply, sizeof(reply) - 1,
		         "err permission denied: only root and uid %u may change vmclockd's state",
		         (unsigned)geteuid());
		pr_notice("vmclockd: refused a state change from uid %d", c->uid);
	} else {
		vmclockd_command(s->d, c->line, reply, sizeof(reply) - 1, &quit);
	}
	pr_debug("vmclockd: '%s' -> '%s'", strtok(c->line, "\n"), reply);
	strcat(reply, "\n");
	size_t len = strlen(reply);
	ssize_t k = send(c->fd, reply, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (k < 0 || (size_t)k != len)
		pr_debug("vmclockd: reply lost: %s", k < 0 ? strerror(errno) : "short send");
	conn_free(c);
	if (quit)
		reactor_stop(s->r);
}

static void on_deadline(struct reactor *r, struct reactor_timer *t, uint64_t exp, void *arg)
{
	(void)r, (void)t, (void)exp;
	conn_finish(arg, false);
}

static void on_data(struct reactor *r, int fd, short ev, void *arg)
{
	(void)r, (void)ev;
	struct conn *c = arg;
	while (c->got < sizeof(c->line) - 1) {
		ssize_t k = recv(fd, c->line + c->got, sizeof(c->line) - 1 - c->got, MSG_DONTWAIT);
		if (k == 0) {
			conn_finish(c, true); /* the client shut its side down: the line is whole */
			return;
		}
		if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			conn_free(c); /* reset: nobody to answer */
			return;
		}
		c->got += (size_t)k;
		c->line[c->got] = 0;
		if (strchr(c->line, '\n')) {
			conn_finish(c, true);
			return;
		}
	}
	conn_finish(c, false); /* a line past the buffer is refused, not cut */
}

static void on_conn(struct reactor *r, int lfd, short ev, void *arg)
{
	(void)r, (void)ev;
	struct ctl_srv *s = arg;
	for (;;) {
		int fd = ipc_accept(lfd);
		if (fd < 0)
			return; /* EAGAIN: no more; anything else: the client is gone */
		struct conn *c = s->nconns < CTL_SRV_MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
		if (c) {
			c->s = s;
			c->fd = fd;
			c->deadline = reactor_timer_create(s->r, on_deadline, c);
		}
		if (!c || !c->deadline ||
		    reactor_timer_arm(c->deadline, (uint64_t)CTL_SRV_LINE_MS * 1000000, 0) ||
		    reactor_add_fd(s->r, fd, POLLIN, on_data, c)) {
			pl_warning(10, "vmclockd: control connection dropped (%u open)", s->nconns);
			if (c)
				reactor_timer_destroy(c->deadline);
			free(c);
			close(fd);
			continue;
		}
		/* who is asking: state changes only from root and our own uid */
		ipc_peer(fd, &c->uid, NULL, &c->trusted);
		c->next = s->conns;
		s->conns = c;
		s->nconns++;
	}
}

struct ctl_srv *ctl_srv_create(struct vmclockd *d, struct reactor *r, const char *path, gid_t gid)
{
	struct ctl_srv *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->d = d;
	s->r = r;
	/* 0600 from the start; a group opens it to 0660 */
	struct ipc_listen_opts o = {
	        .type = SOCK_STREAM, .mode = 0600, .gid = gid, .group_set = gid != (gid_t)-1};
	s->lfd = ipc_listen(path, &o);
	if (s->lfd < 0) {
		errno = -s->lfd;
		free(s);
		return NULL;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	int err = reactor_add_fd(r, s->lfd, POLLIN, on_conn, s);
	if (err) {
		close(s->lfd);
		unlink(s->path);
		free(s);
		errno = -err;
		return NULL;
	}
	return s;
}

void ctl_srv_destroy(struct ctl_srv *s)
{
	if (!s)
		return;
	while (s->conns)
		conn_free(s->conns);
	reactor_remove_fd(s->r, s->lfd);
	close(s->lfd);
	unlink(s->path);
	free(s);
}
