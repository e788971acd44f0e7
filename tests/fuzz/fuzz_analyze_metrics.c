// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: tsync-analyze's --taus parser (taus_parse) and the stability metrics it
 * drives (analysis/metrics: every deviation, MTIE, noise identification, confidence
 * intervals) on any finite phase series, as cli_load hands them over.
 * Input: a --taus spec line, then the samples as native doubles (non-finite ones dropped, as
 * the readers never deliver them); tau0 is 10^(k - 3) s for the spec's length k mod 7.
 * Properties: accepted factors are ascending, unique and in [1, max_m]; every deviation of a
 * finite series is >= 0 or NaN; a confidence interval brackets its value.
 */
#include <math.h>
#include <string.h>

#include "metrics/metrics.h"
#include "util.h"

#define MAX_SAMPLES 600

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static double x[MAX_SAMPLES];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t sl = nl ? (size_t)(nl - data) : size, n = 0;
	char *spec = fuzz_strndup(data, sl);
	double tau0 = pow(10, (double)(sl % 7) - 3);
	for (size_t o = nl ? sl + 1 : size; o + 8 <= size && n < MAX_SAMPLES; o += 8) {
		memcpy(&x[n], data + o, 8);
		n += isfinite(x[n]);
	}
	for (int k = 0; k < DEV_COUNT; k++) {
		size_t max_m = dev_max_m((enum dev_kind)k, n), *m = NULL, nm = 0;
		if (taus_parse(spec, tau0, max_m, &m, &nm))
			continue;
		for (size_t i = 0; i < nm; i++)
			FUZZ_CHECK(m[i] >= 1 && m[i] <= max_m && (i == 0 || m[i] > m[i - 1]));
		struct dev_point *pts = nm ? calloc(nm, sizeof(*pts)) : NULL;
		if (nm && pts && !dev_compute((enum dev_kind)k, x, n, tau0, m, nm, pts)) {
			for (size_t i = 0; i < nm; i++)
				FUZZ_CHECK(isnan(pts[i].value) || pts[i].value >= 0);
			if (!dev_confidence((enum dev_kind)k, x, n, pts, nm))
				for (size_t i = 0; i < nm; i++)
					FUZZ_CHECK(isnan(pts[i].ci_lo) || isnan(pts[i].value) ||
					           (pts[i].ci_lo <= pts[i].value &&
					            pts[i].value <= pts[i].ci_hi));
		}
		free(pts);
		free(m);
	}
	double *ph = n ? phase_from_freq(x, n, tau0) : NULL;
	free(ph);
	free(spec);
	return 0;
}
