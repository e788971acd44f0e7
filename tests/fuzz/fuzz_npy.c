// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: tsync-analyze's .npy header parser (npy_parse), the binary input.
 * Input: the file image. Property: an accepted image's data (n rows of 1 or 2 doubles) lies
 * inside the image and is 8-byte aligned; every double in it can be read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "readers/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an aligned copy, as mmap gives */
	void *img = aligned_alloc(64, (size / 64 + 1) * 64); /* a multiple of 64 */
	struct npy_map m;
	char err[128];
	if (!img)
		return 0;
	memcpy(img, data, size);
	if (npy_parse(img, size, &m, err, sizeof(err)) == 0) {
		const unsigned char *p = (const unsigned char *)m.data;
		if (p < (const unsigned char *)img || (uintptr_t)p % 8 ||
		    p + m.n * m.cols * sizeof(double) > (const unsigned char *)img + size)
			abort();
		double acc = 0;
		for (size_t i = 0; i < m.n * m.cols; i++)
			acc += m.data[i];
		(void)acc;
	}
	free(img);
	return 0;
}
