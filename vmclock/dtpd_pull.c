// SPDX-License-Identifier: MIT
/*
 * vmclockd <- dtpd (--dtpd SOCK, dtpd's ctl_socket). dtpd answers ptpd-wl's requests on its
 * control socket (dtpd/dtpd_ctl.h, dtpd/dtpd_req.h): `tsync status` (include/tsync/status.h:
 * the root is freerunning, a follower synchronized while every port is in SYNC, its servo
 * locked and its last beacon sample younger than 4 intervals) and `tsync burst seconds=S`
 * (beacons at 1/8 of the interval). So the pull, the bound model and the bursts a migration
 * plan asks for are ptpd_pull.c's, unchanged: this only points them at dtpd's socket.
 */
#include <stdio.h>

#include "vmclockd.h"

int vmclockd_dtpd_config(struct vmclockd *d, const char *sock, char *err, size_t len)
{
	if (!sock)
		return 0;
	if (d->ptpd.path) {
		snprintf(err, len, "--dtpd %s: give --ptpd or --dtpd, not both", sock);
		return -1;
	}
	d->ptpd.path = sock;
	return 0;
}
