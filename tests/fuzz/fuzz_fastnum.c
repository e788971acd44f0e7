// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: tsync-analyze's number parser (fastnum_parse) against strtod.
 * Input: one token (any bytes). Property: the same verdict as strtod on the whole token
 * (a number, not a number or out of range, nan/inf) and, for a number, the same double bit
 * for bit.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "readers/fastnum.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);
	double a = 0, b;
	char *end;
	int ra = fastnum_parse((const char *)data, size, &a);
	errno = 0;
	b = strtod(s, &end);
	int rb = end == s || end != s + size || errno == ERANGE ? -EINVAL : isfinite(b) ? 0 : -EDOM;
	if (ra != rb || (ra == 0 && memcmp(&a, &b, sizeof(a))))
		abort();
	free(s);
	return 0;
}
