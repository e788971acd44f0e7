// SPDX-License-Identifier: MIT
/*
 * Management over a Unix datagram socket (linuxptp's uds_address): linuxptp's own
 * `pmc -u -b 0 -s PATH 'GET CURRENT_DATA_SET'` talks to it. Requests are decoded and answered
 * by the core codec (core/mgmt.c) from the clock's live data sets; port-level ids get one
 * response per port the target matches, as ptp4l does.
 *
 * No reply may block the reactor (Sync, the servo and every other client run on it): the
 * socket is non-blocking, and a reply to a client whose receive queue is full (it sends and
 * never reads) is dropped with a rate-limited log line. A well-behaved client (pmc) reads
 * each reply before it sends the next request and never sees a drop.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "daemon.h"
#include "tsync/ipc.h"
#include "tsync/log.h"

struct ptpd_uds {
	struct ptpd_clock *c;
	int fd;
	char path[IPC_PATH_MAX + 1];
	struct sockaddr_un from;
	socklen_t fromlen;
};

int ptpd_mgmt_handle(struct ptpd_clock *c, const uint8_t *buf, size_t len, ptpd_mgmt_reply_cb cb,
                     void *arg)
{
	struct mgmt_msg req;
	uint8_t rsp[PTP_MAX_MSG_LEN];
	int n = 0;

	if (mgmt_parse(buf, len, &req)) {
		pl_debug(5, "management: dropped a message: %s", msg_strerror(&req.msg));
		return 0;
	}
	struct mgmt_sources src = {
	        .dflt = &c->dflt,
	        .current = &c->cur,
	        .parent = &c->parent,
	        .time_props = &c->tp,
	        .time_status = &c->tstatus,
	};
	if (!mgmt_id_is_port_level(req.id)) {
		struct ptp_port_id self = {c->dflt.identity, 0};
		if (!mgmt_targets_port(&req, &self))
			return 0;
		int l = mgmt_respond(rsp, sizeof(rsp), &req, &self, &src);
		if (l > 0) {
			cb(rsp, l, arg);
			n++;
		}
		return n;
	}
	for (unsigned i = 0; i < c->nports; i++) {
		struct ptpd_port *p = c->ports[i];
		struct ptp_port_id self = p->ds.identity;
		struct mgmt_port_props_np pp = {.identity = self,
		                                .state = p->ds.state,
		                                .timestamping = c->ts_mode == TS_HARDWARE ? 1 : 0};
		snprintf(pp.interface, sizeof(pp.interface), "%s", p->iface);
		src.port = &p->ds;
		src.port_props = &pp;
		if (!mgmt_targets_port(&req, &self))
			continue;
		int l = mgmt_respond(rsp, sizeof(rsp), &req, &self, &src);
		if (l > 0) {
			cb(rsp, l, arg);
			n++;
		}
	}
	return n;
}

static void reply(const uint8_t *buf, int len, void *arg)
{
	struct ptpd_uds *u = arg;
	if (sendto(u->fd, buf, (size_t)len, MSG_DONTWAIT, (struct sockaddr *)&u->from,
	           u->fromlen) >= 0)
		return;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
		pl_warning(10, "management: reply dropped: client %.*s does not read its replies",
		           (int)(u->fromlen > sizeof(sa_family_t) ? u->fromlen - sizeof(sa_family_t)
		                                                  : 0),
		           u->from.sun_path);
	else
		pl_debug(5, "management: reply failed: %m");
}

static void on_request(struct reactor *r, int fd, short revents, void *arg)
{
	struct ptpd_uds *u = arg;
	uint8_t buf[PTP_MAX_MSG_LEN];
	(void)r;
	if (!(revents & POLLIN))
		return;
	for (int i = 0; i < 8; i++) {
		u->fromlen = sizeof(u->from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		                     (struct sockaddr *)&u->from, &u->fromlen);
		if (n < 0)
			break;
		if (n >= 6 && !memcmp(buf, "tsync ", 6)) { /* ptpd-wl's own commands */
			char line[256], out[512];
			size_t l = (size_t)n < sizeof(line) - 1 ? (size_t)n : sizeof(line) - 1;
			memcpy(line, buf, l);
			line[l] = 0;
			line[strcspn(line, "\r\n")] = 0;
			int k = ptpd_text_command(u->c, line, out, sizeof(out));
			if (k > 0)
				reply((const uint8_t *)out, (int)strlen(out), u);
			continue;
		}
		ptpd_mgmt_handle(u->c, buf, (size_t)n, reply, u);
	}
}

struct ptpd_uds *ptpd_uds_create(struct ptpd_clock *c, const char *path)
{
	struct ptpd_uds *u;

	if (!path || !*path || strlen(path) > IPC_PATH_MAX) {
		pr_err("uds_address '%s': %s", path ? path : "",
		       path && *path ? ipc_strerror(-ENAMETOOLONG) : "empty");
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->c = c;
	snprintf(u->path, sizeof(u->path), "%s", path);
	/* the file mode: the default (0777 less the umask), as it always was */
	struct ipc_listen_opts o = {.type = SOCK_DGRAM};
	u->fd = ipc_listen(path, &o);
	if (u->fd < 0) {
		pr_err("uds_address %s: %s", path, ipc_strerror(u->fd));
		goto fail;
	}
	if (reactor_add_fd(c->r, u->fd, POLLIN, on_request, u))
		goto fail;
	return u;
fail:
	if (u->fd >= 0) {
		close(u->fd);
		unlink(u->path);
	}
	free(u);
	return NULL;
}

void ptpd_uds_destroy(struct ptpd_uds *u)
{
	if (!u)
		return;
	reactor_remove_fd(u->c->r, u->fd);
	close(u->fd);
	unlink(u->path);
	free(u);
}
