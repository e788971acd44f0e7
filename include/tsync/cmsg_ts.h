/* SPDX-License-Identifier: MIT */
/*
 * cmsg_ts: put a program's software packet timestamps on another timescale. The kernel stamps
 * packets with CLOCK_REALTIME; a program running on a vclock (tools/preload/) must see them on
 * the vclock instead, as ptpd-wl does (ptpd_clock_local_ts). Pure: the caller supplies the map.
 *
 * Rewritten (level SOL_SOCKET, old and new (64-bit time) forms): SCM_TIMESTAMP (timeval),
 * SCM_TIMESTAMPNS (timespec), SCM_TIMESTAMPING ts[0] (the software stamp, RX or TX from the
 * error queue). ts[2] (raw hardware, a PHC's time) and zero stamps are left alone.
 */
#ifndef TSYNC_CMSG_TS_H
#define TSYNC_CMSG_TS_H

#include <sys/socket.h>
#include "tsync/time.h"
#include "uapi/tsync-vclock.h"

typedef tmv_t (*cmsg_ts_map_fn)(void *ctx, tmv_t rt_ns);

/* Rewrite the software timestamps in m's control messages through map; returns how many. */
int cmsg_ts_map(struct msghdr *m, cmsg_ts_map_fn map, void *ctx);

/* A CLOCK_REALTIME instant rt_ns on vclock page p, given CLOCK_MONOTONIC_RAW raw_now and
 * CLOCK_REALTIME rt_now read at one instant: the stamp is carried onto the raw axis (the two
 * differ in rate only by the host's discipline, a few ppm over the stamp's age) and evaluated
 * with the page's current model. */
tmv_t cmsg_ts_vclock_time(const struct tsync_vclock_page *p, tmv_t raw_now, tmv_t rt_now,
                          tmv_t rt_ns);

#endif
