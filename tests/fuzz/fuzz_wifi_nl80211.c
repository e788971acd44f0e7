// SPDX-License-Identifier: MIT
/* libFuzzer target: the parser of nl80211 frame events and TX status messages
 * (ptpd-wl/wifi/wifi_nl80211.c, wifi_tstamp nl80211): one generic netlink message as the kernel
 * would deliver it; the first two input bytes choose the family id the parser expects. */
#include <string.h>

#include "util.h"
#include "wifi/wifi_nl80211.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int family = data[0] | (data[1] & 0x3) << 8;
	size -= 2;
	uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees any over-read */
	if (!copy)
		return 0;
	memcpy(copy, data + 2, size);
	struct wifi_nl_event ev;
	const char *why = NULL;
	if (wifi_nl_parse(copy, size, family, &ev, &why) == 0) {
		FUZZ_CHECK(ev.frame >= copy && ev.frame + ev.frame_len <= copy + size);
		FUZZ_CHECK(ev.frame_len >= 24);
		FUZZ_CHECK(ev.kind == WIFI_NL_RX_FRAME ? tsync_ts_valid(&ev.rx_hw)
		                                       : tsync_ts_valid(&ev.tx_hw));
		FUZZ_CHECK(!tsync_ts_valid(&ev.rx_hw) || ev.rx_hw.ns > 0);
	} else {
		FUZZ_CHECK(why != NULL && *why);
	}
	free(copy);
	return 0;
}
