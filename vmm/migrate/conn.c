// SPDX-License-Identifier: MIT
/* tsvmm migration connection: TCP setup, record send/receive with timeouts and a cap. */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "migrate/conn.h"
#include "migrate/tls.h"

uint64_t mig_realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t mig_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int mig_parse_addr(const char *s, char *host, size_t hostlen, char *port, size_t portlen)
{
	if (!strncmp(s, "tcp:", 4))
		s += 4;
	const char *colon = strrchr(s, ':'), *h = s;
	size_t hl = colon ? (size_t)(colon - s) : 0;
	if (!colon || !colon[1] || strlen(colon + 1) >= portlen)
		return -EINVAL;
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= hostlen)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = 0;
	strcpy(port, colon + 1);
	return 0;
}

/* Wait for ev on fd, or for cancel_fd. 0, -ETIMEDOUT or -ECANCELED. */
static int wait_fd(int fd, short ev, int cancel_fd, int timeout_ms)
{
	struct pollfd p[2] = {{.fd = fd, .events = ev}, {.fd = cancel_fd, .events = POLLIN}};
	for (;;) {
		int n = poll(p, cancel_fd >= 0 ? 2 : 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		if (cancel_fd >= 0 && (p[1].revents & POLLIN))
			return -ECANCELED;
		return 0;
	}
}

static struct addrinfo *resolve(const char *addr, bool passive, char *err, size_t errlen)
{
	char host[256], port[32];
	if (mig_parse_addr(addr, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, errlen, "bad address '%s' (want ADDR:PORT)", addr);
		return NULL;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0};
	struct addrinfo *ai = NULL;
	int r = getaddrinfo(host, port, &hints, &ai);
	if (r) {
		snprintf(err, errlen, "address '%s': %s", addr, gai_strerror(r));
		return NULL;
	}
	return ai;
}

static void tune(int fd)
{
	int one = 1, buf = 4 << 20;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int mig_connect(const char *addr, int timeout_ms, int cancel_fd, char *err, size_t errlen)
{
	struct addrinfo *ai = resolve(addr, false, err, errlen);
	if (!ai)
		return -EINVAL;
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int r = fd < 0 ? -errno : 0;
	if (!r && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		r = errno == EINPROGRESS ? wait_fd(fd, POLLOUT, cancel_fd, timeout_ms) : -errno;
		int so = 0;
		socklen_t sl = sizeof(so);
		if (!r && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) == 0 && so)
			r = -so;
	}
	freeaddrinfo(ai);
	if (r) {
		snprintf(err, errlen, "cannot connect to %s: %s", addr, strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	tune(fd);
	return fd;
}

int mig_listen(const char *addr, char *err, size_t errlen)
{
	struct addrinfo *ai = resolve(addr, true, err, errlen);
	if (!ai)
		return -EINVAL;
	int one = 1, r = 0;
	int lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(lfd, 8) < 0)
		r = -errno;
	freeaddrinfo(ai);
	if (r) {
		snprintf(err, errlen, "incoming %s: %s", addr, strerror(-r));
		if (lfd >= 0)
			close(lfd);
		return r;
	}
	return lfd;
}

static void peer_name(const struct sockaddr_storage *sa, char *peer, size_t peerlen)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
		snprintf(peer, peerlen, "%s:%u", host, port);
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(peer, peerlen, "[%s]:%u", host, port);
	} else {
		snprintf(peer, peerlen, "?");
	}
}

int mig_accept(int lfd, int cancel_fd, char *peer, size_t peerlen, char *err, size_t errlen)
{
	int r, cfd = -1;
	struct sockaddr_storage sa;
	for (;;) {
		if ((r = wait_fd(lfd, POLLIN, cancel_fd, -1)))
			break;
		socklen_t sl = sizeof(sa);
		cfd = accept4(lfd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC);
		if (cfd >= 0)
			break;
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
			r = -errno;
			break;
		}
	}
	if (r) {
		snprintf(err, errlen, "incoming: %s", strerror(-r));
		return r;
	}
	peer_name(&sa, peer, peerlen);
	tune(cfd);
	return cfd;
}

void mig_conn_init(struct mig_conn *c, int fd, bool is_source, int timeout_ms, int cancel_fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->is_source = is_source;
	c->timeout_ms = timeout_ms;
	c->cancel_fd = cancel_fd;
}

