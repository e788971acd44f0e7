// SPDX-License-Identifier: MIT
/* tsvmm migration credentials: the PSK file parser, the option rules, and TLS 1.3 PSK
 * handshakes over a socket pair (right key, wrong key, wrong identity, plaintext peer). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/conn.h"
#include "migrate/tls.h"

#define KEY32 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static char dir[] = "/tmp/tsvmm-tls-XXXXXX";
static char err[512];
static int nfile;

static void setup(void)
{
	cr_assert(mkdtemp(dir));
}

static void teardown(void)
{
	char p[64];
	for (int i = 0; i < nfile; i++) {
		snprintf(p, sizeof(p), "%s/k%d", dir, i);
		unlink(p);
	}
	rmdir(dir);
}

/* A key file with content s and mode; its path (static storage per call). */
static const char *keyfile(const char *s, mode_t mode)
{
	static char paths[32][64];
	char *p = paths[nfile % 32];
	snprintf(p, 64, "%s/k%d", dir, nfile++);
	FILE *f = fopen(p, "w");
	cr_assert(f);
	fputs(s, f);
	fclose(f);
	chmod(p, mode);
	return p;
}

static int parse(const char *content, mode_t mode, char *id, uint8_t *key, size_t *kl)
{
	return mig_psk_parse(keyfile(content, mode), id, key, kl, err, sizeof(err));
}

TestSuite(vmm_migrate_tls, .init = setup, .fini = teardown);

Test(vmm_migrate_tls, psk_file_good)
{
	char id[MIG_PSK_ID_MAX + 1];
	uint8_t key[MIG_PSK_KEY_MAX];
	size_t kl = 0;
	cr_assert_eq(parse("tsvmm:" KEY32 "\n", 0600, id, key, &kl), 0, "%s", err);
	cr_assert_str_eq(id, "tsvmm");
	cr_assert_eq(kl, 32);
	cr_assert_eq(key[0], 0x00);
	cr_assert_eq(key[1], 0x11);
	cr_assert_eq(key[31], 0xff);
	/* comments, blank lines, CRLF, upper case hex, 16-byte key */
	cr_assert_eq(parse("# made by psktool\r\n\r\nhost-a:00112233445566778899AABBCCDDEEFF\r\n",
	                   0400, id, key, &kl),
	             0, "%s", err);
	cr_assert_str_eq(id, "host-a");
	cr_assert_eq(kl, 16);
	cr_assert_eq(key[15], 0xff);
}

/* Each bad file: refused, with the file's path and what is wrong in the message. */
static void bad(const char *content, mode_t mode, const char *why)
{
	char id[MIG_PSK_ID_MAX + 1];
	uint8_t key[MIG_PSK_KEY_MAX];
	size_t kl;
	const char *p = keyfile(content, mode);
	int r = mig_psk_parse(p, id, key, &kl, err, sizeof(err));
	cr_assert_lt(r, 0, "accepted: %s", content);
	cr_assert(strstr(err, p), "no path in: %s", err);
	cr_assert(strstr(err, why), "'%s' not in: %s", why, err);
}

