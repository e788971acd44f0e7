// SPDX-License-Identifier: MIT
/* Simulated link (sim.h): a loop-like transport pair stamped on sim time with a delay model. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "transport_private.h"
#include "tsync/tstamp.h"
#include "tsync/sim.h"

#define SIMLINK_MAGIC 0x53494d4cu /* "SIML" */

struct simlink_hdr {
	uint32_t magic;
	uint32_t pad;
	int64_t rx_true; /* true arrival time, ns */
};

struct simlink {
	struct transport base;
	int fd[2]; /* this end of the [TRANS_EVENT] and [TRANS_GENERAL] socketpairs */
	struct sim_time *t;
	struct sim_rng *rng;
	double delay_ns, jitter_ns, min_ns; /* of the frames this end sends */
};

#define SL(t) container_of(t, struct simlink, base)

static int sl_open(struct transport *t, const char *iface)
{
	(void)t;
	(void)iface;
	return 0;
}

static void sl_close(struct transport *t)
{
	(void)t; /* the socketpairs live as long as the endpoint */
}

static ssize_t sl_send(struct transport *t, enum transport_channel ch, enum transport_dest dest,
                       const struct transport_addr *addr, const void *buf, size_t len,
                       struct tsync_ts *tx_ts)
{
	struct simlink *l = SL(t);
	tmv_t now = l->t->now_ns;
	double d = l->delay_ns + (l->jitter_ns > 0 ? l->jitter_ns * sim_rng_gauss(l->rng) : 0);
	struct simlink_hdr h = {.magic = SIMLINK_MAGIC,
	                        .rx_true = now + (tmv_t)(d > l->min_ns ? d : l->min_ns)};
	struct iovec iov[2] = {{.iov_base = &h, .iov_len = sizeof(h)},
	                       {.iov_base = (void *)buf, .iov_len = len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};

	(void)dest;
	(void)addr;
	ssize_t n = sendmsg(l->fd[ch], &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return transport_err(t, -errno, "%s: sim link send: %s", t->iface, strerror(errno));
	if (tx_ts && ch == TRANS_EVENT)
		*tx_ts = tsync_ts_make(TS_SRC_SIM, now, TS_RES_NS);
	return n - (ssize_t)sizeof(h);
}

static ssize_t sl_recv(struct transport *t, enum transport_channel ch, void *buf, size_t len,
                       struct tsync_ts *rx_ts, struct transport_addr *src)
{
	struct simlink_hdr h;
	struct iovec iov[2] = {{.iov_base = &h, .iov_len = sizeof(h)},
	                       {.iov_base = buf, .iov_len = len}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};

	(void)src;
	ssize_t n = recvmsg(SL(t)->fd[ch], &msg, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ENOTCONN;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if ((size_t)n < sizeof(h) || h.magic != SIMLINK_MAGIC)
		return -EBADMSG;
	if (rx_ts)
		*rx_ts = tsync_ts_make(TS_SRC_SIM, h.rx_true, TS_RES_NS);
	return n - (ssize_t)sizeof(h);
}

static int sl_fd(struct transport *t, enum transport_channel ch)
{
	return SL(t)->fd[ch];
}

static int sl_ts_info(struct transport *t, struct tsync_ts *info)
{
	(void)t;
	*info = tsync_ts_make(TS_SRC_SIM, 0, TS_RES_NS);
	return 0;
}

static void sl_destroy(struct transport *t)
{
	for (int i = 0; i < 2; i++)
		if (SL(t)->fd[i] >= 0)
			close(SL(t)->fd[i]);
}

/* transport_create_impl's init: arg is the end's settings. */
static int sl_init(struct transport *t, void *arg)
{
	const struct simlink *set = arg;
	SL(t)->fd[0] = SL(t)->fd[1] = -1;
	SL(t)->t = set->t;
	SL(t)->rng = set->rng;
	SL(t)->delay_ns = set->delay_ns;
	SL(t)->jitter_ns = set->jitter_ns;
	SL(t)->min_ns = set->min_ns;
	return 0;
}

static const struct transport_ops simlink_ops = {
        .name = "simlink",
        .size = sizeof(struct simlink),
        .base_off = offsetof(struct simlink, base),
        .init = sl_init,
        .open = sl_open,
        .close = sl_close,
        .send = sl_send,
        .recv = sl_recv,
        .fd = sl_fd,
        .ts_info = sl_ts_info,
        .destroy = sl_destroy,
};

static struct transport *end_create(struct sim_time *t, struct sim_rng *rng,
                                    const struct transport_config *cfg, double delay,
                                    const struct sim_link_params *p)
{
	struct simlink set = {.t = t,
	                      .rng = rng,
	                      .delay_ns = delay,
	                      .jitter_ns = p->jitter_ns,
	                      .min_ns = p->min_ns > 0 ? p->min_ns : 0};
	return transport_create_impl(&simlink_ops, TRANS_LOOP, cfg, &set);
}

int sim_link_pair(struct sim_time *t, struct sim_rng *rng, const struct sim_link_params *p,
                  const struct transport_config *cfg_a, const struct transport_config *cfg_b,
                  struct transport **a, struct transport **b)
{
	struct transport *ea, *eb;
	int sv[2][2] = {{-1, -1}, {-1, -1}};

	if (!t || !rng || !p || !a || !b)
		return -EINVAL;
	ea = end_create(t, rng, cfg_a, p->delay_ns + p->asym_ns / 2, p);
	eb = end_create(t, rng, cfg_b, p->delay_ns - p->asym_ns / 2, p);
	for (int ch = 0; ch < 2 && ea && eb; ch++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv[ch]) < 0)
			break;
		SL(ea)->fd[ch] = sv[ch][0];
		SL(eb)->fd[ch] = sv[ch][1];
	}
	if (!ea || !eb || SL(eb)->fd[1] < 0) {
		int e = errno ? errno : ENOMEM;
		transport_destroy(ea);
		transport_destroy(eb);
		return -e;
	}
	*a = ea;
	*b = eb;
	return 0;
}
