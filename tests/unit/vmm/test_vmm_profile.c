// SPDX-License-Identifier: MIT
/* tsvmm: fill profile, size and command-line parsing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "vmm_cli.h"
#include "profile.h"

static char err[256];

Test(vmm_profile, parses_the_example)
{
	struct vmm_profile p;
	cr_assert_eq(
	        vmm_profile_parse("zero=0.3,dup=0.2,disk=0.1,random=0.4", &p, err, sizeof(err)), 0,
	        "%s", err);
	cr_assert_float_eq(p.frac[TSVMM_FILL_ZERO], 0.3, 1e-12);
	cr_assert_float_eq(p.frac[TSVMM_FILL_DUP], 0.2, 1e-12);
	cr_assert_float_eq(p.frac[TSVMM_FILL_DISK], 0.1, 1e-12);
	cr_assert_float_eq(p.frac[TSVMM_FILL_RANDOM], 0.4, 1e-12);
}

Test(vmm_profile, remainder_is_zero_pages)
{
	struct vmm_profile p;
	cr_assert_eq(vmm_profile_parse("random=0.25", &p, err, sizeof(err)), 0);
	cr_assert_float_eq(p.frac[TSVMM_FILL_ZERO], 0.75, 1e-12);
	cr_assert_eq(vmm_profile_parse("zero=1", &p, err, sizeof(err)), 0);
	cr_assert_float_eq(p.frac[TSVMM_FILL_ZERO], 1.0, 1e-12);
}

Test(vmm_profile, rejects_bad_input_naming_it)
{
	struct vmm_profile p;
	static const struct {
		const char *in, *msg;
	} bad[] = {
	        {"", "empty"},
	        {"zero", "not kind=fraction"},
	        {"foo=0.1", "unknown kind 'foo'"},
	        {"dup=0.1,dup=0.2", "given twice"},
	        {"dup=x", "bad fraction 'x'"},
	        {"dup=1.5", "bad fraction '1.5'"},
	        {"dup=-0.1", "bad fraction"},
	        {"dup=", "bad fraction"},
	        {"dup=0.1,", "trailing"},
	        {"dup=0.6,random=0.6", "more than 1"},
	        {"dup=nan", "bad fraction"},
	        {"dup=0.5junk", "bad fraction"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		cr_assert_eq(vmm_profile_parse(bad[i].in, &p, err, sizeof(err)), -EINVAL, "%s",
		             bad[i].in);
		cr_assert(strstr(err, bad[i].msg), "'%s' -> '%s'", bad[i].in, err);
	}
}

Test(vmm_profile, pages_add_up)
{
	struct vmm_profile p;
	uint64_t n[TSVMM_FILL_KINDS];
	vmm_profile_parse("zero=0.3,dup=0.2,disk=0.1,random=0.4", &p, err, sizeof(err));
	vmm_profile_pages(&p, 1000, n);
	cr_assert_eq(n[TSVMM_FILL_RANDOM], 400);
	cr_assert_eq(n[TSVMM_FILL_DUP], 200);
	cr_assert_eq(n[TSVMM_FILL_DISK], 100);
	cr_assert_eq(n[TSVMM_FILL_ZERO], 300);
	vmm_profile_pages(&p, 7, n);
	cr_assert_eq(n[0] + n[1] + n[2] + n[3], 7);
	vmm_profile_parse("random=1", &p, err, sizeof(err));
	vmm_profile_pages(&p, 12345, n);
	cr_assert_eq(n[TSVMM_FILL_RANDOM], 12345);
	cr_assert_eq(n[TSVMM_FILL_ZERO], 0);
	char buf[128];
	vmm_profile_format(&p, buf, sizeof(buf));
	cr_assert_str_eq(buf, "zero=0.00,dup=0.00,disk=0.00,random=1.00");
}

Test(vmm_profile, sizes)
{
	uint64_t b;
	cr_assert_eq(vmm_parse_size("256M", &b), 0);
	cr_assert_eq(b, 256ULL << 20);
	cr_assert_eq(vmm_parse_size("2g", &b), 0);
	cr_assert_eq(b, 2ULL << 30);
	cr_assert_eq(vmm_parse_size("64MiB", &b), 0);
	cr_assert_eq(b, 64ULL << 20);
	cr_assert_eq(vmm_parse_size("4096", &b), 0);
	cr_assert_eq(b, 4096);
	cr_assert_eq(vmm_parse_size("1K", &b), 0);
	cr_assert_eq(b, 1024);
	const char *bad[] = {"",          "M",    "-1M", "12X", "1MM", "99999999999999999999",
	                     "20000000T", "1.5G", " 1M"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(vmm_parse_size(bad[i], &b), -EINVAL, "%s", bad[i]);
}

#define ARGV(...)       ((char *[]){"run", __VA_ARGS__, NULL})
#define ARGC(...)       ((int)(sizeof((char *[]){"run", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(cfg, ...) vmm_cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), cfg, err, sizeof(err))

Test(vmm_cli, defaults_and_values)
{
	struct vmm_config c;
	cr_assert_eq(vmm_cli_parse(1, (char *[]){"run", NULL}, &c, err, sizeof(err)), 0);
	cr_assert_eq(c.mem_size, VMM_DEFAULT_MEM);
	cr_assert_eq(c.wss_pages, VMM_DEFAULT_WSS);
	cr_assert_float_eq(c.profile.frac[TSVMM_FILL_ZERO], 1.0, 1e-12);
	cr_assert_eq(PARSE(&c, "--mem", "1G", "--guest=g.bin", "--disk", "d.img", "--control", "s",
	                   "--profile", "random=0.5", "--dirty-rate", "1000", "--wss", "64",
	                   "--duration", "2.5", "--serial", "out", "--memstats"),
	             0, "%s", err);
	cr_assert_eq(c.mem_size, 1ULL << 30);
	cr_assert_str_eq(c.guest_path, "g.bin");
	cr_assert_str_eq(c.disk_path, "d.img");
	cr_assert_str_eq(c.control_path, "s");
	cr_assert_str_eq(c.serial_path, "out");
	cr_assert_eq(c.dirty_rate, 1000);
	cr_assert_eq(c.wss_pages, 64);
	cr_assert_eq(c.duration_ms, 2500);
	cr_assert(c.memstats);
	cr_assert_float_eq(c.profile.frac[TSVMM_FILL_RANDOM], 0.5, 1e-12);
	cr_assert_eq(PARSE(&c, "--help"), 1);
}

Test(vmm_cli, errors_name_the_flag)
{
	struct vmm_config c;
	cr_assert_eq(PARSE(&c, "--bogus", "1"), -EINVAL);
	cr_assert(strstr(err, "unknown option '--bogus'"), "%s", err);
	cr_assert_eq(PARSE(&c, "--mem"), -EINVAL);
	cr_assert(strstr(err, "'--mem' needs a value"), "%s", err);
	cr_assert_eq(PARSE(&c, "--mem", "63M"), -EINVAL);
	cr_assert(strstr(err, "bad --mem"), "%s", err);
	cr_assert_eq(PARSE(&c, "--mem", "64G"), -EINVAL);
	cr_assert_eq(PARSE(&c, "--mem", "lots"), -EINVAL);
	cr_assert(strstr(err, "bad --mem 'lots'"), "%s", err);
	cr_assert_eq(PARSE(&c, "--profile", "dup=2"), -EINVAL);
	cr_assert(strstr(err, "bad --profile 'dup=2': bad fraction"), "%s", err);
	cr_assert_eq(PARSE(&c, "--duration", "-1"), -EINVAL);
	cr_assert(strstr(err, "--duration"), "%s", err);
	cr_assert_eq(PARSE(&c, "--dirty-rate", "-5"), -EINVAL);
	cr_assert_eq(PARSE(&c, "--memstats=1"), -EINVAL);
	cr_assert(strstr(err, "takes no value"), "%s", err);
	cr_assert_eq(PARSE(&c, "stray"), -EINVAL);
	cr_assert(strstr(err, "'stray'"), "%s", err);
	cr_assert_eq(PARSE(&c, "--wss", "0", "--dirty-rate", "10"), -EINVAL);
	cr_assert(strstr(err, "--wss"), "%s", err);
}
