/* SPDX-License-Identifier: MIT */
/* Unit tests: typed config table, ptp4l-style files, --key=value overrides, errors. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsync/config.h"
#include "tsync/log.h"

static const struct config_enum ts_modes[] = {
        {"hardware", 1},
        {"software", 2},
        {"legacy", 3},
        {NULL, 0},
};

static const struct config_item table[] = {
        CFG_INT("priority1", CFG_SCOPE_GLOBAL, 128, 0, 255),
        CFG_INT("domainNumber", CFG_SCOPE_GLOBAL, 0, 0, 127),
        CFG_INT("logSyncInterval", CFG_SCOPE_PORT, 0, -10, 10),
        CFG_UINT("clockIdentity", CFG_SCOPE_GLOBAL, 0, 0, ~0ULL),
        CFG_DOUBLE("step_threshold", CFG_SCOPE_GLOBAL, 0.0, 0.0, 1e9),
        CFG_DOUBLE("delayAsymmetry", CFG_SCOPE_PORT, 0.0, -1.0, 1.0),
        CFG_BOOL("free_running", CFG_SCOPE_GLOBAL, 0),
        CFG_BOOL("masterOnly", CFG_SCOPE_PORT, 0),
        CFG_STRING("uds_address", CFG_SCOPE_GLOBAL, "/var/run/ptp4l"),
        CFG_STRING("userDescription", CFG_SCOPE_PORT, NULL),
        CFG_ENUM("time_stamping", CFG_SCOPE_PORT, 1, ts_modes),
};
#define NITEMS (sizeof(table) / sizeof(table[0]))

static struct config *cfg;
static struct config_error err;

static void setup(void)
{
	cfg = config_create(table, NITEMS);
	cr_assert_not_null(cfg);
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	config_destroy(cfg);
}

TestSuite(config, .init = setup, .fini = teardown);

static int rd(const char *text)
{
	return config_read_string(cfg, text, "cfg.conf", &err);
}

/* Expect text to fail with exactly msg. */
static void expect_error(const char *text, const char *msg)
{
	int rc = rd(text);
	cr_assert_eq(rc, -EINVAL, "rc %d for <%s>", rc, text);
	cr_assert_str_eq(err.msg, msg);
}

Test(config, defaults)
{
	cr_assert_eq(config_get_int(cfg, NULL, "priority1"), 128);
	cr_assert_eq(config_get_int(cfg, "eth0", "logSyncInterval"), 0);
	cr_assert_float_eq(config_get_double(cfg, NULL, "step_threshold"), 0.0, 1e-12);
	cr_assert_eq(config_get_bool(cfg, NULL, "free_running"), false);
	cr_assert_str_eq(config_get_string(cfg, NULL, "uds_address"), "/var/run/ptp4l");
	cr_assert_null(config_get_string(cfg, "eth0", "userDescription"));
	cr_assert_eq(config_get_int(cfg, NULL, "time_stamping"), 1);
	cr_assert_eq(config_source(cfg, NULL, "priority1"), CFG_SRC_DEFAULT);
	cr_assert_eq(config_section_count(cfg), 0);
}

