// SPDX-License-Identifier: MIT
/* key=value replies: the builder refuses what the parser could not read back, the parser is
 * strict about malformed pairs and duplicate keys. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

#include "tsync/kv.h"

Test(ipc_kv, build_and_read_back)
{
	char buf[128];
	struct kv_out o;
	kv_out_init(&o, buf, sizeof(buf), "ok");
	kv_put_str(&o, "state", "SLAVE");
	kv_put_ll(&o, "offset_ns", -417);
	kv_put_ull(&o, "samples", 18446744073709551615ull);
	kv_put_f(&o, "est_ns", 109.6, 0);
	int n = kv_out_end(&o);
	cr_assert_str_eq(buf,
	                 "ok state=SLAVE offset_ns=-417 samples=18446744073709551615 est_ns=110");
	cr_assert_eq(n, (int)strlen(buf));

	struct kv_in in;
	long long x;
	double d;
	cr_assert_eq(kv_parse(buf, &in), 0);
	cr_assert_str_eq(in.head, "ok");
	cr_assert_eq(in.n, 4);
	cr_assert_str_eq(kv_get(&in, "state"), "SLAVE");
	cr_assert_eq(kv_get_ll(&in, "offset_ns", -1000, 0, &x), 0);
	cr_assert_eq(x, -417);
	cr_assert_eq(kv_get_ll(&in, "offset_ns", 0, 1000, &x), -EPROTO, "out of range");
	cr_assert_eq(kv_get_ll(&in, "state", 0, 1000, &x), -EPROTO, "not a number");
	cr_assert_eq(kv_get_ll(&in, "nope", 0, 1000, &x), -ENOENT);
	cr_assert_eq(kv_get_f(&in, "est_ns", &d), 0);
	cr_assert_float_eq(d, 110, 1e-12);
	cr_assert_null(kv_get(&in, "ok"));
}

Test(ipc_kv, builder_refuses_bad_keys_and_values)
{
	char buf[64];
	struct kv_out o;
	static const char *const bad_vals[] = {"",     "a b",   "a=b",        "tab\there",
	                                       "nl\n", "\"q\"", "caf\xc3\xa9"};
	for (unsigned i = 0; i < sizeof(bad_vals) / sizeof(bad_vals[0]); i++) {
		kv_out_init(&o, buf, sizeof(buf), "ok");
		kv_put_str(&o, "k", bad_vals[i]);
		kv_put_str(&o, "good", "1");
		cr_assert_eq(kv_out_end(&o), -EINVAL, "value %u", i);
		cr_assert_str_eq(buf, "", "nothing half-written");
	}
	static const char *const bad_keys[] = {"", "A", "a-b", "a b", "k=", "é"};
	for (unsigned i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		kv_out_init(&o, buf, sizeof(buf), "ok");
		kv_put_str(&o, bad_keys[i], "1");
		cr_assert_eq(kv_out_end(&o), -EINVAL, "key %u", i);
	}
	kv_out_init(&o, buf, sizeof(buf), "ok");
	kv_put_f(&o, "x", NAN, 1);
	cr_assert_eq(kv_out_end(&o), -EINVAL);
	kv_out_init(&o, buf, sizeof(buf), "ok");
	kv_put_f(&o, "x", INFINITY, 1);
	cr_assert_eq(kv_out_end(&o), -EINVAL);
	char big[200];
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	kv_out_init(&o, buf, sizeof(buf), "ok");
	kv_put_str(&o, "k", big);
	cr_assert_eq(kv_out_end(&o), -EINVAL, "a value over 127 bytes");
}

Test(ipc_kv, builder_never_cuts)
{
	char buf[16];
	struct kv_out o;
	kv_out_init(&o, buf, sizeof(buf), "ok");
	kv_put_str(&o, "a", "1");
	kv_put_str(&o, "bb", "22222222");
	cr_assert_eq(kv_out_end(&o), -EMSGSIZE);
	cr_assert_str_eq(buf, "");
	kv_out_init(&o, buf, sizeof(buf), "ok");
	kv_put_str(&o, "a", "1");
	kv_put_str(&o, "bb", "2222222"); /* "ok a=1 bb=2222222" is 17 > 15 */
	cr_assert_eq(kv_out_end(&o), -EMSGSIZE);
	kv_out_init(&o, buf, sizeof(buf), "ok");
	kv_put_str(&o, "a", "1");
	kv_put_str(&o, "bb", "22222"); /* 15: fits */
	cr_assert_eq(kv_out_end(&o), 15);
	cr_assert_str_eq(buf, "ok a=1 bb=22222");
}

