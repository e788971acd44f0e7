// SPDX-License-Identifier: MIT
/* dtpd's DPDK transport (dpdk_tp.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "dpdk_tp.h"
#include "dtpd_stamp.h"
#include "tsync/counter.h"

#define NB_DESC   256
#define POOL_SIZE 1023
#define MAX_ARGS  64

struct dpdk_tp {
	struct transport base;
	unsigned index;
	uint16_t port;
	struct rte_mempool *pool;
	struct rte_ether_addr mac;
	bool nic_ts;
	struct dtpd_stamper st; /* NIC timesync stamps or the TSC's (dtpd_stamp.h) */
	/* TSC -> CLOCK_MONOTONIC_RAW: the calibrated period and a pair refreshed every second
	 * (so a period error never accumulates), from pairing windows under 20 us only */
	struct counter *tsc;
	struct counter_pair pair, anchor;
	double ns_per_tick;
	uint64_t refresh_ticks;
	/* the PMD's per-mbuf RX timestamp (net_pcap: the kernel's, through libpcap), when it
	 * registered the dynamic field: the RX stamp instead of the TSC at the burst */
	int mts_off;
	uint64_t mts_flag;
	int mts_unit; /* dtpd_mbuf_stamp_ns */
	unsigned long long mts_used, mts_refused;
};

#define DT(t) container_of((t), struct dpdk_tp, base)

/* rte_eth_timesync_* behind dtpd_stamp.h's ops (dev: the port id) */
static int dpdk_ts_enable(void *dev)
{
	return rte_eth_timesync_enable(*(uint16_t *)dev);
}
static int dpdk_ts_read_rx(void *dev, struct timespec *ts)
{
	return rte_eth_timesync_read_rx_timestamp(*(uint16_t *)dev, ts, 0);
}
static int dpdk_ts_read_tx(void *dev, struct timespec *ts)
{
	return rte_eth_timesync_read_tx_timestamp(*(uint16_t *)dev, ts);
}
static const struct dtpd_timesync_ops timesync_ops = {
        .enable = dpdk_ts_enable, .read_rx = dpdk_ts_read_rx, .read_tx = dpdk_ts_read_tx};

static bool eal_up;

int dtpd_dpdk_eal_init(const char *eal_args, char *const *ifaces, unsigned n, char *err,
                       size_t errlen)
{
	static char buf[4096];
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	size_t len = 0;

	if (eal_up)
		return 0;
	if (eal_args && *eal_args) {
		len = (size_t)snprintf(buf, sizeof(buf), "dtpd %s", eal_args);
	} else {
		len = (size_t)snprintf(
		        buf, sizeof(buf),
		        "dtpd --no-huge --no-pci --no-shconf --file-prefix=dtpd-%d -m 16 "
		        "-l 0 --no-telemetry",
		        (int)getpid());
		for (unsigned i = 0; i < n && len < sizeof(buf); i++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			                        " --vdev=net_af_packet%u,iface=%s", i, ifaces[i]);
	}
	if (len >= sizeof(buf)) {
		snprintf(err, errlen, "DPDK EAL arguments too long");
		return -E2BIG;
	}
	for (char *s = strtok(buf, " \t"); s && argc < MAX_ARGS; s = strtok(NULL, " \t"))
		argv[argc++] = s;
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		int e = rte_errno;
		snprintf(err, errlen,
		         "DPDK EAL failed to start (%s): check the EAL arguments (dpdk_eal_args), "
		         "hugepages or --no-huge, and root; without DPDK run dtpd with "
		         "'transport af_packet'",
		         rte_strerror(e));
		return -(e ? e : EIO);
	}
	eal_up = true;
	if (rte_eth_dev_count_avail() < n) {
		snprintf(err, errlen,
		         "DPDK EAL found %u ethdev port(s) for %u interface(s): give one --vdev or "
		         "PCI device per interface; without DPDK run dtpd with 'transport "
		         "af_packet'",
		         (unsigned)rte_eth_dev_count_avail(), n);
		return -ENODEV;
	}
	return 0;
}

void dtpd_dpdk_eal_cleanup(void)
{
	char dir[PATH_MAX];
	if (!eal_up)
		return;
	/* the EAL leaves its (empty, with --no-shconf) runtime directory behind */
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
	eal_up = false;
}

/* A new pair if its window is narrow (a preempted read would misplace the pairing); the
 * period re-measured from the first such pair to it once they are a second apart (a loaded
 * machine once left a 20 ms calibration 1 % off: the clock then drifted 10 ms a second). */
