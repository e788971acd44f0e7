/* SPDX-License-Identifier: MIT */
/*
 * dtpd's control requests (the ctl_socket, one datagram each), parsed strictly:
 *   status                                  dtpd's own status line (dtpd_status.h)
 *   burst SECONDS                           a beacon burst (0 < SECONDS <= 3600)
 *   tsync status                            the sync daemon reply vmclockd pulls
 *                                           (include/tsync/status.h), as ptpd-wl answers it
 *   tsync burst seconds=S [log_sync=L]      ptpd-wl's burst request (vmclockd's migration
 *                                           bursts): a burst of S seconds (0 < S <= 600); L
 *                                           is checked (-7..4) and ignored (dtpd's burst
 *                                           rate is fixed: beacon interval / 8)
 * Pure.
 */
#ifndef DTPD_REQ_H
#define DTPD_REQ_H

#include <stddef.h>

enum dtpd_req_kind { DTPD_REQ_STATUS, DTPD_REQ_BURST, DTPD_REQ_TSYNC_STATUS, DTPD_REQ_TSYNC_BURST };

struct dtpd_req {
	enum dtpd_req_kind kind;
	double seconds; /* bursts */
	int log_sync;   /* tsync burst (ignored) */
};

/* 0 with *r, or -EINVAL with "error reason=..." naming what was wrong in err. */
int dtpd_req_parse(const char *req, struct dtpd_req *r, char *err, size_t errlen);

#endif
