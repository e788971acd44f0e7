// SPDX-License-Identifier: MIT
/* tsvmm storage flim: hot-area scheduling order. */
#include <criterion/criterion.h>
#include <string.h>

#include "migrate/hotarea.h"

Test(vmm_migrate_hotarea, read_hot_first_write_hot_last)
{
	struct hotarea h;
	cr_assert_eq(hotarea_init(&h, 200), 0);
	uint64_t bm[4] = {0}, out[200];
	for (uint64_t b = 0; b < 200; b += 10)
		bm[b / 64] |= 1ULL << (b % 64);
	/* 150 read 9 times, 30 read 3 times, 40 written in 3 fetches, 60 written once */
	h.r[150] = 9;
	h.r[30] = 3;
	hotarea_written(&h, 40, 1);
	hotarea_written(&h, 40, 1);
	hotarea_written(&h, 39, 3);
	hotarea_written(&h, 60, 1);
	h.r[40] = 50; /* write-hot wins over read-hot: it would be sent again */
	uint64_t n = hotarea_order(&h, bm, false, out);
	cr_assert_eq(n, 20);
	cr_assert_eq(out[0], 150);
	cr_assert_eq(out[1], 30);
	cr_assert_eq(out[2], 0);
	cr_assert_eq(out[3], 10);
	cr_assert_eq(out[n - 1], 40, "write-hot last, got %lu", (unsigned long)out[n - 1]);
	for (uint64_t i = 2; i + 2 < n; i++)
		cr_assert_lt(out[i], out[i + 1], "plain blocks in block order");
	for (unsigned w = 0; w < 4; w++)
		cr_assert_eq(bm[w], 0, "every listed block cleared");
	hotarea_free(&h);
}

Test(vmm_migrate_hotarea, skip_write_hot_keeps_them_pending)
{
	struct hotarea h;
	cr_assert_eq(hotarea_init(&h, 64), 0);
	uint64_t bm = 0xf, out[64];
	hotarea_written(&h, 2, 1);
	hotarea_written(&h, 2, 1);
	hotarea_written(&h, 3, 1);
	cr_assert(hotarea_write_hot(&h, 2));
	cr_assert_not(hotarea_write_hot(&h, 3));
	uint64_t n = hotarea_order(&h, &bm, true, out);
	cr_assert_eq(n, 3);
	cr_assert_eq(bm, 1ULL << 2, "the write-hot block stays pending");
	cr_assert_eq(out[0], 0);
	cr_assert_eq(out[2], 3);
	/* counts saturate, blocks past the end are ignored */
	for (unsigned i = 0; i < 70000; i++)
		hotarea_written(&h, 63, 5);
	cr_assert_eq(h.w[63], UINT16_MAX);
	hotarea_free(&h);
}