static void tsc_repair(struct dpdk_tp *m)
{
	struct counter_pair p;
	if (counter_pair_read(m->tsc, &counter_clock_raw, 7, &p) != 0 ||
	    (double)p.window_ticks * m->ns_per_tick >= 20000)
		return;
	m->pair = p;
	double npt, err;
	if (!m->anchor.counter) {
		m->anchor = p;
	} else if (p.time_ns - m->anchor.time_ns >= 1000000000 &&
	           counter_rate_between(64, &m->anchor, &p, m->ns_per_tick, 1, &npt, &err) == 0 &&
	           err < 1e-4) {
		m->ns_per_tick = npt;
	}
}

static int tsc_calibrate(struct dpdk_tp *m)
{
	struct counter_cal cal = {0};
	if (!m->tsc)
		m->tsc = counter_tsc_create(0);
	if (!m->tsc)
		return -ENODEV;
	int rc = 0;
	/* a calibration whose pairs were preempted says so (rel_err): try again */
	for (int i = 0; i < 8; i++) {
		rc = counter_calibrate(m->tsc, &counter_clock_raw, 20000000, &cal);
		if (rc || cal.rel_err < 1e-4)
			break;
	}
	if (rc)
		return rc;
	/* the first pair too must be narrow: a preempted one put every stamp of a run ms off
	 * (4.7 ms measured: the beacons then looked wild and the clock ran away) */
	rc = -EAGAIN;
	for (int i = 0; i < 50 && rc; i++)
		if (counter_pair_read(m->tsc, &counter_clock_raw, 15, &m->pair) == 0 &&
		    (double)m->pair.window_ticks * cal.ns_per_tick < 20000)
			rc = 0;
	if (rc)
		return rc;
	m->ns_per_tick = cal.ns_per_tick;
	m->refresh_ticks = (uint64_t)(1e9 / cal.ns_per_tick);
	m->anchor = (struct counter_pair){0};
	return 0;
}

static struct tsync_ts tsc_stamp(const struct dpdk_tp *m, uint64_t tsc)
{
	double dt = (double)(int64_t)(tsc - m->pair.counter) * m->ns_per_tick;
	struct tsync_ts ts = tsync_ts_make(TS_SRC_TSC, m->pair.time_ns + (int64_t)dt, 1000);
	ts.raw = tsc;
	ts.dev = m->port;
	return ts;
}