Test(config, ptp4l_file_syntax)
{
	const char *text = "# a comment\n"
	                   "\n"
	                   "[global]\n"
	                   "priority1\t\t100   # trailing comment\n"
	                   "domainNumber = 24\n"
	                   "clockIdentity 0xFFFFFFFFFFFFFFFF\r\n"
	                   "step_threshold 1e-6\n"
	                   "free_running on\n"
	                   "uds_address   /tmp/my socket  \n"
	                   "time_stamping software\n"
	                   "logSyncInterval -3\n"
	                   "[eth0]\n"
	                   "logSyncInterval 0x2\n"
	                   "masterOnly TRUE\n"
	                   "[ eth1 ]\n"
	                   "delayAsymmetry=-0.5\n";

	cr_assert_eq(rd(text), 0, "%s", err.msg);
	cr_assert_eq(config_get_int(cfg, NULL, "priority1"), 100);
	cr_assert_eq(config_get_int(cfg, NULL, "domainNumber"), 24);
	cr_assert_eq(config_get_u64(cfg, NULL, "clockIdentity"), ~0ULL);
	cr_assert_float_eq(config_get_double(cfg, NULL, "step_threshold"), 1e-6, 1e-18);
	cr_assert(config_get_bool(cfg, NULL, "free_running"));
	cr_assert_str_eq(config_get_string(cfg, NULL, "uds_address"), "/tmp/my socket");
	cr_assert_eq(config_get_int(cfg, NULL, "time_stamping"), 2);
	cr_assert_eq(config_get_int(cfg, "eth0", "logSyncInterval"), 2);
	cr_assert_eq(config_get_int(cfg, "eth1", "logSyncInterval"), -3, "falls back to global");
	cr_assert(config_get_bool(cfg, "eth0", "masterOnly"));
	cr_assert_not(config_get_bool(cfg, "eth1", "masterOnly"));
	cr_assert_float_eq(config_get_double(cfg, "eth1", "delayAsymmetry"), -0.5, 1e-12);
	cr_assert_float_eq(config_get_double(cfg, "eth0", "delayAsymmetry"), 0.0, 1e-12);
	cr_assert_eq(config_source(cfg, "eth0", "logSyncInterval"), CFG_SRC_FILE);
}

Test(config, sections_listed_in_order)
{
	cr_assert_eq(rd("[eth2]\n[global]\n[eth0]\n[global]\nmasterOnly 1\n"), 0, "%s", err.msg);
	cr_assert_eq(config_section_count(cfg), 2);
	cr_assert_str_eq(config_section_name(cfg, 0), "eth2");
	cr_assert_str_eq(config_section_name(cfg, 1), "eth0");
	cr_assert_null(config_section_name(cfg, 2));
	cr_assert(config_has_section(cfg, "eth0"));
	cr_assert_not(config_has_section(cfg, "eth9"));
	cr_assert_not(config_has_section(cfg, "global"));
	cr_assert_eq(config_add_section(cfg, "eth3"), 0);
	cr_assert_eq(config_add_section(cfg, "eth0"), 0);
	cr_assert_eq(config_add_section(cfg, "global"), -EINVAL);
	cr_assert_eq(config_add_section(cfg, ""), -EINVAL);
	cr_assert_eq(config_section_count(cfg), 3);
}

/* issue #9: a repeated [iface] is an error naming file:line; [global] may repeat, and a
 * section declared before (by -i, or by another file) is no duplicate */
Test(config, duplicate_section_is_an_error)
{
	expect_error("[eth0]\nlogSyncInterval 1\n[eth1]\n\n[eth0]\nlogSyncInterval 2\n",
	             "cfg.conf:5: duplicate section [eth0]");
	expect_error("[eth0]\n[ eth0 ]\n", "cfg.conf:2: duplicate section [eth0]");
	config_destroy(cfg);
	cfg = config_create(table, sizeof(table) / sizeof(table[0]));
	cr_assert_eq(config_add_section(cfg, "eth0"), 0);
	cr_assert_eq(rd("[global]\n[eth0]\nmasterOnly 1\n[global]\npriority1 3\n"), 0, "%s",
	             err.msg);
	cr_assert_eq(rd("[eth0]\nmasterOnly 0\n"), 0, "a second file may set [eth0] again: %s",
	             err.msg);
	cr_assert_eq(config_section_count(cfg), 1);
}

Test(config, decimal_not_octal_and_negative_hex)
{
	cr_assert_eq(rd("priority1 010\nlogSyncInterval -0x4\n"), 0, "%s", err.msg);
	cr_assert_eq(config_get_int(cfg, NULL, "priority1"), 10);
	cr_assert_eq(config_get_int(cfg, NULL, "logSyncInterval"), -4);
}

Test(config, later_line_wins)
{
	cr_assert_eq(rd("priority1 1\npriority1 2\nuds_address a\nuds_address b\n"), 0);
	cr_assert_eq(config_get_int(cfg, NULL, "priority1"), 2);
	cr_assert_str_eq(config_get_string(cfg, NULL, "uds_address"), "b");
}

Test(config, error_unknown_key)
{
	expect_error("priority1 1\n\n\n\n\n\n\n\n\n\n\nfoo 3\n", "cfg.conf:12: unknown key 'foo'");
}

