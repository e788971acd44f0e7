// SPDX-License-Identifier: MIT
/* tsvmm control protocol codec: request parsing and typed member access on jansson. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_json.h"

/* Is v nested at most max levels deep (a scalar is 0, [] is 1)? */
static bool depth_ok(const json_t *v, int max)
{
	if (!json_is_object(v) && !json_is_array(v))
		return true;
	if (max <= 0)
		return false;
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			if (!depth_ok(json_array_get(v, i), max - 1))
				return false;
		return true;
	}
	const char *k;
	json_t *m;
	json_object_foreach((json_t *)v, k, m)
	{
		if (!depth_ok(m, max - 1))
			return false;
	}
	return true;
}

json_t *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t e;
	json_t *v = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
	if (!v) {
		if (err)
			snprintf(err, errlen, "malformed JSON: %s (column %d)", e.text, e.column);
		return NULL;
	}
	if (!depth_ok(v, JSON_MAX_DEPTH + 1)) {
		if (err)
			snprintf(err, errlen, "malformed JSON: nested deeper than %d levels",
			         JSON_MAX_DEPTH);
		json_decref(v);
		return NULL;
	}
	return v;
}

/* Member key of obj: 0 with *m, -ENOENT, or -EINVAL when obj is not an object. */
static int member(const json_t *obj, const char *key, const json_t **m)
{
	if (!json_is_object(obj))
		return -EINVAL;
	*m = json_object_get(obj, key);
	return *m ? 0 : -ENOENT;
}

int json_get_u64(const json_t *obj, const char *key, uint64_t *v)
{
	const json_t *m;
	int r = member(obj, key, &m);
	if (r)
		return r;
	if (!json_is_integer(m) || json_integer_value(m) < 0)
		return -EINVAL;
	*v = (uint64_t)json_integer_value(m);
	return 0;
}

int json_get_double(const json_t *obj, const char *key, double *v)
{
	const json_t *m;
	int r = member(obj, key, &m);
	if (r)
		return r;
	if (!json_is_number(m))
		return -EINVAL;
	*v = json_number_value(m);
	return 0;
}

int json_get_bool(const json_t *obj, const char *key, int *v)
{
	const json_t *m;
	int r = member(obj, key, &m);
	if (r)
		return r;
	if (!json_is_boolean(m))
		return -EINVAL;
	*v = json_is_true(m);
	return 0;
}

int json_get_object(const json_t *obj, const char *key, const json_t **v)
{
	const json_t *m;
	int r = member(obj, key, &m);
	if (r)
		return r;
	if (!json_is_object(m))
		return -EINVAL;
	*v = m;
	return 0;
}

int json_get_string(const json_t *obj, const char *key, char *buf, size_t buflen)
{
	const json_t *m;
	int r = member(obj, key, &m);
	if (r)
		return r;
	if (!json_is_string(m))
		return -EINVAL;
	size_t n = json_string_length(m);
	if (n >= buflen)
		return -ENAMETOOLONG;
	memcpy(buf, json_string_value(m), n + 1); /* no NUL inside: JSON_ALLOW_NUL is off */
	return 0;
}

void ctl_request_free(struct ctl_request *req)
{
	json_decref(req->root);
	req->root = NULL;
	req->args = req->id = NULL;
}

int ctl_parse_request(const char *line, size_t len, struct ctl_request *req, char *err,
                      size_t errlen)
{
	memset(req, 0, sizeof(*req));
	if (!(req->root = json_parse(line, len, err, errlen)))
		return -EINVAL;
	if (!json_is_object(req->root)) {
		snprintf(err, errlen, "a request must be a JSON object");
		return -EINVAL;
	}
	req->id = json_object_get(req->root, "id");
	int r = json_get_string(req->root, "execute", req->execute, sizeof(req->execute));
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
	if ((req->args = json_object_get(req->root, "arguments")) && !json_is_object(req->args)) {
		snprintf(err, errlen, "\"arguments\" must be an object");
		return -EINVAL;
	}
	return 0;
}

/* Copy the encoding s (n bytes, or NULL: nothing) into buf like snprintf. */
static size_t put(char *buf, size_t buflen, const char *s, size_t n)
{
	if (buflen) {
		size_t c = n < buflen ? n : buflen - 1;
		if (c)
			memcpy(buf, s, c);
		buf[c] = 0;
	}
	return n;
}

size_t json_write(char *buf, size_t buflen, const json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY);
	size_t n = s ? put(buf, buflen, s, strlen(s)) : put(buf, buflen, "", 0);
	free(s);
	return n;
}

size_t json_quote(char *buf, size_t buflen, const char *s)
{
	json_t *v = json_string(s);
	char *ascii = NULL;
	if (!v) { /* not UTF-8: keep the ASCII */
		if (!(ascii = strdup(s)))
			return put(buf, buflen, "\"\"", 2);
		for (char *p = ascii; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		v = json_string(ascii);
	}
	size_t n = v ? json_write(buf, buflen, v) : put(buf, buflen, "\"\"", 2);
	json_decref(v);
	free(ascii);
	return n;
}
