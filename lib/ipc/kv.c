// SPDX-License-Identifier: MIT
/* `key=value` replies: see include/tsync/kv.h. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/kv.h"

#define KV_MAX_VAL 127

static bool key_ok(const char *k, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return false;
	return true;
}

static bool val_ok(const char *v, size_t n)
{
	if (n == 0 || n > KV_MAX_VAL)
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] > '~' || v[i] == '=' || v[i] == '"' || v[i] == '\'')
			return false;
	return true;
}

static void put_raw(struct kv_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_raw(struct kv_out *o, const char *fmt, ...)
{
	if (o->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->err = -EMSGSIZE;
	else
		o->len += (size_t)n;
}

void kv_out_init(struct kv_out *o, char *buf, size_t cap, const char *head)
{
	*o = (struct kv_out){.buf = buf, .cap = cap};
	if (!buf || cap == 0) {
		o->err = -EMSGSIZE;
		return;
	}
	buf[0] = 0;
	if (!head || !val_ok(head, strlen(head)))
		o->err = -EINVAL;
	put_raw(o, "%s", head);
}

void kv_put_str(struct kv_out *o, const char *key, const char *val)
{
	if (!o->err && (!key || !val || !key_ok(key, strlen(key)) || !val_ok(val, strlen(val))))
		o->err = -EINVAL;
	if (!o->err && ++o->n > KV_MAX_PAIRS)
		o->err = -EMSGSIZE;
	put_raw(o, " %s=%s", key, val);
	if (!o->err && o->len >= KV_MAX_LINE)
		o->err = -EMSGSIZE;
}

void kv_put_ll(struct kv_out *o, const char *key, long long v)
{
	char s[24];
	snprintf(s, sizeof(s), "%lld", v);
	kv_put_str(o, key, s);
}

void kv_put_ull(struct kv_out *o, const char *key, unsigned long long v)
{
	char s[24];
	snprintf(s, sizeof(s), "%llu", v);
	kv_put_str(o, key, s);
}

void kv_put_f(struct kv_out *o, const char *key, double v, int prec)
{
	char s[KV_MAX_VAL + 2];
	if (!isfinite(v) || prec < 0 || prec > 17 ||
	    snprintf(s, sizeof(s), "%.*f", prec, v) >= (int)sizeof(s)) {
		if (!o->err)
			o->err = -EINVAL;
		return;
	}
	kv_put_str(o, key, s);
}

int kv_out_end(struct kv_out *o)
{
	if (o->err && o->buf && o->cap)
		o->buf[0] = 0;
	return o->err ? o->err : (int)o->len;
}

int kv_parse(const char *s, struct kv_in *in)
{
	memset(in, 0, sizeof(*in));
	size_t n = s ? strlen(s) : 0;
	if (n && s[n - 1] == '\n')
		n--;
	if (n && s[n - 1] == '\r')
		n--;
	if (n == 0 || n >= sizeof(in->line))
		return -EPROTO;
	memcpy(in->line, s, n);
	in->line[n] = 0;
	char *save = NULL;
	char *tok = strtok_r(in->line, " ", &save);
	if (!tok || !val_ok(tok, strlen(tok)))
		return -EPROTO;
	in->head = tok;
	while ((tok = strtok_r(NULL, " ", &save))) {
		char *eq = strchr(tok, '=');
		if (!eq || in->n == KV_MAX_PAIRS)
			return -EPROTO;
		*eq = 0;
		if (!key_ok(tok, strlen(tok)) || !val_ok(eq + 1, strlen(eq + 1)) || kv_get(in, tok))
			return -EPROTO;
		in->key[in->n] = tok;
		in->val[in->n++] = eq + 1;
	}
	return 0;
}

const char *kv_get(const struct kv_in *in, const char *key)
{
	for (unsigned i = 0; i < in->n; i++)
		if (!strcmp(in->key[i], key))
			return in->val[i];
	return NULL;
}

int kv_get_ll(const struct kv_in *in, const char *key, long long lo, long long hi, long long *out)
{
	const char *v = kv_get(in, key);
	if (!v)
		return -ENOENT;
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (end == v || *end || errno || x < lo || x > hi)
		return -EPROTO;
	*out = x;
	return 0;
}

int kv_get_f(const struct kv_in *in, const char *key, double *out)
{
	const char *v = kv_get(in, key);
	if (!v)
		return -ENOENT;
	char *end;
	double x = strtod(v, &end);
	if (end == v || *end || !isfinite(x))
		return -EPROTO;
	*out = x;
	return 0;
}
