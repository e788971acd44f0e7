// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: tsvmm's control-socket request lines (vmm/control_json.c on jansson:
 * parsing with the nesting limit, request checks, typed getters, quoting and writing values).
 * Properties: a refused line has a message; a parsed request has a NUL-terminated name, an
 * object for "arguments"; its "id" written back out parses again; json_quote of any string a
 * getter returned (or of the raw input) is itself a valid JSON string with the same value.
 */
#include <string.h>

#include "control_json.h"
#include "util.h"

static const char *const keys[] = {"addr", "seconds", "path", "policy", "tsc", "enable", "x"};

/* json_quote(s) parses back to the string s (s valid UTF-8) or at least to a string. */
static void check_quote(const char *s, bool utf8)
{
	char q[6 * 256 + 3];
	size_t n = json_quote(q, sizeof(q), s);
	FUZZ_CHECK(n < sizeof(q));
	json_t *v = json_parse(q, n, NULL, 0);
	FUZZ_CHECK(v && json_is_string(v));
	if (utf8)
		FUZZ_CHECK(!strcmp(json_string_value(v), s));
	json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	char err[200], s[256];
	char *line = malloc(size ? size : 1); /* exact size, no NUL: the parser takes a length */
	if (!line)
		return 0;
	memcpy(line, data, size);
	json_decref(json_parse(line, size, NULL, 0));
	if (!ctl_parse_request(line, size, &req, err, sizeof(err))) {
		FUZZ_CHECK(memchr(req.execute, '\0', sizeof(req.execute)) != NULL);
		if (req.id) {
			char idt[4096];
			size_t n = json_write(idt, sizeof(idt), req.id);
			if (n && n < sizeof(idt)) {
				json_t *back = json_parse(idt, n, NULL, 0);
				FUZZ_CHECK(back && json_equal(back, (json_t *)req.id));
				json_decref(back);
			}
		}
		if (req.args) {
			FUZZ_CHECK(json_is_object(req.args));
			for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
				uint64_t u;
				double d;
				int b;
				const json_t *o;
				(void)json_get_u64(req.args, keys[i], &u);
				(void)json_get_double(req.args, keys[i], &d);
				(void)json_get_bool(req.args, keys[i], &b);
				if (!json_get_object(req.args, keys[i], &o))
					FUZZ_CHECK(json_is_object(o));
				if (!json_get_string(req.args, keys[i], s, sizeof(s)))
					check_quote(s, true);
			}
		}
	} else {
		FUZZ_CHECK(err[0] != '\0');
	}
	ctl_request_free(&req);
	/* quoting arbitrary bytes (not UTF-8: replaced) always gives a valid string */
	size_t m = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	memcpy(s, data, m);
	s[m] = 0;
	check_quote(s, false);
	free(line);
	return 0;
}
