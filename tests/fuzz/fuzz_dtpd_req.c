// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: dtpd's control requests (dtpd/dtpd_req.c) on any bytes (NUL-terminated
 * copy). Properties: no read outside the input; a request that parses has a kind and, for a
 * burst, seconds in its range; one that does not says why ("error reason=...").
 */
#include <string.h>

#include "../../dtpd/dtpd_req.c" /* by path: the fuzz build does not archive dtpd/ */
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), err[160];
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = 0;
	struct dtpd_req r;
	int rc = dtpd_req_parse(in, &r, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc == 0) {
		FUZZ_CHECK(r.kind <= DTPD_REQ_TSYNC_BURST);
		if (r.kind == DTPD_REQ_BURST)
			FUZZ_CHECK(r.seconds > 0 && r.seconds <= 3600);
		if (r.kind == DTPD_REQ_TSYNC_BURST)
			FUZZ_CHECK(r.seconds > 0 && r.seconds <= 600 && r.log_sync >= -7 &&
			           r.log_sync <= 4);
	} else {
		FUZZ_CHECK(!strncmp(err, "error reason=", 13));
	}
	free(in);
	return 0;
}
