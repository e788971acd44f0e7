/* SPDX-License-Identifier: MIT */
/*
 * dtpd's DPDK transport (tsync/transport_impl.h): DTP L2 frames through DPDK 22.11 ethdev ports
 * (PCI NICs or virtual devices such as net_af_packet), driven by transport_poll() from a busy
 * loop (no fd). Timestamps: the NIC's (rte_eth_timesync_*) when the PMD enables timesync,
 * tagged TS_SRC_NIC; otherwise the TSC read right after rx burst / right before tx burst,
 * converted to CLOCK_MONOTONIC_RAW ns through the counter module's calibration (tsync/counter.h)
 * and tagged TS_SRC_TSC (raw = the TSC value).
 */
#ifndef DTPD_DPDK_TP_H
#define DTPD_DPDK_TP_H

#include <stddef.h>

#include "tsync/transport_impl.h"

/* Start the EAL once per process. eal_args: the EAL's arguments separated by spaces, or NULL /
 * "" for the bench default: --no-huge --no-pci --no-shconf --file-prefix=dtpd-PID -m 16 -l 0
 * --no-telemetry and one --vdev=net_af_packetI,iface=IFACE per interface. 0, or -errno with a
 * message that names the cause and how to run without DPDK in err. */
int dtpd_dpdk_eal_init(const char *eal_args, char *const *ifaces, unsigned n, char *err,
                       size_t errlen);
void dtpd_dpdk_eal_cleanup(void);

/* A transport on ethdev port `index` (the index-th port the EAL probed, in vdev order) with
 * the frames' ethertype and destination from cfg (l2_ethertype, ptp_dst_mac). NULL + errno. */
struct transport *dtpd_dpdk_transport(const struct transport_config *cfg, unsigned index);

/* "nic" when the port runs on NIC timesync stamps, "pmd-rx" when the PMD stamps received
 * mbufs (the timestamp dynamic field: net_pcap; TX stays on the TSC), "tsc" otherwise (""
 * before open). */
const char *dtpd_dpdk_ts_name(struct transport *t);
/* RX stamps taken from the PMD's mbuf field, and those refused (no CLOCK_REALTIME unit). */
void dtpd_dpdk_pmd_stamps(struct transport *t, unsigned long long *used,
                          unsigned long long *refused);

#endif
