// SPDX-License-Identifier: MIT
/* The text-format reader targets: read, then the summary statistics tsync-analyze prints. */
#include <string.h>

#include "metrics/metrics.h"
#include "readers.h"
#include "util.h"

static FILE *devnull(void)
{
	static FILE *f;
	if (!f && !(f = fopen("/dev/null", "w")))
		abort();
	return f;
}

/* What tsync-analyze stats does with a series (reader.h: NaN samples dropped). */
static void summarise(const struct series *s)
{
	double *x, *t;
	size_t n;
	struct basic_stats st;
	struct histogram h;
	if (series_finite(s, &x, &t, &n))
		return;
	if (n && !stats_compute(x, n, &st))
		FUZZ_CHECK(n == 0 || st.min <= st.max);
	if (n && !histogram_compute(x, n, 16, &h))
		histogram_free(&h);
	free(x);
	free(t);
}

int fuzz_reader(const uint8_t *data, size_t size, fuzz_reader_fn fn, const char *const *cols,
                unsigned ncols)
{
	/* options from the length, so that real files are seeds as they are */
	struct reader_opts o = {
	        .format = FMT_AUTO,
	        .column = cols[size % ncols],
	        .strict = (size / ncols) % 2,
	        .diag = devnull(),
	};
	struct reader_ctx c = {.path = "fuzz", .opts = &o};
	struct series s;
	void *copy;
	memset(&s, 0, sizeof(s));
	FILE *f = fuzz_fmemopen(data, size, &copy);
	if (!f)
		return 0;
	int err = fn(&c, f, &s);
	if (!err)
		summarise(&s);
	series_free(&s);
	fuzz_fclose(f, copy);
	return 0;
}
