/* SPDX-License-Identifier: MIT */
/*
 * chrony exports: feed tsync's estimate of true time to chronyd as a reference clock, through
 * the NTP SHM segment (`refclock SHM <unit>`) or chrony's SOCK datagram socket
 * (`refclock SOCK <path>`). Wire layouts: include/uapi/chrony-refclock.h.
 *
 * Sign convention (checked against chronyd 4.3, see tests/integration/test_chrony.sh):
 * chrony's raw offset, the 7th column of refclocks.log, is
 *
 *     raw offset = reference (true) time - system time            [seconds]
 *
 * positive when the system clock is BEHIND the reference. For SHM it is exactly
 * clock_ns - receive_ns of chrony_shm_write(); for SOCK it is offset_s of chrony_sock_send().
 * Note this is the opposite sign of ptp4l's "master offset" (local minus master): a tsync
 * daemon with offset_ns = local - master passes offset_s = -offset_ns / 1e9.
 *
 * Times are tmv_t nanoseconds on the CLOCK_REALTIME scale (UTC, since the Unix epoch); the
 * system time must be the CLOCK_REALTIME reading at the instant the reference time refers to,
 * and recent: chronyd drops samples older than 2^(poll+1) s or from its future.
 *
 * All functions return 0 or -errno unless said otherwise; constructors return NULL and set
 * *err (err may be NULL). No global state: every handle is independent, none is thread-safe.
 */
#ifndef TSYNC_CHRONY_H
#define TSYNC_CHRONY_H

#include "tsync/time.h"
#include "uapi/chrony-refclock.h"

/* ---------------------------------------------------------------- SHM */

#define CHRONY_SHM_UNIT_MAX 255 /* units 0..255: keys 0x4e545030 .. 0x4e54512f */

struct chrony_shm;

/*
 * Attach the SHM segment of `unit` (key CHRONY_SHM_KEY(unit), 96 bytes), creating it with mode
 * 0600 if it does not exist yet (chronyd attaches to it when it starts later). Errors:
 *   -EINVAL  unit outside 0..CHRONY_SHM_UNIT_MAX
 *   -EBUSY   "SHM unit in use": another chrony_shm handle, in this or any other process of
 *            the same network namespace, is writing this unit. Detected with a lock: each
 *            handle binds the abstract Unix socket "@tsync-chrony-shm-<key in hex>", which the
 *            kernel releases when the handle is closed or its process dies. Writers that are
 *            not tsync (gpsd, another ntp tool) cannot be detected and are NOT reported.
 *   -EEXIST  "SHM unit in use": a segment with this key exists but is not 96 bytes, so it
 *            belongs to something other than an NTP SHM refclock; it is left untouched.
 *   -EACCES  the segment exists and belongs to another user / has a stricter mode.
 *   other    -errno of shmget()/shmat() (-ENOSPC, -ENOMEM, ...).
 */
struct chrony_shm *chrony_shm_open(int unit, int *err);

/*
 * Publish one sample with the mode-1 protocol (valid=0, count++, fields, count++, valid=1,
 * with full memory barriers between the steps).
 *   clock_ns:   the reference (true) time, ns since the epoch, >= 0
 *   receive_ns: local system time (CLOCK_REALTIME) of the same instant, ns since the epoch, >= 0
 *               chrony's raw offset = clock_ns - receive_ns (s)
 *   leap:       CHRONY_LEAP_NONE / _INSERT / _DELETE / _UNSYNC (0..3)
 *   precision:  log2 of the sample's precision in seconds, -30..0 (e.g. -20 is about 1 µs)
 * Both timestamps are written in the µs fields (truncated toward -inf) and the ns fields, so
 * that chrony uses full nanosecond resolution. A previous sample the reader has not taken yet
 * is overwritten. Errors: -EINVAL (leap, precision), -ERANGE (a time before the epoch).
 */
int chrony_shm_write(struct chrony_shm *shm, tmv_t clock_ns, tmv_t receive_ns, int leap,
                     int precision);

/* 1 if the reader has taken (cleared `valid` of) the last sample written through this handle,
 * or nothing has been written yet; 0 if the sample is still pending. */
int chrony_shm_consumed(const struct chrony_shm *shm);

/* The unit this handle writes. */
int chrony_shm_unit(const struct chrony_shm *shm);

/* Clear `valid` (so no stale sample is read after we are gone), detach, release the unit lock.
 * The segment itself stays (chronyd may still have it attached); see chrony_shm_remove(). */
void chrony_shm_close(struct chrony_shm *shm);

/* Mark the segment of `unit` for removal (IPC_RMID; it disappears at the last detach).
 * -EINVAL bad unit, -ENOENT no such segment, -EACCES/-EPERM not ours. */
int chrony_shm_remove(int unit);

/* ---------------------------------------------------------------- SOCK */

struct chrony_sock;

/*
 * Connect a non-blocking Unix datagram socket to chronyd's SOCK refclock at `path` (chronyd
 * creates and binds it at start-up). Errors:
 *   -EINVAL        path NULL or empty
 *   -ENAMETOOLONG  path does not fit sockaddr_un (107 bytes)
 *   -ENOENT        nothing at path (chronyd not running, or no `refclock SOCK path`)
 *   -ECONNREFUSED  a stale socket file nobody is bound to
 *   -EPROTOTYPE    a socket of another type (stream) at path
 *   -ENOTSOCK / -ENOTDIR / -EACCES ...  from connect()
 */
struct chrony_sock *chrony_sock_open(const char *path, int *err);

/*
 * Send one 40-byte sample.
 *   sys_ns:   local system time (CLOCK_REALTIME) of the measurement, ns since the epoch, >= 0;
 *             sent with µs resolution (truncated toward -inf)
 *   offset_s: reference (true) time minus system time at that instant, seconds (finite, |.| <
 *             1e9); positive = system clock behind. chrony's raw offset equals it exactly.
 *   leap:     CHRONY_LEAP_NONE / _INSERT / _DELETE (0..2)
 * Errors: -EINVAL (leap, offset), -ERANGE (sys_ns < 0), -EAGAIN (chronyd's receive queue is
 * full: the sample is dropped, never blocks), or the -errno of send(). If chronyd was restarted
 * (-ECONNREFUSED/-ENOTCONN), the socket is reconnected once and the send retried.
 */
int chrony_sock_send(struct chrony_sock *sock, tmv_t sys_ns, double offset_s, int leap);

/* Close the socket (chronyd's socket file is chronyd's: it is not removed). NULL is a no-op. */
void chrony_sock_close(struct chrony_sock *sock);

#endif
