/* SPDX-License-Identifier: MIT */
/*
 * A per-host TSC transform: how one machine emulates hosts whose TSCs differ (issue 14 item 3).
 *
 *   host TSC = raw + floor(raw x mult / 2^64) + offset      (mod 2^64)
 *
 * mult is the rate term (ppm x 1e-6 x 2^64, |ppm| <= 1000), offset a tick count. The identity
 * (mult 0, offset 0) is the machine's own TSC. Pure integer arithmetic, exact, the same
 * everywhere it is evaluated: vmclockd's counter (the host TSC it calibrates and anchors pages
 * on), tsvmm's offset arithmetic and the freestanding guest payload (which applies the
 * transform tsvmm gives it to its physical rdtsc: the guest's counter). Monotonic in raw.
 * The inline part needs only <stdint.h> (the guest payload includes it); the parser, the
 * counter decorator and the inverse are in lib/counter/xform.c.
 */
#ifndef TSYNC_TSC_XFORM_H
#define TSYNC_TSC_XFORM_H

#include <stdint.h>

struct tsc_xform {
	int64_t mult;    /* rate: (host rate / raw rate - 1) x 2^64 */
	uint64_t offset; /* ticks, added modulo 2^64 */
};

/* Largest |ppm| of a transform (keeps every product inside 128 bits and the rate term
 * inside 64). */
#define TSC_XFORM_MAX_PPM 1000.0

/* The transformed value of raw. */
static inline uint64_t tsc_xform_apply(const struct tsc_xform *x, uint64_t raw)
{
	__int128 d = ((__int128)raw * x->mult) >> 64; /* floor: arithmetic shift */
	return raw + (uint64_t)(int64_t)d + x->offset;
}

#ifndef TSVMM_GUEST_H /* hosted code only below */
#include <stdbool.h>
#include <stddef.h>

struct counter;

/* "OFFSET,PPM" (OFFSET: a signed tick count, decimal or 0x hex; PPM: a decimal rate in ppm,
 * |PPM| <= 1000; ",PPM" may be left out) into x. 0, or -EINVAL with a reason naming the bad
 * part in err (errlen bytes). */
int tsc_xform_parse(const char *s, struct tsc_xform *x, char *err, size_t errlen);
/* The transform's rate in ppm (mult as a double). */
double tsc_xform_ppm(const struct tsc_xform *x);
/* true for the identity. */
bool tsc_xform_is_identity(const struct tsc_xform *x);
/* The inverse, exact to the tick: the largest raw value whose transform is <= host (a host
 * slower than the machine gives some values to two consecutive raw values). */
uint64_t tsc_xform_invert(const struct tsc_xform *x, uint64_t host);
/* Ticks of the transformed counter in d raw ticks (d x (1 + ppm e-6), floor). */
uint64_t tsc_xform_scale(const struct tsc_xform *x, uint64_t d);
/*
 * A counter source whose reads are x applied to inner's (named "tsc-xform", nominal rate
 * inner's x (1 + ppm e-6), 64 bits). It owns inner (destroyed with it; destroyed at once on
 * failure). NULL with errno.
 */
struct counter *counter_xform_create(struct counter *inner, const struct tsc_xform *x);
#endif

#endif
