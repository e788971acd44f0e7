// SPDX-License-Identifier: MIT
/* wifi-medium/tsf.h: 1 us resolution, offset, drift. */
#include <criterion/criterion.h>

#include "tsf.h"

Test(tsf, counts_microseconds_with_offset_and_drift)
{
	struct tsf_clock c = {.offset_us = 1000, .ppb = 0};
	cr_assert_eq(tsf_at(&c, 0), 1000);
	cr_assert_eq(tsf_at(&c, 999), 1000, "floor to 1 us");
	cr_assert_eq(tsf_at(&c, 1000), 1001);
	c.ppb = 20000; /* +20 ppm: 20 us more per second */
	cr_assert_eq(tsf_at(&c, 1000000000), 1000 + 1000000 + 20);
	c.ppb = -20000;
	cr_assert_eq(tsf_at(&c, 1000000000), 1000 + 1000000 - 20);
	/* a day at +100 ppm does not overflow */
	c.ppb = 100000;
	cr_assert_eq(tsf_at(&c, 86400ull * 1000000000), 1000 + 86400ull * 1000100);
	c.ppb = 20000;
	cr_assert_eq(tsf_ns_at(&c, 1000000000), 1000000 + 1000000000 + 20000, "ns behind it");
}
