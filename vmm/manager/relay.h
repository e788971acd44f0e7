/* SPDX-License-Identifier: MIT */
/*
 * tsvmm evacuate: a paced TCP relay for one migration stream. Listens on 127.0.0.1:<port>
 * (an ephemeral port), accepts the source VM's migration connections (as many as the
 * migration has: "connections", up to RELAY_CONN_MAX), connects each to the destination and
 * forwards both ways in its own thread; the source -> destination direction of all of them
 * together is paced by one token bucket at cap_bps (changeable at any time; 0 = unpaced) and
 * counted in
 * bytes (written, and acknowledged by the destination's TCP: the send buffer holds
 * megabytes, so what was written says little about what crossed the path in the last
 * interval). Destination -> source (status records) is not paced.
 * With a network namespace name, both sockets (the listener and the one toward the
 * destination) are made in that namespace (/var/run/netns/NAME, as `ip netns` names them):
 * a source VM on another "host" (namespace) connects to 127.0.0.1 there, and the stream
 * leaves through that host's uplink.
 */
#ifndef TSVMM_MANAGER_RELAY_H
#define TSVMM_MANAGER_RELAY_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum relay_state { RELAY_WAITING = 0, RELAY_CONNECTED, RELAY_CLOSED, RELAY_FAILED };

#define RELAY_CONN_MAX 8
/* Longest retransmission timeout of a socket toward the destination (TCP_RTO_MAX_MS, Linux
 * 6.15; the kernel's least allowed value). A stream held at a trickle behind a congested
 * bottleneck loses packets again and again; with the default (120 s) its RTO doubles to 6.4 s
 * and more, so the path stays silent past both ends' 10 s migration timeout and the migration
 * fails (issue 16: "PAGES: peer silent for 10000 ms"). Capped, it retries every second. */
#define RELAY_RTO_MAX_MS 1000

struct relay {
	int lfd;                 /* listener */
	int dfd[RELAY_CONN_MAX]; /* sockets toward the destination (made at start, in netns) */
	unsigned conns;          /* connections the migration opens */
	uint16_t port;           /* where the source connects (127.0.0.1) */
	struct sockaddr_in dst;
	pthread_t th;
	bool started;
	/* shared with the thread (atomics) */
	uint64_t cap_bps; /* bytes/s, 0 = unpaced */
	uint64_t bytes;   /* forwarded source -> destination (written into the socket) */
	uint64_t acked;   /* of those, acknowledged by the destination (bytes - SIOCOUTQ, updated
	                     every 20 ms): what crossed the path, for the throughput feedback */
	int state;        /* enum relay_state */
	bool stop;
};

/* Before relay_start: nothing to close (relay_stop on a relay never started is harmless). */
static inline void relay_init(struct relay *r)
{
	r->lfd = -1;
	for (unsigned i = 0; i < RELAY_CONN_MAX; i++)
		r->dfd[i] = -1;
	r->started = false;
}
/* Listen (in namespace netns unless NULL or ""), start the thread; the migration opens conns
 * (1 .. RELAY_CONN_MAX) connections. 0 or -errno. */
int relay_start(struct relay *r, const char *dst_addr, uint16_t dst_port, uint64_t cap_bps,
                const char *netns, unsigned conns);
static inline void relay_set_cap(struct relay *r, uint64_t cap_bps)
{
	__atomic_store_n(&r->cap_bps, cap_bps, __ATOMIC_RELAXED);
}
static inline uint64_t relay_bytes(struct relay *r)
{
	return __atomic_load_n(&r->bytes, __ATOMIC_RELAXED);
}
static inline uint64_t relay_acked(struct relay *r)
{
	return __atomic_load_n(&r->acked, __ATOMIC_RELAXED);
}
static inline int relay_state(struct relay *r)
{
	return __atomic_load_n(&r->state, __ATOMIC_ACQUIRE);
}
/* Tune a socket toward the destination: no Nagle, a small send buffer, RELAY_RTO_MAX_MS.
 * 0, or -errno of the RTO cap (a kernel before 6.15: -ENOPROTOOPT). */
int relay_tune_dst(int fd);
/* Enter network namespace name (this thread only; NULL or "": stay); *saved: the namespace to
 * return to with relay_netns_leave. 0 or -errno. */
int relay_netns_enter(const char *name, int *saved);
void relay_netns_leave(int saved);
/* Stop the thread (closing both connections if still open) and the listener. */
void relay_stop(struct relay *r);

#endif
