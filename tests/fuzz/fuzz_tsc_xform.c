// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the per-host TSC transform (tsync/tsc_xform.h: tsc_xform_parse, the
 * --tsc-transform value of vmclockd and tsvmm), vmclockd's migrate-in tsc_offset= value
 * (vmclock/tsc.c tsc_offset_parse) and the migration stream's TSC record (vmm/vcpu_tsc_rec.c
 * vcpu_tsc_rec_check: the input's first bytes as a struct tsmig_tsc), and the host-side
 * readers' --tsc-transform/--tsc-offset pair (tsync/vmclock_counter.h).
 * Properties: a transform that parses has |ppm| <= TSC_XFORM_MAX_PPM, is monotonic and
 * inverts exactly (to the largest raw value that gives a transformed one); a refusal says why; a record check that fails names what was wrong.
 */
#include <stdlib.h>
#include <string.h>

#include "tsc.h"
#include "tsync/tsc_xform.h"
#include "tsync/vmclock_counter.h"
#include "util.h"
#include "vcpu_tsc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct tsmig_tsc rec;
	if (size >= sizeof(rec)) {
		memcpy(&rec, data, sizeof(rec));
		err[0] = '\0';
		if (vcpu_tsc_rec_check(&rec, err, sizeof(err)))
			FUZZ_CHECK(!strncmp(err, "TSC record: ", 12));
	}
	char *s = fuzz_strndup(data, size);
	if (!s)
		return 0;
	struct tsc_xform x;
	err[0] = '\0';
	if (tsc_xform_parse(s, &x, err, sizeof(err)) == 0) {
		FUZZ_CHECK(tsc_xform_ppm(&x) <= TSC_XFORM_MAX_PPM + 1e-6 &&
		           tsc_xform_ppm(&x) >= -TSC_XFORM_MAX_PPM - 1e-6);
		const uint64_t raws[] = {0, 1, 82670131100026ULL, 1ULL << 62};
		for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++) {
			uint64_t h = tsc_xform_apply(&x, raws[i]);
			FUZZ_CHECK(tsc_xform_apply(&x, raws[i] + 1) - h <= 2);
			/* the largest raw with that value (a slower host repeats values) */
			uint64_t r = tsc_xform_invert(&x, h);
			FUZZ_CHECK(tsc_xform_apply(&x, r) == h && r - raws[i] <= 1);
		}
	} else {
		FUZZ_CHECK(err[0] != '\0');
	}
	uint64_t off;
	(void)tsc_offset_parse(s, &off);
	/* the readers' options: the input as the offset, then as both (a refusal names which) */
	for (int both = 0; both < 2; both++) {
		err[0] = '\0';
		if (vmclock_counter_parse(both ? s : NULL, s, &x, err, sizeof(err)))
			FUZZ_CHECK(!strncmp(err, "--tsc-", 6));
		else if (!both)
			FUZZ_CHECK(x.mult == 0);
	}
	free(s);
	return 0;
}
