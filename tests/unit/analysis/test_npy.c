// SPDX-License-Identifier: MIT
/* The .npy binary input: header parsing, (N,) and (N, 2) files, the mapped zero-copy view,
 * and rejection of what is not little-endian float64 in C order or is cut short. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "readers/npy.h"
#include "readers/reader.h"

/* an .npy v1.0 image as numpy.save writes it: header padded so the data starts at 128 */
static size_t mk(unsigned char *buf, const char *dict, const double *v, size_t nv)
{
	size_t hl = 128 - 10;
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (unsigned char)hl;
	buf[9] = 0;
	memset(buf + 10, ' ', hl);
	memcpy(buf + 10, dict, strlen(dict));
	buf[10 + hl - 1] = '\n';
	memcpy(buf + 128, v, nv * sizeof(*v));
	return 128 + nv * sizeof(*v);
}

static _Alignas(64) unsigned char img[4096];

Test(analysis_npy, vector_and_two_columns)
{
	double v[6] = {1e-9, -2e-9, 3.5e-9, 1, 2, 3}, tx[6] = {0, 1e-9, 1, 2e-9, 2, 3e-9};
	struct npy_map m;
	char err[128];
	size_t len = mk(img, "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", v, 6);
	cr_assert_eq(npy_parse(img, len, &m, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(m.n, 6);
	cr_expect_eq(m.cols, 1);
	cr_expect_eq(m.data[2], 3.5e-9);
	cr_expect_eq((const void *)m.data, (const void *)(img + 128)); /* in place, no copy */
	len = mk(img, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", tx, 6);
	cr_assert_eq(npy_parse(img, len, &m, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(m.n, 3);
	cr_expect_eq(m.cols, 2);
	cr_expect_eq(m.data[5], 3e-9);
}

Test(analysis_npy, rejects_other_layouts_and_truncation)
{
	static const char *const bad[] = {
	        "{'descr': '>f8', 'fortran_order': False, 'shape': (4,), }",
	        "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
	        "{'descr': '<f8', 'fortran_order': True, 'shape': (4,), }",
	        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
	        "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", /* 5 > 4 stored */
	        "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }",
	        "{'descr': '<f8', 'fortran_order': False, }",
	        "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
	};
	double v[4] = {1, 2, 3, 4};
	struct npy_map m;
	char err[128];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = mk(img, bad[i], v, 4);
		cr_expect_eq(npy_parse(img, len, &m, err, sizeof(err)), -EINVAL, "%s", bad[i]);
	}
	size_t len = mk(img, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", v, 4);
	for (size_t cut = 0; cut < 128; cut++) /* every cut inside the header */
		cr_expect_eq(npy_parse(img, cut, &m, err, sizeof(err)), -EINVAL, "cut %zu", cut);
	cr_expect_eq(npy_parse(img, len - 1, &m, err, sizeof(err)), -EINVAL);
	img[0] = 'x';
	cr_expect_eq(npy_parse(img, len, &m, err, sizeof(err)), -EINVAL);
}

Test(analysis_npy, reader_detects_and_maps_a_file)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/tsync-ut-npy-%d.npy", getpid());
	double v[5] = {1e-9, INFINITY, NAN, -4e-9, 5e-9};
	size_t len = mk(img, "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", v, 5);
	FILE *f = fopen(path, "wb");
	fwrite(img, 1, len, f);
	fclose(f);
	cr_expect_eq(reader_detect(path), FMT_NPY);
	struct npy_map m;
	char err[300];
	cr_assert_eq(npy_map(path, &m, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(m.n, 5);
	cr_expect_eq(m.data[3], -4e-9);
	npy_unmap(&m);
	/* the series reader: inf is a malformed row (skipped), nan a missing sample */
	struct series s;
	char diag[512] = "";
	FILE *d = fmemopen(diag, sizeof(diag), "w");
	struct reader_opts o = {.format = FMT_AUTO, .diag = d};
	memset(&s, 0, sizeof(s));
	cr_assert_eq(reader_read(path, &o, &s, err, sizeof(err)), 0, "%s", err);
	fclose(d);
	cr_expect_eq(s.n, 4);
	cr_expect(isnan(s.x[1]));
	cr_expect_eq(s.x[3], 5e-9);
	cr_expect(strstr(diag, "row 1: x is inf"), "%s", diag);
	series_free(&s);
	o.strict = true;
	cr_expect_eq(reader_read(path, &o, &s, err, sizeof(err)), -EINVAL);
	unlink(path);
	cr_expect_eq(npy_map(path, &m, err, sizeof(err)), -ENOENT);
}
