// SPDX-License-Identifier: MIT
/* Software packet timestamps onto another timescale (see include/tsync/cmsg_ts.h). */
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "tsync/cmsg_ts.h"
#include "tsync/vclock.h"

/* the 64-bit time forms (asm-generic/socket.h); equal to the old ones on 64-bit hosts */
#ifndef SO_TIMESTAMP_NEW
#define SO_TIMESTAMP_NEW 63
#endif
#ifndef SO_TIMESTAMPNS_NEW
#define SO_TIMESTAMPNS_NEW 64
#endif
#ifndef SO_TIMESTAMPING_NEW
#define SO_TIMESTAMPING_NEW 65
#endif
#ifndef SO_TIMESTAMP_OLD
#define SO_TIMESTAMP_OLD 29
#endif
#ifndef SO_TIMESTAMPNS_OLD
#define SO_TIMESTAMPNS_OLD 35
#endif
#ifndef SO_TIMESTAMPING_OLD
#define SO_TIMESTAMPING_OLD 37
#endif

struct ts64 {
	int64_t sec, frac;
};

/* Map one stamp kept as (sec, frac) with frac in units of `unit` ns; 0 if it was zero. */
static int map_pair(int64_t *sec, int64_t *frac, int64_t unit, cmsg_ts_map_fn map, void *ctx)
{
	tmv_t t, frac_ns;
	if (!*sec && !*frac)
		return 0;
	t = map(ctx, *sec * NS_PER_SEC + *frac * unit);
	frac_ns = t % NS_PER_SEC;
	if (frac_ns < 0)
		frac_ns += NS_PER_SEC;
	*sec = (t - frac_ns) / NS_PER_SEC;
	*frac = frac_ns / unit;
	return 1;
}

enum stamp_kind { K_TIMEVAL, K_TIMESPEC, K_TS64_US, K_TS64_NS };

/* Map the stamp of the given layout at d (possibly unaligned) in place; 1 if it was mapped. */
static int map_stamp_at(unsigned char *d, enum stamp_kind k, cmsg_ts_map_fn map, void *ctx)
{
	struct timeval tv;
	struct timespec ts;
	struct ts64 t;
	int n;
	switch (k) {
	case K_TIMEVAL:
		memcpy(&tv, d, sizeof(tv));
		t = (struct ts64){tv.tv_sec, tv.tv_usec};
		break;
	case K_TIMESPEC:
		memcpy(&ts, d, sizeof(ts));
		t = (struct ts64){ts.tv_sec, ts.tv_nsec};
		break;
	default:
		memcpy(&t, d, sizeof(t));
		break;
	}
	n = map_pair(&t.sec, &t.frac, (k == K_TIMEVAL || k == K_TS64_US) ? NS_PER_US : 1, map, ctx);
	switch (k) {
	case K_TIMEVAL:
		tv.tv_sec = t.sec;
		tv.tv_usec = t.frac;
		memcpy(d, &tv, sizeof(tv));
		break;
	case K_TIMESPEC:
		ts.tv_sec = t.sec;
		ts.tv_nsec = t.frac;
		memcpy(d, &ts, sizeof(ts));
		break;
	default:
		memcpy(d, &t, sizeof(t));
		break;
	}
	return n;
}

static const struct {
	int type;
	enum stamp_kind kind;
	size_t size;
} stamp_types[] = {
        {SO_TIMESTAMP_OLD, K_TIMEVAL, sizeof(struct timeval)},
        {SO_TIMESTAMPNS_OLD, K_TIMESPEC, sizeof(struct timespec)},
        {SO_TIMESTAMPING_OLD, K_TIMESPEC, sizeof(struct timespec)}, /* ts[0]: the software stamp */
        {SO_TIMESTAMP_NEW, K_TS64_US, sizeof(struct ts64)},
        {SO_TIMESTAMPNS_NEW, K_TS64_NS, sizeof(struct ts64)},
        {SO_TIMESTAMPING_NEW, K_TS64_NS, sizeof(struct ts64)},
};

int cmsg_ts_map(struct msghdr *m, cmsg_ts_map_fn map, void *ctx)
{
	int n = 0;
	if (!m->msg_control || m->msg_controllen < sizeof(struct cmsghdr))
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		size_t len = c->cmsg_len >= CMSG_LEN(0) ? c->cmsg_len - CMSG_LEN(0) : 0;
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		for (size_t i = 0; i < sizeof(stamp_types) / sizeof(stamp_types[0]); i++)
			if (stamp_types[i].type == c->cmsg_type && len >= stamp_types[i].size)
				n += map_stamp_at(CMSG_DATA(c), stamp_types[i].kind, map, ctx);
	}
	return n;
}
tmv_t cmsg_ts_vclock_time(const struct tsync_vclock_page *p, tmv_t raw_now, tmv_t rt_now,
                          tmv_t rt_ns)
{
	return vclock_model_eval(p, raw_now + (rt_ns - rt_now));
}