static int dt_open(struct transport *t, const char *iface)
{
	struct dpdk_tp *m = DT(t);
	struct rte_eth_conf conf;
	char name[64];
	uint16_t ids[RTE_MAX_ETHPORTS];
	unsigned k = 0;
	uint16_t pid;

	if (!eal_up)
		return transport_err(t, -ENODEV, "%s: DPDK EAL not started", iface);
	RTE_ETH_FOREACH_DEV(pid)
	{
		if (k < RTE_MAX_ETHPORTS)
			ids[k++] = pid;
	}
	if (m->index >= k)
		return transport_err(t, -ENODEV, "%s: no DPDK port #%u (%u probed)", iface,
		                     m->index, k);
	m->port = ids[m->index];
	snprintf(name, sizeof(name), "dtpd_pool_%u", m->index);
	m->pool = rte_pktmbuf_pool_create(name, POOL_SIZE, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
	                                  (int)rte_socket_id());
	if (!m->pool)
		return transport_err(t, -ENOMEM, "%s: DPDK mbuf pool: %s", iface,
		                     rte_strerror(rte_errno));
	memset(&conf, 0, sizeof(conf));
	struct rte_eth_dev_info di;
	if (rte_eth_dev_info_get(m->port, &di) == 0 &&
	    (di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	int rc = rte_eth_dev_configure(m->port, 1, 1, &conf);
	if (!rc)
		rc = rte_eth_rx_queue_setup(m->port, 0, NB_DESC, (unsigned)rte_socket_id(), NULL,
		                            m->pool);
	if (!rc)
		rc = rte_eth_tx_queue_setup(m->port, 0, NB_DESC, (unsigned)rte_socket_id(), NULL);
	if (!rc)
		rc = rte_eth_dev_start(m->port);
	if (rc) {
		rte_mempool_free(m->pool);
		m->pool = NULL;
		return transport_err(t, rc < 0 ? rc : -EIO, "%s: DPDK port %u setup: %s", iface,
		                     m->port, rte_strerror(rc < 0 ? -rc : rc));
	}
	rte_eth_promiscuous_enable(m->port);
	rte_eth_macaddr_get(m->port, &m->mac);
	/* a PMD that stamps mbufs registered the field (net_pcap at probe, others when the
	 * TIMESTAMP offload is configured); net_af_packet (22.11) does not: TSC stamps */
	int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
	m->mts_off = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	m->mts_flag = bit >= 0 ? UINT64_C(1) << bit : 0;
	if (bit < 0)
		m->mts_off = -1;
	m->nic_ts = dtpd_stamper_init(&m->st, &timesync_ops, &m->port, 100);
	if (!m->nic_ts && (rc = tsc_calibrate(m)) < 0) {
		rte_eth_dev_stop(m->port);
		return transport_err(t, rc, "%s: TSC calibration failed", iface);
	}
	return 0;
}

static void dt_close(struct transport *t)
{
	struct dpdk_tp *m = DT(t);
	if (m->nic_ts)
		rte_eth_timesync_disable(m->port);
	rte_eth_dev_stop(m->port);
	rte_eth_dev_close(m->port);
	rte_mempool_free(m->pool);
	m->pool = NULL;
}

static ssize_t dt_send(struct transport *t, enum transport_channel ch, enum transport_dest dest,
                       const struct transport_addr *addr, const void *buf, size_t len,
                       struct tsync_ts *tx_ts)
{
	struct dpdk_tp *m = DT(t);
	(void)ch;
	if (len + RTE_ETHER_HDR_LEN > RTE_MBUF_DEFAULT_DATAROOM)
		return -EMSGSIZE;
	struct rte_mbuf *mb = rte_pktmbuf_alloc(m->pool);
	if (!mb)
		return -ENOBUFS;
	struct rte_ether_hdr *eh =
	        (struct rte_ether_hdr *)rte_pktmbuf_append(mb, (uint16_t)(len + sizeof(*eh)));
	if (dest == TRANS_DEST_UNICAST && addr && addr->len)
		memcpy(&eh->dst_addr, addr->sll.sll_addr, 6);
	else
		memcpy(&eh->dst_addr, t->cfg.ptp_dst_mac, 6);
	eh->src_addr = m->mac;
	eh->ether_type = rte_cpu_to_be_16(t->cfg.l2_ethertype);
	memcpy(eh + 1, buf, len);
	uint64_t tsc = rte_rdtsc();
	if (rte_eth_tx_burst(m->port, 0, &mb, 1) != 1) {
		rte_pktmbuf_free(mb);
		return transport_err(t, -EAGAIN, "%s: DPDK tx queue full", t->iface);
	}
	if (tx_ts)
		*tx_ts = dtpd_stamper_tx(&m->st, m->nic_ts ? tsync_ts_none() : tsc_stamp(m, tsc));
	return (ssize_t)len;
}

/* The PMD's RX stamp of mb (CLOCK_REALTIME, a software stamp for the daemon), or tsc when it
 * has none that reads as CLOCK_REALTIME (counted). */
static struct tsync_ts mbuf_stamp(struct dpdk_tp *m, struct rte_mbuf *mb, struct tsync_ts tsc)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t v = *RTE_MBUF_DYNFIELD(mb, m->mts_off, rte_mbuf_timestamp_t *);
	int64_t ns = dtpd_mbuf_stamp_ns(v, now.tv_sec * 1000000000LL + now.tv_nsec, &m->mts_unit);
	if (ns < 0) {
		m->mts_refused++;
		return tsc;
	}
	m->mts_used++;
	struct tsync_ts ts = tsync_ts_make(TS_SRC_SYS, ns, m->mts_unit);
	ts.dev = m->port;
	return ts;
}

/* Deliver one received mbuf of our ethertype to fn; returns 1 if delivered. */
static int deliver(struct dpdk_tp *m, struct rte_mbuf *mb, uint64_t tsc, transport_rx_fn fn,
                   void *arg)
{
	struct transport *t = &m->base;
	int n = 0;
	if (rte_pktmbuf_data_len(mb) >= RTE_ETHER_HDR_LEN) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(mb, struct rte_ether_hdr *);
		if (rte_be_to_cpu_16(eh->ether_type) == t->cfg.l2_ethertype &&
		    !rte_is_same_ether_addr(&eh->src_addr, &m->mac)) {
			struct tsync_ts ts = dtpd_stamper_rx(&m->st, m->nic_ts ? tsync_ts_none()
			                                                       : tsc_stamp(m, tsc));
			if (!m->nic_ts && m->mts_off >= 0 && (mb->ol_flags & m->mts_flag))
				ts = mbuf_stamp(m, mb, ts);
			struct transport_addr src;
			memset(&src, 0, sizeof(src));
			src.sll.sll_family = AF_PACKET;
			src.sll.sll_halen = 6;
			memcpy(src.sll.sll_addr, &eh->src_addr, 6);
			src.len = sizeof(src.sll);
			fn(arg, t, TRANS_EVENT, eh + 1,
			   rte_pktmbuf_data_len(mb) - RTE_ETHER_HDR_LEN, &ts, &src);
			n = 1;
		}
	}
	rte_pktmbuf_free(mb);
	return n;
}

