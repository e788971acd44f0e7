// SPDX-License-Identifier: MIT
/* tsvmm: the guest disk I/O workload profile (--io) and its boot parameters. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "io_profile.h"
#include "vmm_cli.h"

static char err[256];

Test(vmm_io_profile, parses_rates_and_defaults)
{
	struct vmm_io_profile p;
	cr_assert_eq(vmm_io_parse(VMM_IO_MODERATE, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.write_bps, 4ULL << 20);
	cr_assert_eq(p.read_bps, 8ULL << 20);
	cr_assert_float_eq(p.write_hot, 0.1, 1e-12);
	cr_assert_float_eq(p.write_share, 0.9, 1e-12);
	cr_assert_float_eq(p.read_hot, 0.2, 1e-12);
	cr_assert_float_eq(p.read_share, 0.8, 1e-12);
}

Test(vmm_io_profile, parses_locality_and_fills_boot_params)
{
	struct vmm_io_profile p;
	cr_assert_eq(vmm_io_parse("write=1M,write-hot=0.05,write-share=0.95,read-hot=0.5,"
	                          "read-share=0.25",
	                          &p, err, sizeof(err)),
	             0, "%s", err);
	struct tsvmm_boot_params bp = {0};
	vmm_io_boot(&p, &bp);
	cr_assert_eq(bp.io_write_bps, 1ULL << 20);
	cr_assert_eq(bp.io_read_bps, 0);
	cr_assert_eq(bp.io_write_hot_ppm, 50000);
	cr_assert_eq(bp.io_write_share_ppm, 950000);
	cr_assert_eq(bp.io_read_hot_ppm, 500000);
	cr_assert_eq(bp.io_read_share_ppm, 250000);
	char buf[200];
	vmm_io_format(&p, buf, sizeof(buf));
	cr_assert_str_eq(buf, "write=1048576,read=0,write-hot=0.05,write-share=0.95,read-hot=0.50,"
	                      "read-share=0.25");
}

Test(vmm_io_profile, page_cache_writeback_delay)
{
	struct vmm_io_profile p;
	cr_assert_eq(vmm_io_parse("write=4M,cache=500", &p, err, sizeof(err)), 0, "%s", err);
	struct tsvmm_boot_params bp = {0};
	vmm_io_boot(&p, &bp);
	cr_assert_eq(bp.io_cache_ms, 500);
	char buf[200];
	vmm_io_format(&p, buf, sizeof(buf));
	cr_assert(strstr(buf, ",cache=500"), "%s", buf);
	cr_assert_eq(vmm_io_parse("write=4M", &p, err, sizeof(err)), 0);
	cr_assert_eq(p.cache_ms, 0);
}

Test(vmm_io_profile, off_is_no_io)
{
	struct vmm_io_profile p;
	cr_assert_eq(vmm_io_parse("off", &p, err, sizeof(err)), 0);
	cr_assert_eq(p.write_bps + p.read_bps, 0);
}

Test(vmm_io_profile, rejects_bad_parts_by_name)
{
	struct vmm_io_profile p;
	const char *bad[][2] = {
	        {"", "empty"},
	        {"write", "not key=value"},
	        {"write=", "bad value"},
	        {"write=4Q", "bad rate"},
	        {"write=100", "bad rate"},
	        {"speed=4M", "unknown key 'speed'"},
	        {"write=4M,write-hot=1.5", "bad fraction '1.5'"},
	        {"write=4M,write-hot=0", "hot set of size 0"},
	        {"read=4M,read-share=x", "bad fraction 'x'"},
	        {"write=4M,cache=-1", "bad cache '-1'"},
	        {"write=4M,cache=60001", "bad cache '60001'"},
	        {"write=4M,cache=5s", "bad cache '5s'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		cr_assert_eq(vmm_io_parse(bad[i][0], &p, err, sizeof(err)), -EINVAL, "%s",
		             bad[i][0]);
		cr_assert(strstr(err, bad[i][1]), "'%s': '%s' lacks '%s'", bad[i][0], err,
		          bad[i][1]);
	}
	cr_assert_eq(vmm_io_parse("write=4M,write-hot=0,write-share=0", &p, err, sizeof(err)), 0);
}

Test(vmm_io_profile, cli_needs_a_disk)
{
	struct vmm_config c;
	char *a1[] = {"run", "--io", "write=4M"};
	cr_assert_eq(vmm_cli_parse(3, a1, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "--io needs a --disk"), "%s", err);
	char *a2[] = {"run", "--io", "write=4M", "--disk", "x.img"};
	cr_assert_eq(vmm_cli_parse(5, a2, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.io.write_bps, 4ULL << 20);
	char *a3[] = {"run", "--io", "write=4M,bogus=1", "--disk", "x.img"};
	cr_assert_eq(vmm_cli_parse(5, a3, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "bad --io") && strstr(err, "unknown key 'bogus'"), "%s", err);
}
