/* SPDX-License-Identifier: MIT */
/*
 * Network interface helpers: index, MAC address, PTP clockIdentity, IPv4/IPv6 addresses.
 * Every function works in the caller's network namespace and returns 0 or -errno
 * (-ENODEV: no such interface, -EADDRNOTAVAIL: the interface has no such address).
 *
 * Other parts of lib/net: timestamping.h (SO_TIMESTAMPING), transport.h (PTP transports).
 */
#ifndef TSYNC_NET_H
#define TSYNC_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#define NET_MAC_LEN   6 /* EUI-48 */
#define NET_EUI64_LEN 8

/* Interface index of iface (> 0). */
int net_if_index(const char *iface, int *index);

/* The interface's hardware (EUI-48) address. -EADDRNOTAVAIL if it has none (e.g. a tun). */
int net_if_mac(const char *iface, uint8_t mac[NET_MAC_LEN]);

/* EUI-48 -> EUI-64 as linuxptp builds a clockIdentity: mac[0..2], 0xFF, 0xFE, mac[3..5]. */
void net_eui48_to_eui64(const uint8_t mac[NET_MAC_LEN], uint8_t id[NET_EUI64_LEN]);

/* clockIdentity of iface: net_if_mac() then net_eui48_to_eui64(). */
int net_clock_identity(const char *iface, uint8_t id[NET_EUI64_LEN]);

/* First IPv4 address of iface. */
int net_if_ipv4(const char *iface, struct in_addr *addr);

/* First IPv6 address of iface; link_local selects fe80::/10 (true) or any other (false). */
int net_if_ipv6(const char *iface, bool link_local, struct in6_addr *addr);

/* Format a MAC as "aa:bb:cc:dd:ee:ff" (buf >= 18 bytes); returns buf. */
char *net_mac_fmt(const uint8_t mac[NET_MAC_LEN], char *buf, unsigned long len);

/* Parse "aa:bb:cc:dd:ee:ff" (hex, ':' separated); 0 or -EINVAL. */
int net_mac_parse(const char *s, uint8_t mac[NET_MAC_LEN]);

#endif
