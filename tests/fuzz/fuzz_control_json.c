// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: tsvmm's control-socket request lines (vmm/control_json.c: the RFC 8259
 * validator, member lookup, typed getters, string unescaping and quoting).
 * Properties: a parsed request's "arguments" and "id" lie inside the line and are valid JSON;
 * json_quote of an unescaped string is itself a valid JSON value.
 */
#include <string.h>

#include "control_json.h"
#include "util.h"

static const char *const keys[] = {"addr", "seconds", "path", "policy", "tsc", "enable", "x"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	char err[200], s[256];
	char *line = malloc(size ? size : 1); /* exact size, no NUL: the parser takes a length */
	if (!line)
		return 0;
	memcpy(line, data, size);
	const char *end = json_skip_value(line, line + size, 0);
	FUZZ_CHECK(!end || (end > line && end <= line + size));
	if (!ctl_parse_request(line, size, &req, err, sizeof(err))) {
		FUZZ_CHECK(memchr(req.execute, '\0', sizeof(req.execute)) != NULL);
		if (req.id)
			FUZZ_CHECK(req.id >= line && req.id + req.id_len <= line + size &&
			           json_skip_value(req.id, req.id + req.id_len, 0) ==
			                   req.id + req.id_len);
		if (req.args) {
			FUZZ_CHECK(req.args >= line && req.args + req.args_len <= line + size);
			for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
				uint64_t u;
				double d;
				int b;
				const char *v;
				size_t vl;
				(void)json_get_u64(req.args, req.args_len, keys[i], &u);
				(void)json_get_double(req.args, req.args_len, keys[i], &d);
				(void)json_get_bool(req.args, req.args_len, keys[i], &b);
				if (!json_obj_get(req.args, req.args_len, keys[i], &v, &vl))
					FUZZ_CHECK(v >= req.args &&
					           v + vl <= req.args + req.args_len);
				if (!json_get_string(req.args, req.args_len, keys[i], s,
				                     sizeof(s))) {
					char q[6 * sizeof(s) + 3];
					size_t n = json_quote(q, sizeof(q), s);
					FUZZ_CHECK(n < sizeof(q));
					FUZZ_CHECK(json_skip_value(q, q + n, 0) == q + n);
				}
			}
		}
	} else {
		FUZZ_CHECK(err[0] != '\0');
	}
	free(line);
	return 0;
}
