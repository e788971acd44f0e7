/* SPDX-License-Identifier: MIT */
/*
 * dtp-sim topologies: generated (line:N, star:N, ring:N, fattree:K, leafspine:AxB) or read
 * from a file with one link per line, "NODE NODE METRES", '#' starting a comment; a node
 * whose name starts with 'h' is a host, any other a switch. Errors name "PATH:LINE: reason"
 * (or the bad spec).
 *
 *   line:N       N hops: switches s0 .. sN in a chain
 *   star:N       one switch s0 and N hosts h1 .. hN
 *   ring:N       N switches s0 .. s(N-1) in a ring (N >= 3)
 *   fattree:K    the k-ary fat-tree (K even): K^3/4 hosts, K^2 edge+aggregation switches,
 *                K^2/4 core switches, 3 K^3/4 links
 *   leafspine:AxB  A spine and B leaf switches, every leaf linked to every spine
 */
#ifndef DTP_SIM_TOPO_H
#define DTP_SIM_TOPO_H

#include <stdbool.h>
#include <stddef.h>

#define TOPO_NAME_MAX 32

struct topo_link {
	unsigned a, b;
	double metres;
};

struct topo {
	unsigned nnodes, nlinks;
	char (*names)[TOPO_NAME_MAX];
	bool *host;
	struct topo_link *links;
	unsigned cap_nodes, cap_links;
};

/* Build the topology of spec; generated links are cable_m metres long. 0, or -1 with err. */
int topo_build(struct topo *t, const char *spec, double cable_m, char *err, size_t errlen);
void topo_free(struct topo *t);
/* Index of the node called name, or -1. */
int topo_find(const struct topo *t, const char *name);
/* Hop diameter over the links whose up[] is true (all if up is NULL); -1 if disconnected. */
int topo_diameter(const struct topo *t, const bool *up);

#endif