Test(vmm_migrate_tls, psk_file_bad)
{
	bad("", 0600, "empty");
	bad("# only a comment\n\n", 0600, "empty");
	bad(KEY32 "\n", 0600, "line 1: no ':'");
	bad(":" KEY32 "\n", 0600, "identity of 0 bytes");
	bad("id:00112233445566778899aabbccddeeffzz\n", 0600, "character 33 ('z') is not a hex");
	bad("id:0011223344556677889\n", 0600, "odd number of hex digits");
	bad("id:0011223344556677\n", 0600, "key of 8 bytes");
	bad("id:" KEY32 KEY32 "00\n", 0600, "key of 65 bytes");
	bad("a:" KEY32 "\nb:" KEY32 "\n", 0600, "line 2: a second entry");
	bad("id:" KEY32 "\n", 0644, "readable by group or others (mode 644)");
	char id[MIG_PSK_ID_MAX + 1];
	uint8_t key[MIG_PSK_KEY_MAX];
	size_t kl;
	cr_assert_eq(mig_psk_parse("/nonexistent/psk", id, key, &kl, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "/nonexistent/psk: No such file"), "%s", err);
	cr_assert_lt(mig_psk_parse(dir, id, key, &kl, err, sizeof(err)), 0);
	cr_assert(strstr(err, "not a regular file"), "%s", err);
	char longid[MIG_PSK_ID_MAX + 80];
	memset(longid, 'x', MIG_PSK_ID_MAX + 1);
	snprintf(longid + MIG_PSK_ID_MAX + 1, 70, ":%s\n", KEY32);
	bad(longid, 0600, "identity of 129 bytes");
}

Test(vmm_migrate_tls, option_rules)
{
	struct mig_tls_opts o = {0};
	cr_assert_eq(mig_tls_opts_check(&o, "--incoming", err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "--incoming: no migration credentials"), "%s", err);
	cr_assert(strstr(err, "--migrate-plaintext"), "%s", err);
	o.plaintext = true;
	cr_assert_eq(mig_tls_opts_check(&o, "migrate", err, sizeof(err)), 0);
	o.psk_file = "k";
	cr_assert_eq(mig_tls_opts_check(&o, "migrate", err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "contradicts"), "%s", err);
	o.plaintext = false;
	cr_assert_eq(mig_tls_opts_check(&o, "migrate", err, sizeof(err)), 0);
	o.cert = "c";
	cr_assert_eq(mig_tls_opts_check(&o, "migrate", err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "all of --tls-cert, --tls-key and --tls-ca"), "%s", err);
	o.key = o.ca = "x";
	cr_assert_eq(mig_tls_opts_check(&o, "migrate", err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "not both"), "%s", err);
	o.psk_file = NULL;
	cr_assert_eq(mig_tls_opts_check(&o, "migrate", err, sizeof(err)), 0);
}

/* ---- handshakes over a socket pair: the server runs in a thread ---- */

struct side {
	struct mig_conn c;
	struct mig_tls *t;
	int r;
	bool plain_hello; /* send a plaintext record instead of a handshake */
};

static void *server(void *arg)
{
	struct side *s = arg;
	s->r = mig_conn_start_tls(&s->c, s->t, NULL);
	if (!s->r) { /* echo one record back */
		static uint8_t buf[TSMIG_REC_MAX];
		struct tsmig_rec_hdr h;
		s->r = mig_recv(&s->c, &h, buf, sizeof(buf));
		if (!s->r)
			s->r = mig_send(&s->c, TSMIG_REC_READY, buf, h.len);
	}
	if (s->r)
		mig_conn_close(&s->c); /* the client sees the connection end */
	return NULL;
}

static struct mig_tls *load(const char *content, bool srv)
{
	struct mig_tls_opts o = {.psk_file = keyfile(content, 0600)};
	struct mig_tls *t = mig_tls_load(&o, srv, err, sizeof(err));
	cr_assert(t, "%s", err);
	return t;
}

/* Client with key file ck against a server with sk. 0 or the client's error; *srv_r the
 * server's. A record (a tsmig_status payload) goes through and back when both agree. */
