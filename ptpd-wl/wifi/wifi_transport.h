/* SPDX-License-Identifier: MIT */
/*
 * ptpd-wl's wifi transport (network_transport wifi): PTP messages in 802.11 data frames
 * (wifi_frame.h) through libpcap (wifi_io.h) on a monitor interface or the emulated medium,
 * with MAC timestamps (radiotap TSFT, mapped to CLOCK_REALTIME through the station's TSF
 * tracked with lib/counter: wifi_tsf.h) or host software timestamps. Every message goes on
 * the event channel (transport_fd(TRANS_GENERAL) is -1, as L2); the fd to poll is an epoll fd
 * over the capture and an eventfd raised while frames read during a send wait for recv.
 *
 * Keys (per port): wifi_medium PATH (the emulator's station socket; empty: iface is a
 * monitor interface), wifi_tstamp mac|software, wifi_peer MAC (unicast to it, ACKed and
 * retried; empty: PTP's group address, not ACKed), wifi_mode ptp (tm: not implemented),
 * wifi_tsf PATH (the TSF's debugfs file on hardware; empty: mac80211's of iface).
 */
#ifndef PTPD_WIFI_TRANSPORT_H
#define PTPD_WIFI_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "tsync/config.h"
#include "tsync/transport.h"

enum wifi_tstamp { WIFI_TS_MAC = 0, WIFI_TS_SOFTWARE = 1 };
enum wifi_mode { WIFI_MODE_PTP = 0, WIFI_MODE_TM = 1 };

struct wifi_tp_cfg {
	char medium[108];
	char tsf_path[256];
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

/* Counters for logs and tests. */
struct wifi_tp_stats {
	unsigned long rx_ptp, rx_bad, rx_no_tsft, tx, tx_status, tx_no_status;
};
void wifi_transport_stats(struct transport *t, struct wifi_tp_stats *st);

#endif
