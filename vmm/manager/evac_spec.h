/* SPDX-License-Identifier: MIT */
/*
 * tsvmm evacuate: one VM argument, SRC_SOCK=DST_ADDR:PORT[,DST_SOCK][@NETNS].
 *   SRC_SOCK   the source VM's control socket (path)
 *   DST_ADDR   the destination's IPv4 address (it also goes into the migrate command's
 *              tls-hostname: no quote or backslash)
 *   PORT       1 .. 65535, the destination's incoming port
 *   DST_SOCK   the destination VM's control socket (optional: its guest-seen stop)
 *   NETNS      the source host's network namespace (ip netns name: no '/'), optional
 */
#ifndef TSVMM_MANAGER_EVAC_SPEC_H
#define TSVMM_MANAGER_EVAC_SPEC_H

#include <stddef.h>
#include <stdint.h>

struct evac_spec {
	char src[108], dst_addr[64], dst_sock[108], netns[64];
	uint16_t dst_port;
};

/* Parse spec into out. 0, or -1 with err naming what was wrong (and the argument). */
int evac_spec_parse(const char *spec, struct evac_spec *out, char *err, size_t errlen);

/* --link-stats NETNS:DEV (the destination's ingress device: the bytes it received crossed the
 * bottleneck): NETNS an ip netns name (no '/'), DEV an interface name (1 .. 15 characters,
 * no '/' or ':'). 0, or -1 with err naming what was wrong. */
struct evac_link_spec {
	char netns[64], dev[16];
};
int evac_link_spec_parse(const char *spec, struct evac_link_spec *out, char *err, size_t errlen);

#endif
