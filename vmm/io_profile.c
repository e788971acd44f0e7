// SPDX-License-Identifier: MIT
/* tsvmm guest disk I/O workload profile. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_profile.h"
#include "profile.h"

static void defaults(struct vmm_io_profile *p)
{
	*p = (struct vmm_io_profile){
	        .write_hot = 0.1, .write_share = 0.9, .read_hot = 0.2, .read_share = 0.8};
}

static double *frac_field(struct vmm_io_profile *p, const char *k, size_t n)
{
	static const char *const names[] = {"write-hot", "write-share", "read-hot", "read-share"};
	double *f[] = {&p->write_hot, &p->write_share, &p->read_hot, &p->read_share};
	for (size_t i = 0; i < 4; i++)
		if (strlen(names[i]) == n && !strncmp(names[i], k, n))
			return f[i];
	return NULL;
}

static int set_one(struct vmm_io_profile *p, const char *k, size_t kn, const char *v, size_t vn,
                   char *err, size_t errlen)
{
	char val[32];
	if (vn == 0 || vn >= sizeof(val)) {
		snprintf(err, errlen, "bad value for %.*s", (int)kn, k);
		return -EINVAL;
	}
	memcpy(val, v, vn);
	val[vn] = 0;
	uint64_t *rate = kn == 5 && !strncmp(k, "write", 5)  ? &p->write_bps
	                 : kn == 4 && !strncmp(k, "read", 4) ? &p->read_bps
	                                                     : NULL;
	if (kn == 5 && !strncmp(k, "cache", 5)) {
		char *end;
		errno = 0;
		unsigned long ms = strtoul(val, &end, 10);
		if (*end || errno || val[0] == '-' || ms > 60000) {
			snprintf(err, errlen, "bad cache '%s' (writeback delay, ms, 0 .. 60000)",
			         val);
			return -EINVAL;
		}
		p->cache_ms = (uint32_t)ms;
		return 0;
	}
	if (rate) {
		if (vmm_parse_size(val, rate) || (*rate && *rate < TSVMM_PAGE_SIZE)) {
			snprintf(err, errlen, "bad rate '%s' for %.*s (bytes/s, 0 or >= 4K)", val,
			         (int)kn, k);
			return -EINVAL;
		}
		return 0;
	}
	double *f = frac_field(p, k, kn);
	if (!f) {
		snprintf(err, errlen,
		         "unknown key '%.*s' (write, read, write-hot, write-share, read-hot, "
		         "read-share, cache)",
		         (int)kn, k);
		return -EINVAL;
	}
	char *end;
	errno = 0;
	*f = strtod(val, &end);
	if (*end || errno || !isfinite(*f) || *f < 0 || *f > 1) {
		snprintf(err, errlen, "bad fraction '%s' for %.*s (0..1)", val, (int)kn, k);
		return -EINVAL;
	}
	return 0;
}

int vmm_io_parse(const char *s, struct vmm_io_profile *p, char *err, size_t errlen)
{
	defaults(p);
	if (s && !strcmp(s, "off")) {
		p->write_bps = p->read_bps = 0;
		return 0;
	}
	if (!s || !*s) {
		snprintf(err, errlen, "empty I/O profile");
		return -EINVAL;
	}
	for (const char *q = s;;) {
		const char *end = q + strcspn(q, ",");
		const char *eq = memchr(q, '=', (size_t)(end - q));
		if (!eq) {
			snprintf(err, errlen, "'%.*s' is not key=value", (int)(end - q), q);
			return -EINVAL;
		}
		int r = set_one(p, q, (size_t)(eq - q), eq + 1, (size_t)(end - eq - 1), err,
		                errlen);
		if (r)
			return r;
		if (!*end)
			break;
		q = end + 1;
	}
	if ((p->write_bps && p->write_hot == 0 && p->write_share > 0) ||
	    (p->read_bps && p->read_hot == 0 && p->read_share > 0)) {
		snprintf(err, errlen, "a hot set of size 0 cannot take a share of the I/O");
		return -EINVAL;
	}
	return 0;
}

static uint32_t ppm(double f)
{
	return (uint32_t)lround(f * 1e6);
}

void vmm_io_boot(const struct vmm_io_profile *p, struct tsvmm_boot_params *bp)
{
	bp->io_write_bps = p->write_bps;
	bp->io_read_bps = p->read_bps;
	bp->io_write_hot_ppm = ppm(p->write_hot);
	bp->io_write_share_ppm = ppm(p->write_share);
	bp->io_read_hot_ppm = ppm(p->read_hot);
	bp->io_read_share_ppm = ppm(p->read_share);
	bp->io_cache_ms = p->cache_ms;
}

void vmm_io_format(const struct vmm_io_profile *p, char *buf, size_t len)
{
	int n = snprintf(buf, len,
	                 "write=%llu,read=%llu,write-hot=%.2f,write-share=%.2f,read-hot=%.2f,"
	                 "read-share=%.2f",
	                 (unsigned long long)p->write_bps, (unsigned long long)p->read_bps,
	                 p->write_hot, p->write_share, p->read_hot, p->read_share);
	if (p->cache_ms && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ",cache=%u", p->cache_ms);
}
