// SPDX-License-Identifier: MIT
/* tsvmm control protocol codec: a validating JSON scanner and request parsing. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_json.h"

static const char *ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* p at '"': past the closing quote, or NULL. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c != '\\')
			continue;
		if (++p >= end)
			return NULL;
		if (*p == 'u') {
			if (end - p < 5 || !is_hex(p[1]) || !is_hex(p[2]) || !is_hex(p[3]) ||
			    !is_hex(p[4]))
				return NULL;
			p += 4;
		} else if (!strchr("\"\\/bfnrt", *p)) {
			return NULL;
		}
	}
	return NULL;
}

static const char *skip_digits(const char *p, const char *end)
{
	const char *s = p;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p > s ? p : NULL;
}

static const char *skip_number(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (!(p = skip_digits(p, end)))
		return NULL;
	if (p < end && *p == '.' && !(p = skip_digits(p + 1, end)))
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!(p = skip_digits(p, end)))
			return NULL;
	}
	return p;
}

static const char *skip_word(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);
	return (size_t)(end - p) >= n && !memcmp(p, w, n) ? p + n : NULL;
}

static const char *skip_container(const char *p, const char *end, int depth, bool object)
{
	char close = object ? '}' : ']';
	p = ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (object) {
			if (p >= end || *p != '"' || !(p = skip_string(p, end)))
				return NULL;
			p = ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p++;
		}
		if (!(p = json_skip_value(p, end, depth + 1)))
			return NULL;
		p = ws(p, end);
		if (p < end && *p == close)
			return p + 1;
		if (p >= end || *p != ',')
			return NULL;
		p = ws(p + 1, end);
	}
}

const char *json_skip_value(const char *p, const char *end, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return NULL;
	p = ws(p, end);
	if (p >= end)
		return NULL;
	switch (*p) {
	case '{':
		return skip_container(p, end, depth, true);
	case '[':
		return skip_container(p, end, depth, false);
	case '"':
		return skip_string(p, end);
	case 't':
		return skip_word(p, end, "true");
	case 'f':
		return skip_word(p, end, "false");
	case 'n':
		return skip_word(p, end, "null");
	default:
		return skip_number(p, end);
	}
}

/* Unescape the string literal [p, q) (quotes included) into buf. 0 or -ENAMETOOLONG;
 * \u escapes outside ASCII become '?'. */
static int unescape(const char *p, const char *q, char *buf, size_t buflen)
{
	size_t n = 0;
	for (p++, q--; p < q; p++) {
		char c = *p;
		if (c == '\\') {
			c = *++p;
			switch (c) {
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u': {
				char hex[5] = {p[1], p[2], p[3], p[4], 0};
				long v = strtol(hex, NULL, 16);
				c = v > 0 && v < 0x80 ? (char)v : '?';
				p += 4;
				break;
			}
			default:
				break; /* \" \\ \/ */
			}
		}
		if (n + 1 >= buflen)
			return -ENAMETOOLONG;
		buf[n++] = c;
	}
	buf[n] = 0;
	return 0;
}

int json_obj_get(const char *obj, size_t len, const char *key, const char **val, size_t *vlen)
{
	const char *end = obj + len, *p = ws(obj, end);
	if (json_skip_value(p, end, 0) == NULL || *p != '{')
		return -EINVAL;
	p = ws(p + 1, end);
	while (p < end && *p == '"') {
		const char *k = p, *ke = skip_string(p, end);
		char name[CTL_NAME_MAX];
		p = ws(ke, end) + 1; /* ':' */
		const char *v = ws(p, end), *ve = json_skip_value(v, end, 1);
		if (!unescape(k, ke, name, sizeof(name)) && !strcmp(name, key)) {
			*val = v;
			*vlen = (size_t)(ve - v);
			return 0;
		}
		p = ws(ve, end);
		if (*p != ',')
			break;
		p = ws(p + 1, end);
	}
	return -ENOENT;
}

int json_get_u64(const char *obj, size_t len, const char *key, uint64_t *v)
{
	const char *s;
	size_t n;
	int err = json_obj_get(obj, len, key, &s, &n);
	if (err)
		return err;
	if (!n || *s < '0' || *s > '9')
		return -EINVAL;
	char buf[32];
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *e;
	errno = 0;
	unsigned long long x = strtoull(buf, &e, 10);
	if (*e || errno)
		return -EINVAL;
	*v = x;
	return 0;
}

int json_get_double(const char *obj, size_t len, const char *key, double *v)
{
	const char *s;
	size_t n;
	int err = json_obj_get(obj, len, key, &s, &n);
	if (err)
		return err;
	char buf[64];
	if (!n || n >= sizeof(buf) || !(*s == '-' || (*s >= '0' && *s <= '9')))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	*v = strtod(buf, NULL);
	return 0;
}

int json_get_bool(const char *obj, size_t len, const char *key, int *v)
{
	const char *s;
	size_t n;
	int err = json_obj_get(obj, len, key, &s, &n);
	if (err)
		return err;
	if (n == 4 && !memcmp(s, "true", 4))
		*v = 1;
	else if (n == 5 && !memcmp(s, "false", 5))
		*v = 0;
	else
		return -EINVAL;
	return 0;
}

int json_get_string(const char *obj, size_t len, const char *key, char *buf, size_t buflen)
{
	const char *s;
	size_t n;
	int err = json_obj_get(obj, len, key, &s, &n);
	if (err)
		return err;
	if (*s != '"')
		return -EINVAL;
	return unescape(s, s + n, buf, buflen);
}

int ctl_parse_request(const char *line, size_t len, struct ctl_request *req, char *err,
                      size_t errlen)
{
	memset(req, 0, sizeof(*req));
	const char *end = line + len, *p = ws(line, end);
	const char *q = json_skip_value(p, end, 0);
	if (!q || ws(q, end) != end) {
		snprintf(err, errlen, "malformed JSON");
		return -EINVAL;
	}
	if (*p != '{') {
		snprintf(err, errlen, "a request must be a JSON object");
		return -EINVAL;
	}
	size_t olen = (size_t)(q - p);
	const char *v;
	size_t vlen;
	if (!json_obj_get(p, olen, "id", &v, &vlen)) {
		req->id = v;
		req->id_len = vlen;
	}
	int r = json_get_string(p, olen, "execute", req->execute, sizeof(req->execute));
	if (r == -ENOENT) {
		snprintf(err, errlen, "missing \"execute\"");
		return -EINVAL;
	}
	if (r) {
		snprintf(err, errlen,
		         r == -ENAMETOOLONG ? "command name too long"
		                            : "\"execute\" must be a string");
		return -EINVAL;
	}
	if (!json_obj_get(p, olen, "arguments", &v, &vlen)) {
		if (*v != '{') {
			snprintf(err, errlen, "\"arguments\" must be an object");
			return -EINVAL;
		}
		req->args = v;
		req->args_len = vlen;
	}
	return 0;
}

size_t json_quote(char *buf, size_t buflen, const char *s)
{
	size_t n = 0;
#define PUT(c)                                                                                     \
	do {                                                                                       \
		if (n + 1 < buflen)                                                                \
			buf[n] = (c);                                                              \
		n++;                                                                               \
	} while (0)
	PUT('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			PUT('\\');
			PUT((char)c);
		} else if (c < 0x20) {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			for (char *e = esc; *e; e++)
				PUT(*e);
		} else {
			PUT((char)c);
		}
	}
	PUT('"');
#undef PUT
	if (buflen)
		buf[n < buflen ? n : buflen - 1] = 0;
	return n;
}
