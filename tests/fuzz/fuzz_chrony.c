// SPDX-License-Identifier: MIT
/* libFuzzer target: tsync-analyze reader for chrony measurements/statistics/tracking/refclocks logs. */
#include "readers.h"
#include "util.h"

static const char *const cols[] = {NULL, "offset", "delay", "freq"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_reader(data, size, read_chrony, cols, sizeof(cols) / sizeof(cols[0]));
}
