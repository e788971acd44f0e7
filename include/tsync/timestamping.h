/* SPDX-License-Identifier: MIT */
/*
 * SO_TIMESTAMPING helpers: capabilities (ETHTOOL_GET_TS_INFO), enabling software or hardware
 * timestamps on a socket (SIOCSHWTSTAMP for hardware), reading the RX timestamp from a
 * received packet's control messages and the TX timestamp from the socket's error queue.
 *
 * Time base: software timestamps are CLOCK_REALTIME (the kernel's ktime_get_real()); hardware
 * timestamps are the time of the interface's PHC (see ts_phc_index()). Both are returned as
 * tmv_t nanoseconds. A timestamp of 0 means "none".
 *
 * Errors: 0 or -errno. Functions taking (err, errlen) also write a one-line message naming
 * the interface and what is missing, e.g.
 *   "veth0: no hardware TX timestamps (time_stamping hardware requested)"
 * err may be NULL.
 */
#ifndef TSYNC_TIMESTAMPING_H
#define TSYNC_TIMESTAMPING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include "tsync/time.h"
#include "tsync/tstamp.h"

/* linuxptp's time_stamping values that tsync implements. */
enum ts_mode {
	TS_SOFTWARE, /* "software": kernel timestamps at the driver (CLOCK_REALTIME) */
	TS_HARDWARE, /* "hardware": PHC timestamps (SIOCSHWTSTAMP + RAW_HARDWARE) */
};

/* "software" | "hardware" -> mode; 0 or -EINVAL ("legacy", "onestep", ... are -EOPNOTSUPP). */
int ts_mode_parse(const char *s, enum ts_mode *out);
const char *ts_mode_name(enum ts_mode mode);

/* An interface's timestamping capabilities, as ETHTOOL_GET_TS_INFO reports them. */
struct ts_caps {
	uint32_t so_timestamping; /* SOF_TIMESTAMPING_* bits the device supports */
	int phc_index;            /* /dev/ptpN index, -1: no PHC */
	uint32_t tx_types;        /* bits (1 << HWTSTAMP_TX_*) */
	uint32_t rx_filters;      /* bits (1 << HWTSTAMP_FILTER_*) */
};

/* Query iface with SIOCETHTOOL on a private socket (works in the caller's namespace).
 * -ENODEV: no such interface; -EOPNOTSUPP: the driver does not answer the query. */
int ts_caps_get(const char *iface, struct ts_caps *caps);

/* Pure check of caps for mode (no I/O). Software needs TX_SOFTWARE, RX_SOFTWARE and SOFTWARE;
 * hardware needs TX_HARDWARE, RX_HARDWARE, RAW_HARDWARE, HWTSTAMP_TX_ON and a PTP RX filter
 * (or FILTER_ALL). Returns 0 or -EOPNOTSUPP with the first missing capability in err. */
int ts_caps_check(const char *iface, const struct ts_caps *caps, enum ts_mode mode, char *err,
                  size_t errlen);

/* The PTP RX filter to request for a transport, linuxptp's order of preference:
 * l2: PTP_V2_L2_EVENT, then PTP_V2_EVENT, then ALL; UDP: PTP_V2_L4_EVENT, PTP_V2_EVENT, ALL.
 * Returns the HWTSTAMP_FILTER_* value or -EOPNOTSUPP if caps offer none of them. */
int ts_pick_rx_filter(const struct ts_caps *caps, bool l2);

/* PHC index of iface (for the phc clock driver: "/dev/ptp<index>").
 * -ENODEV with err "IF: no PTP hardware clock" when the interface has none. */
int ts_phc_index(const char *iface, int *index, char *err, size_t errlen);

/* SIOCSHWTSTAMP on iface through fd (any socket): tx_type HWTSTAMP_TX_*, rx_filter
 * HWTSTAMP_FILTER_*. This is the ioctl boundary of the hardware path. On success the filter
 * the driver applied (it may widen it) is stored in *applied (optional). */
int ts_hw_config(int fd, const char *iface, int tx_type, int rx_filter, int *applied, char *err,
                 size_t errlen);

