// SPDX-License-Identifier: MIT
/* Which stamp a DPDK port's frame gets (dtpd_stamp.h). */
#include "dtpd_stamp.h"

bool dtpd_stamper_init(struct dtpd_stamper *s, const struct dtpd_timesync_ops *ops, void *dev,
                       unsigned tx_tries)
{
	*s = (struct dtpd_stamper){.ops = ops, .dev = dev, .tx_tries = tx_tries ? tx_tries : 1};
	s->nic = ops && ops->enable && ops->enable(dev) == 0;
	return s->nic;
}

static struct tsync_ts nic_ts(const struct timespec *ts)
{
	return tsync_ts_make(TS_SRC_NIC, (tmv_t)ts->tv_sec * 1000000000 + ts->tv_nsec, 1000);
}

struct tsync_ts dtpd_stamper_rx(struct dtpd_stamper *s, struct tsync_ts tsc)
{
	struct timespec ts;
	if (!s->nic)
		return tsc;
	if (s->ops->read_rx(s->dev, &ts) == 0)
		return nic_ts(&ts);
	s->rx_missing++;
	return tsync_ts_none();
}

struct tsync_ts dtpd_stamper_tx(struct dtpd_stamper *s, struct tsync_ts tsc)
{
	struct timespec ts;
	if (!s->nic)
		return tsc;
	for (unsigned i = 0; i < s->tx_tries; i++)
		if (s->ops->read_tx(s->dev, &ts) == 0)
			return nic_ts(&ts);
	s->tx_missing++;
	return tsync_ts_none();
}

static bool mbuf_ts_near(__int128 t, long long real_ns)
{
	return t <= (__int128)real_ns + 1000000000LL &&
	       t >= (__int128)real_ns - DTPD_MBUF_TS_WINDOW_NS;
}

int64_t dtpd_mbuf_stamp_ns(unsigned long long v, long long real_ns, int *unit)
{
	static const int units[] = {1, 1000};
	for (unsigned i = 0; !*unit && i < 2; i++)
		if (mbuf_ts_near((__int128)v * units[i], real_ns))
			*unit = units[i];
	if (!*unit)
		return -1;
	__int128 t = (__int128)v * *unit + (*unit > 1 ? *unit / 2 : 0);
	return mbuf_ts_near(t, real_ns) ? (int64_t)t : -1;
}
