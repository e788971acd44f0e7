/* SPDX-License-Identifier: MIT */
/*
 * tsvmm migration credentials: TLS 1.3 (GnuTLS) with a pre-shared key or X.509 certificates,
 * or an explicit plaintext mode for trusted local links. The destination authenticates the
 * source (and the source the destination) in the handshake, before any record is read.
 *
 * PSK file (psktool's format): one line "IDENTITY:HEXKEY", the key 16 to 64 bytes
 * (32 to 128 hex digits); blank lines and lines starting with '#' are skipped. The file
 * must not be readable by group or others (chmod 600).
 * X.509: own certificate and key (PEM), and the CA (PEM) that signed the peer's certificate.
 * The destination requires a client certificate; the source checks the destination's
 * certificate against the host of the URI (or tls-hostname).
 */
#ifndef TSVMM_MIGRATE_TLS_H
#define TSVMM_MIGRATE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIG_PSK_ID_MAX  128 /* identity bytes, NUL excluded */
#define MIG_PSK_KEY_MIN 16  /* key bytes */
#define MIG_PSK_KEY_MAX 64

/* TLS 1.3 only: ephemeral (EC)DHE with the PSK (forward secrecy), or certificates. AES-GCM
 * first: GnuTLS puts ChaCha20 first where it does not see AES-NI (this PVM host), yet AES-GCM
 * ran at 5.6-6.5 GB/s there against 0.53 GB/s for ChaCha20-Poly1305 (one core). */
#define MIG_TLS_PRIORITY                                                                           \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+ECDHE-PSK:+DHE-PSK:-CIPHER-ALL:+AES-256-GCM:"              \
	"+AES-128-GCM:+CHACHA20-POLY1305"

/* What the user asked for (command line, or the migrate command's arguments). */
struct mig_tls_opts {
	const char *psk_file;        /* IDENTITY:HEXKEY */
	const char *cert, *key, *ca; /* X.509, all three or none */
	const char *hostname;        /* source: name the server's certificate must carry */
	bool plaintext;              /* no TLS: only with this, never by default */
};

/*
 * Are the options complete and coherent: credentials (PSK, or cert + key + ca) or
 * plaintext, not both, not neither? role names the side in the message ("--incoming",
 * "migrate"). 0 or -EINVAL with err saying what is missing.
 */
int mig_tls_opts_check(const struct mig_tls_opts *o, const char *role, char *err, size_t errlen);

/*
 * Read a PSK file. identity gets MIG_PSK_ID_MAX + 1 bytes at most, key MIG_PSK_KEY_MAX.
 * 0, or -errno with err naming the file and what is wrong (cannot open, permissions, no
 * "IDENTITY:HEXKEY" line, empty or long identity, a non-hex digit and where, odd digits,
 * key too short or long, more than one entry).
 */
int mig_psk_parse(const char *path, char *identity, uint8_t *key, size_t *keylen, char *err,
                  size_t errlen);

/* Loaded credentials of one side (server: the destination). */
struct mig_tls;
/* Load what o names. NULL with err (errno set) on failure; o->plaintext gives NULL with
 * errno 0 and an empty err: no TLS. */
struct mig_tls *mig_tls_load(const struct mig_tls_opts *o, bool server, char *err, size_t errlen);
void mig_tls_free(struct mig_tls *t);
/* "PSK identity 'x'" or "X.509": for the log. */
const char *mig_tls_kind(const struct mig_tls *t);
/*
 * A new session (gnutls_session_t into *session) with t's credentials, TLS 1.3 priority,
 * non-blocking, no session tickets; hostname (client, may be NULL): the name to verify.
 * 0 or -errno with err.
 */
int mig_tls_session(struct mig_tls *t, void **session, const char *hostname, char *err,
                    size_t errlen);

#endif
