// SPDX-License-Identifier: MIT
/* tsvmm migration credentials: option checks, the PSK file, GnuTLS credentials/sessions. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/tls.h"

struct mig_tls {
	bool server;
	char identity[MIG_PSK_ID_MAX + 1]; /* "" without PSK */
	uint8_t key[MIG_PSK_KEY_MAX];
	size_t keylen;
	gnutls_psk_server_credentials_t psk_srv;
	gnutls_psk_client_credentials_t psk_cli;
	gnutls_certificate_credentials_t x509;
	gnutls_priority_t prio;
	char kind[MIG_PSK_ID_MAX + 32];
};

int mig_tls_opts_check(const struct mig_tls_opts *o, const char *role, char *err, size_t errlen)
{
	int nx = !!o->cert + !!o->key + !!o->ca;
	if (nx && nx < 3) {
		snprintf(err, errlen, "%s: X.509 needs all of --tls-cert, --tls-key and --tls-ca",
		         role);
		return -EINVAL;
	}
	if (o->psk_file && nx) {
		snprintf(err, errlen,
		         "%s: give --tls-psk or --tls-cert/--tls-key/--tls-ca, not both", role);
		return -EINVAL;
	}
	if (o->plaintext && (o->psk_file || nx)) {
		snprintf(err, errlen,
		         "%s: --migrate-plaintext contradicts the TLS credentials given", role);
		return -EINVAL;
	}
	if (!o->plaintext && !o->psk_file && !nx) {
		snprintf(err, errlen,
		         "%s: no migration credentials: give --tls-psk FILE (or --tls-cert, "
		         "--tls-key, --tls-ca), or --migrate-plaintext for a trusted local link "
		         "(anyone who reaches the port can then load guest memory)",
		         role);
		return -EINVAL;
	}
	return 0;
}

/* One "IDENTITY:HEXKEY" line (no newline) of line number ln. */
static int parse_line(const char *path, unsigned ln, const char *s, char *identity, uint8_t *key,
                      size_t *keylen, char *err, size_t errlen)
{
	const char *colon = strchr(s, ':');
	if (!colon) {
		snprintf(err, errlen, "%s line %u: no ':' (want IDENTITY:HEXKEY)", path, ln);
		return -EINVAL;
	}
	size_t il = (size_t)(colon - s);
	if (il == 0 || il > MIG_PSK_ID_MAX) {
		snprintf(err, errlen, "%s line %u: identity of %zu bytes (want 1 to %d)", path, ln,
		         il, MIG_PSK_ID_MAX);
		return -EINVAL;
	}
	const char *h = colon + 1;
	size_t hl = strlen(h);
	for (size_t i = 0; i < hl; i++)
		if (!isxdigit((unsigned char)h[i])) {
			snprintf(err, errlen,
			         "%s line %u: key character %zu ('%c') is not a hex digit", path,
			         ln, i + 1, h[i] > 32 && h[i] < 127 ? h[i] : '?');
			return -EINVAL;
		}
	if (hl % 2) {
		snprintf(err, errlen, "%s line %u: key has an odd number of hex digits (%zu)", path,
		         ln, hl);
		return -EINVAL;
	}
	if (hl / 2 < MIG_PSK_KEY_MIN || hl / 2 > MIG_PSK_KEY_MAX) {
		snprintf(err, errlen, "%s line %u: key of %zu bytes (want %d to %d: psktool -s 32)",
		         path, ln, hl / 2, MIG_PSK_KEY_MIN, MIG_PSK_KEY_MAX);
		return -EINVAL;
	}
	memcpy(identity, s, il);
	identity[il] = 0;
	for (size_t i = 0; i < hl / 2; i++) {
		char pair[3] = {h[2 * i], h[2 * i + 1], 0};
		key[i] = (uint8_t)strtoul(pair, NULL, 16);
	}
	*keylen = hl / 2;
	return 0;
}

