// SPDX-License-Identifier: MIT
/* libFuzzer target: PTP captures (pcap or pcapng via libpcap from memory) as tsync-analyze
 * reads them: frames -> PTP messages -> matched exchanges (analysis/readers/pcap.c). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "readers/ptp_capture.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct ptp_exchange *ex = NULL;
	size_t n = 0;
	void *copy;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	/* the input is the capture; strict (stop at the first bad packet) when its length is odd */
	struct reader_opts o = {.format = FMT_PCAP, .strict = size % 2, .diag = devnull};
	struct reader_ctx c = {.path = "fuzz", .opts = &o};
	FILE *f = fuzz_fmemopen(data, size, &copy);
	if (!f)
		return 0;
	int err = ptp_capture_read_fp(&c, f, &ex, &n);
	if (!err) {
		for (size_t i = 0; i < n; i++) {
			/* every time went through the range checks: the differences are exact */
			FUZZ_CHECK(ex[i].t1 >= 0 && ex[i].t2 >= 0 && ex[i].t4 >= 0);
			FUZZ_CHECK(ex[i].peer ? isnan(ex[i].offset_ns) : !isnan(ex[i].delay_ns));
		}
		free(ex);
	} else {
		FUZZ_CHECK(err == -ENOMEM || c.err[0] != '\0');
	}
	free(copy); /* the capture closed f */
	return 0;
}
