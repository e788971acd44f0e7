// SPDX-License-Identifier: MIT
/* tsvmm migration: the convergence decision (pure), parameters, the metrics JSON. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control_json.h"
#include "migrate/compress.h"
#include "migrate/mig_metrics.h"

static struct mig_conv_in base(void)
{
	return (struct mig_conv_in){.dirty_pages = 1000,
	                            .bytes_per_page = 4096,
	                            .bandwidth_bps = 1000ULL * 4096 * 10, /* 1000 pages: 100 ms */
	                            .downtime_limit_ns = 50000000,
	                            .iteration = 1,
	                            .max_iterations = 30};
}

Test(vmm_migrate_converge, downtime_decides)
{
	struct mig_conv_in in = base();
	uint64_t exp;
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_CONTINUE);
	cr_assert_eq(exp, 100000000);
	in.dirty_pages = 500; /* 50 ms: exactly the limit */
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_DOWNTIME);
	in.dirty_pages = 501;
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_CONTINUE);
	in.dirty_pages = 400;
	in.fixed_ns = 20000000; /* 40 + 20 ms > 50 */
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_CONTINUE);
	cr_assert_eq(exp, 60000000);
	in.dirty_pages = 0; /* nothing left but the fixed part */
	in.fixed_ns = 0;
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_DOWNTIME);
	cr_assert_eq(exp, 0);
	/* smaller pages on the wire (dedup) converge sooner */
	in = base();
	in.bytes_per_page = 1024;
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_DOWNTIME);
	cr_assert_eq(exp, 25000000);
	/* 0 bytes per page means "unknown": a full page plus its entry header */
	in.bytes_per_page = 0;
	mig_converge(&in, &exp);
	cr_assert_eq(exp, 1000ULL * 4112 * 1000000000ULL / in.bandwidth_bps);
}

Test(vmm_migrate_converge, one_more_pass_when_it_shrinks_the_final_one)
{
	struct mig_conv_in in = base();
	uint64_t exp;
	in.dirty_pages = 500;     /* 50 ms: fits the limit */
	in.dirty_rate_pps = 2000; /* 100 pages dirtied while 500 go out: 5x smaller */
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_CONTINUE);
	cr_assert_eq(exp, 50000000);
	in.dirty_rate_pps = 2600; /* 130 pages: less than 4x smaller, stop now */
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_DOWNTIME);
	in.dirty_rate_pps = 0; /* unknown: stop as soon as it fits */
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_DOWNTIME);
	in.dirty_rate_pps = 10;
	in.dirty_pages = 40; /* 4 ms on the wire: not worth a pass */
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_DOWNTIME);
	in.dirty_pages = 500;
	in.iteration = in.max_iterations; /* the cap wins, but the downtime fits */
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_DOWNTIME);
}

Test(vmm_migrate_converge, iteration_cap_and_unknown_bandwidth)
{
	struct mig_conv_in in = base();
	uint64_t exp;
	in.iteration = 29;
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_CONTINUE);
	in.iteration = 30;
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_MAX_ITER);
	in.iteration = 31;
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_MAX_ITER);
	in.iteration = 1;
	in.bandwidth_bps = 0; /* never measured: keep going until the cap */
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_CONTINUE);
	cr_assert_eq(exp, UINT64_MAX);
	in.max_iterations = 1;
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_MAX_ITER);
	/* absurd inputs do not overflow */
	in = base();
	in.dirty_pages = UINT64_MAX / 2;
	in.bytes_per_page = UINT64_MAX / 2;
	in.bandwidth_bps = 1;
	cr_assert_eq(mig_converge(&in, &exp), MIG_CONV_CONTINUE);
	cr_assert_gt(exp, in.downtime_limit_ns);
	cr_assert_str_eq(mig_conv_name(MIG_CONV_DOWNTIME), "downtime");
}

static int parse(struct mig_params *p, const char *json)
{
	char err[256];
	json_t *v = json_parse(json, strlen(json), err, sizeof(err));
	cr_assert_not_null(v, "%s: %s", json, err);
	int r = mig_params_parse(p, v, err, sizeof(err));
	cr_assert(!r || err[0], "%s: no message", json);
	json_decref(v);
	return r;
}

