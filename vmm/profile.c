// SPDX-License-Identifier: MIT
/* tsvmm memory fill profile and size parsing. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profile.h"

#define SUM_SLACK 1e-9

static const char *const kind_names[TSVMM_FILL_KINDS] = {
        [TSVMM_FILL_RANDOM] = "random",
        [TSVMM_FILL_DUP] = "dup",
        [TSVMM_FILL_DISK] = "disk",
        [TSVMM_FILL_ZERO] = "zero",
};

const char *vmm_profile_kind_name(int kind)
{
	return kind >= 0 && kind < TSVMM_FILL_KINDS ? kind_names[kind] : "?";
}

static int kind_of(const char *name, size_t len)
{
	for (int k = 0; k < TSVMM_FILL_KINDS; k++)
		if (strlen(kind_names[k]) == len && !strncmp(kind_names[k], name, len))
			return k;
	return -1;
}

int vmm_profile_parse(const char *s, struct vmm_profile *p, char *err, size_t errlen)
{
	bool seen[TSVMM_FILL_KINDS] = {false};
	memset(p, 0, sizeof(*p));
	if (!s || !*s) {
		snprintf(err, errlen, "empty profile");
		return -EINVAL;
	}
	const char *q = s;
	double sum = 0;
	while (*q) {
		const char *eq = strchr(q, '=');
		const char *end = strchr(q, ',');
		if (!end)
			end = q + strlen(q);
		if (!eq || eq > end) {
			snprintf(err, errlen, "'%.*s' is not kind=fraction", (int)(end - q), q);
			return -EINVAL;
		}
		int k = kind_of(q, (size_t)(eq - q));
		if (k < 0) {
			snprintf(err, errlen, "unknown kind '%.*s' (zero, dup, disk, random)",
			         (int)(eq - q), q);
			return -EINVAL;
		}
		if (seen[k]) {
			snprintf(err, errlen, "kind '%s' given twice", kind_names[k]);
			return -EINVAL;
		}
		char *num_end;
		errno = 0;
		double f = strtod(eq + 1, &num_end);
		if (num_end != end || eq + 1 == end || errno || !isfinite(f) || f < 0 || f > 1) {
			snprintf(err, errlen, "bad fraction '%.*s' for %s (0..1)",
			         (int)(end - eq - 1), eq + 1, kind_names[k]);
			return -EINVAL;
		}
		seen[k] = true;
		p->frac[k] = f;
		sum += f;
		q = *end ? end + 1 : end;
		if (*end && !*q) {
			snprintf(err, errlen, "trailing ','");
			return -EINVAL;
		}
	}
	if (sum > 1 + SUM_SLACK) {
		snprintf(err, errlen, "fractions add up to %.4g, more than 1", sum);
		return -EINVAL;
	}
	if (sum < 1 - SUM_SLACK)
		p->frac[TSVMM_FILL_ZERO] += 1 - sum;
	return 0;
}

void vmm_profile_pages(const struct vmm_profile *p, uint64_t npages, uint64_t out[TSVMM_FILL_KINDS])
{
	uint64_t used = 0;
	for (int k = 0; k < TSVMM_FILL_KINDS; k++) {
		if (k == TSVMM_FILL_ZERO)
			continue;
		out[k] = (uint64_t)floor(p->frac[k] * (double)npages + SUM_SLACK);
		if (out[k] > npages - used)
			out[k] = npages - used;
		used += out[k];
	}
	out[TSVMM_FILL_ZERO] = npages - used;
}

void vmm_profile_format(const struct vmm_profile *p, char *buf, size_t len)
{
	snprintf(buf, len, "zero=%.2f,dup=%.2f,disk=%.2f,random=%.2f", p->frac[TSVMM_FILL_ZERO],
	         p->frac[TSVMM_FILL_DUP], p->frac[TSVMM_FILL_DISK], p->frac[TSVMM_FILL_RANDOM]);
}

int vmm_parse_size(const char *s, uint64_t *bytes)
{
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	unsigned shift = 0;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	case 0:
		break;
	default:
		return -EINVAL;
	}
	if (shift) {
		end++;
		if (!strcasecmp(end, "iB") || !strcasecmp(end, "B"))
			end += strlen(end);
	} else if (!strcasecmp(end, "B")) {
		end++;
	}
	if (*end || (shift && v > (~0ULL >> shift)))
		return -EINVAL;
	*bytes = (uint64_t)v << shift;
	return 0;
}
