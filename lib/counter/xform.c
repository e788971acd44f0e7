// SPDX-License-Identifier: MIT
/* The per-host TSC transform (include/tsync/tsc_xform.h): parser, inverse, counter decorator. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counter_private.h"
#include "tsync/tsc_xform.h"

int tsc_xform_parse(const char *s, struct tsc_xform *x, char *err, size_t errlen)
{
	char *end;
	if (!s || !*s) {
		snprintf(err, errlen, "empty TSC transform (want OFFSET,PPM)");
		return -EINVAL;
	}
	errno = 0;
	long long off = strtoll(s, &end, 0);
	if (end == s || errno || (*end && *end != ',')) {
		snprintf(err, errlen,
		         "TSC transform '%s': OFFSET is not a tick count (want OFFSET,PPM)", s);
		return -EINVAL;
	}
	double ppm = 0;
	if (*end == ',') {
		const char *p = end + 1;
		errno = 0;
		ppm = strtod(p, &end);
		if (end == p || errno || *end || !isfinite(ppm)) {
			snprintf(err, errlen, "TSC transform '%s': PPM '%s' is not a number", s, p);
			return -EINVAL;
		}
		if (fabs(ppm) > TSC_XFORM_MAX_PPM) {
			snprintf(err, errlen, "TSC transform '%s': |PPM| above %.0f", s,
			         TSC_XFORM_MAX_PPM);
			return -EINVAL;
		}
	}
	x->offset = (uint64_t)off;
	x->mult = (int64_t)llround(ldexp(ppm * 1e-6, 64));
	return 0;
}

double tsc_xform_ppm(const struct tsc_xform *x)
{
	return ldexp((double)x->mult, -64) * 1e6;
}

bool tsc_xform_is_identity(const struct tsc_xform *x)
{
	return x->mult == 0 && x->offset == 0;
}

uint64_t tsc_xform_scale(const struct tsc_xform *x, uint64_t d)
{
	struct tsc_xform rate = {.mult = x->mult};
	return tsc_xform_apply(&rate, d);
}

uint64_t tsc_xform_invert(const struct tsc_xform *x, uint64_t host)
{
	/* Newton on a slope within 1e-3 of 1: each step divides the error by >= 1000 */
	uint64_t r = host - x->offset;
	for (int i = 0; i < 8; i++) {
		int64_t e = (int64_t)(tsc_xform_apply(x, r) - host);
		if (e == 0)
			break;
		r -= (uint64_t)e;
	}
	while ((int64_t)(tsc_xform_apply(x, r) - host) > 0)
		r--;
	while ((int64_t)(tsc_xform_apply(x, r + 1) - host) <= 0)
		r++;
	return r;
}

struct xform_counter {
	struct counter c;
	struct counter *inner;
	struct tsc_xform x;
};

static uint64_t xf_read(struct counter *c)
{
	struct xform_counter *f = container_of(c, struct xform_counter, c);
	return tsc_xform_apply(&f->x, counter_read(f->inner));
}

static double xf_nominal_hz(const struct counter *c)
{
	const struct xform_counter *f = container_of(c, const struct xform_counter, c);
	return counter_nominal_hz(f->inner) * (1 + tsc_xform_ppm(&f->x) * 1e-6);
}

static const char *xf_name(const struct counter *c)
{
	(void)c;
	return "tsc-xform";
}

static void xf_destroy(struct counter *c)
{
	struct xform_counter *f = container_of(c, struct xform_counter, c);
	counter_destroy(f->inner);
	free(f);
}

static const struct counter_ops xf_ops = {
        .read = xf_read, .nominal_hz = xf_nominal_hz, .name = xf_name, .destroy = xf_destroy};

struct counter *counter_xform_create(struct counter *inner, const struct tsc_xform *x)
{
	if (!inner || counter_width(inner) != 64 || fabs(tsc_xform_ppm(x)) > TSC_XFORM_MAX_PPM) {
		counter_destroy(inner);
		errno = EINVAL;
		return NULL;
	}
	struct xform_counter *f = calloc(1, sizeof(*f));
	if (!f) {
		counter_destroy(inner);
		return NULL;
	}
	f->c.ops = &xf_ops;
	f->c.width = 64;
	f->inner = inner;
	f->x = *x;
	return &f->c;
}
