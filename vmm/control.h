/* SPDX-License-Identifier: MIT */
/*
 * tsvmm control socket: a Unix stream socket speaking JSON lines (control_json.h), served
 * from the main thread with poll(2). Commands come from a table (name -> handler), so the
 * migration code adds or replaces entries without touching the server.
 */
#ifndef TSVMM_CONTROL_H
#define TSVMM_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "control_json.h"

#define CONTROL_LINE_MAX  4096 /* longest request line */
#define CONTROL_REPLY_MAX 8192 /* longest reply line */

/*
 * A command handler. Writes the JSON text of the "return" value into ret (retlen bytes,
 * e.g. "{}") and returns 0; or returns -errno with a human-readable error in ret (plain
 * text, quoted by the caller).
 */
typedef int (*control_fn)(void *ctx, const struct ctl_request *req, char *ret, size_t retlen);

struct control_cmd {
	const char *name;
	control_fn fn;
};

/*
 * Turn one request line into one reply line (no newline) in out (outlen bytes): parse, look
 * the command up in cmds, run it. Malformed lines and unknown commands get error replies.
 * Pure apart from what the handler does. Returns the reply length.
 */
size_t control_handle_line(const struct control_cmd *cmds, size_t ncmds, void *ctx,
                           const char *line, size_t len, char *out, size_t outlen);

struct control;

/* Listen on path (an existing socket file is replaced; any other file: EEXIST), mode 0600.
 * NULL with errno. */
struct control *control_create(const char *path, const struct control_cmd *cmds, size_t ncmds,
                               void *ctx);
/* Close every connection and unlink the socket. */
void control_destroy(struct control *c);

/*
 * Wait up to timeout_ms for control traffic or for one of the extra fds (nextra <= 8) to
 * become readable; serve whatever arrived. c may be NULL (only the extra fds). Returns a
 * bitmask of the readable extra fds (bit i: extra[i]), or -errno from poll.
 */
int control_poll(struct control *c, const int *extra, int nextra, int timeout_ms);

#endif