Test(vmm_migrate_converge, parameters)
{
	struct mig_params p;
	mig_params_default(&p);
	cr_assert_eq(p.downtime_limit_ms, MIG_DEFAULT_DOWNTIME_MS);
	cr_assert_eq(parse(&p, "{\"mode\": \"all\"}"), 0);
	cr_assert(p.zero && p.dup && p.disk);
	cr_assert_eq(p.compress, MIG_COMPRESS_LZ4);
	cr_assert_eq(parse(&p, "{\"mode\": \"dup\"}"), 0);
	cr_assert(!p.zero && p.dup && !p.disk && !p.compress);
	cr_assert_eq(parse(&p, "{\"mode\": \"none\", \"compress\": \"zstd\", \"zero\": true, "
	                       "\"downtime-limit\": 20, \"max-bandwidth\": 1000000, "
	                       "\"max-iterations\": 5, \"timeout\": 2000, "
	                       "\"statlog\": \"/tmp/x\"}"),
	             0);
	cr_assert(p.zero && !p.dup);
	cr_assert_eq(p.compress, MIG_COMPRESS_ZSTD);
	cr_assert_eq(p.downtime_limit_ms, 20);
	cr_assert_eq(p.max_bandwidth, 1000000);
	cr_assert_eq(p.max_iterations, 5);
	cr_assert_eq(p.timeout_ms, 2000);
	cr_assert_str_eq(p.statlog, "/tmp/x");
	cr_assert_not(p.migrate_disk); /* off by default */
	cr_assert_eq(parse(&p, "{\"migrate-disk\": true}"), 0);
	cr_assert(p.migrate_disk);
	cr_assert_eq(p.storage, MIG_STORAGE_NONE); /* storage modes: none by default */
	cr_assert_eq(parse(&p, "{\"storage\": \"precopy\"}"), 0);
	cr_assert_eq(p.storage, MIG_STORAGE_PRECOPY);
	cr_assert_str_eq(mig_storage_name(p.storage), "precopy");
	cr_assert_eq(parse(&p, "{\"storage\": \"flim\"}"), 0);
	cr_assert_eq(p.storage, MIG_STORAGE_FLIM);
	cr_assert_eq(parse(&p, "{\"storage\": \"none\"}"), 0);
	cr_assert_eq(p.storage, MIG_STORAGE_NONE);
	cr_assert(p.ram_dedup); /* flim's references between disk and RAM: on by default */
	cr_assert_eq(parse(&p, "{\"ram-dedup\": false}"), 0);
	cr_assert_not(p.ram_dedup);
	cr_assert_eq(parse(&p, "{\"ram-dedup\": 1}"), -EINVAL);
	cr_assert_not(p.ram_dedup);
	cr_assert_eq(mig_storage_parse("Flim"), -1);
	struct mig_params before = p;
	const char *bad[] = {
	        "{\"mode\": \"turbo\"}",
	        "{\"zero\": 1}",
	        "{\"downtime-limit\": 0}",
	        "{\"max-iterations\": 0}",
	        "{\"compress\": \"lzma\"}",
	        "{\"bogus\": 1}",
	        "{\"timeout\": 5}",
	        "{\"downtime-limit\": -1}",
	        "{\"dup\": \"yes\"}",
	        "{\"mode\": \"all\", \"x\": 1}",
	        "[1]",
	        "{\"statlog\": 7}",
	        "{\"migrate-disk\": 1}",
	        "{\"storage\": \"flimcd\"}",
	        "{\"storage\": true}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(&p, bad[i]), -EINVAL, "%s", bad[i]);
		cr_assert_eq(memcmp(&p, &before, sizeof(p)), 0, "%s changed the parameters",
		             bad[i]);
	}
}

Test(vmm_migrate_converge, metrics_json_is_valid)
{
	struct mig_params p;
	mig_params_default(&p);
	struct mig_metrics m = {.status = MIG_FAILED, .iterations = 3, .zero = 10, .dup = 2};
	snprintf(m.error, sizeof(m.error), "destination refused: \"checksum\"\nmismatch");
	snprintf(m.converge, sizeof(m.converge), "downtime");
	snprintf(m.transport, sizeof(m.transport), "TLS1.3 ECDHE-PSK, PSK identity 'a\"b'");
	char buf[4096];
	size_t n = mig_metrics_json(&m, &p, buf, sizeof(buf));
	cr_assert_lt(n, sizeof(buf));
	char err[200];
	json_t *o = json_parse(buf, n, err, sizeof(err));
	cr_assert_not_null(o, "%s: %s", buf, err);
	char s[64];
	cr_assert_eq(json_get_string(o, "status", s, sizeof(s)), 0);
	cr_assert_str_eq(s, "failed");
	char t[160];
	cr_assert_eq(json_get_string(o, "transport", t, sizeof(t)), 0);
	cr_assert_str_eq(t, "TLS1.3 ECDHE-PSK, PSK identity 'a\"b'");
	cr_assert_eq(json_get_string(o, "error", t, sizeof(t)), 0);
	cr_assert_str_eq(t, "destination refused: \"checksum\"\nmismatch");
	const json_t *v;
	cr_assert_eq(json_get_object(o, "pages", &v), 0);
	uint64_t zero;
	cr_assert_eq(json_get_u64(v, "zero", &zero), 0);
	cr_assert_eq(zero, 10);
	json_decref(o);
	cr_assert_str_eq(mig_status_name(MIG_COMPLETED), "completed");
}

Test(vmm_migrate_converge, metrics_json_has_storage)
{
	struct mig_params p;
	mig_params_default(&p);
	p.storage = MIG_STORAGE_PRECOPY;
	struct mig_metrics m = {
	        .status = MIG_ACTIVE, .disk_blocks = 100, .disk_passes = 3, .disk_dirty = 7};
	char buf[4096];
	size_t n = mig_metrics_json(&m, &p, buf, sizeof(buf));
	char err[200];
	json_t *o = json_parse(buf, n, err, sizeof(err));
	cr_assert_not_null(o, "%s: %s", buf, err);
	json_t *db = json_object_get(o, "disk-blocks");
	cr_assert_eq(json_integer_value(json_object_get(db, "passes")), 3);
	cr_assert_eq(json_integer_value(json_object_get(db, "dirty")), 7);
	cr_assert_str_eq(
	        json_string_value(json_object_get(json_object_get(o, "parameters"), "storage")),
	        "precopy");
	json_decref(o);
}
