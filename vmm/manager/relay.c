// SPDX-License-Identifier: MIT
/* tsvmm evacuate: the paced TCP relay of one migration stream (see relay.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "manager/relay.h"

#define CHUNK  (256 * 1024)
#define SNDBUF (256 * 1024) /* bounds what waits in the kernel: a cap change acts at once */
#ifndef TCP_RTO_MAX_MS
#define TCP_RTO_MAX_MS 44 /* Linux 6.15 (include/uapi/linux/tcp.h); older headers lack it */
#endif

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* acked = bytes written - bytes the destination has not acknowledged yet (every connection) */
static void update_acked(struct relay *r, const int *dst, unsigned n)
{
	uint64_t queued = 0;
	for (unsigned i = 0; i < n; i++) {
		int q = 0;
		if (dst[i] >= 0 && ioctl(dst[i], SIOCOUTQ, &q) == 0 && q > 0)
			queued += (uint64_t)q;
	}
	uint64_t sent = __atomic_load_n(&r->bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&r->acked, sent > queued ? sent - queued : 0, __ATOMIC_RELAXED);
}

/* Write all of p to dst; source -> destination (count) is counted as written and its acked
 * kept fresh while the socket is full. */
static int forward(struct relay *r, int dst, const char *p, size_t n, bool count, const int *dsts,
                   unsigned nd)
{
	while (n) {
		ssize_t w = send(dst, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf = {.fd = dst, .events = POLLOUT};
			if (poll(&pf, 1, 20) < 0 && errno != EINTR)
				return -1;
			if (count)
				update_acked(r, dsts, nd);
			if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
				return -1;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
		if (count)
			__atomic_add_fetch(&r->bytes, (uint64_t)w, __ATOMIC_RELAXED);
	}
	return 0;
}

int relay_tune_dst(int fd)
{
	int one = 1, sb = SNDBUF, rto = RELAY_RTO_MAX_MS;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
	return setsockopt(fd, IPPROTO_TCP, TCP_RTO_MAX_MS, &rto, sizeof(rto)) < 0 ? -errno : 0;
}

static int dial(int fd, const struct sockaddr_in *sa)
{
	relay_tune_dst(fd); /* an older kernel without TCP_RTO_MAX_MS: its default backoff */
	return connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ? -1 : fd;
}

int relay_netns_enter(const char *name, int *saved)
{
	char path[300];
	*saved = -1;
	if (!name || !*name)
		return 0;
	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int r = *saved < 0 || setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	if (r && *saved >= 0) {
		close(*saved);
		*saved = -1;
	}
	return r;
}

void relay_netns_leave(int saved)
{
	if (saved >= 0) {
		if (setns(saved, CLONE_NEWNET) < 0)
			perror("relay: setns back");
		close(saved);
	}
}

/* The relayed connections: source side src[i], destination side dst[i]. */
struct pairs {
	int src[RELAY_CONN_MAX], dst[RELAY_CONN_MAX];
	bool src_open[RELAY_CONN_MAX], dst_open[RELAY_CONN_MAX];
	unsigned n;
};

/* Accept one more source connection and dial its destination socket. false when it failed
 * (the relay then fails: the migration cannot run without it). */
static bool add_pair(struct relay *r, struct pairs *pp)
{
	int src = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
	unsigned i = pp->n;
	if (src < 0)
		return errno == EAGAIN || errno == EINTR;
	int dst = dial(r->dfd[i], &r->dst);
	r->dfd[i] = -1; /* taken over (closed with the pair, or now) */
	if (dst < 0) {
		close(src);
		return false;
	}
	pp->src[i] = src;
	pp->dst[i] = dst;
	pp->src_open[i] = pp->dst_open[i] = true;
	pp->n++;
	return true;
}

/* Forward every source -> destination paced by the one cap, destination -> source as it
 * comes, accepting the migration's further connections meanwhile, until all closed. */
static void pump(struct relay *r, struct pairs *pp)
{
	char *buf = malloc(CHUNK);
	double tokens = 0, last = now_s();
	unsigned rr = 0;
	struct pollfd p[2 * RELAY_CONN_MAX + 1];
	for (;;) {
		bool open = false;
		for (unsigned i = 0; i < pp->n; i++)
			open |= pp->src_open[i] || pp->dst_open[i];
		if (!buf || !open || __atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
			break;
		double t = now_s(), cap = (double)__atomic_load_n(&r->cap_bps, __ATOMIC_RELAXED);
		double burst = cap * 0.02 > CHUNK ? cap * 0.02 : CHUNK;
		tokens += (t - last) * (cap > 0 ? cap : 1e12);
		if (tokens > burst)
			tokens = burst;
		last = t;
		int timeout = 20;
		update_acked(r, pp->dst, pp->n);
		for (unsigned i = 0; i < pp->n; i++) {
			p[2 * i] = (struct pollfd){
			        .fd = pp->src_open[i] && tokens >= 4096 ? pp->src[i] : -1,
			        .events = POLLIN};
			p[2 * i + 1] = (struct pollfd){.fd = pp->dst_open[i] ? pp->dst[i] : -1,
			                               .events = POLLIN};
		}
		/* the migration's further connections reach the destination only after it
		 * acknowledged bytes of the first: it drops a connection that stays silent for 1 s
		 * while another waits in its backlog (incoming_admit.c), and the source's first
		 * bytes can take longer than that behind a congested bottleneck (issue 16) */
		bool more = pp->n < r->conns && __atomic_load_n(&r->acked, __ATOMIC_RELAXED) > 0;
		p[2 * pp->n] = (struct pollfd){.fd = more ? r->lfd : -1, .events = POLLIN};
		if (tokens < 4096 && cap > 0) {
			timeout = (int)((4096 - tokens) / cap * 1000) + 1;
			if (timeout > 20)
				timeout = 20;
		}
		if (poll(p, 2 * pp->n + 1, timeout) < 0 && errno != EINTR)
			break;
		if (p[2 * pp->n].revents && !add_pair(r, pp))
			break;
		for (unsigned k = 0; k < pp->n; k++) { /* round robin: no connection starves */
			unsigned i = (rr + k) % pp->n;
			if (p[2 * i].revents && tokens >= 4096) {
				size_t want = tokens < CHUNK ? (size_t)tokens : CHUNK;
				ssize_t n = recv(pp->src[i], buf, want, 0);
				if (n <= 0 ||
				    forward(r, pp->dst[i], buf, (size_t)n, true, pp->dst, pp->n)) {
					pp->src_open[i] = false;
					shutdown(pp->dst[i], SHUT_WR);
				} else {
					tokens -= (double)n;
				}
			}
			if (p[2 * i + 1].revents) {
				ssize_t n = recv(pp->dst[i], buf, CHUNK, 0);
				if (n <= 0 ||
				    forward(r, pp->src[i], buf, (size_t)n, false, NULL, 0)) {
					pp->dst_open[i] = false;
					shutdown(pp->src[i], SHUT_WR);
				}
			}
		}
		rr++;
	}
	free(buf);
	__atomic_store_n(&r->acked, __atomic_load_n(&r->bytes, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
}

static void *relay_thread(void *arg)
{
	struct relay *r = arg;
	struct pollfd p = {.fd = r->lfd, .events = POLLIN};
	struct pairs pp = {.n = 0};
	bool ok = false;
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		if (poll(&p, 1, 100) > 0) {
			ok = add_pair(r, &pp) && pp.n > 0;
			break;
		}
	}
	if (ok) {
		__atomic_store_n(&r->state, RELAY_CONNECTED, __ATOMIC_RELEASE);
		pump(r, &pp);
	}
	for (unsigned i = 0; i < pp.n; i++) {
		close(pp.dst[i]);
		close(pp.src[i]);
	}
	__atomic_store_n(&r->state, ok ? RELAY_CLOSED : RELAY_FAILED, __ATOMIC_RELEASE);
	return NULL;
}

int relay_start(struct relay *r, const char *dst_addr, uint16_t dst_port, uint64_t cap_bps,
                const char *netns, unsigned conns)
{
	int saved, e;
	memset(r, 0, sizeof(*r));
	r->lfd = -1;
	for (unsigned i = 0; i < RELAY_CONN_MAX; i++)
		r->dfd[i] = -1;
	r->conns = conns < 1 ? 1 : conns > RELAY_CONN_MAX ? RELAY_CONN_MAX : conns;
	r->cap_bps = cap_bps;
	r->dst.sin_family = AF_INET;
	r->dst.sin_port = htons(dst_port);
	if (inet_pton(AF_INET, dst_addr, &r->dst.sin_addr) != 1)
		return -EINVAL;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	if ((e = relay_netns_enter(netns, &saved)))
		return e;
	r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	e = r->lfd < 0 || bind(r->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	                    listen(r->lfd, (int)r->conns) < 0 ||
	                    getsockname(r->lfd, (struct sockaddr *)&sa, &sl) < 0
	            ? -errno
	            : 0;
	for (unsigned i = 0; !e && i < r->conns; i++)
		if ((r->dfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			e = -errno;
	relay_netns_leave(saved);
	r->port = ntohs(sa.sin_port);
	if (!e)
		e = -pthread_create(&r->th, NULL, relay_thread, r);
	if (e) {
		relay_stop(r);
		return e;
	}
	r->started = true;
	return 0;
}

void relay_stop(struct relay *r)
{
	if (r->started) {
		__atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
		pthread_join(r->th, NULL);
		r->started = false;
	}
	if (r->lfd >= 0)
		close(r->lfd);
	r->lfd = -1;
	for (unsigned i = 0; i < RELAY_CONN_MAX; i++) {
		if (r->dfd[i] >= 0)
			close(r->dfd[i]);
		r->dfd[i] = -1;
	}
}
