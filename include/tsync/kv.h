/* SPDX-License-Identifier: MIT */
/*
 * One-line `key=value` replies of the control sockets (lib/ipc/kv.c):
 *   HEAD key=value key=value ...        e.g. "ok status=synchronized est_ns=110"
 * Keys are [a-z0-9_]+; a value is 1..127 printable bytes without space, '=' or quotes.
 * The builder refuses what the parser could not read back (never cuts a reply); the parser
 * is strict: a pair without '=', an empty key or value, a bad byte or a key given twice
 * makes the whole reply malformed (-EPROTO).
 */
#ifndef TSYNC_KV_H
#define TSYNC_KV_H

#include <stddef.h>

/* Room for dtpd's status of a node with its 8 ports (19 pairs + 8 per port: 83 pairs, about
 * 1.6 KB); the builder refuses a reply over either limit, as the parser would. */
#define KV_MAX_PAIRS 96
#define KV_MAX_LINE  2048

/* Builder over a caller's buffer. The first error sticks (err); the text is then "". */
struct kv_out {
	char *buf;
	size_t cap, len;
	unsigned n; /* pairs so far */
	int err;    /* 0, -EINVAL (a bad key or value) or -EMSGSIZE (does not fit: more than
	             * KV_MAX_LINE - 1 bytes or KV_MAX_PAIRS pairs, or the caller's buffer) */
};

/* Start a reply with its head word ("ok"). */
void kv_out_init(struct kv_out *o, char *buf, size_t cap, const char *head);
void kv_put_str(struct kv_out *o, const char *key, const char *val);
void kv_put_ll(struct kv_out *o, const char *key, long long v);
void kv_put_ull(struct kv_out *o, const char *key, unsigned long long v);
/* A double with prec decimals ("%.*f"); NaN and infinities are refused (-EINVAL). */
void kv_put_f(struct kv_out *o, const char *key, double v, int prec);
/* The reply's length, or o->err. */
int kv_out_end(struct kv_out *o);

/* A parsed reply: the head and the pairs point into a private copy of the line. */
struct kv_in {
	char line[KV_MAX_LINE];
	const char *head;
	unsigned n;
	const char *key[KV_MAX_PAIRS], *val[KV_MAX_PAIRS];
};

/* Parse one reply line (a trailing "\n" or "\r\n" is allowed). 0 or -EPROTO. */
int kv_parse(const char *s, struct kv_in *in);
/* The value of key, or NULL. */
const char *kv_get(const struct kv_in *in, const char *key);
/* A whole number in [lo, hi]: 0, -ENOENT (no such key) or -EPROTO (not a number in range). */
int kv_get_ll(const struct kv_in *in, const char *key, long long lo, long long hi, long long *out);
/* A finite number: 0, -ENOENT or -EPROTO. */
int kv_get_f(const struct kv_in *in, const char *key, double *out);

#endif
