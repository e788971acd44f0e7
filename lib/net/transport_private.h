/* SPDX-License-Identifier: MIT */
/*
 * Transport internals: each implementation embeds struct transport first and fills its ops;
 * transport_create() in transport.c picks one by enum. The dispatcher validates arguments,
 * keeps the open flag and the interface name, and supplies defaults for optional ops.
 */
#ifndef TSYNC_TRANSPORT_PRIVATE_H
#define TSYNC_TRANSPORT_PRIVATE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include "tsync/transport.h"

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#endif

struct transport_ops {
	/* Required. iface is valid (< IFNAMSIZ); on failure fill t->err and release everything. */
	int (*open)(struct transport *t, const char *iface);
	/* Required. Release the sockets; the transport may be opened again. */
	void (*close)(struct transport *t);
	/* Required. Same contract as transport_send(); dest/addr already validated. */
	ssize_t (*send)(struct transport *t, enum transport_channel ch, enum transport_dest dest,
	                const struct transport_addr *addr, const void *buf, size_t len,
	                tmv_t *tx_ts);
	/* Required. Same contract as transport_recv(); rx_ts and src may be NULL. */
	ssize_t (*recv)(struct transport *t, enum transport_channel ch, void *buf, size_t len,
	                tmv_t *rx_ts, struct transport_addr *src);
	/* Required. fd of the channel or -1. */
	int (*fd)(struct transport *t, enum transport_channel ch);
	/* Optional (default: -EOPNOTSUPP). */
	int (*physical_addr)(struct transport *t, uint8_t *addr, size_t len);
	/* Optional (default: -EOPNOTSUPP). */
	int (*protocol_addr)(struct transport *t, uint8_t *addr, size_t len);
	/* Required. Free the implementation (already closed by the dispatcher). */
	void (*destroy)(struct transport *t);
};

struct transport {
	const struct transport_ops *ops;
	enum transport_type type;
	struct transport_config cfg;
	bool is_open;
	char iface[IF_NAMESIZE];
	char err[192];
};

/* Implementation constructors: return the embedded base with ops set, or NULL with errno. */
struct transport *udp4_transport_create(void);
struct transport *udp6_transport_create(void);
struct transport *raw_transport_create(void);
struct transport *loop_transport_create(void);

/* Record an error message in t->err and return rc (-errno). */
int transport_err(struct transport *t, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
