// SPDX-License-Identifier: MIT
/* tsvmm: control protocol parsing, malformed lines and the command dispatch. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "tsync/ipc.h"
#include "control_json.h"

static char err[256];

static int parse(const char *line, struct ctl_request *r)
{
	ctl_request_free(r); /* the previous line's */
	return ctl_parse_request(line, strlen(line), r, err, sizeof(err));
}

Test(vmm_control, parses_requests)
{
	struct ctl_request r = {0};
	cr_assert_eq(parse("{\"execute\": \"query-status\"}", &r), 0, "%s", err);
	cr_assert_str_eq(r.execute, "query-status");
	cr_assert_null(r.args);
	cr_assert_null(r.id);
	cr_assert_eq(parse("  {\"id\": [1, {\"a\": null}], \"arguments\": {\"ms\": 250, \"x\": "
	                   "\"a\\\"b\"}, \"execute\": \"x-dirty\\u002dlog\"}\r",
	                   &r),
	             0, "%s", err);
	cr_assert_str_eq(r.execute, "x-dirty-log");
	char id[64];
	cr_assert_eq(json_write(id, sizeof(id), r.id), strlen("[1, {\"a\": null}]"));
	cr_assert_str_eq(id, "[1, {\"a\": null}]");
	uint64_t ms;
	cr_assert_eq(json_get_u64(r.args, "ms", &ms), 0);
	cr_assert_eq(ms, 250);
	char s[16];
	cr_assert_eq(json_get_string(r.args, "x", s, sizeof(s)), 0);
	cr_assert_str_eq(s, "a\"b");
	cr_assert_eq(json_get_string(r.args, "x", s, 3), -ENAMETOOLONG);
	cr_assert_eq(json_get_u64(r.args, "x", &ms), -EINVAL);
	cr_assert_eq(json_get_u64(r.args, "nope", &ms), -ENOENT);
	int b;
	double d;
	cr_assert_eq(json_get_bool(r.args, "ms", &b), -EINVAL);
	cr_assert_eq(json_get_double(r.args, "ms", &d), 0);
	cr_assert_float_eq(d, 250.0, 1e-9);
	cr_assert_eq(json_get_u64(NULL, "ms", &ms), -EINVAL);
	/* negative integers are not u64 */
	cr_assert_eq(parse("{\"execute\": \"x\", \"arguments\": {\"ms\": -1}}", &r), 0);
	cr_assert_eq(json_get_u64(r.args, "ms", &ms), -EINVAL);
	ctl_request_free(&r);
}

Test(vmm_control, malformed_lines_are_errors)
{
	static const char *const bad[] = {
	        "",
	        "{",
	        "}",
	        "not json",
	        "{\"execute\": \"stop\"",
	        "{\"execute\": \"stop\"}}",
	        "{\"execute\": \"stop\",}",
	        "{\"execute\" \"stop\"}",
	        "{'execute': 'stop'}",
	        "{\"execute\": \"st\nop\"}",
	        "{\"execute\": \"\\x\"}",
	        "{\"execute\": \"\\u12\"}",
	        "{\"execute\": 01}",
	        "{\"execute\": -}",
	        "{\"execute\": 1.}",
	        "{\"execute\": tru}",
	        "[\"execute\", \"stop\"]",
	        "\"stop\"",
	        "{\"arguments\": {}}",
	        "{\"execute\": 42}",
	        "{\"execute\": \"stop\", \"arguments\": [1]}",
	        "{\"execute\": "
	        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	        "\"}",
	        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]"
	        "]]]]]]]]]]]"
	        "]]]]]]]]]]]]]]]]]]]]]",
	};
	struct ctl_request r = {0};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		cr_assert_eq(parse(bad[i], &r), -EINVAL, "accepted: %s", bad[i]);
		cr_assert(err[0], "no message for %s", bad[i]);
	}
	/* the message names what was wrong */
	parse("{\"execute\": \"stop\",}", &r);
	cr_assert(strstr(err, "malformed JSON") && strstr(err, "column"), "%s", err);
	parse("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	      "]]]]",
	      &r);
	cr_assert(strstr(err, "nested deeper"), "%s", err);
	cr_assert_eq(parse("{\"execute\": 42, \"id\": 5}", &r), -EINVAL);
	cr_assert(strstr(err, "\"execute\" must be a string"), "%s", err);
	cr_assert_not_null(r.id); /* an error reply can still echo the id */
	ctl_request_free(&r);
}

Test(vmm_control, parse_any_value)
{
	static const char *const good[] = {"0",
	                                   "-0.5e+3",
	                                   "1E9",
	                                   "true",
	                                   "null",
	                                   "\"\"",
	                                   "[]",
	                                   "{}",
	                                   "[1,[2,[3]],{\"a\":{}}]",
	                                   " \"\\u00e9\" "};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		json_t *v = json_parse(good[i], strlen(good[i]), err, sizeof(err));
		cr_assert_not_null(v, "%s: %s", good[i], err);
		json_decref(v);
	}
	static const char *const bad[] = {"",        "01",   "1.",  "tru",
	                                  "\"\\x\"", "[1,]", "1 2", "{\"a\":1,\"a\":2}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_null(json_parse(bad[i], strlen(bad[i]), NULL, 0), "%s", bad[i]);
}

struct fake {
	int calls;
};

static int cmd_ok(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	(void)req;
	((struct fake *)ctx)->calls++;
	snprintf(ret, len, "{\"n\": %d}", ((struct fake *)ctx)->calls);
	return 0;
}

