// SPDX-License-Identifier: MIT
/*
 * Loop transport: two endpoints joined in memory by transport_loop_pair(), for unit tests and
 * simulations. Each channel is an AF_UNIX SOCK_SEQPACKET socketpair, so the fds poll like real
 * sockets and message boundaries are kept. Timestamps are synthetic, from a base clock
 * (cfg.loop_now, default CLOCK_REALTIME):
 *   tx_ts = base_send + offset(sender)
 *   rx_ts = base_send + delay(sender) + offset(receiver)
 * Every frame carries base_send + delay(sender); the receiver adds its own offset.
 * Destinations are ignored: everything goes to the peer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "transport_private.h"

#define LOOP_MAGIC 0x4c4f4f50u /* "LOOP" */

struct loop_hdr {
	uint32_t magic;
	uint32_t dest;   /* enum transport_dest, for tests that look */
	int64_t rx_base; /* base time of arrival, ns */
};

struct loop {
	struct transport base;
	int fd[2]; /* this end of the [TRANS_EVENT] and [TRANS_GENERAL] socketpairs */
	bool paired;
};

#define LOOP(t) container_of(t, struct loop, base)

static tmv_t base_now(const struct transport_config *c)
{
	tmv_t ns = 0;

	if (c->loop_now)
		return c->loop_now(c->loop_arg);
	tmv_clock_read(CLOCK_REALTIME, &ns);
	return ns;
}

/* The base clock is the system clock unless the caller gave one (a simulation). */
static struct tsync_ts loop_ts(const struct transport_config *c, tmv_t ns)
{
	return tsync_ts_make(c->loop_now ? TS_SRC_SIM : TS_SRC_SYS, ns, TS_RES_NS);
}

static int loop_open(struct transport *t, const char *iface)
{
	if (!LOOP(t)->paired)
		return transport_err(t, -ENOTCONN,
		                     "%s: loop transport has no peer "
		                     "(call transport_loop_pair first)",
		                     iface);
	return 0;
}

static void loop_close(struct transport *t)
{
	(void)t; /* the socketpairs live as long as the endpoint: it may be opened again */
}

static ssize_t loop_send(struct transport *t, enum transport_channel ch, enum transport_dest dest,
                         const struct transport_addr *addr, const void *buf, size_t len,
                         struct tsync_ts *tx_ts)
{
	struct loop *l = LOOP(t);
	tmv_t now = base_now(&t->cfg);
	struct loop_hdr h = {
	        .magic = LOOP_MAGIC, .dest = (uint32_t)dest, .rx_base = now + t->cfg.loop_delay_ns};
	struct iovec iov[2] = {{.iov_base = &h, .iov_len = sizeof(h)},
	                       {.iov_base = (void *)buf, .iov_len = len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t n;

	(void)addr;
	n = sendmsg(l->fd[ch], &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0) {
		int e = errno;
		return transport_err(t, e == EPIPE ? -ENOTCONN : -e, "%s: loop send: %s", t->iface,
		                     strerror(e));
	}
	if (tx_ts && ch == TRANS_EVENT)
		*tx_ts = loop_ts(&t->cfg, now + t->cfg.loop_offset_ns);
	return n - (ssize_t)sizeof(h);
}

static ssize_t loop_recv(struct transport *t, enum transport_channel ch, void *buf, size_t len,
                         struct tsync_ts *rx_ts, struct transport_addr *src)
{
	struct loop *l = LOOP(t);
	struct loop_hdr h;
	struct iovec iov[2] = {{.iov_base = &h, .iov_len = sizeof(h)},
	                       {.iov_base = buf, .iov_len = len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t n;

	(void)src; /* no addresses on a loop: src stays empty (len 0) */
	n = recvmsg(l->fd[ch], &msg, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ENOTCONN; /* the peer is gone */
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if ((size_t)n < sizeof(h) || h.magic != LOOP_MAGIC)
		return -EBADMSG;
	if (rx_ts)
		*rx_ts = loop_ts(&t->cfg, h.rx_base + t->cfg.loop_offset_ns);
	return n - (ssize_t)sizeof(h);
}

static int loop_ts_info(struct transport *t, struct tsync_ts *info)
{
	*info = loop_ts(&t->cfg, 0);
	return 0;
}

static int loop_fd(struct transport *t, enum transport_channel ch)
{
	return LOOP(t)->fd[ch];
}

static void loop_destroy(struct transport *t)
{
	struct loop *l = LOOP(t);

	for (int i = 0; i < 2; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
}

static int loop_init(struct transport *t, void *arg)
{
	(void)arg;
	LOOP(t)->fd[0] = LOOP(t)->fd[1] = -1;
	return 0;
}

const struct transport_ops loop_transport_ops = {
        .name = "loop",
        .size = sizeof(struct loop),
        .base_off = offsetof(struct loop, base),
        .init = loop_init,
        .open = loop_open,
        .close = loop_close,
        .send = loop_send,
        .recv = loop_recv,
        .fd = loop_fd,
        .ts_info = loop_ts_info,
        .destroy = loop_destroy,
};

int transport_loop_pair(struct transport *a, struct transport *b)
{
	int sv[2][2];

	if (!a || !b || a == b || a->ops != &loop_transport_ops || b->ops != &loop_transport_ops)
		return -EINVAL;
	if (LOOP(a)->paired || LOOP(b)->paired)
		return -EBUSY;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv[0]) < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv[1]) < 0) {
		int e = errno;
		close(sv[0][0]);
		close(sv[0][1]);
		return -e;
	}
	for (int ch = 0; ch < 2; ch++) {
		LOOP(a)->fd[ch] = sv[ch][0];
		LOOP(b)->fd[ch] = sv[ch][1];
	}
	LOOP(a)->paired = LOOP(b)->paired = true;
	return 0;
}
