// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: dtpd's frame trailer (dtpd/dtpd_ext.c, layout include/uapi/dtpd.h) on any
 * bytes. Properties: no read outside the input; a decoded bound is -1 or within
 * DTPD_BOUND_MAX; the long block only with its flags and a long enough frame; a burst request
 * only with its flag, a frame of DTPD_EXT_BURST_END and its duration and hops in range (else
 * -EDOM or -EINVAL); what decodes re-encodes to the same tag, version and bound and decodes
 * again to the same trailer.
 */
#include <string.h>

#include "../../dtpd/dtpd_ext.c" /* by path: the fuzz build does not archive dtpd/ */
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *in = malloc(size ? size : 1), out[DTPD_EXT_BURST_END];
	if (!in)
		return 0;
	memcpy(in, data, size); /* exact size: ASan sees any over-read */
	struct dtpd_ext x, y;
	int rc = dtpd_ext_decode(in, size, &x);
	FUZZ_CHECK(rc == 0 || rc == -ENOENT || rc == -ERANGE || rc == -EINVAL || rc == -EDOM);
	if (rc == 0) {
		FUZZ_CHECK(x.bound_ns == -1 ||
		           (x.bound_ns >= 0 && (uint64_t)x.bound_ns <= DTPD_BOUND_MAX));
		FUZZ_CHECK(x.has_corr || x.corr_ns == 0);
		FUZZ_CHECK(x.has_prev || (x.prev_tx_ts == 0 && x.prev_err_ns == 0));
		FUZZ_CHECK(x.has_peer || x.peer_x_ns == 0);
		FUZZ_CHECK(x.has_burst
		                   ? size >= DTPD_EXT_BURST_END && x.burst_ms >= 1 &&
		                             x.burst_ms <= DTPD_BURST_MS_MAX && x.burst_hops >= 1 &&
		                             x.burst_hops <= DTPD_BURST_HOPS
		                   : x.burst_ms == 0 && x.burst_hops == 0);
		FUZZ_CHECK(dtpd_ext_encode(out, sizeof(out), &x) ==
		           (x.has_burst                ? DTPD_EXT_BURST_END
		            : x.has_prev || x.has_peer ? DTPD_EXT_LONG_END
		                                       : DTPD_EXT_END));
		FUZZ_CHECK(memcmp(out + 44, in + 44, 3) == 0 && memcmp(out + 48, in + 48, 8) == 0);
		FUZZ_CHECK(dtpd_ext_decode(out, sizeof(out), &y) == 0 && y.bound_ns == x.bound_ns &&
		           y.has_corr == x.has_corr && y.corr_ns == x.corr_ns &&
		           y.has_prev == x.has_prev && y.prev_tx_ts == x.prev_tx_ts &&
		           y.prev_err_ns == x.prev_err_ns && y.has_peer == x.has_peer &&
		           y.peer_x_ns == x.peer_x_ns && y.has_burst == x.has_burst &&
		           y.burst_ms == x.burst_ms && y.burst_hops == x.burst_hops);
	}
	free(in);
	return 0;
}
