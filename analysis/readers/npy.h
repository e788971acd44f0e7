/* SPDX-License-Identifier: MIT */
/*
 * The binary input: a NumPy .npy file (format versions 1.0, 2.0 and 3.0, as numpy.save
 * writes it; https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 *   "\x93NUMPY", major, minor, header length (uint16 LE for v1, uint32 LE for v2/v3),
 *   an ASCII dict {'descr': '<f8', 'fortran_order': False, 'shape': (N,), } padded with
 *   blanks and '\n', then N little-endian IEEE doubles (x), or N rows of 2 doubles (t, x)
 *   for shape (N, 2). Only '<f8' (float64, little-endian) in C order is accepted.
 * The file is memory-mapped, never read into the heap: x of a (N,) file is the mapping itself
 * (numpy aligns the data to 16 or 64 bytes), so 1e9 points cost the page cache, not malloc.
 */
#ifndef TSYNC_ANALYSIS_NPY_H
#define TSYNC_ANALYSIS_NPY_H

#include <stdbool.h>
#include <stddef.h>

struct npy_map {
	const double *data; /* n * cols doubles, row-major */
	size_t n;           /* rows (samples) */
	size_t cols;        /* 1: x; 2: t, x */
	void *base;         /* the mapping (for munmap) */
	size_t len;
};

/* True if the first bytes are the .npy magic. */
bool npy_magic(const void *head, size_t len);

/* Parse the header of a .npy image of len bytes: 0 with m->data/n/cols set (base/len not), or
 * -EINVAL with err filled ("bad magic", "descr '>f4' is not '<f8'", "truncated data", ...). */
int npy_parse(const void *img, size_t len, struct npy_map *m, char *err, size_t errlen);

/* Map path read-only and parse it: 0, -errno (open/mmap) or -EINVAL, err filled. */
int npy_map(const char *path, struct npy_map *m, char *err, size_t errlen);
void npy_unmap(struct npy_map *m);

#endif