void mig_conn_close(struct mig_conn *c)
{
	if (c->tls)
		gnutls_deinit(c->tls);
	c->tls = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void mig_conn_set_deadline(struct mig_conn *c, int ms)
{
	c->deadline_ns = ms > 0 ? mig_mono_ns() + (uint64_t)ms * 1000000ULL : 0;
}

/* Wait for ev on the connection: at most timeout_ms, and never past the deadline. */
static int conn_wait(struct mig_conn *c, short ev)
{
	int ms = c->timeout_ms;
	if (c->deadline_ns) {
		uint64_t now = mig_mono_ns();
		if (now >= c->deadline_ns)
			return -ETIMEDOUT;
		uint64_t left = (c->deadline_ns - now) / 1000000 + 1;
		if (ms < 0 || left < (uint64_t)ms)
			ms = (int)left;
	}
	return wait_fd(c->fd, ev, c->cancel_fd, ms);
}

bool mig_conn_readable(struct mig_conn *c)
{
	if (c->tls && gnutls_record_check_pending(c->tls) > 0)
		return true;
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	return c->fd >= 0 && poll(&p, 1, 0) == 1;
}

void mig_conn_drain(struct mig_conn *c, int ms)
{
	char buf[4096];
	if (c->fd < 0)
		return;
	if (c->tls)
		gnutls_bye(c->tls, GNUTLS_SHUT_WR); /* non-blocking: a close_notify if it fits */
	shutdown(c->fd, SHUT_WR);
	uint64_t end = mig_mono_ns() + (uint64_t)ms * 1000000ULL;
	for (;;) {
		uint64_t now = mig_mono_ns();
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		if (now >= end || poll(&p, 1, (int)((end - now) / 1000000) + 1) <= 0)
			return;
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return;
	}
}

/* Why a TLS handshake or record failed, in words a user can act on. */
static const char *tls_hint(gnutls_session_t s, int g)
{
	switch (g) {
	case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
	case GNUTLS_E_UNEXPECTED_PACKET:
	case GNUTLS_E_UNEXPECTED_HANDSHAKE_PACKET:
		return " (the peer does not speak TLS: a plaintext tsvmm?)";
	case GNUTLS_E_DECRYPTION_FAILED:
	case GNUTLS_E_RECEIVED_ILLEGAL_PARAMETER: /* the PSK binder does not verify */
		return " (the peer's pre-shared key differs from ours)";
	case GNUTLS_E_KEYFILE_ERROR: /* our PSK callback: not our identity */
		return " (unknown PSK identity)";
	case GNUTLS_E_INSUFFICIENT_CREDENTIALS:
	case GNUTLS_E_NO_CIPHER_SUITES:
		return " (the peer offered no credentials we accept: unknown PSK identity, or PSK "
		       "against X.509?)";
	case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR:
	case GNUTLS_E_CERTIFICATE_ERROR:
	case GNUTLS_E_NO_CERTIFICATE_FOUND:
		return " (the peer's certificate was rejected)";
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		switch (gnutls_alert_get(s)) {
		case GNUTLS_A_DECRYPT_ERROR:
		case GNUTLS_A_ILLEGAL_PARAMETER:
		case GNUTLS_A_BAD_RECORD_MAC:
		case GNUTLS_A_UNKNOWN_PSK_IDENTITY:
		case GNUTLS_A_HANDSHAKE_FAILURE:
		case GNUTLS_A_INSUFFICIENT_SECURITY:
			return " (the peer rejected our credentials: wrong key or identity?)";
		case GNUTLS_A_BAD_CERTIFICATE:
		case GNUTLS_A_UNKNOWN_CA:
		case GNUTLS_A_CERTIFICATE_UNKNOWN:
		case GNUTLS_A_CERTIFICATE_REQUIRED:
			return " (the peer rejected our certificate)";
		default:
			return "";
		}
	default:
		return "";
	}
}

static int io_fail(struct mig_conn *c, int r, const char *what)
{
	if (r == -EPIPE || r == -ECONNRESET)
		snprintf(c->err, sizeof(c->err), "%s: connection lost (peer gone)", what);
	else if (c->tls_err == GNUTLS_E_FATAL_ALERT_RECEIVED)
		snprintf(c->err, sizeof(c->err), "%s: TLS: fatal alert '%s' from the peer%s", what,
		         gnutls_alert_get_name(gnutls_alert_get(c->tls)),
		         tls_hint(c->tls, c->tls_err));
	else if (c->tls_err)
		snprintf(c->err, sizeof(c->err), "%s: TLS: %s", what, gnutls_strerror(c->tls_err));
	else if (r == -ETIMEDOUT && c->deadline_ns)
		snprintf(c->err, sizeof(c->err), "%s: handshake timeout (peer too slow or silent)",
		         what);
	else if (r == -ETIMEDOUT)
		snprintf(c->err, sizeof(c->err), "%s: peer silent for %d ms", what, c->timeout_ms);
	else if (r == -ECANCELED)
		snprintf(c->err, sizeof(c->err), "%s: cancelled", what);
	else
		snprintf(c->err, sizeof(c->err), "%s: %s", what, strerror(-r));
	return r;
}

/* Sleep as needed so that the bytes sent stay under rate_bps. 0 or -ECANCELED. */
static int throttle(struct mig_conn *c, size_t n)
{
	if (!c->rate_bps)
		return 0;
	uint64_t now = mig_mono_ns();
	if (!c->rate_t0_ns || now - c->rate_t0_ns > 1000000000ULL) {
		c->rate_t0_ns = now;
		c->rate_bytes = 0;
	}
	c->rate_bytes += n;
	uint64_t due = c->rate_t0_ns +
	               (uint64_t)((unsigned __int128)c->rate_bytes * 1000000000ULL / c->rate_bps);
	if (due <= now)
		return 0;
	int ms = (int)((due - now) / 1000000) + 1;
	int r = c->cancel_fd >= 0 ? wait_fd(c->cancel_fd, POLLIN, -1, ms) : -ETIMEDOUT;
	if (c->cancel_fd < 0) {
		struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	return r == 0 ? -ECANCELED : 0; /* the cancel fd became readable */
}

/* A GnuTLS error of a record send/receive as -errno (tls_err keeps the fatal ones). */
static int tls_errno(struct mig_conn *c, ssize_t g)
{
	switch (g) {
	case GNUTLS_E_PUSH_ERROR:
		return -EPIPE;
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PREMATURE_TERMINATION:
		return -ECONNRESET;
	default:
		c->tls_err = (int)g;
		return -EPROTO;
	}
}

/* Wait for what an interrupted GnuTLS call needs (it may want to write while reading). */
static int tls_wait(struct mig_conn *c)
{
	return conn_wait(c, gnutls_record_get_direction(c->tls) ? POLLOUT : POLLIN);
}

static int tls_write_all(struct mig_conn *c, const struct iovec *iov, int niov)
{
	for (int i = 0; i < niov; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t n = iov[i].iov_len;
		while (n) { /* after GNUTLS_E_AGAIN the same data must be offered again */
			ssize_t k = gnutls_record_send(c->tls, p, n);
			if (k == GNUTLS_E_AGAIN || k == GNUTLS_E_INTERRUPTED) {
				int r = tls_wait(c);
				if (r)
					return r;
				continue;
			}
			if (k < 0)
				return tls_errno(c, k);
			c->bytes_tx += (uint64_t)k;
			p += k;
			n -= (size_t)k;
		}
	}
	return 0;
}

static int tls_read_all(struct mig_conn *c, void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		ssize_t k = gnutls_record_recv(c->tls, p, n);
		if (k == GNUTLS_E_AGAIN || k == GNUTLS_E_INTERRUPTED) {
			/* GnuTLS may hold decrypted data the socket no longer shows */
			int r = gnutls_record_check_pending(c->tls) ? 0 : tls_wait(c);
			if (r)
				return r;
			continue;
		}
		if (k == 0)
			return -ECONNRESET; /* close_notify */
		if (k < 0)
			return tls_errno(c, k);
		c->bytes_rx += (uint64_t)k;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int write_all(struct mig_conn *c, struct iovec *iov, int niov)
{
	if (c->tls)
		return tls_write_all(c, iov, niov);
	while (niov > 0) {
		ssize_t n = sendmsg(c->fd, &(struct msghdr){.msg_iov = iov, .msg_iovlen = niov},
		                    MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			int r = conn_wait(c, POLLOUT);
			if (r)
				return r;
			continue;
		}
		if (n < 0)
			return -errno;
		c->bytes_tx += (uint64_t)n;
		while (niov > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			niov--;
		}
		if (niov > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

int mig_send(struct mig_conn *c, unsigned type, const void *payload, uint32_t len)
{
	struct tsmig_rec_hdr h = {.type = (uint16_t)type, .len = len, .seq = c->tx_seq};
	h.check = tsmig_rec_check(&h, payload);
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)payload, len}};
	int r = throttle(c, sizeof(h) + len);
	if (!r)
		r = write_all(c, iov, len ? 2 : 1);
	if (r)
		return io_fail(c, r, tsmig_rec_name(type));
	c->tx_seq++;
	return 0;
}

static int read_all(struct mig_conn *c, void *buf, size_t n)
{
	if (c->tls)
		return tls_read_all(c, buf, n);
	uint8_t *p = buf;
	while (n) {
		ssize_t k = recv(c->fd, p, n, 0);
		if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
			int r = conn_wait(c, POLLIN);
			if (r)
				return r;
			continue;
		}
		if (k < 0)
			return -errno;
		if (k == 0)
			return -ECONNRESET;
		c->bytes_rx += (uint64_t)k;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int mig_recv(struct mig_conn *c, struct tsmig_rec_hdr *h, void *buf, size_t cap)
{
	int r = read_all(c, h, sizeof(*h));
	if (r)
		return io_fail(c, r, r == -ECONNRESET ? "stream ended (truncated)" : "receive");
	r = tsmig_hdr_validate(h, c->rx_seq, !c->is_source, c->err, sizeof(c->err));
	if (r)
		return r;
	if (h->len > cap) {
		snprintf(c->err, sizeof(c->err), "record %s of %u bytes, buffer %zu",
		         tsmig_rec_name(h->type), h->len, cap);
		return -EMSGSIZE;
	}
	r = read_all(c, buf, h->len);
	if (r)
		return io_fail(c, r,
		               r == -ECONNRESET ? "stream ended inside a record (truncated)"
		                                : "receive");
	if (tsmig_rec_check(h, buf) != h->check) {
		snprintf(c->err, sizeof(c->err), "record %u (%s): check mismatch (corrupted)",
		         h->seq, tsmig_rec_name(h->type));
		return -EBADMSG;
	}
	c->rx_seq++;
	return 0;
}

int mig_conn_peek(struct mig_conn *c, uint8_t *byte)
{
	for (;;) {
		ssize_t k = recv(c->fd, byte, 1, MSG_PEEK);
		if (k == 1)
			return 0;
		if (k == 0)
			return io_fail(c, -ECONNRESET, "peer closed before sending anything");
		if (errno != EAGAIN && errno != EINTR)
			return io_fail(c, -errno, "receive");
		int r = conn_wait(c, POLLIN);
		if (r)
			return io_fail(c, r, "receive");
	}
}

int mig_conn_start_tls(struct mig_conn *c, struct mig_tls *t, const char *hostname)
{
	void *s;
	int r = mig_tls_session(t, &s, hostname, c->err, sizeof(c->err));
	if (r)
		return r;
	gnutls_transport_set_int(s, c->fd);
	gnutls_handshake_set_timeout(s, 0); /* ours: timeout_ms per wait, the deadline */
	c->tls = s;
	for (;;) {
		int g = gnutls_handshake(s);
		if (g == GNUTLS_E_SUCCESS)
			return 0;
		if (g == GNUTLS_E_AGAIN || g == GNUTLS_E_INTERRUPTED) {
			if ((r = tls_wait(c)))
				return io_fail(c, r, "TLS handshake");
			continue;
		}
		if (!gnutls_error_is_fatal(g))
			continue; /* a warning alert */
		if (g == GNUTLS_E_PREMATURE_TERMINATION || g == GNUTLS_E_PULL_ERROR ||
		    g == GNUTLS_E_PUSH_ERROR || g == GNUTLS_E_SESSION_EOF) {
			snprintf(c->err, sizeof(c->err),
			         "TLS handshake: the peer closed the connection (it refused us: "
			         "wrong key or identity, or no TLS there?)");
			return -ECONNRESET;
		}
		if (g == GNUTLS_E_KEYFILE_ERROR) /* tell the peer (best effort) */
			gnutls_alert_send(s, GNUTLS_AL_FATAL, GNUTLS_A_UNKNOWN_PSK_IDENTITY);
		else
			gnutls_alert_send_appropriate(s, g);
		char alert[96] = "";
		gnutls_datum_t why = {NULL, 0};
		if (g == GNUTLS_E_FATAL_ALERT_RECEIVED)
			snprintf(alert, sizeof(alert), " '%s'",
			         gnutls_alert_get_name(gnutls_alert_get(s)));
		else if (g == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR &&
		         !gnutls_certificate_verification_status_print(
		                 gnutls_session_get_verify_cert_status(s),
		                 gnutls_certificate_type_get(s), &why, 0))
			snprintf(alert, sizeof(alert), " %.90s", (const char *)why.data);
		gnutls_free(why.data);
		c->tls_err = g;
		snprintf(c->err, sizeof(c->err), "TLS handshake: %s%s%s", gnutls_strerror(g), alert,
		         tls_hint(s, g));
		return -EPROTO;
	}
}

const char *mig_conn_desc(const struct mig_conn *c, char *buf, size_t len)
{
	gnutls_session_t s = c->tls;
	if (!s) {
		snprintf(buf, len, "plaintext");
		return buf;
	}
	const char *g = gnutls_group_get_name(gnutls_group_get(s));
	snprintf(buf, len, "%s %s %s %s", gnutls_protocol_get_name(gnutls_protocol_get_version(s)),
	         gnutls_kx_get_name(gnutls_kx_get(s)), g ? g : "-",
	         gnutls_cipher_get_name(gnutls_cipher_get(s)));
	return buf;
}
