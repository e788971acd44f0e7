/* SPDX-License-Identifier: MIT */
/* Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c). */
#ifndef TSYNC_FUZZ_UTIL_H
#define TSYNC_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the parser promises (e.g. encode(parse(x)) parses again): abort, so that
 * libFuzzer keeps the input as a crash. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__,        \
			        #cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The input as a read-only stream over an exact-size copy (ASan sees any over-read).
 * *copy is for fuzz_fclose. NULL only when out of memory. */
FILE *fuzz_fmemopen(const uint8_t *data, size_t size, void **copy);
void fuzz_fclose(FILE *f, void *copy);

/* NUL-terminated copy of the input (embedded NULs stay: C strings stop at the first). */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* Take the first byte as a selector (0 when empty) and advance. */
unsigned fuzz_take_byte(const uint8_t **data, size_t *size);

#endif
