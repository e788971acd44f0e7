/* SPDX-License-Identifier: MIT */
/*
 * ptpd-wl's wifi transport (network_transport wifi): PTP messages in 802.11 data frames
 * (wifi_frame.h) through libpcap (wifi_io.h) on a monitor interface or the emulated medium,
 * with MAC timestamps (radiotap TSFT, mapped to CLOCK_REALTIME through the station's TSF
 * tracked with lib/counter: wifi_tsf.h) or host software timestamps. Every message goes on
 * the event channel (transport_fd(TRANS_GENERAL) is -1, as L2); the fd to poll is an epoll fd
 * over the capture and an eventfd raised while frames read during a send wait for recv.
 * MAC TX stamps need the TX status record of each sent frame with its TSFT on the capture: the
 * emulated medium gives it; stock mac80211 TX status radiotap headers carry no TSFT, so on such
 * hardware use wifi_tstamp software.
 *
 * Keys (per port): wifi_medium PATH (the emulator's station socket; empty: iface is a
 * monitor interface), wifi_tstamp mac|software, wifi_peer MAC (unicast to it, ACKed and
 * retried; empty: PTP's group address, not ACKed), wifi_mode ptp|tm, wifi_tsf PATH (the TSF's
 * debugfs file on hardware; empty: mac80211's of iface).
 *
 * wifi_mode tm (802.1AS-2020 clause 12 style, wifi_tm.h; needs wifi_tstamp mac and wifi_peer):
 * every Sync the daemon sends is followed by an 802.11v Timing Measurement frame to the peer
 * carrying the t1 / t4 of the previous one, and the receiving side turns each completed
 * exchange into a sample through the hooks (wifi_transport_tm_hooks: the daemon's servo path);
 * it drops Sync and Follow_Up then, so that PTP's own exchange does not feed the servo too.
 *
 * wifi_tstamp nl80211 (wifi_nl80211.h; only with wifi_mode tm, wifi_peer, no wifi_medium):
 * t1..t4 are the driver's hardware stamps of the TM frames and their ACKs, which are sent and
 * received through nl80211 on wifi_nl_iface (the managed interface of the same phy; empty:
 * iface) after NL80211_CMD_SET_HW_TIMESTAMP for the peer; PTP's own messages still go
 * through iface (the monitor interface) with software stamps.
 */
#ifndef PTPD_WIFI_TRANSPORT_H
#define PTPD_WIFI_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "tsync/config.h"
#include "tsync/transport.h"

enum wifi_tstamp { WIFI_TS_MAC = 0, WIFI_TS_SOFTWARE = 1, WIFI_TS_NL80211 = 2 };
enum wifi_mode { WIFI_MODE_PTP = 0, WIFI_MODE_TM = 1 };

struct wifi_tp_cfg {
	char medium[108];
	char tsf_path[256];
	char nl_iface[16]; /* wifi_nl_iface (empty: iface) */
	uint8_t peer[6];
	bool have_peer;
	enum wifi_tstamp tstamp;
	enum wifi_mode mode;
};

/* The keys' table entries (for ptpd-wl's config table) and their enum names. */
extern const struct config_enum wifi_tstamp_enum[], wifi_mode_enum[];
/* Read the keys of section iface; 0 or -EINVAL with a message in err. */
int wifi_tp_cfg_read(const struct config *cfg, const char *iface, struct wifi_tp_cfg *wc, char *err,
                     unsigned long errlen);

/* NULL with errno on failure. */
struct transport *wifi_transport_create(const struct transport_config *tc,
                                        const struct wifi_tp_cfg *wc);

/* wifi_mode tm: map a CLOCK_REALTIME time onto the daemon's clock; take a sample (offset =
 * local minus master, t2 on the local clock and as CLOCK_REALTIME, mean path delay; ns). */
typedef int64_t (*wifi_map_fn)(void *arg, int64_t sys_ns);
typedef void (*wifi_sample_fn)(void *arg, int64_t offset, int64_t t2, int64_t t2_sys,
                               int64_t delay);
void wifi_transport_tm_hooks(struct transport *t, wifi_map_fn map, wifi_sample_fn sample,
                             void *arg);

/* Counters for logs and tests. */
struct wifi_tp_stats {
	unsigned long rx_ptp, rx_bad, rx_no_tsft, tx, tx_status, tx_no_status;
	unsigned long tm_sent, tm_samples, tm_dropped_ptp;
};
void wifi_transport_stats(struct transport *t, struct wifi_tp_stats *st);

#endif
