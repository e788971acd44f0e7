/* SPDX-License-Identifier: MIT */
/*
 * tsvmm migration connection: records (stream.h) over a TCP socket, with a timeout on every
 * wait, an optional cancel fd (readable: give up), byte counters and a bandwidth cap.
 * Every error leaves a human-readable reason in conn->err.
 */
#ifndef TSVMM_MIGRATE_CONN_H
#define TSVMM_MIGRATE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migrate/stream.h"

struct mig_conn {
	int fd;
	int cancel_fd;  /* -1: none; readable means cancel (-ECANCELED) */
	int wake_fd;    /* -1 (mig_conn_init): none; readable: -ECANCELED as well (another
	                 * connection of the migration failed: incoming_multi.c) */
	int timeout_ms; /* longest wait for the peer in one send or receive */
	bool is_source; /* we send source records and receive destination records */
	uint32_t tx_seq, rx_seq;
	uint64_t bytes_tx, bytes_rx;
	uint64_t rate_bps;    /* bandwidth cap in bytes/s, 0: none */
	uint64_t rate_t0_ns;  /* start of the current rate window */
	uint64_t rate_bytes;  /* bytes sent in the current rate window */
	uint64_t deadline_ns; /* CLOCK_MONOTONIC: no wait goes beyond it (0: none) */
	void *tls;            /* gnutls_session_t once mig_conn_start_tls succeeded, else NULL */
	int tls_err;          /* the last GnuTLS error (for the message), 0: none */
	char err[256];
};

/* Split "ADDR:PORT", "tcp:ADDR:PORT" or "[V6ADDR]:PORT" (host buf hostlen bytes, port
 * portlen bytes). 0 or -EINVAL. */
int mig_parse_addr(const char *s, char *host, size_t hostlen, char *port, size_t portlen);

/* Connect to addr (see mig_parse_addr) within timeout_ms. Connected fd or -errno (err). */
int mig_connect(const char *addr, int timeout_ms, int cancel_fd, char *err, size_t errlen);
/* Listen on addr. Listening fd or -errno (err). */
int mig_listen(const char *addr, char *err, size_t errlen);
/* Accept one connection on lfd, waiting until cancel_fd is readable (-ECANCELED). Connected
 * fd or -errno (err); peer gets "ADDR:PORT" of the other end. */
int mig_accept(int lfd, int cancel_fd, char *peer, size_t peerlen, char *err, size_t errlen);

/* Set up c on a connected fd (taken over: mig_conn_close closes it). */
void mig_conn_init(struct mig_conn *c, int fd, bool is_source, int timeout_ms, int cancel_fd);
void mig_conn_close(struct mig_conn *c);
struct mig_tls;
/*
 * TLS 1.3 handshake on c (server if t was loaded for the destination), within the timeout
 * and deadline, cancellable; hostname: the name the server certificate must carry (client,
 * X.509; NULL: chain only). Afterwards every record is sent and received through TLS.
 * 0 or -errno with c->err saying why (wrong key, not TLS, certificate rejected...).
 */
int mig_conn_start_tls(struct mig_conn *c, struct mig_tls *t, const char *hostname);
/* "TLS1.3 ECDHE-PSK SECP256R1 AES-128-GCM" (version, key exchange, group, cipher) of an
 * established session, or "plaintext". */
const char *mig_conn_desc(const struct mig_conn *c, char *buf, size_t len);
/* Wait (timeout, deadline, cancel) for the first byte from the peer and copy it without
 * consuming it. 0 or -errno (-ECONNRESET: the peer closed first). */
int mig_conn_peek(struct mig_conn *c, uint8_t *byte);
/* Bound every wait from now on to ms from now (the handshake), 0: lift the bound. */
void mig_conn_set_deadline(struct mig_conn *c, int ms);
/* Is a record (or its start) waiting to be received? Does not block. */
bool mig_conn_readable(struct mig_conn *c);
/* Bytes sent that the peer has not acknowledged yet (unsent ones included; SIOCOUTQ), or -1
 * when the kernel does not say. */
long mig_conn_unacked(const struct mig_conn *c);
/* Stop sending, then read and drop until the peer closes or ms pass: lets the peer read
 * what was sent (an ERROR) before the connection is reset by our close. */
void mig_conn_drain(struct mig_conn *c, int ms);

/* Send one record (type, len payload bytes). 0 or -errno (-EPIPE/-ECONNRESET: peer gone,
 * -ETIMEDOUT, -ECANCELED). */
int mig_send(struct mig_conn *c, unsigned type, const void *payload, uint32_t len);
/* The same with the header's flags (PAGES: the region id). */
int mig_send_flags(struct mig_conn *c, unsigned type, unsigned flags, const void *payload,
                   uint32_t len);
/*
 * Receive one record into buf (cap bytes, >= the largest record expected): validated header,
 * check verified. 0 or -errno: -EBADMSG/-EPROTO (invalid record), -EMSGSIZE (payload larger
 * than cap), -ECONNRESET (peer closed, truncated stream), -ETIMEDOUT, -ECANCELED.
 */
int mig_recv(struct mig_conn *c, struct tsmig_rec_hdr *h, void *buf, size_t cap);

/* CLOCK_REALTIME / CLOCK_MONOTONIC in ns. */
uint64_t mig_realtime_ns(void);
uint64_t mig_mono_ns(void);

#endif
