/* SPDX-License-Identifier: MIT */
/* One body for the text-format reader targets (text, statlog, ptp4l, chrony). */
#ifndef TSYNC_FUZZ_READERS_H
#define TSYNC_FUZZ_READERS_H

#include <stdint.h>

#include "readers/reader.h"

typedef int (*fuzz_reader_fn)(struct reader_ctx *c, FILE *f, struct series *out);

/* The input is the file. The column (cols[size % ncols]; NULL: the reader's default) and the
 * strict flag ((size / ncols) odd) come from its length. Diagnostics go to /dev/null. */
int fuzz_reader(const uint8_t *data, size_t size, fuzz_reader_fn fn, const char *const *cols,
                unsigned ncols);

#endif
