/* SPDX-License-Identifier: MIT */
/*
 * tsvmm evacuate: the bytes a network device received, read in its network namespace
 * (getifaddrs' link statistics through netlink: no text parsing). With the destination's
 * ingress device this is what crossed the bottleneck, whatever the sources' TCP stacks
 * believe was acknowledged (controller.h rule 5).
 */
#ifndef TSVMM_MANAGER_LINKSTAT_H
#define TSVMM_MANAGER_LINKSTAT_H

#include <stdbool.h>
#include <stdint.h>

#include "manager/evac_spec.h"

struct linkstat {
	struct evac_link_spec spec;
	uint64_t total; /* bytes received since the first read (32-bit counters unwrapped) */
	uint32_t last;  /* the counter at the last read */
	bool have;
};

/* Read dev's received bytes now into ls->total. 0, or -errno (-ENODEV: no such device in
 * the namespace). */
int linkstat_read(struct linkstat *ls);

#endif
