// SPDX-License-Identifier: MIT
/* libFuzzer target: tsync-analyze reader for ptp4l / phc2sys logs. */
#include "readers.h"
#include "util.h"

static const char *const cols[] = {NULL, "offset", "freq", "delay", "rms", "max"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_reader(data, size, read_ptp4l, cols, sizeof(cols) / sizeof(cols[0]));
}
