/* SPDX-License-Identifier: MIT */
/*
 * Transports (linuxptp's transport.h): an opaque handle, transport_create() picks the
 * implementation by enum; transport_create_impl() (tsync/transport_impl.h) takes one written
 * elsewhere (a DPDK or an 802.11 transport).
 *
 *   TRANS_UDP_IPV4   "UDPv4": event port 319, general 320; 224.0.1.129, peer delay 224.0.0.107
 *   TRANS_UDP_IPV6   "UDPv6": ff0X::181 (X = udp6_scope, default 0xE), peer delay ff02::6b
 *   TRANS_IEEE_802_3 "L2":    AF_PACKET frames of cfg.l2_ethertype (default PTP's 0x88F7) to
 *                             cfg.ptp_dst_mac (default 01:1B:19:00:00:00) and cfg.p2p_dst_mac
 *                             (01:80:C2:00:00:0E); one socket carries event and general messages.
 *                             Not PTP-specific: a DTP daemon passes 0x88B5 and its addresses.
 *   TRANS_LOOP       in-memory pairs for tests (transport_loop_pair()), synthetic timestamps
 *   TRANS_IMPL       an implementation outside lib/net (transport_name() gives its name)
 *
 * Life cycle: create -> open(iface) -> send/recv (poll transport_fd(), or call transport_poll()
 * from a busy loop) -> close -> destroy.
 * Timestamps are tagged (tsync/tstamp.h): software ones are TS_SRC_SYS (CLOCK_REALTIME),
 * hardware ones TS_SRC_PHC (the PHC's time), loop ones TS_SRC_SYS or TS_SRC_SIM (cfg.loop_now);
 * TS_SRC_NONE with ns 0 means "no timestamp". Functions return 0 (or a byte count) or -errno;
 * on failure of open or send, transport_last_error() holds a one-line message naming the
 * interface.
 */
#ifndef TSYNC_TRANSPORT_H
#define TSYNC_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include "tsync/time.h"
#include "tsync/timestamping.h"
#include "tsync/tstamp.h"

enum transport_type {
	TRANS_UDP_IPV4 = 1, /* the values of linuxptp's enum transport_type */
	TRANS_UDP_IPV6,
	TRANS_IEEE_802_3,
	TRANS_LOOP = 100, /* tsync only */
	TRANS_IMPL = 101, /* implemented outside lib/net (transport_create_impl) */
};

/* Which PTP channel: event messages are timestamped (Sync, Delay_Req, Pdelay_Req/_Resp),
 * general ones are not (Follow_Up, Announce, Delay_Resp, Management, ...). */
enum transport_channel {
	TRANS_EVENT = 0,
	TRANS_GENERAL = 1,
};

/* Where a message goes. */
enum transport_dest {
	TRANS_DEST_DEFAULT, /* the PTP primary multicast address */
	TRANS_DEST_PDELAY,  /* the peer delay multicast address */
	TRANS_DEST_UNICAST, /* the address given (its port is replaced by the channel's) */
};

/* A peer address: sin (UDPv4), sin6 (UDPv6), sll (L2, sll_addr = MAC); len 0 = none. */
struct transport_addr {
	socklen_t len;
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
		struct sockaddr_ll sll;
		struct sockaddr_storage ss;
	};
};

/* Options, named after ptp4l's configuration keys. */
struct transport_config {
	enum ts_mode ts_mode; /* time_stamping: software (default) or hardware */
	int tx_timeout_ms;    /* tx_timestamp_timeout, ms (default 1) */
	int udp_ttl;          /* udp_ttl: multicast TTL / hop limit (default 1) */
	int udp6_scope;       /* udp6_scope: 0x0..0xF (default 0x0E) */
	int dscp_event;       /* dscp_event (default 0) */
	int dscp_general;     /* dscp_general (default 0) */
	/* L2: the frames' ethertype (default TRANS_ETH_P_1588, >= 0x0600) and the destinations
	 * of TRANS_DEST_DEFAULT and TRANS_DEST_PDELAY, both joined as multicast when they are
	 * multicast addresses; all-zero means "none" (not joined, sending there: -EDESTADDRREQ). */
	uint16_t l2_ethertype;
	uint8_t ptp_dst_mac[6]; /* ptp_dst_mac (default 01:1B:19:00:00:00) */
	uint8_t p2p_dst_mac[6]; /* p2p_dst_mac (default 01:80:C2:00:00:0E) */
	/* TRANS_LOOP only. Timestamps are made from a base clock shared by both ends:
	 *   tx_ts = base_send + loop_offset_ns(sender)
	 *   rx_ts = base_send + loop_delay_ns(sender) + loop_offset_ns(receiver)               */
	tmv_t (*loop_now)(void *arg); /* base clock, ns (NULL: CLOCK_REALTIME) */
	void *loop_arg;
	tmv_t loop_offset_ns; /* this end's clock minus the base clock */
	tmv_t loop_delay_ns;  /* one-way delay of the messages this end sends, ns (>= 0) */
};

/* PTP's L2 addressing (IEEE 1588 annex F), the defaults of the L2 fields. */
#define TRANS_ETH_P_1588 0x88F7
#define TRANS_PTP_DST_MAC                                                                          \
	{                                                                                          \
		0x01, 0x1B, 0x19, 0x00, 0x00, 0x00                                                 \
	}
