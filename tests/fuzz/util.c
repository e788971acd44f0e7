// SPDX-License-Identifier: MIT
/* Helpers shared by the libFuzzer targets. */
#include <string.h>

#include "util.h"

FILE *fuzz_fmemopen(const uint8_t *data, size_t size, void **copy)
{
	/* fmemopen needs a buffer even for an empty input */
	*copy = malloc(size ? size : 1);
	if (!*copy)
		return NULL;
	if (size)
		memcpy(*copy, data, size);
	FILE *f = fmemopen(*copy, size, "r");
	if (!f) {
		free(*copy);
		*copy = NULL;
	}
	return f;
}

void fuzz_fclose(FILE *f, void *copy)
{
	if (f)
		fclose(f);
	free(copy);
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

unsigned fuzz_take_byte(const uint8_t **data, size_t *size)
{
	if (!*size)
		return 0;
	unsigned b = **data;
	(*data)++;
	(*size)--;
	return b;
}
