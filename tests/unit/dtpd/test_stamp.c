// SPDX-License-Identifier: MIT
/* dtpd/dtpd_stamp against a fake timesync device: a PMD that enables timesync gives NIC stamps
 * (tagged TS_SRC_NIC, the device's time), a missing one is no stamp (counted, never the TSC's),
 * a late TX stamp is read again; a PMD without timesync (-ENOTSUP, every vdev here) keeps the
 * TSC stamps. */
#include <criterion/criterion.h>
#include <errno.h>

#include "dtpd_stamp.h"

struct fake {
	int enable_rc;
	int rx_rc;
	int tx_late; /* reads of the TX stamp that fail before it is there */
	struct timespec rx, tx;
	int tx_reads;
};

static int f_enable(void *d)
{
	return ((struct fake *)d)->enable_rc;
}
static int f_rx(void *d, struct timespec *ts)
{
	struct fake *f = d;
	*ts = f->rx;
	return f->rx_rc;
}
static int f_tx(void *d, struct timespec *ts)
{
	struct fake *f = d;
	f->tx_reads++;
	if (f->tx_late-- > 0)
		return -EAGAIN;
	*ts = f->tx;
	return 0;
}
static const struct dtpd_timesync_ops fake_ops = {
        .enable = f_enable, .read_rx = f_rx, .read_tx = f_tx};

Test(dtpd_stamp, nic_timesync_device)
{
	struct fake f = {.rx = {5, 100}, .tx = {6, 200}, .tx_late = 2};
	struct dtpd_stamper s;
	cr_assert(dtpd_stamper_init(&s, &fake_ops, &f, 5));
	struct tsync_ts tsc = tsync_ts_make(TS_SRC_TSC, 777, 1000);
	struct tsync_ts r = dtpd_stamper_rx(&s, tsc);
	cr_expect_eq(r.src, TS_SRC_NIC);
	cr_expect_eq(r.ns, 5000000100LL);
	struct tsync_ts t = dtpd_stamper_tx(&s, tsc);
	cr_expect_eq(t.src, TS_SRC_NIC);
	cr_expect_eq(t.ns, 6000000200LL);
	cr_expect_eq(f.tx_reads, 3); /* two late reads, then the stamp */
	f.rx_rc = -EINVAL;           /* no stamp latched for this frame: none, not the TSC's */
	cr_expect_eq(dtpd_stamper_rx(&s, tsc).src, TS_SRC_NONE);
	cr_expect_eq(s.rx_missing, 1);
	f.tx_late = 10; /* never comes within 5 reads */
	cr_expect_eq(dtpd_stamper_tx(&s, tsc).src, TS_SRC_NONE);
	cr_expect_eq(s.tx_missing, 1);
}

Test(dtpd_stamp, no_timesync_keeps_the_tsc)
{
	struct fake f = {.enable_rc = -ENOTSUP};
	struct dtpd_stamper s;
	cr_assert_not(dtpd_stamper_init(&s, &fake_ops, &f, 5));
	struct tsync_ts tsc = tsync_ts_make(TS_SRC_TSC, 777, 1000);
	cr_expect_eq(dtpd_stamper_rx(&s, tsc).ns, 777);
	cr_expect_eq(dtpd_stamper_tx(&s, tsc).src, TS_SRC_TSC);
	cr_expect_eq(f.tx_reads, 0);
	cr_assert_not(dtpd_stamper_init(&s, NULL, NULL, 0)); /* no ops: no timesync */
}

Test(dtpd_stamp, mbuf_timestamp_unit)
{
	long long now = 1796325110780232825LL; /* CLOCK_REALTIME ns */
	int unit = 0;
	/* net_pcap's us, 3 ms old (frames wait in libpcap's ring): the middle of its us */
	unsigned long long us = (unsigned long long)(now - 3000000) / 1000;
	cr_expect_eq(dtpd_mbuf_stamp_ns(us, now, &unit), (long long)us * 1000 + 500);
	cr_expect_eq(unit, 1000);
	/* the unit stays: a stamp from another clock later is refused, not re-guessed */
	cr_expect_eq(dtpd_mbuf_stamp_ns((unsigned long long)now, now, &unit), -1);
	cr_expect_eq(unit, 1000);
	/* ns */
	unit = 0;
	cr_expect_eq(dtpd_mbuf_stamp_ns((unsigned long long)(now - 1000), now, &unit), now - 1000);
	cr_expect_eq(unit, 1);
	/* neither (a PMD counting from its own start, or cycles): no unit, the TSC is used */
	unit = 0;
	cr_expect_eq(dtpd_mbuf_stamp_ns(123456789ULL, now, &unit), -1);
	cr_expect_eq(unit, 0);
	/* in the future by more than a second: refused */
	cr_expect_eq(dtpd_mbuf_stamp_ns((unsigned long long)(now + 2000000000LL), now, &unit), -1);
}