#define TRANS_P2P_DST_MAC                                                                          \
	{                                                                                          \
		0x01, 0x80, 0xC2, 0x00, 0x00, 0x0E                                                 \
	}

/* Fill cfg with ptp4l's defaults. */
void transport_config_defaults(struct transport_config *cfg);

struct transport;

/* cfg: NULL for the defaults (copied). Returns NULL with errno (EINVAL: unknown type). */
struct transport *transport_create(enum transport_type type, const struct transport_config *cfg);
/* Closes it if open, frees it. NULL is ignored. */
void transport_destroy(struct transport *t);

/* Open the sockets on iface (bind, multicast membership, timestamping). -EBUSY if open.
 * Errors name the interface and the missing piece in transport_last_error(). */
int transport_open(struct transport *t, const char *iface);
void transport_close(struct transport *t);

/*
 * Send len bytes of buf on channel ch to dest (addr only for TRANS_DEST_UNICAST).
 * tx_ts (optional, event channel): the TX timestamp, waited for up to tx_timeout_ms.
 * Returns the bytes sent, or -errno; -ETIMEDOUT means "sent, but no TX timestamp arrived".
 */
ssize_t transport_send(struct transport *t, enum transport_channel ch, enum transport_dest dest,
                       const struct transport_addr *addr, const void *buf, size_t len,
                       struct tsync_ts *tx_ts);

/* Receive one message from channel ch without blocking (poll transport_fd() first).
 * rx_ts (optional): the RX timestamp or none; src (optional): the sender. An event message can
 * come without RX timestamp (TS_SRC_NONE): the kernel switches software RX stamping on a few ms
 * after the first socket of the host asks for it; drop such a message as ptp4l does.
 * Returns the message length, -EAGAIN if none is queued, or -errno. */
ssize_t transport_recv(struct transport *t, enum transport_channel ch, void *buf, size_t len,
                       struct tsync_ts *rx_ts, struct transport_addr *src);

/* The fd to poll (POLLIN) for channel ch, or -1: for TRANS_GENERAL, -1 means "general
 * messages arrive on the event fd" (L2, loop never), for a closed transport or one that
 * needs polling always -1. */
int transport_fd(struct transport *t, enum transport_channel ch);

/* One received message for transport_poll(): its channel (L2: always TRANS_EVENT), bytes,
 * RX timestamp (TS_SRC_NONE if none) and sender (len 0 if unknown). Valid during the call. */
typedef void (*transport_rx_fn)(void *arg, struct transport *t, enum transport_channel ch,
                                const void *buf, size_t len, const struct tsync_ts *rx_ts,
                                const struct transport_addr *src);

/* The largest message the default transport_poll() of an fd-based transport delivers (a
 * longer one is dropped and reported as -EMSGSIZE when nothing else arrived). */
#define TRANSPORT_POLL_MAX 2048

/*
 * Receive up to budget (> 0) queued messages without blocking, handing each to fn. Returns
 * how many were handed over (0: none queued), or -errno if the first receive failed.
 * Works on every transport: fd-based ones read their fds, busy-loop ones (DPDK) their rings.
 * A busy loop drives a transport that needs polling like this:
 *
 *   while (running) {
 *           int n = transport_poll(t, 32, on_frame, ctx);   (32: a burst, as rte_eth_rx_burst)
 *           run_due_timers(now());                          (the owner's timer wheel)
 *           if (n == 0) idle_hint();                        (pause, or nothing)
 *   }
 *
 * An fd-based transport may also be driven this way, or from a reactor: on POLLIN of
 * transport_fd(), call transport_poll() (or transport_recv() per channel).
 */
int transport_poll(struct transport *t, int budget, transport_rx_fn fn, void *arg);

/* What t's (event) timestamps carry, known once it is open: *info gets their source,
 * resolution and dev with ns 0, e.g. for a start-up log line. 0, -EINVAL or -ENOTCONN. */
int transport_ts_info(struct transport *t, struct tsync_ts *info);

/* true when t has no fd to wait on and must be driven by transport_poll() (DPDK). */
bool transport_needs_poll(const struct transport *t);

/* The interface's MAC (clockIdentity source) into addr (len >= 6): returns the bytes written
 * (6) or -errno; -EOPNOTSUPP for transports without one (loop). */
int transport_physical_addr(struct transport *t, uint8_t *addr, size_t len);
/* The protocol address for portAddress (IPv4: 4 bytes, IPv6: 16, L2: 6): bytes written or
 * -errno (-ENOSPC if len is too small). */
int transport_protocol_addr(struct transport *t, uint8_t *addr, size_t len);

enum transport_type transport_type(const struct transport *t);
/* The implementation's name ("UDPv4", "L2", "loop", or an external one's). */
const char *transport_name(const struct transport *t);
const char *transport_iface(const struct transport *t); /* "" before open */
/* The last error message ("" if none). Valid until the next call on t. */
const char *transport_last_error(const struct transport *t);

/* ptp4l's network_transport names: "UDPv4", "UDPv6", "L2" (and tsync's "loop"); 0 or -EINVAL.
 * transport_type_name(TRANS_IMPL) is "impl". */
int transport_parse(const char *name, enum transport_type *out);
const char *transport_type_name(enum transport_type type);

/* Join two TRANS_LOOP transports (not yet paired, not open): what one sends, the other
 * receives. Both may then be opened with any name. 0, -EINVAL, -EBUSY, or -errno. */
int transport_loop_pair(struct transport *a, struct transport *b);

#endif
