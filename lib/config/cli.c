// SPDX-License-Identifier: MIT
/* Command-line number parsing with errors that name the flag (see tsync/cli.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tsync/cli.h"

/* prog NULL: quiet (for daemons that parse a client's text and answer it themselves) */
static int bad(const char *prog, const char *flag, const char *s, const char *what, int err)
{
	if (!prog)
		return err;
	fprintf(stderr, "%s: bad value '%s' for %s (expected %s)\n", prog, s ? s : "", flag, what);
	return err;
}

int cli_double(const char *prog, const char *flag, const char *s, double lo, double hi, double *out)
{
	char what[96], *end;
	double v;

	snprintf(what, sizeof(what), "a number in [%g, %g]", lo, hi);
	if (!s || !*s)
		return bad(prog, flag, s, what, -EINVAL);
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno == ERANGE || !isfinite(v))
		return bad(prog, flag, s, what, -EINVAL);
	if (v < lo || v > hi)
		return bad(prog, flag, s, what, -ERANGE);
	*out = v;
	return 0;
}

int cli_long(const char *prog, const char *flag, const char *s, long lo, long hi, long *out)
{
	char what[96], *end;
	long v;

	snprintf(what, sizeof(what), "an integer in [%ld, %ld]", lo, hi);
	if (!s || !*s)
		return bad(prog, flag, s, what, -EINVAL);
	errno = 0;
	v = strtol(s, &end, 0);
	if (end == s || *end || errno == ERANGE)
		return bad(prog, flag, s, what, -EINVAL);
	if (v < lo || v > hi)
		return bad(prog, flag, s, what, -ERANGE);
	*out = v;
	return 0;
}

int cli_time(const char *prog, const char *flag, const char *s, tmv_t lo, tmv_t hi, tmv_t *out)
{
	char what[128], a[40], b[40];
	tmv_t v;

	snprintf(what, sizeof(what), "a time in [%s, %s] s, units s|ms|us|ns",
	         tmv_fmt(lo, a, sizeof(a)), tmv_fmt(hi, b, sizeof(b)));
	if (!s || tmv_parse(s, &v))
		return bad(prog, flag, s, what, -EINVAL);
	if (v < lo || v > hi)
		return bad(prog, flag, s, what, -ERANGE);
	*out = v;
	return 0;
}
