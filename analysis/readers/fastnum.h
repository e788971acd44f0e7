/* SPDX-License-Identifier: MIT */
/*
 * A fast decimal to double parser that gives exactly strtod's double (correctly rounded).
 *
 * Fast path: [+-]digits[.digits][(e|E)[+-]digits] with at most 19 significant digits and a
 * decimal exponent in [-54, 54]. The digits are an exact 64-bit integer; it is scaled by exact
 * powers of ten (10^k <= 10^27 is exact in x87 long double) with at most two long double
 * roundings, so the result is within 3 long double ulps of the true value. Rounding that to
 * double is then decided by the 11 extra bits: unless they lie within 4 of the halfway
 * pattern (0x400), no value within the error bound rounds differently and the double is
 * exact strtod's. Everything else (longer mantissas, big exponents, hex, inf, nan, near-ties,
 * values that are not normal doubles) goes to strtod itself.
 */
#ifndef TSYNC_ANALYSIS_FASTNUM_H
#define TSYNC_ANALYSIS_FASTNUM_H

#include <stddef.h>

/*
 * Parse the whole token s[0..len-1] (no surrounding blanks). Returns 0 with *v set,
 * -EINVAL (not a number, trailing junk, or out of double's range: strtod's ERANGE overflow
 * and underflow to 0 or a subnormal), -EDOM (nan or inf text).
 */
int fastnum_parse(const char *s, size_t len, double *v);

#endif
