// SPDX-License-Identifier: MIT
/* libFuzzer target: tsync-analyze reader for plain text series ("x" or "t x" per line). */
#include "readers.h"
#include "util.h"

static const char *const cols[] = {NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_reader(data, size, read_text, cols, sizeof(cols) / sizeof(cols[0]));
}