/* Nor does it build what the parser refuses: more than KV_MAX_PAIRS pairs or a line of
 * KV_MAX_LINE bytes or more, even into a larger buffer. */
Test(ipc_kv, builder_keeps_the_parser_limits)
{
	static char buf[4 * KV_MAX_LINE];
	struct kv_out o;
	struct kv_in in;
	char k[16];
	kv_out_init(&o, buf, sizeof(buf), "ok");
	for (int i = 0; i < KV_MAX_PAIRS; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		kv_put_str(&o, k, "1");
	}
	cr_assert_gt(kv_out_end(&o), 0);
	cr_assert_eq(kv_parse(buf, &in), 0);
	cr_assert_eq(in.n, KV_MAX_PAIRS);
	kv_put_str(&o, "one_more", "1");
	cr_assert_eq(kv_out_end(&o), -EMSGSIZE);
	char v[100];
	memset(v, 'v', sizeof(v) - 1);
	v[sizeof(v) - 1] = 0;
	kv_out_init(&o, buf, sizeof(buf), "ok");
	int i = 0;
	while (o.err == 0 && i < KV_MAX_PAIRS) {
		snprintf(k, sizeof(k), "k%d", i++);
		kv_put_str(&o, k, v);
	}
	cr_assert_eq(kv_out_end(&o), -EMSGSIZE, "a line past KV_MAX_LINE");
}

Test(ipc_kv, parser_is_strict)
{
	struct kv_in in;
	static const char *const bad[] = {
	        "",
	        "\n",
	        "ok a=1 a=2",  /* a key twice */
	        "ok a=1 b",    /* no '=' */
	        "ok =1",       /* empty key */
	        "ok a=",       /* empty value */
	        "ok a==1",     /* '=' in the value */
	        "ok a=1=2",    /* ditto */
	        "ok A=1",      /* key case */
	        "ok a=\x01",   /* control byte */
	        "ok a=1\tb=2", /* a tab is no separator */
	        "err unknown command",
	        "ok a=\xff",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(kv_parse(bad[i], &in), -EPROTO, "'%s' refused", bad[i]);
	char many[KV_MAX_LINE];
	int n = snprintf(many, sizeof(many), "ok");
	for (int i = 0; i <= KV_MAX_PAIRS; i++)
		n += snprintf(many + n, sizeof(many) - (size_t)n, " k%d=1", i);
	cr_assert_eq(kv_parse(many, &in), -EPROTO, "more pairs than KV_MAX_PAIRS");
	char longl[KV_MAX_LINE + 8];
	memset(longl, 'x', sizeof(longl) - 1);
	longl[sizeof(longl) - 1] = 0;
	cr_assert_eq(kv_parse(longl, &in), -EPROTO, "a line longer than KV_MAX_LINE");
	cr_assert_eq(kv_parse("ok a=1 b=2\r\n", &in), 0, "one line ending is allowed");
	cr_assert_str_eq(kv_get(&in, "b"), "2");
	cr_assert_eq(kv_parse("ok", &in), 0, "a head alone");
	cr_assert_eq(in.n, 0);
	double d;
	cr_assert_eq(kv_parse("ok x=nan y=1e999 z=1.5e3", &in), 0);
	cr_assert_eq(kv_get_f(&in, "x", &d), -EPROTO);
	cr_assert_eq(kv_get_f(&in, "y", &d), -EPROTO);
	cr_assert_eq(kv_get_f(&in, "z", &d), 0);
	cr_assert_float_eq(d, 1500, 1e-9);
	long long x;
	cr_assert_eq(kv_parse("ok big=99999999999999999999 hex=0x10 sp=+1", &in), 0);
	cr_assert_eq(kv_get_ll(&in, "big", LLONG_MIN, LLONG_MAX, &x), -EPROTO);
	cr_assert_eq(kv_get_ll(&in, "hex", 0, 100, &x), -EPROTO);
}