static int dt_poll(struct transport *t, int budget, transport_rx_fn fn, void *arg)
{
	struct dpdk_tp *m = DT(t);
	struct rte_mbuf *mb[32];
	if (budget > 32)
		budget = 32;
	uint16_t n = rte_eth_rx_burst(m->port, 0, mb, (uint16_t)budget);
	uint64_t tsc = rte_rdtsc();
	if (!m->nic_ts && tsc - m->pair.counter > m->refresh_ticks)
		tsc_repair(m);
	int got = 0;
	for (uint16_t i = 0; i < n; i++)
		got += deliver(m, mb[i], tsc, fn, arg);
	return got;
}

struct one {
	void *buf;
	size_t len;
	ssize_t n;
	struct tsync_ts *ts;
	struct transport_addr *src;
};

static void take_one(void *arg, struct transport *t, enum transport_channel ch, const void *buf,
                     size_t len, const struct tsync_ts *rx_ts, const struct transport_addr *src)
{
	struct one *o = arg;
	(void)t;
	(void)ch;
	o->n = len > o->len ? -EMSGSIZE : (ssize_t)len;
	if (o->n > 0)
		memcpy(o->buf, buf, len);
	if (o->ts)
		*o->ts = *rx_ts;
	if (o->src)
		*o->src = *src;
}

static ssize_t dt_recv(struct transport *t, enum transport_channel ch, void *buf, size_t len,
                       struct tsync_ts *rx_ts, struct transport_addr *src)
{
	struct one o = {.buf = buf, .len = len, .n = -EAGAIN, .ts = rx_ts, .src = src};
	(void)ch;
	dt_poll(t, 1, take_one, &o);
	return o.n;
}

static int dt_ts_info(struct transport *t, struct tsync_ts *info)
{
	struct dpdk_tp *m = DT(t);
	*info = tsync_ts_make(m->nic_ts ? TS_SRC_NIC : TS_SRC_TSC, 0, 1000);
	info->dev = m->port;
	return 0;
}

static int dt_physical_addr(struct transport *t, uint8_t *addr, size_t len)
{
	if (len < 6)
		return -ENOSPC;
	memcpy(addr, &DT(t)->mac, 6);
	return 6;
}

static int dt_init(struct transport *t, void *arg)
{
	DT(t)->index = *(const unsigned *)arg;
	return 0;
}

static void dt_destroy(struct transport *t)
{
	counter_destroy(DT(t)->tsc);
}

static const struct transport_ops dpdk_ops = {
        .name = "dpdk",
        .size = sizeof(struct dpdk_tp),
        .base_off = offsetof(struct dpdk_tp, base),
        .init = dt_init,
        .open = dt_open,
        .close = dt_close,
        .send = dt_send,
        .recv = dt_recv,
        .poll = dt_poll,
        .ts_info = dt_ts_info,
        .physical_addr = dt_physical_addr,
        .protocol_addr = dt_physical_addr,
        .destroy = dt_destroy,
};

struct transport *dtpd_dpdk_transport(const struct transport_config *cfg, unsigned index)
{
	return transport_create_impl(&dpdk_ops, TRANS_IMPL, cfg, &index);
}

const char *dtpd_dpdk_ts_name(struct transport *t)
{
	return t->is_open ? (DT(t)->nic_ts ? "nic" : DT(t)->mts_off >= 0 ? "pmd-rx" : "tsc") : "";
}

void dtpd_dpdk_pmd_stamps(struct transport *t, unsigned long long *used,
                          unsigned long long *refused)
{
	*used = t->is_open ? DT(t)->mts_used : 0;
	*refused = t->is_open ? DT(t)->mts_refused : 0;
}