static int cmd_fail(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	(void)ctx;
	snprintf(ret, len, "%s: \"no\"", req->execute);
	return -ENOSYS;
}

Test(vmm_control, dispatch_replies)
{
	struct control_cmd cmds[] = {{"ok", cmd_ok}, {"fail", cmd_fail}};
	struct fake f = {0};
	char out[512];
	const char *l = "{\"execute\": \"ok\", \"id\": \"x1\"}";
	control_handle_line(cmds, 2, &f, l, strlen(l), out, sizeof(out));
	cr_assert_str_eq(out, "{\"return\": {\"n\": 1}, \"id\": \"x1\"}");
	l = "{\"execute\": \"fail\"}";
	control_handle_line(cmds, 2, &f, l, strlen(l), out, sizeof(out));
	cr_assert_str_eq(
	        out, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"fail: \\\"no\\\"\"}}");
	l = "{\"execute\": \"nope\", \"id\": 7}";
	control_handle_line(cmds, 2, &f, l, strlen(l), out, sizeof(out));
	cr_assert(strstr(out, "\"CommandNotFound\""), "%s", out);
	cr_assert(strstr(out, "\"id\": 7}"), "%s", out);
	l = "{\"execute\": ";
	size_t n = control_handle_line(cmds, 2, &f, l, strlen(l), out, sizeof(out));
	cr_assert_eq(n, strlen(out));
	cr_assert(strstr(out, "malformed JSON"), "%s", out);
	/* a tiny output buffer truncates, never overflows */
	char small[16];
	n = control_handle_line(cmds, 2, &f, l, strlen(l), small, sizeof(small));
	cr_assert_lt(n, sizeof(small));
	cr_assert_eq(f.calls, 1);
}

Test(vmm_control, quote)
{
	char b[64];
	cr_assert_eq(json_quote(b, sizeof(b), "a\"b\\c\n\x01"),
	             strlen("\"a\\\"b\\\\c\\n\\u0001\""));
	cr_assert_str_eq(b, "\"a\\\"b\\\\c\\n\\u0001\"");
	/* not UTF-8: the ASCII is kept, the rest becomes '?' */
	json_quote(b, sizeof(b), "caf\xe9");
	cr_assert_str_eq(b, "\"caf?\"");
	json_quote(b, sizeof(b), "caf\xc3\xa9");
	cr_assert_str_eq(b, "\"caf\xc3\xa9\"");
	char t[4];
	json_quote(t, sizeof(t), "abcdef");
	cr_assert_str_eq(t, "\"ab");
}

static int connect_to(const char *path)
{
	int fd = ipc_connect(path, SOCK_STREAM, IPC_BLOCKING, 2000);
	cr_assert_geq(fd, 0, "%s", ipc_strerror(fd));
	return fd;
}

/* Idle connections never lock a new client out: 20 idle ones, then a real command is served
 * (the one idle longest is evicted); the socket file is 0600. */
Test(vmm_control, idle_connections_do_not_lock_out)
{
	struct control_cmd cmds[] = {{"ok", cmd_ok}};
	struct fake f = {0};
	char path[64];
	snprintf(path, sizeof(path), "/tmp/vmm-control-unit-%d.sock", (int)getpid());
	struct control *c = control_create(path, cmds, 1, &f);
	cr_assert_not_null(c);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	int idle[20];
	for (int i = 0; i < 20; i++) {
		idle[i] = connect_to(path);
		control_poll(c, NULL, 0, 10); /* accept */
	}
	int fd = connect_to(path);
	const char *req = "{\"execute\": \"ok\", \"id\": 9}\n";
	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	char buf[1024] = "";
	size_t got = 0;
	for (int i = 0; i < 50 && !strstr(buf, "\"id\": 9"); i++) {
		control_poll(c, NULL, 0, 10);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 10) > 0) {
			ssize_t k = read(fd, buf + got, sizeof(buf) - 1 - got);
			if (k <= 0)
				break;
			got += (size_t)k;
			buf[got] = 0;
		}
	}
	cr_assert(strstr(buf, "{\"return\": {\"n\": 1}, \"id\": 9}"), "no reply: '%s'", buf);
	cr_assert_eq(f.calls, 1);
	/* the first idle connection was the one evicted */
	char x;
	cr_assert_eq(fcntl(idle[0], F_SETFL, O_NONBLOCK), 0);
	while (read(idle[0], &x, 1) > 0) /* its greeting */
		;
	cr_assert_eq(read(idle[0], &x, 1), 0, "evicted: EOF");
	for (int i = 0; i < 20; i++)
		close(idle[i]);
	close(fd);
	control_destroy(c);
	cr_assert_neq(access(path, F_OK), 0, "the socket file is removed");
}

/* The socket path names another file: it is left alone (only a stale socket is replaced). */
Test(vmm_control, never_replaces_a_file_that_is_not_a_socket)
{
	struct control_cmd cmds[] = {{"ok", cmd_ok}};
	char path[64];
	snprintf(path, sizeof(path), "/tmp/vmm-control-unit-%d.file", (int)getpid());
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("keep", f);
	fclose(f);
	errno = 0;
	cr_assert_null(control_create(path, cmds, 1, NULL));
	cr_assert_eq(errno, EEXIST);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISREG(st.st_mode) && st.st_size == 4, "the file was replaced");
	unlink(path);
}
