/* SPDX-License-Identifier: MIT */
/*
 * vmclockd's control socket server: one command line per connection, answered with one line.
 * Nothing here blocks the reactor: the listening socket and every accepted connection are
 * non-blocking and watched by the reactor; a connection has CTL_SRV_LINE_MS in all to send a
 * whole line (a line cut short by the deadline is answered with an error and not run), the
 * reply goes out with MSG_DONTWAIT (a client that does not read it loses it), and at most
 * CTL_SRV_MAX_CONNS connections are served at once (more are closed at accept).
 */
#ifndef VMCLOCK_CTL_SRV_H
#define VMCLOCK_CTL_SRV_H

#include <sys/types.h>

#define CTL_SRV_LINE_MS   500
#define CTL_SRV_MAX_CONNS 16

struct reactor;
struct vmclockd;
struct ctl_srv;

/* Listen on path (mode 0600, or 0660 for gid when gid != (gid_t)-1; only a stale socket is
 * replaced, never another file) and serve d's commands from r. NULL with errno (EEXIST: path
 * is not a socket). */
struct ctl_srv *ctl_srv_create(struct vmclockd *d, struct reactor *r, const char *path, gid_t gid);
/* Close every connection and the socket, unlink it. Before reactor_destroy; NULL is a no-op. */
void ctl_srv_destroy(struct ctl_srv *s);

#endif
