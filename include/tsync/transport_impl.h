/* SPDX-License-Identifier: MIT */
/*
 * Writing a transport: the ops every implementation fills and the base struct it embeds, so a
 * transport can live outside lib/net (a DPDK transport in dtp/, an 802.11 transport in
 * ptpd-wl/) and still be driven through the public API of tsync/transport.h. lib/net's UDPv4,
 * UDPv6, L2 and loop transports are built the same way.
 *
 *   struct my_tp { struct transport base; ...private state... };
 *   static const struct transport_ops my_ops = {
 *           .name = "mine", .size = sizeof(struct my_tp), .init = my_init,
 *           .open = my_open, .close = my_close, .send = my_send, .recv = my_recv,
 *           .poll = my_poll,        (and/or .fd = my_fd)
 *   };
 *   struct transport *t = transport_create_impl(&my_ops, TRANS_IMPL, &cfg, my_arg);
 *   struct my_tp *m = container_of(t, struct my_tp, base);
 *
 * The dispatcher (lib/net/transport.c) allocates ops->size zeroed bytes, fills the base, calls
 * init, validates arguments of every public call, tracks the open state and the interface
 * name, and supplies defaults for the optional ops. Timestamps an implementation returns are
 * tagged (tsync/tstamp.h): source, resolution, and for counter sources the raw value.
 *
 * Busy-loop transports (DPDK: no fd, frames are fetched from the NIC's ring by the caller's
 * thread) leave .fd NULL and implement .poll; transport_needs_poll() tells the owner to call
 * transport_poll(t, budget, fn, arg) from its loop instead of waiting on transport_fd().
 */
#ifndef TSYNC_TRANSPORT_IMPL_H
#define TSYNC_TRANSPORT_IMPL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include "tsync/transport.h"

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#endif

struct transport_ops {
	/* Required. Short name for messages ("UDPv4", "L2", "dpdk", "wifi"). */
	const char *name;
	/* Required. Size of the implementation's struct, which embeds struct transport (at any
	 * offset: the dispatcher allocates the whole struct and finds the base via base_off). */
	size_t size;
	/* Offset of the struct transport member in it (offsetof(struct my_tp, base)). */
	size_t base_off;
	/* Optional. Constructor after the base is filled (arg from transport_create_impl);
	 * 0 or -errno (then destroy is called and the create fails with that errno). */
	int (*init)(struct transport *t, void *arg);
	/* Required. iface is valid (< IFNAMSIZ); on failure fill t->err (transport_err) and
	 * release everything it took. */
	int (*open)(struct transport *t, const char *iface);
	/* Required. Release what open took; the transport may be opened again. */
	void (*close)(struct transport *t);
	/* Required. Same contract as transport_send(); dest/addr already validated, *tx_ts
	 * (if tx_ts) preset to "none". */
	ssize_t (*send)(struct transport *t, enum transport_channel ch, enum transport_dest dest,
	                const struct transport_addr *addr, const void *buf, size_t len,
	                struct tsync_ts *tx_ts);
	/* Required. Same contract as transport_recv(); rx_ts and src may be NULL and are preset
	 * to "none" / zero. */
	ssize_t (*recv)(struct transport *t, enum transport_channel ch, void *buf, size_t len,
	                struct tsync_ts *rx_ts, struct transport_addr *src);
	/* The fd of the channel or -1 (general: -1 = "arrives on the event fd"). NULL: the
	 * transport has no fd and must be driven by poll (then .poll is required). */
	int (*fd)(struct transport *t, enum transport_channel ch);
	/* Optional with .fd (default: transport_recv on each channel's fd until -EAGAIN or the
	 * budget), required without. Same contract as transport_poll(). */
	int (*poll)(struct transport *t, int budget, transport_rx_fn fn, void *arg);
	/* Optional (default: the tag of cfg.ts_mode: sys or phc, 1 ns). Open; *info preset to
	 * the default, ns 0. Same contract as transport_ts_info(). */
	int (*ts_info)(struct transport *t, struct tsync_ts *info);
	/* Optional (default: -EOPNOTSUPP). */
	int (*physical_addr)(struct transport *t, uint8_t *addr, size_t len);
	/* Optional (default: -EOPNOTSUPP). */
	int (*protocol_addr)(struct transport *t, uint8_t *addr, size_t len);
	/* Optional. Release what init took (already closed); the dispatcher frees the memory. */
	void (*destroy)(struct transport *t);
};

/* The base every implementation embeds. Implementations read cfg and write err; the rest
 * belongs to the dispatcher. */
struct transport {
	const struct transport_ops *ops;
	enum transport_type type;
	struct transport_config cfg;
	bool is_open;
	char iface[IF_NAMESIZE];
	char err[192];
};

/*
 * Create a transport of ops (validated: the required ops present, size >= base_off + the
 * base), tagged type (TRANS_IMPL for a transport outside lib/net, or the enum value it stands
 * for), cfg (NULL: defaults; checked as for transport_create), arg passed to ops->init.
 * Returns the base, or NULL with errno (EINVAL, ENOMEM, or init's error).
 */
struct transport *transport_create_impl(const struct transport_ops *ops, enum transport_type type,
                                        const struct transport_config *cfg, void *arg);

/* Record a one-line error message in t->err and return rc (a -errno). */
int transport_err(struct transport *t, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
