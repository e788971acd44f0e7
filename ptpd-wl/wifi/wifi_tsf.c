// SPDX-License-Identifier: MIT
/* The station's TSF against CLOCK_REALTIME (wifi_tsf.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tsync/net.h"
#include "wifi_tsf.h"

static int64_t sys_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A decimal integer filling all of val in [lo, hi]. */
static int num(const char *val, long long lo, long long hi, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(val, &end, 10);
	if (end == val || *end || errno || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

int wifi_tsf_info_parse(const char *text, uint8_t mac[6], uint64_t *offset_us, int32_t *ppb,
                        int64_t *t0_ns, const char **why)
{
	unsigned seen = 0;
	const char *p = text;
	while (*p) {
		char key[32], val[64];
		long long v = 0;
		int n = 0;
		if (sscanf(p, "%31s %63s%n", key, val, &n) != 2) {
			*why = "a line is not 'key value'";
			return -EINVAL;
		}
		if (!strcmp(key, "mac")) {
			if (net_mac_parse(val, mac)) {
				*why = "bad mac (expected aa:bb:cc:dd:ee:ff)";
				return -EINVAL;
			}
			seen |= 1;
		} else if (!strcmp(key, "tsf_offset_us")) {
			if (num(val, 0, INT64_MAX, &v)) {
				*why = "bad tsf_offset_us (expected 0..2^63-1)";
				return -EINVAL;
			}
			*offset_us = (uint64_t)v;
			seen |= 2;
		} else if (!strcmp(key, "tsf_ppb")) {
			if (num(val, -1000000, 1000000, &v)) {
				*why = "bad tsf_ppb (expected -1000000..1000000)";
				return -EINVAL;
			}
			*ppb = (int32_t)v;
			seen |= 4;
		} else if (!strcmp(key, "t0_ns")) {
			if (num(val, 0, INT64_MAX, &v)) {
				*why = "bad t0_ns (expected 0..2^63-1)";
				return -EINVAL;
			}
			*t0_ns = v;
			seen |= 8;
		} else {
			*why = "unknown key (expected mac, tsf_offset_us, tsf_ppb, t0_ns)";
			return -EINVAL;
		}
		p += n;
		while (*p == '\n' || *p == ' ' || *p == '\t')
			p++;
	}
	if (seen != 15) {
		*why = "missing key (mac, tsf_offset_us, tsf_ppb and t0_ns are needed)";
		return -EINVAL;
	}
	return 0;
}

int wifi_tsf_open_emulated(struct wifi_tsf *t, const char *info_path, uint8_t mac[6], char *err,
                           unsigned long errlen)
{
	char text[512];
	const char *why = NULL;
	memset(t, 0, sizeof(*t));
	FILE *f = fopen(info_path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", info_path, strerror(errno));
		return -errno;
	}
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	if (wifi_tsf_info_parse(text, mac, &t->offset_us, &t->ppb, &t->t0_ns, &why)) {
		snprintf(err, errlen, "%s: %s", info_path, why);
		return -EINVAL;
	}
	t->emulated = true;
	counter_rate_init(&t->rate, 64, 1000.0, 10, 500e-6);
	return 0;
}

int wifi_tsf_open_debugfs(struct wifi_tsf *t, const char *iface, const char *path, char *err,
                          unsigned long errlen)
{
	memset(t, 0, sizeof(*t));
	if (path && *path) {
		snprintf(t->path, sizeof(t->path), "%s", path);
	} else {
		char pp[128], phy[32] = "";
		snprintf(pp, sizeof(pp), "/sys/class/net/%s/phy80211/name", iface);
		FILE *f = fopen(pp, "r");
		if (!f || !fgets(phy, sizeof(phy), f)) {
			snprintf(err, errlen, "%s: not an 802.11 interface (%s unreadable)", iface,
			         pp);
			if (f)
				fclose(f);
			return -ENODEV;
		}
		fclose(f);
		phy[strcspn(phy, "\n")] = 0;
		snprintf(t->path, sizeof(t->path), "/sys/kernel/debug/ieee80211/%s/netdev:%s/tsf",
		         phy, iface);
	}
	counter_rate_init(&t->rate, 64, 1000.0, 10, 500e-6);
	uint64_t v;
	int e = wifi_tsf_read(t, &v);
	if (e)
		snprintf(err, errlen,
		         "%s: cannot read the TSF (%s; debugfs mounted, driver with get_tsf?)",
		         t->path, strerror(-e));
	return e;
}

int wifi_tsf_read(struct wifi_tsf *t, uint64_t *tsf)
{
	if (t->emulated) {
		int64_t d = sys_ns() - t->t0_ns;
		__int128 ns =
		        (__int128)(d > 0 ? d : 0) * (1000000000 + (__int128)t->ppb) / 1000000000;
		*tsf = (t->offset_us * 1000 + (uint64_t)ns) / 1000;
		return 0;
	}
	char buf[40];
	int fd = open(t->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = 0;
	char *end;
	errno = 0;
	*tsf = strtoull(buf, &end, 16);
	return errno || end == buf ? -EIO : 0;
}

int wifi_tsf_track(struct wifi_tsf *t, bool force)
{
	int64_t now = sys_ns();
	if (!force && t->pairs && now - t->last_pair_ns < WIFI_TSF_PAIR_NS)
		return 0;
	struct counter_pair best = {0};
	bool have = false;
	for (int i = 0; i < 5; i++) { /* best of 5: the narrowest window */
		uint64_t a, b;
		int e;
		if ((e = wifi_tsf_read(t, &a)))
			return e;
		int64_t c = sys_ns();
		if ((e = wifi_tsf_read(t, &b)))
			return e;
		if (b < a)
			continue;
		struct counter_pair p = {
		        .counter = a + (b - a) / 2, .time_ns = c, .window_ticks = b - a};
		if (!have || p.window_ticks < best.window_ticks)
			best = p;
		have = true;
	}
	if (!have)
		return -EAGAIN;
	counter_rate_add(&t->rate, &best);
	t->last_pair_ns = now;
	t->pairs++;
	return 0;
}

int wifi_tsf_to_sys(const struct wifi_tsf *t, uint64_t tsft, int64_t *ns)
{
	const struct counter_rate *r = &t->rate;
	double npt = 1000.0, rel;
	if (!r->n)
		return -EAGAIN;
	if (r->n >= 2 && counter_rate_get(r, &npt, &rel))
		npt = 1000.0;
	/* the offset at the newest pair: the mean over the baseline of each pair's offset */
	const struct counter_pair *ref = &r->ring[r->head];
	double sum = 0;
	for (unsigned i = 0; i < r->n; i++) {
		const struct counter_pair *p =
		        &r->ring[(r->head + COUNTER_RATE_RING - i) % COUNTER_RATE_RING];
		sum += (double)(p->time_ns - ref->time_ns) -
		       (double)(int64_t)(p->counter - ref->counter) * npt;
	}
	double off = sum / r->n;
	*ns = ref->time_ns + (int64_t)(off + (double)(int64_t)(tsft - ref->counter) * npt);
	return 0;
}