static int handshake(const char *ck, const char *sk, int *srv_r, char *cli_err)
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	struct side srv = {.t = load(sk, true)}, cli = {.t = ck ? load(ck, false) : NULL};
	mig_conn_init(&srv.c, sv[1], false, 2000, -1);
	mig_conn_init(&cli.c, sv[0], true, 2000, -1);
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, server, &srv), 0);
	struct tsmig_status st = {.err = 7, .msg = "through TLS"};
	int r = cli.t ? mig_conn_start_tls(&cli.c, cli.t, NULL) : 0;
	if (!r)
		r = mig_send(&cli.c, TSMIG_REC_DEVICES, &st, sizeof(st)) ? -EIO : 0;
	if (!r) {
		static uint8_t buf[TSMIG_REC_MAX];
		struct tsmig_rec_hdr h;
		r = mig_recv(&cli.c, &h, buf, sizeof(buf));
		if (!r) {
			cr_assert_eq(h.type, TSMIG_REC_READY);
			cr_assert_str_eq(((struct tsmig_status *)buf)->msg, "through TLS");
			cr_assert(cli.c.tls && srv.c.tls);
			char d[128];
			cr_assert(strstr(mig_conn_desc(&cli.c, d, sizeof(d)), "TLS1.3 ECDHE-PSK"),
			          "%s", d);
		}
	}
	snprintf(cli_err, 256, "%s", cli.c.err);
	pthread_join(th, NULL);
	*srv_r = srv.r;
	snprintf(err, sizeof(err), "%s", srv.c.err);
	mig_conn_close(&cli.c);
	mig_conn_close(&srv.c);
	mig_tls_free(cli.t);
	mig_tls_free(srv.t);
	return r;
}

Test(vmm_migrate_tls, psk_handshake)
{
	char cerr[256];
	int sr;
	/* the client sends a DEVICES record (any bytes), the server echoes them as READY */
	int r = handshake("m:" KEY32 "\n", "m:" KEY32 "\n", &sr, cerr);
	cr_assert_eq(sr, 0, "server: %s", err);
	cr_assert_eq(r, 0, "client: %s", cerr);
}

Test(vmm_migrate_tls, psk_wrong_key_or_identity_refused)
{
	char cerr[256];
	int sr;
	int r = handshake("m:" KEY32 "\n",
	                  "m:ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n",
	                  &sr, cerr);
	cr_assert_neq(sr, 0);
	cr_assert_neq(r, 0);
	cr_assert(strstr(err, "TLS handshake"), "server: %s", err);
	cr_assert(strstr(cerr, "TLS handshake"), "client: %s", cerr);
	r = handshake("other:" KEY32 "\n", "m:" KEY32 "\n", &sr, cerr);
	cr_assert_neq(sr, 0);
	cr_assert_neq(r, 0);
	cr_assert(strstr(err, "TLS handshake"), "server: %s", err);
}

Test(vmm_migrate_tls, plaintext_peer_refused)
{
	char cerr[256];
	int sr;
	/* a plaintext client: its first record is no ClientHello */
	handshake(NULL, "m:" KEY32 "\n", &sr, cerr);
	cr_assert_neq(sr, 0);
	cr_assert(strstr(err, "TLS handshake"), "server: %s", err);
}

/* A client that sends half a ClientHello and goes: the server's alert meets a closed socket.
 * GnuTLS's own push would raise SIGPIPE and kill the VMM (a stray could kill a destination,
 * a dying destination the source guest): the handshake must just fail. */
Test(vmm_migrate_tls, peer_gone_mid_handshake_no_sigpipe)
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	static const uint8_t half[] = {0x16, 0x03, 0x01, 0x00, 0x7a, 0x01, 0x00,
	                               0x00, 0x76, 0x03, 0x03, 0x5a, 0x5a};
	cr_assert_eq(write(sv[0], half, sizeof(half)), (ssize_t)sizeof(half));
	close(sv[0]);
	struct side srv = {.t = load("m:" KEY32 "\n", true)};
	mig_conn_init(&srv.c, sv[1], false, 500, -1);
	cr_assert_lt(mig_conn_start_tls(&srv.c, srv.t, NULL), 0);
	cr_assert(strstr(srv.c.err, "TLS handshake"), "%s", srv.c.err);
	mig_conn_drain(&srv.c, 100); /* close_notify into the void: no SIGPIPE either */
	mig_conn_close(&srv.c);
	mig_tls_free(srv.t);
}