Test(config, error_bad_int)
{
	expect_error("\n\npriority1 x\n",
	             "cfg.conf:3: bad value 'x' for 'priority1' (expected integer)");
	expect_error("priority1 12abc\n",
	             "cfg.conf:1: bad value '12abc' for 'priority1' (expected integer)");
	expect_error("priority1 0x\n",
	             "cfg.conf:1: bad value '0x' for 'priority1' (expected integer)");
	expect_error("priority1 1.5\n",
	             "cfg.conf:1: bad value '1.5' for 'priority1' (expected integer)");
}

Test(config, error_out_of_range)
{
	expect_error("\n\n\npriority1 300\n",
	             "cfg.conf:4: value 300 out of range [0, 255] for 'priority1'");
	expect_error("priority1 -1\n",
	             "cfg.conf:1: value -1 out of range [0, 255] for 'priority1'");
	expect_error("priority1 99999999999999999999999\n",
	             "cfg.conf:1: value 99999999999999999999999 out of range [0, 255] for "
	             "'priority1'");
	expect_error("delayAsymmetry 1.5\n",
	             "cfg.conf:1: value 1.5 out of range [-1, 1] for 'delayAsymmetry'");
	expect_error("step_threshold 1e999\n",
	             "cfg.conf:1: value 1e999 out of range [0, 1e+09] for 'step_threshold'");
}

Test(config, error_bad_uint_double_bool_enum)
{
	expect_error("clockIdentity -1\n",
	             "cfg.conf:1: bad value '-1' for 'clockIdentity' (expected unsigned integer)");
	expect_error("clockIdentity 0x1FFFFFFFFFFFFFFFF\n",
	             "cfg.conf:1: value 0x1FFFFFFFFFFFFFFFF out of range [0, 18446744073709551615] "
	             "for 'clockIdentity'");
	expect_error("step_threshold 1e-6x\n",
	             "cfg.conf:1: bad value '1e-6x' for 'step_threshold' (expected number)");
	expect_error("step_threshold nan\n",
	             "cfg.conf:1: bad value 'nan' for 'step_threshold' (expected number)");
	expect_error("free_running maybe\n", "cfg.conf:1: bad value 'maybe' for 'free_running' "
	                                     "(expected 0/1, true/false, on/off)");
	expect_error("time_stamping Hardware\n",
	             "cfg.conf:1: bad value 'Hardware' for 'time_stamping' (expected one of: "
	             "hardware, software, legacy)");
}

Test(config, error_scope)
{
	expect_error("[global]\npriority1 3\n\n\n\n[eth0]\ndomainNumber 4\n",
	             "cfg.conf:7: key 'domainNumber' not allowed in section [eth0]");
}

Test(config, error_missing_value_without_origin)
{
	int rc = config_read_string(cfg, "\n\n\n\n\n\n\n\npriority1 1\npriority1\n", NULL, &err);
	cr_assert_eq(rc, -EINVAL);
	cr_assert_str_eq(err.msg, "line 10: missing value for 'priority1'");
	rc = config_read_string(cfg, "priority1 =   # nothing\n", NULL, &err);
	cr_assert_eq(rc, -EINVAL);
	cr_assert_str_eq(err.msg, "line 1: missing value for 'priority1'");
}

Test(config, error_section_headers)
{
	expect_error("\n[eth0\n", "cfg.conf:2: unterminated section header");
	expect_error("[]\n", "cfg.conf:1: empty section name");
	expect_error("[eth0] x\n", "cfg.conf:1: unexpected text after section header");
	expect_error("[eth 0]\n", "cfg.conf:1: bad section name 'eth 0'");
	expect_error("= 5\n", "cfg.conf:1: missing key before '='");
}

Test(config, error_keeps_earlier_lines_and_stops)
{
	expect_error("priority1 7\nbogus 1\npriority1 9\n", "cfg.conf:2: unknown key 'bogus'");
	cr_assert_eq(config_get_int(cfg, NULL, "priority1"), 7);
}

