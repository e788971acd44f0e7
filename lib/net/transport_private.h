/* SPDX-License-Identifier: MIT */
/*
 * Transport internals: lib/net's implementations are written against tsync/transport_impl.h
 * like any external one; transport_create() in transport.c picks their ops by enum.
 */
#ifndef TSYNC_TRANSPORT_PRIVATE_H
#define TSYNC_TRANSPORT_PRIVATE_H

#include "tsync/transport_impl.h"

extern const struct transport_ops udp4_transport_ops;
extern const struct transport_ops udp6_transport_ops;
extern const struct transport_ops raw_transport_ops;
extern const struct transport_ops loop_transport_ops;

#endif
