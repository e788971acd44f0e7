/* SPDX-License-Identifier: MIT */
/*
 * tsvmm control protocol codec (QMP-like JSON lines). Pure: no sockets.
 *
 *   request   {"execute": "query-status", "arguments": {...}, "id": <any>}   one per line
 *   success   {"return": {...}, "id": <same>}
 *   error     {"error": {"class": "GenericError", "desc": "..."}, "id": <same>}
 *
 * The parser validates the whole line as JSON (RFC 8259 grammar, nesting <= 32) before it
 * looks at members, so a malformed line gets an error reply and never a crash.
 */
#ifndef TSVMM_CONTROL_JSON_H
#define TSVMM_CONTROL_JSON_H

#include <stddef.h>
#include <stdint.h>

#define CTL_NAME_MAX   64
#define JSON_MAX_DEPTH 32

struct ctl_request {
	char execute[CTL_NAME_MAX]; /* the command name, unescaped */
	const char *args;           /* raw text of "arguments" (an object), NULL if absent */
	size_t args_len;
	const char *id; /* raw text of "id", NULL if absent */
	size_t id_len;
};

/*
 * Parse one request line (len bytes, no newline needed; surrounding whitespace allowed).
 * 0, or -EINVAL with a reason in err: not JSON, not an object, no "execute" string, name too
 * long, "arguments" not an object. req->id is set whenever the line was a valid object, so
 * errors can still echo it.
 */
int ctl_parse_request(const char *line, size_t len, struct ctl_request *req, char *err,
                      size_t errlen);

/* Pointer just past one JSON value starting at p (leading whitespace skipped), or NULL if
 * the text is not a valid value. depth: current nesting (start with 0). */
const char *json_skip_value(const char *p, const char *end, int depth);

/*
 * Raw text of member key in the object text obj (len bytes): 0 with val and vlen set,
 * -ENOENT if absent, -EINVAL if obj is not a valid object.
 */
int json_obj_get(const char *obj, size_t len, const char *key, const char **val, size_t *vlen);
/* Member key as a non-negative integer / number / boolean. 0, -ENOENT or -EINVAL
 * (wrong type). */
int json_get_u64(const char *obj, size_t len, const char *key, uint64_t *v);
int json_get_double(const char *obj, size_t len, const char *key, double *v);
int json_get_bool(const char *obj, size_t len, const char *key, int *v);
/* Member key as a string, unescaped into buf (NUL-terminated). 0, -ENOENT, -EINVAL,
 * -ENAMETOOLONG. */
int json_get_string(const char *obj, size_t len, const char *key, char *buf, size_t buflen);

/* Write s as a JSON string literal (with quotes) into buf; returns the length it needs
 * (like snprintf). */
size_t json_quote(char *buf, size_t buflen, const char *s);

#endif