Test(config, long_lines_not_truncated)
{
	size_t n = 100000;
	char *text = malloc(n + 64), *val;

	cr_assert_not_null(text);
	strcpy(text, "uds_address ");
	val = text + strlen(text);
	memset(val, 'a', n);
	strcpy(val + n, "\npriority1 5\n");
	cr_assert_eq(rd(text), 0, "%s", err.msg);
	cr_assert_eq(strlen(config_get_string(cfg, NULL, "uds_address")), n);
	cr_assert_eq(config_get_int(cfg, NULL, "priority1"), 5);

	/* a long unknown key: the message is bounded, names the line and starts the key */
	memset(text, 'k', n);
	strcpy(text + n, " 1\n");
	cr_assert_eq(rd(text), -EINVAL);
	cr_assert(strncmp(err.msg, "cfg.conf:1: unknown key 'kkkk", 29) == 0, "%s", err.msg);
	free(text);
}

Test(config, binary_junk_is_an_error_not_a_crash)
{
	char junk[4096];
	unsigned seed = 12345;

	for (int round = 0; round < 200; round++) {
		struct config *c = config_create(table, NITEMS);
		for (size_t i = 0; i < sizeof(junk); i++) {
			seed = seed * 1103515245u + 12345u;
			junk[i] = (char)(seed >> 16);
		}
		config_read_buffer(c, junk, sizeof(junk), "junk", &err);
		cr_assert(strlen(err.msg) < sizeof(err.msg));
		config_destroy(c);
	}
	cr_assert_eq(config_read_buffer(cfg, "priority1 1\0\n", 13, "nul.conf", &err), -EINVAL);
	cr_assert_str_eq(err.msg, "nul.conf:1: invalid character 0x00 at column 12");
}

Test(config, read_file_and_missing_file)
{
	char path[] = "/tmp/tsync-cfg-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs("[global]\npriority1 42\n[eth0]\nlogSyncInterval 3\nmasterOnly yes\n[eth1]\nbad\n",
	      f);
	fclose(f);
	cr_assert_eq(config_read_file(cfg, path, &err), -EINVAL);
	char want[300];
	snprintf(want, sizeof(want), "%s:7: unknown key 'bad'", path);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(config_get_int(cfg, NULL, "priority1"), 42);
	cr_assert_eq(config_get_int(cfg, "eth0", "logSyncInterval"), 3);
	unlink(path);

	cr_assert_eq(config_read_file(cfg, "/nonexistent/tsync.conf", &err), -ENOENT);
	cr_assert_str_eq(err.msg,
	                 "/nonexistent/tsync.conf: cannot open: No such file or directory");
	cr_assert_eq(config_read_file(cfg, "/", &err), -EISDIR);
	cr_assert_str_eq(err.msg, "/: cannot read: Is a directory");
}

Test(config, option_overrides_beat_files)
{
	cr_assert_eq(config_set_option(cfg, "--priority1=5", &err), 0, "%s", err.msg);
	cr_assert_eq(config_set_option(cfg, "logSyncInterval=-2", &err), 0, "%s", err.msg);
	cr_assert_eq(config_set_option(cfg, "-free_running=1", &err), 0, "%s", err.msg);
	/* files read later (or earlier) do not beat the command line, even per section */
	cr_assert_eq(rd("priority1 100\nlogSyncInterval 4\n[eth0]\nlogSyncInterval 1\n"), 0);
	cr_assert_eq(config_get_int(cfg, NULL, "priority1"), 5);
	cr_assert_eq(config_get_int(cfg, NULL, "logSyncInterval"), -2);
	cr_assert_eq(config_get_int(cfg, "eth0", "logSyncInterval"), -2);
	cr_assert_eq(config_source(cfg, "eth0", "logSyncInterval"), CFG_SRC_OPTION);
	cr_assert(config_get_bool(cfg, NULL, "free_running"));
	/* a per-section override wins for that section only */
	cr_assert_eq(config_set(cfg, "eth1", "logSyncInterval", "7", &err), 0, "%s", err.msg);
	cr_assert_eq(config_get_int(cfg, "eth1", "logSyncInterval"), 7);
	cr_assert_eq(config_get_int(cfg, "eth0", "logSyncInterval"), -2);
	cr_assert(config_has_section(cfg, "eth1"));
	/* the last override wins */
	cr_assert_eq(config_set_option(cfg, "--priority1=6", &err), 0);
	cr_assert_eq(config_get_int(cfg, NULL, "priority1"), 6);
	cr_assert_eq(config_set_option(cfg, "--uds_address=/a=b", &err), 0);
	cr_assert_str_eq(config_get_string(cfg, NULL, "uds_address"), "/a=b");
}

