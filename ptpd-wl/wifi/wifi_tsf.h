/* SPDX-License-Identifier: MIT */
/*
 * The station's TSF (a 64-bit 1 us counter) against CLOCK_REALTIME, through lib/counter:
 *
 *   reading it   wifi_tsf_read(): on hardware mac80211's debugfs file
 *                (/sys/kernel/debug/ieee80211/PHY/netdev:IFACE/tsf, "0x%016llx"), which
 *                calls the driver's get_tsf; on the emulated medium the station's TSF model from
 *                the medium's DIR/staK.info (offset, drift, t0: what its "register" reads).
 *   tracking it  wifi_tsf_map: pairs (TSF read, clock read, TSF read) taken at most every
 *                WIFI_TSF_PAIR_NS; the rate is lib/counter's counter_rate over a sliding
 *                baseline (restarting when the clock is stepped), the offset the mean over
 *                the baseline's pairs of clock - TSF x rate (the 1 us floor of each read
 *                averages out over pairs taken at random phases).
 *   mapping      a TSFT of a frame -> CLOCK_REALTIME ns, which the daemon then maps onto its
 *                disciplined clock like any software stamp (tclock_from_sys: exact for a
 *                vclock, the identity when CLOCK_REALTIME is the disciplined clock).
 */
#ifndef PTPD_WIFI_TSF_H
#define PTPD_WIFI_TSF_H

#include <stdbool.h>
#include <stdint.h>

#include "tsync/counter.h"

#define WIFI_TSF_PAIR_NS 50000000ll /* a pair every 50 ms */

struct wifi_tsf {
	bool emulated;
	/* emulated: the medium's model of this station's TSF */
	uint64_t offset_us;
	int32_t ppb;
	int64_t t0_ns;
	/* hardware: the debugfs file */
	char path[256];
	struct counter_rate rate;
	int64_t last_pair_ns;
	unsigned pairs;
};

/* The TSF of the medium's station described by info_path (DIR/staK.info), its MAC into mac.
 * 0 or -errno with a message in err. */
int wifi_tsf_open_emulated(struct wifi_tsf *t, const char *info_path, uint8_t mac[6], char *err,
                           unsigned long errlen);
/* The TSF of a hardware interface through path (NULL or "": mac80211's debugfs file of
 * iface). 0 or -errno with a message in err (one read is tried). */
int wifi_tsf_open_debugfs(struct wifi_tsf *t, const char *iface, const char *path, char *err,
                          unsigned long errlen);
/* Parse the info file's text (pure; for the fuzz target too). 0 or -EINVAL with *why. */
int wifi_tsf_info_parse(const char *text, uint8_t mac[6], uint64_t *offset_us, int32_t *ppb,
                        int64_t *t0_ns, const char **why);

/* The TSF now, us. 0 or -errno. */
int wifi_tsf_read(struct wifi_tsf *t, uint64_t *tsf);
/* Take a pair if the last is older than WIFI_TSF_PAIR_NS (force: now). 0 or -errno. */
int wifi_tsf_track(struct wifi_tsf *t, bool force);
/* tsft (us) -> CLOCK_REALTIME ns. -EAGAIN before the first pair. */
int wifi_tsf_to_sys(const struct wifi_tsf *t, uint64_t tsft, int64_t *ns);

#endif
