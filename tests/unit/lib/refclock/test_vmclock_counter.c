// SPDX-License-Identifier: MIT
/* The reader's counter (tsync/vmclock_counter.h): options into one transform, read through it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "tsync/vmclock.h"
#include "tsync/vmclock_counter.h"

Test(vmclock_counter, none_is_the_machines_tsc)
{
	struct tsc_xform x = {.mult = 5, .offset = 7};
	char err[128];
	cr_assert_eq(vmclock_counter_parse(NULL, NULL, &x, err, sizeof(err)), 0);
	cr_assert(tsc_xform_is_identity(&x));
	uint64_t a = vmclock_rdtsc(), c = vmclock_counter_xform(&x), b = vmclock_rdtsc();
	cr_assert(c >= a && c <= b, "%lu not in [%lu, %lu]", c, a, b);
}

Test(vmclock_counter, transform_plus_offset)
{
	struct tsc_xform x, host;
	char err[128];
	cr_assert_eq(
	        vmclock_counter_parse("1000000000000,50", "-1000000000123", &x, err, sizeof(err)),
	        0, "%s", err);
	cr_assert_eq(tsc_xform_parse("1000000000000,50", &host, err, sizeof(err)), 0);
	/* T(raw) + K at any raw, K negative (two's complement) */
	for (uint64_t raw = 0; raw < (1ull << 62); raw = raw * 3 + 12345)
		cr_assert_eq(tsc_xform_apply(&x, raw),
		             tsc_xform_apply(&host, raw) - 1000000000123ull);
	/* read now: the host's TSC + K, between two raw reads mapped the same way */
	uint64_t a = vmclock_rdtsc(), c = vmclock_counter_xform(&x), b = vmclock_rdtsc();
	cr_assert(c >= tsc_xform_apply(&x, a) && c <= tsc_xform_apply(&x, b));
	cr_assert_eq(vmclock_counter_parse(NULL, "0x10", &x, err, sizeof(err)), 0);
	cr_assert_eq(x.offset, 16);
	cr_assert_eq(x.mult, 0);
}

Test(vmclock_counter, bad_options_are_named)
{
	struct tsc_xform x;
	char err[160];
	cr_assert_eq(vmclock_counter_parse("12,abc", NULL, &x, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "--tsc-transform") && strstr(err, "abc"), "%s", err);
	cr_assert_eq(vmclock_counter_parse("12,5000", NULL, &x, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "--tsc-transform"), "%s", err);
	cr_assert_eq(vmclock_counter_parse(NULL, "12k", &x, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "--tsc-offset '12k'"), "%s", err);
	cr_assert_eq(vmclock_counter_parse(NULL, "", &x, err, sizeof(err)), -EINVAL);
	cr_assert_eq(vmclock_counter_parse(NULL, "99999999999999999999", &x, err, sizeof(err)),
	             -EINVAL);
}
