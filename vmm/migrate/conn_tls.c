// SPDX-License-Identifier: MIT
/* tsvmm migration connection, the TLS half: GnuTLS handshake and record I/O on the
 * non-blocking socket under conn.c's waits (timeout, deadline, cancel), and the messages. */
#include <errno.h>
#include <gnutls/gnutls.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "migrate/conn_private.h"
#include "migrate/tls.h"

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
	return mig_conn_wait(c, gnutls_record_get_direction(c->tls) ? POLLOUT : POLLIN);
}

int mig_tls_write_all(struct mig_conn *c, const struct iovec *iov, int niov)
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

int mig_tls_read_all(struct mig_conn *c, void *buf, size_t n)
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

/* GnuTLS's own push may raise SIGPIPE when the peer is gone (a stray that reset, a killed
 * destination): that would kill this VMM, source guest and all. Send with MSG_NOSIGNAL. */
static ssize_t push(gnutls_transport_ptr_t p, const giovec_t *iov, int iovcnt)
{
	struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
	return sendmsg((int)(intptr_t)p, &m, MSG_NOSIGNAL); /* gnutls_transport_set_int */
}

int mig_conn_start_tls(struct mig_conn *c, struct mig_tls *t, const char *hostname)
{
	void *s;
	int r = mig_tls_session(t, &s, hostname, c->err, sizeof(c->err));
	if (r)
		return r;
	gnutls_transport_set_int(s, c->fd);
	gnutls_transport_set_vec_push_function(s, push);
	gnutls_handshake_set_timeout(s, 0); /* ours: timeout_ms per wait, the deadline */
	c->tls = s;
	for (;;) {
		int g = gnutls_handshake(s);
		if (g == GNUTLS_E_SUCCESS)
			return 0;
		if (g == GNUTLS_E_AGAIN || g == GNUTLS_E_INTERRUPTED) {
			if ((r = tls_wait(c)))
				return mig_conn_fail(c, r, "TLS handshake");
			continue;
		}
		if (g == GNUTLS_E_WARNING_ALERT_RECEIVED)
			continue; /* any other error, fatal or not, ends the handshake (no spin) */
		if (g == GNUTLS_E_PREMATURE_TERMINATION || g == GNUTLS_E_PULL_ERROR ||
		    g == GNUTLS_E_PUSH_ERROR || g == GNUTLS_E_SESSION_EOF) {
			snprintf(c->err, sizeof(c->err), "%s",
			         c->is_source
			                 ? "TLS handshake: the destination closed the connection "
			                   "(our key, identity or certificate refused, or no TLS "
			                   "there?)"
			                 : "TLS handshake: the peer closed the connection "
			                   "mid-handshake");
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

void mig_tls_record_fail(struct mig_conn *c, const char *what)
{
	if (c->tls_err == GNUTLS_E_FATAL_ALERT_RECEIVED)
		snprintf(c->err, sizeof(c->err), "%s: TLS: fatal alert '%s' from the peer%s", what,
		         gnutls_alert_get_name(gnutls_alert_get(c->tls)),
		         tls_hint(c->tls, c->tls_err));
	else
		snprintf(c->err, sizeof(c->err), "%s: TLS: %s", what, gnutls_strerror(c->tls_err));
}

bool mig_tls_pending(struct mig_conn *c)
{
	return c->tls && gnutls_record_check_pending(c->tls) > 0;
}

void mig_tls_bye(struct mig_conn *c)
{
	if (c->tls)
		gnutls_bye(c->tls, GNUTLS_SHUT_WR); /* non-blocking: a close_notify if it fits */
}

void mig_tls_end(struct mig_conn *c)
{
	if (c->tls)
		gnutls_deinit(c->tls);
	c->tls = NULL;
}