/* Options for ts_enable(). */
#define TS_OPT_RX_ONLY 0x1 /* no TX timestamps (general sockets) */
#define TS_OPT_ID                                                                                  \
	0x2            /* ask for SOF_TIMESTAMPING_OPT_ID|OPT_TSONLY (error queue entries
                              carry a per-socket counter instead of the packet) */
#define TS_OPT_L2  0x4 /* hardware RX filter for layer 2 (default: UDP) */
#define TS_OPT_ALL 0x8 /* hardware RX filter ALL (frames that are not PTP, e.g. DTP) */

/*
 * Enable timestamping on fd for iface: check capabilities, configure hardware if mode is
 * TS_HARDWARE, set SO_TIMESTAMPING and SO_SELECT_ERR_QUEUE. If TS_OPT_ID is refused by the
 * kernel it falls back to payload matching. *flags_out (optional): the SOF_TIMESTAMPING_*
 * flags in effect (test SOF_TIMESTAMPING_OPT_ID to learn which matching applies).
 * An interface that does not answer ETHTOOL_GET_TS_INFO is assumed capable of software
 * timestamps (as linuxptp does).
 */
int ts_enable(int fd, const char *iface, enum ts_mode mode, unsigned opts, uint32_t *flags_out,
              char *err, size_t errlen);

/* What the control messages of one received message carried. */
struct ts_cmsg {
	tmv_t sw;         /* SCM_TIMESTAMPING ts[0] (software), 0 if none */
	tmv_t hw;         /* SCM_TIMESTAMPING ts[2] (raw hardware), 0 if none */
	tmv_t ns;         /* SCM_TIMESTAMPNS (SO_TIMESTAMPNS), 0 if none */
	bool have_err;    /* a sock_extended_err from the error queue was present */
	bool tx_id_valid; /* ee_origin was SO_EE_ORIGIN_TIMESTAMPING */
	uint32_t tx_id;   /* ee_data: the OPT_ID counter of the sent packet */
	uint32_t tx_kind; /* ee_info: SCM_TSTAMP_SND, _SCHED or _ACK */
};

/* Parse the control messages of msg (pure: works on any buffer laid out with CMSG_*).
 * Unknown messages are skipped. Returns 0, or -EINVAL if a timestamp cmsg is truncated. */
int ts_cmsg_parse(const struct msghdr *msg, struct ts_cmsg *out);

/* The timestamp mode calls for: TS_SOFTWARE: sw, else ns; TS_HARDWARE: hw. 0 if none. */
tmv_t ts_cmsg_pick(const struct ts_cmsg *c, enum ts_mode mode);
/* The tag of mode's stamps with ns 0: TS_SRC_SYS or TS_SRC_PHC (dev = phc_index if >= 0),
 * 1 ns resolution. */
struct tsync_ts ts_mode_tag(enum ts_mode mode, int phc_index);
/* The same, tagged: TS_SRC_SYS (software) or TS_SRC_PHC (hardware, dev = phc_index if >= 0)
 * at 1 ns resolution, or the "none" timestamp. */
struct tsync_ts ts_cmsg_tag(const struct ts_cmsg *c, enum ts_mode mode, int phc_index);

/* recvmsg(fd) into buf with flags (MSG_DONTWAIT is added) and parse its timestamps.
 * src/srclen optional. Returns the byte count or -errno (-EAGAIN: nothing queued). */
ssize_t ts_recv(int fd, void *buf, size_t len, struct sockaddr *src, socklen_t *srclen,
                struct ts_cmsg *ts);

/* Which error queue entry belongs to the packet just sent. */
struct ts_tx_match {
	bool use_id;         /* OPT_ID: match the counter */
	uint32_t id;         /* expected counter; on success set to the matched one + 1 */
	const void *payload; /* else: the sent payload must occur in the returned packet */
	size_t len;
};

/*
 * Wait up to timeout_ms (ms, linuxptp's tx_timestamp_timeout) for the TX timestamp of the
 * packet described by m on fd's error queue. Older entries (stale ids, other payloads) are
 * dropped. Returns 0 with *tx_ts tagged as ts_cmsg_tag() does, or -ETIMEDOUT ("timed out
 * while polling for tx timestamp").
 */
int ts_fetch_tx(int fd, struct ts_tx_match *m, int timeout_ms, enum ts_mode mode, int phc_index,
                struct tsync_ts *tx_ts);

#endif
