// SPDX-License-Identifier: MIT
/* dtpd's control requests (dtpd_req.h). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtpd_req.h"

static int bad(char *err, size_t len, const char *why)
{
	snprintf(err, len, "error reason=%s", why);
	return -EINVAL;
}

/* A number that is the whole token: 0 or -EINVAL. */
static int num(const char *s, double *v)
{
	char *end;
	if (!*s)
		return -EINVAL;
	*v = strtod(s, &end);
	return *end || !isfinite(*v) ? -EINVAL : 0;
}

static int tsync_burst(char *args, struct dtpd_req *cmd, char *err, size_t len)
{
	bool secs = false, ls = false;
	double v;
	cmd->kind = DTPD_REQ_TSYNC_BURST;
	cmd->log_sync = 0;
	for (char *save, *t = strtok_r(args, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (!strncmp(t, "seconds=", 8) && !secs) {
			if (num(t + 8, &v) || !(v > 0 && v <= 600))
				return bad(err, len, "bad_seconds (seconds=S, 0 < S <= 600)");
			cmd->seconds = v;
			secs = true;
		} else if (!strncmp(t, "log_sync=", 9) && !ls) {
			if (num(t + 9, &v) || v != floor(v) || v < -7 || v > 4)
				return bad(err, len, "bad_log_sync (log_sync=L, -7..4)");
			cmd->log_sync = (int)v;
			ls = true;
		} else {
			return bad(err, len, "bad_argument (tsync burst seconds=S [log_sync=L])");
		}
	}
	return secs ? 0 : bad(err, len, "missing_seconds (tsync burst seconds=S [log_sync=L])");
}

int dtpd_req_parse(const char *req, struct dtpd_req *cmd, char *err, size_t errlen)
{
	char buf[128];
	double v;
	memset(cmd, 0, sizeof(*cmd));
	if (strlen(req) >= sizeof(buf))
		return bad(err, errlen, "too_long");
	snprintf(buf, sizeof(buf), "%s", req);
	if (!strcmp(buf, "status")) {
		cmd->kind = DTPD_REQ_STATUS;
		return 0;
	}
	if (!strcmp(buf, "tsync status")) {
		cmd->kind = DTPD_REQ_TSYNC_STATUS;
		return 0;
	}
	if (!strncmp(buf, "tsync burst", 11) && (buf[11] == ' ' || !buf[11]))
		return tsync_burst(buf + 11, cmd, err, errlen);
	if (!strncmp(buf, "burst", 5) && (buf[5] == ' ' || !buf[5])) {
		const char *a = buf + 5;
		while (*a == ' ')
			a++;
		if (num(a, &v) || !(v > 0 && v <= 3600))
			return bad(err, errlen, "bad_seconds (burst SECONDS, 0 < S <= 3600)");
		cmd->kind = DTPD_REQ_BURST;
		cmd->seconds = v;
		return 0;
	}
	return bad(err, errlen,
	           "unknown_command (status, burst SECONDS, tsync status, tsync burst seconds=S)");
}
