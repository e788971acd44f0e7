// SPDX-License-Identifier: MIT
/* libFuzzer target: statlog files, through lib/log's reader API directly and through
 * tsync-analyze's statlog reader (analysis/readers/statlog_in.c). */
#include <errno.h>
#include <string.h>

#include "readers.h"
#include "tsync/statlog.h"
#include "util.h"

static const char *const cols[] = {NULL, "offset", "t", "freq", "state"};

/* Every accessor of lib/log's reader; rows into a buffer of n values (n may be too small). */
static void direct(const uint8_t *data, size_t size, size_t n)
{
	struct statlog_error err;
	void *copy;
	FILE *f = fuzz_fmemopen(data, size, &copy);
	if (!f)
		return;
	struct statlog_reader *r = statlog_read_fopen(f, "fuzz", &err);
	if (!r) {
		FUZZ_CHECK(err.msg[0] != '\0');
		fuzz_fclose(f, copy);
		return;
	}
	size_t nc = statlog_ncolumns(r);
	FUZZ_CHECK(nc > 0);
	for (size_t i = 0; i < nc; i++) {
		const char *name = statlog_column_name(r, i);
		FUZZ_CHECK(name && statlog_column_unit(r, i));
		FUZZ_CHECK(statlog_column_index(r, name) == (long)i); /* names are unique */
	}
	FUZZ_CHECK(!statlog_column_name(r, nc));
	for (size_t i = 0; i < statlog_meta_count(r); i++)
		FUZZ_CHECK(statlog_meta_get(r, statlog_meta_key(r, i)) && statlog_meta_value(r, i));
	double *row = malloc((n ? n : 1) * sizeof(*row));
	int rc;
	while (row && (rc = statlog_read_row(r, row, n)) != 0 && rc != -ENOBUFS)
		if (rc < 0)
			FUZZ_CHECK(statlog_read_error(r)[0] != '\0');
	free(row);
	statlog_read_close(r);
	fuzz_fclose(f, copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_reader(data, size, read_statlog, cols, sizeof(cols) / sizeof(cols[0]));
	direct(data, size, size % 32); /* row buffers of 0..31 values: -ENOBUFS too */
	return 0;
}
