// SPDX-License-Identifier: MIT
/*
 * Reading timestamps: control message parsing (SCM_TIMESTAMPING, SCM_TIMESTAMPNS and the
 * sock_extended_err of the error queue), recvmsg with timestamps, and waiting for a TX
 * timestamp on the error queue (linuxptp's sk_receive(MSG_ERRQUEUE) with tx_timestamp_timeout).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/errqueue.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>

#include "tsync/timestamping.h"
#include "net_private.h"

#ifndef SOL_PACKET
#define SOL_PACKET 263
#endif

static tmv_t ts_ns(const struct timespec *t)
{
	return (tmv_t)t->tv_sec * NS_PER_SEC + t->tv_nsec;
}

static bool is_ext_err(const struct cmsghdr *cm)
{
	return (cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
	       (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR) ||
	       (cm->cmsg_level == SOL_PACKET && cm->cmsg_type == PACKET_TX_TIMESTAMP);
}

int ts_cmsg_parse(const struct msghdr *msg, struct ts_cmsg *out)
{
	struct cmsghdr *cm;

	memset(out, 0, sizeof(*out));
	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR((struct msghdr *)msg, cm)) {
		size_t dlen = cm->cmsg_len - CMSG_LEN(0);

		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPING) {
			struct scm_timestamping st;
			if (dlen < sizeof(st))
				return -EINVAL;
			memcpy(&st, CMSG_DATA(cm), sizeof(st));
			out->sw = ts_ns(&st.ts[0]);
			out->hw = ts_ns(&st.ts[2]);
		} else if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec t;
			if (dlen < sizeof(t))
				return -EINVAL;
			memcpy(&t, CMSG_DATA(cm), sizeof(t));
			out->ns = ts_ns(&t);
		} else if (is_ext_err(cm)) {
			struct sock_extended_err ee;
			if (dlen < sizeof(ee))
				return -EINVAL;
			memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
			out->have_err = true;
			if (ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING) {
				out->tx_id_valid = true;
				out->tx_id = ee.ee_data;
				out->tx_kind = ee.ee_info;
			}
		}
	}
	return 0;
}

tmv_t ts_cmsg_pick(const struct ts_cmsg *c, enum ts_mode mode)
{
	if (mode == TS_HARDWARE)
		return c->hw;
	return c->sw ? c->sw : c->ns;
}

struct tsync_ts ts_mode_tag(enum ts_mode mode, int phc_index)
{
	struct tsync_ts t =
	        tsync_ts_make(mode == TS_HARDWARE ? TS_SRC_PHC : TS_SRC_SYS, 0, TS_RES_NS);

	if (mode == TS_HARDWARE && phc_index >= 0)
		t.dev = (uint16_t)phc_index;
	return t;
}

struct tsync_ts ts_cmsg_tag(const struct ts_cmsg *c, enum ts_mode mode, int phc_index)
{
	struct tsync_ts t = ts_mode_tag(mode, phc_index);

	t.ns = ts_cmsg_pick(c, mode);
	return t.ns ? t : tsync_ts_none();
}

static ssize_t recv_flags(int fd, void *buf, size_t len, struct sockaddr *src, socklen_t *srclen,
                          struct ts_cmsg *ts, int flags)
{
	/* room for SCM_TIMESTAMPING + an extended error with its offender address + spare */
	union {
		char buf[512];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr msg;
	ssize_t n;
	int rc;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_name = src;
	msg.msg_namelen = src && srclen ? *srclen : 0;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	n = recvmsg(fd, &msg, flags | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if (src && srclen)
		*srclen = msg.msg_namelen;
	rc = ts_cmsg_parse(&msg, ts);
	if (rc)
		return rc;
	return (msg.msg_flags & MSG_TRUNC) && !(flags & MSG_ERRQUEUE) ? -EMSGSIZE : n;
}

ssize_t ts_recv(int fd, void *buf, size_t len, struct sockaddr *src, socklen_t *srclen,
                struct ts_cmsg *ts)
{
	return recv_flags(fd, buf, len, src, srclen, ts, 0);
}

static bool matches(struct ts_tx_match *m, const struct ts_cmsg *c, const unsigned char *data,
                    ssize_t n)
{
	if (!c->tx_id_valid || c->tx_kind != SCM_TSTAMP_SND)
		return false;
	if (m->use_id)
		/* an id at or after the expected one is ours: we send one packet at a time */
		return (int32_t)(c->tx_id - m->id) >= 0;
	if (!m->payload || !m->len)
		return true;
	return n >= (ssize_t)m->len && memmem(data, n, m->payload, m->len) != NULL;
}

static int64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return ts_ns(&t);
}

int ts_fetch_tx(int fd, struct ts_tx_match *m, int timeout_ms, enum ts_mode mode, int phc_index,
                struct tsync_ts *tx_ts)
{
	int64_t deadline = mono_ns() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * NS_PER_MS;
	unsigned char data[2048];

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLPRI};
		int64_t left = deadline - mono_ns();
		struct timespec tmo;
		struct ts_cmsg c;
		ssize_t n;
		int rc;

		if (left < 0)
			left = 0;
		tmo.tv_sec = left / NS_PER_SEC;
		tmo.tv_nsec = left % NS_PER_SEC;
		rc = ppoll(&p, 1, &tmo, NULL);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		n = recv_flags(fd, data, sizeof(data), NULL, NULL, &c, MSG_ERRQUEUE);
		if (n == -EAGAIN)
			continue; /* POLLPRI without an entry (a real socket error was consumed) */
		if (n < 0)
			return (int)n;
		if (!matches(m, &c, data, n))
			continue;
		*tx_ts = ts_cmsg_tag(&c, mode, phc_index);
		if (tx_ts->src == TS_SRC_NONE)
			continue; /* e.g. a software stamp when hardware was asked */
		if (m->use_id)
			m->id = c.tx_id + 1;
		return 0;
	}
}

void ts_drain_errqueue(int fd)
{
	unsigned char data[256];
	struct ts_cmsg c;

	while (recv_flags(fd, data, sizeof(data), NULL, NULL, &c, MSG_ERRQUEUE) >= 0)
		;
}
