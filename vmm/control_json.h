/* SPDX-License-Identifier: MIT */
/*
 * tsvmm control protocol codec (QMP-like JSON lines) on jansson. Pure: no sockets.
 *
 *   request   {"execute": "query-status", "arguments": {...}, "id": <any>}   one per line
 *   success   {"return": {...}, "id": <same>}
 *   error     {"error": {"class": "GenericError", "desc": "..."}, "id": <same>}
 *
 * jansson parses the whole line (RFC 8259, UTF-8; nesting <= JSON_MAX_DEPTH is checked on
 * top) before any member is looked at, so a malformed line gets an error reply naming what
 * jansson found wrong and where, never a crash. Integers beyond int64 are refused by jansson.
 */
#ifndef TSVMM_CONTROL_JSON_H
#define TSVMM_CONTROL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_NAME_MAX   64
#define JSON_MAX_DEPTH 32

struct ctl_request {
	char execute[CTL_NAME_MAX]; /* the command name */
	json_t *root;               /* the parsed line, owned: ctl_request_free() */
	const json_t *args;         /* "arguments" (an object), NULL if absent */
	const json_t *id;           /* "id" (any value), NULL if absent */
};

/*
 * Parse one request line (len bytes, no newline needed; surrounding whitespace allowed).
 * 0, or -EINVAL with a reason in err: not JSON (jansson's message, line and column), nested
 * too deep, not an object, no "execute" string, name too long, "arguments" not an object.
 * req->id is set whenever the line was a valid object, so errors can still echo it. Call
 * ctl_request_free() afterwards in both cases.
 */
int ctl_parse_request(const char *line, size_t len, struct ctl_request *req, char *err,
                      size_t errlen);
void ctl_request_free(struct ctl_request *req);

/* Parse text (len bytes) as one JSON value of any type, nesting <= JSON_MAX_DEPTH: the value
 * (json_decref() it) or NULL with the reason in err (may be NULL). */
json_t *json_parse(const char *text, size_t len, char *err, size_t errlen);

/* Member key of the object obj (NULL or not an object: -EINVAL) as a non-negative integer /
 * number / boolean / object. 0, -ENOENT or -EINVAL (wrong type). */
int json_get_u64(const json_t *obj, const char *key, uint64_t *v);
int json_get_double(const json_t *obj, const char *key, double *v);
int json_get_bool(const json_t *obj, const char *key, int *v);
int json_get_object(const json_t *obj, const char *key, const json_t **v);
/* Member key as a string into buf (NUL-terminated, UTF-8). 0, -ENOENT, -EINVAL,
 * -ENAMETOOLONG. */
int json_get_string(const json_t *obj, const char *key, char *buf, size_t buflen);

/* Write s as a JSON string literal (with quotes) into buf; returns the length it needs
 * (like snprintf). Bytes that are not UTF-8 become '?'. */
size_t json_quote(char *buf, size_t buflen, const char *s);
/* Write the value v as JSON text (", " and ": " separators, members in order) into buf;
 * returns the length it needs (like snprintf), 0 if v cannot be encoded. */
size_t json_write(char *buf, size_t buflen, const json_t *v);

#endif
