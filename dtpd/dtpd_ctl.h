/* SPDX-License-Identifier: MIT */
/* dtpd's answer to `tsync status` (include/tsync/status.h), so that vmclockd pulls dtpd as it
 * pulls ptpd-wl (vmclockd --dtpd SOCK). Pure. */
#ifndef DTPD_CTL_H
#define DTPD_CTL_H

#include "node.h"
#include "tsync/status.h"

/* The `tsync status` of a node: the root is freerunning (a grandmaster), a follower is
 * synchronized when every port with a link is in SYNC, the servo is locked (servo 2) and its
 * last sample is younger than 4 beacon intervals, else unreliable. age_ms: since the last
 * sample (-1: none); burst_s: what is left of a burst. */
void dtpd_ctl_tsync_status(const struct dtpd_node *nd, int servo, double est_ns,
                           unsigned long long samples, double age_ms, double burst_s,
                           struct tsync_status *st);

#endif