int mig_psk_parse(const char *path, char *identity, uint8_t *key, size_t *keylen, char *err,
                  size_t errlen)
{
	char buf[4097];
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	ssize_t n = -1;
	if (S_ISREG(sb.st_mode) && !(sb.st_mode & 077)) /* no key read from an open file */
		n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (S_ISREG(sb.st_mode) && (sb.st_mode & 077)) {
		snprintf(err, errlen, "%s: readable by group or others (mode %03o): chmod 600",
		         path, (unsigned)(sb.st_mode & 0777));
		return -EPERM;
	}
	if (!S_ISREG(sb.st_mode) || n < 0 || n == (ssize_t)sizeof(buf) - 1) {
		snprintf(err, errlen, "%s: %s", path,
		         !S_ISREG(sb.st_mode) ? "not a regular file"
		         : n < 0              ? strerror(errno)
		                 : "longer than 4 KiB (want one IDENTITY:HEXKEY line)");
		if (n > 0)
			explicit_bzero(buf, (size_t)n);
		return -EINVAL;
	}
	buf[n] = 0;
	unsigned ln = 0, found = 0;
	for (char *line = buf, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		ln++;
		size_t l = strlen(line);
		while (l && (line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t'))
			line[--l] = 0;
		if (!l || line[0] == '#')
			continue;
		if (found++) {
			snprintf(err, errlen, "%s line %u: a second entry (want exactly one)", path,
			         ln);
			r = -EINVAL;
			break;
		}
		if ((r = parse_line(path, ln, line, identity, key, keylen, err, errlen)))
			break;
	}
	explicit_bzero(buf, sizeof(buf)); /* the key in hex */
	if (!r && !found) {
		snprintf(err, errlen, "%s: empty (want one IDENTITY:HEXKEY line)", path);
		r = -EINVAL;
	}
	return r;
}

/* Server side: the key of the identity the client names, or -1 (unknown identity). */
static int psk_lookup(gnutls_session_t s, const char *username, gnutls_datum_t *key)
{
	const struct mig_tls *t = gnutls_session_get_ptr(s);
	if (!t || strcmp(username, t->identity))
		return -1;
	key->data = gnutls_malloc(t->keylen);
	if (!key->data)
		return -1;
	memcpy(key->data, t->key, t->keylen);
	key->size = (unsigned)t->keylen;
	return 0;
}

static struct mig_tls *fail(struct mig_tls *t, int e, char *err, size_t errlen, const char *what,
                            int g)
{
	if (g)
		snprintf(err, errlen, "%s: %s", what, gnutls_strerror(g));
	mig_tls_free(t);
	errno = e;
	return NULL;
}

struct mig_tls *mig_tls_load(const struct mig_tls_opts *o, bool server, char *err, size_t errlen)
{
	err[0] = 0;
	if (mig_tls_opts_check(o, server ? "--incoming" : "migrate", err, errlen)) {
		errno = EINVAL;
		return NULL;
	}
	if (o->plaintext) {
		errno = 0;
		return NULL;
	}
	struct mig_tls *t = calloc(1, sizeof(*t));
	if (!t)
		return fail(t, ENOMEM, err, errlen, "out of memory", 0);
	t->server = server;
	int g = gnutls_priority_init(&t->prio, MIG_TLS_PRIORITY, NULL);
	if (g)
		return fail(t, EINVAL, err, errlen, "TLS priority " MIG_TLS_PRIORITY, g);
	if (o->psk_file) {
		int r = mig_psk_parse(o->psk_file, t->identity, t->key, &t->keylen, err, errlen);
		if (r)
			return fail(t, -r, err, errlen, NULL, 0);
		gnutls_datum_t k = {.data = t->key, .size = (unsigned)t->keylen};
		g = server ? gnutls_psk_allocate_server_credentials(&t->psk_srv)
		           : gnutls_psk_allocate_client_credentials(&t->psk_cli);
		if (!g && server)
			gnutls_psk_set_server_credentials_function(t->psk_srv, psk_lookup);
		else if (!g)
			g = gnutls_psk_set_client_credentials(t->psk_cli, t->identity, &k,
			                                      GNUTLS_PSK_KEY_RAW);
		if (g)
			return fail(t, EINVAL, err, errlen, o->psk_file, g);
		snprintf(t->kind, sizeof(t->kind), "PSK identity '%s'", t->identity);
		return t;
	}
	if ((g = gnutls_certificate_allocate_credentials(&t->x509)))
		return fail(t, ENOMEM, err, errlen, "X.509 credentials", g);
	g = gnutls_certificate_set_x509_key_file(t->x509, o->cert, o->key, GNUTLS_X509_FMT_PEM);
	if (g < 0) {
		snprintf(err, errlen, "--tls-cert %s / --tls-key %s: %s", o->cert, o->key,
		         gnutls_strerror(g));
		return fail(t, EINVAL, err, errlen, NULL, 0);
	}
	g = gnutls_certificate_set_x509_trust_file(t->x509, o->ca, GNUTLS_X509_FMT_PEM);
	if (g <= 0) {
		snprintf(err, errlen, "--tls-ca %s: %s", o->ca,
		         g ? gnutls_strerror(g) : "no certificate in the file");
		return fail(t, EINVAL, err, errlen, NULL, 0);
	}
	snprintf(t->kind, sizeof(t->kind), "X.509");
	return t;
}

void mig_tls_free(struct mig_tls *t)
{
	if (!t)
		return;
	if (t->psk_srv)
		gnutls_psk_free_server_credentials(t->psk_srv);
	if (t->psk_cli)
		gnutls_psk_free_client_credentials(t->psk_cli);
	if (t->x509)
		gnutls_certificate_free_credentials(t->x509);
	if (t->prio)
		gnutls_priority_deinit(t->prio);
	memset(t->key, 0, sizeof(t->key));
	free(t);
}

const char *mig_tls_kind(const struct mig_tls *t)
{
	return t ? t->kind : "plaintext";
}

int mig_tls_session(struct mig_tls *t, void **session, const char *hostname, char *err,
                    size_t errlen)
{
	gnutls_session_t s;
	unsigned flags =
	        (t->server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS;
	int g = gnutls_init(&s, flags);
	if (g) {
		snprintf(err, errlen, "TLS session: %s", gnutls_strerror(g));
		return -ENOMEM;
	}
	gnutls_session_set_ptr(s, t);
	g = gnutls_priority_set(s, t->prio);
	if (!g && t->psk_srv)
		g = gnutls_credentials_set(s, GNUTLS_CRD_PSK, t->psk_srv);
	if (!g && t->psk_cli)
		g = gnutls_credentials_set(s, GNUTLS_CRD_PSK, t->psk_cli);
	if (!g && t->x509) {
		g = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, t->x509);
		if (t->server)
			gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
		gnutls_session_set_verify_cert(s, t->server ? NULL : hostname, 0);
	}
	if (g) {
		snprintf(err, errlen, "TLS session: %s", gnutls_strerror(g));
		gnutls_deinit(s);
		return -EINVAL;
	}
	*session = s;
	return 0;
}