Test(config, option_errors)
{
	cr_assert_eq(config_set_option(cfg, "--foo=1", &err), -EINVAL);
	cr_assert_str_eq(err.msg, "option '--foo=1': unknown key 'foo'");
	cr_assert_eq(config_set_option(cfg, "--priority1", &err), -EINVAL);
	cr_assert_str_eq(err.msg, "option '--priority1': expected --key=value");
	cr_assert_eq(config_set_option(cfg, "--priority1=", &err), -EINVAL);
	cr_assert_str_eq(err.msg, "option '--priority1=': missing value for 'priority1'");
	cr_assert_eq(config_set_option(cfg, "--=3", &err), -EINVAL);
	cr_assert_str_eq(err.msg, "option '--=3': missing key before '='");
	cr_assert_eq(config_set_option(cfg, "--priority1=256", &err), -EINVAL);
	cr_assert_str_eq(
	        err.msg,
	        "option '--priority1=256': value 256 out of range [0, 255] for 'priority1'");
	cr_assert_eq(config_set(cfg, "eth0", "domainNumber", "3", &err), -EINVAL);
	cr_assert_str_eq(err.msg, "option '--domainNumber=3': key 'domainNumber' not allowed in "
	                          "section [eth0]");
	cr_assert_not(config_has_section(cfg, "eth0"), "refused override declared no section");
	cr_assert_eq(config_set(cfg, NULL, "nope", "3", &err), -EINVAL);
	cr_assert_str_eq(err.msg, "option '--nope=3': unknown key 'nope'");
	cr_assert_eq(config_get_int(cfg, NULL, "priority1"), 128,
	             "failed overrides change nothing");
}

static const struct config_item bad_default[] = {CFG_INT("x", CFG_SCOPE_GLOBAL, 300, 0, 255)};
static const struct config_item bad_range[] = {CFG_DOUBLE("x", CFG_SCOPE_GLOBAL, 0, 1, -1)};
static const struct config_item dup_names[] = {CFG_BOOL("x", CFG_SCOPE_GLOBAL, 0),
                                               CFG_BOOL("x", CFG_SCOPE_PORT, 0)};
static const struct config_item bad_enum[] = {CFG_ENUM("x", CFG_SCOPE_GLOBAL, 9, ts_modes)};
static const struct config_item no_name[] = {CFG_STRING("", CFG_SCOPE_GLOBAL, NULL)};

Test(config, bad_tables_rejected)
{
	errno = 0;
	cr_assert_null(config_create(bad_default, 1));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(config_create(bad_range, 1));
	cr_assert_null(config_create(dup_names, 2));
	cr_assert_null(config_create(bad_enum, 1));
	cr_assert_null(config_create(no_name, 1));
}

static char logged[512];
static void capture(int level, const char *msg, void *arg)
{
	(void)level;
	(void)arg;
	snprintf(logged, sizeof(logged), "%s", msg);
}

Test(config, getter_bugs_logged_not_crashing)
{
	log_init("t", LOG_INFO, false, false);
	log_set_callback(capture, NULL);
	cr_assert_eq(config_get_int(cfg, NULL, "no_such_key"), 0);
	cr_assert_str_eq(logged, "bug: config key 'no_such_key' is not in the table");
	cr_assert_eq(config_get_double(cfg, NULL, "priority1"), 0.0);
	cr_assert_str_eq(logged, "bug: config key 'priority1' read with the wrong type");
	cr_assert_null(config_get_string(cfg, NULL, "priority1"));
	cr_assert(config_has_key(cfg, "priority1"));
	cr_assert_not(config_has_key(cfg, "no_such_key"));
	cr_assert_eq(config_item(cfg, "time_stamping")->type, CFG_TYPE_ENUM);
	log_set_callback(NULL, NULL);
}
