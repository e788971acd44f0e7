// SPDX-License-Identifier: MIT
/* NumPy .npy input, memory-mapped (npy.h), and read_npy for the series readers. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readers/npy.h"
#include "readers/reader.h"

static const char magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

bool npy_magic(const void *head, size_t len)
{
	return len >= sizeof(magic) && !memcmp(head, magic, sizeof(magic));
}

/* the value text after 'key': in the header dict h (NUL-terminated), or NULL */
static const char *dict_value(const char *h, const char *key)
{
	char pat[32];
	snprintf(pat, sizeof(pat), "'%s'", key);
	const char *p = strstr(h, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p++ != ':')
		return NULL;
	while (*p == ' ')
		p++;
	return p;
}

static int bad(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -EINVAL;
}

int npy_parse(const void *img, size_t len, struct npy_map *m, char *err, size_t errlen)
{
	const unsigned char *b = img;
	if (!npy_magic(img, len) || len < 10)
		return bad(err, errlen, "not a .npy file (bad magic)");
	unsigned major = b[6];
	size_t hl, off;
	if (major == 1) {
		hl = (size_t)b[8] | (size_t)b[9] << 8;
		off = 10;
	} else if (major == 2 || major == 3) {
		if (len < 12)
			return bad(err, errlen, "truncated .npy header");
		hl = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
		off = 12;
	} else {
		return bad(err, errlen, "unknown .npy format version");
	}
	if (hl > 65536 || off + hl > len)
		return bad(err, errlen, "truncated .npy header");
	char h[65537];
	memcpy(h, b + off, hl);
	h[hl] = '\0';
	off += hl;
	const char *d = dict_value(h, "descr"), *fo = dict_value(h, "fortran_order"),
	           *sh = dict_value(h, "shape");
	if (!d || !fo || !sh)
		return bad(err, errlen, ".npy header without descr, fortran_order or shape");
	if (strncmp(d, "'<f8'", 5))
		return bad(err, errlen, ".npy descr is not '<f8' (little-endian float64)");
	if (strncmp(fo, "False", 5))
		return bad(err, errlen, ".npy data in Fortran order");
	char *end;
	if (*sh++ != '(')
		return bad(err, errlen, "bad .npy shape");
	errno = 0;
	unsigned long long rows = strtoull(sh, &end, 10), cols = 1;
	if (end == sh || errno || *end != ',')
		return bad(err, errlen, ".npy shape is not (N,) or (N, 2)");
	sh = end + 1;
	while (*sh == ' ')
		sh++;
	if (*sh != ')') {
		cols = strtoull(sh, &end, 10);
		while (*end == ' ' || *end == ',')
			end++;
		if (end == sh || cols != 2 || *end != ')')
			return bad(err, errlen, ".npy shape is not (N,) or (N, 2)");
	}
	if ((uintptr_t)(b + off) % sizeof(double))
		return bad(err, errlen, ".npy data not aligned to 8 bytes");
	if (rows > (len - off) / sizeof(double) / cols)
		return bad(err, errlen, "truncated .npy data (shape larger than the file)");
	m->data = (const double *)(const void *)(b + off);
	m->n = (size_t)rows;
	m->cols = (size_t)cols;
	return 0;
}

int npy_map(const char *path, struct npy_map *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		e = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-e));
		if (fd >= 0)
			close(fd);
		return e;
	}
	size_t len = (size_t)st.st_size;
	void *p = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	e = p == MAP_FAILED ? (len ? -errno : -EINVAL) : 0;
	close(fd);
	if (e) {
		snprintf(err, errlen, "%s: %s", path, len ? strerror(-e) : "empty file");
		return e;
	}
	madvise(p, len, MADV_SEQUENTIAL);
	char why[200];
	if ((e = npy_parse(p, len, m, why, sizeof(why)))) {
		snprintf(err, errlen, "%s: %s", path, why);
		munmap(p, len);
		return e;
	}
	m->base = p;
	m->len = len;
	return 0;
}

void npy_unmap(struct npy_map *m)
{
	if (m->base)
		munmap(m->base, m->len);
	memset(m, 0, sizeof(*m));
}

int read_npy(struct reader_ctx *c, struct series *out)
{
	struct npy_map m;
	int e = npy_map(c->path, &m, c->err, sizeof(c->err));
	if (e)
		return e;
	snprintf(out->name, sizeof(out->name), "x");
	snprintf(out->unit, sizeof(out->unit), "s");
	for (size_t i = 0; !e && i < m.n; i++) {
		const double *r = m.data + i * m.cols;
		double x = r[m.cols - 1], t = m.cols == 2 ? r[0] : NAN;
		if (isinf(x) || isinf(t)) {
			char where[32];
			snprintf(where, sizeof(where), "row %zu", i);
			e = reader_bad(c, where, "%s is inf", isinf(x) ? "x" : "t");
			continue;
		}
		if ((e = series_push(out, t, x)))
			reader_fail(c, e, "%s: out of memory", c->path);
	}
	npy_unmap(&m);
	return e;
}
