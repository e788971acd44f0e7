// SPDX-License-Identifier: MIT
/* libFuzzer target: the wifi transport's parsers (ptpd-wl/wifi): one captured record as the
 * transport reads it from a monitor interface or the emulated medium (radiotap, 802.11, LLC/SNAP
 * PTP payload or Timing Measurement), and the medium's staK.info text. */
#include <string.h>

#include "util.h"
#include "wifi/wifi_frame.h"
#include "wifi/wifi_tsf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees any over-read */
	struct wifi_rx rx;
	const char *why = NULL;
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (wifi_frame_parse(copy, size, &rx, &why) == 0) {
		if (rx.kind == WIFI_PTP) {
			FUZZ_CHECK(rx.payload >= copy &&
			           rx.payload + rx.payload_len <= copy + size);
			/* what was read builds back into a frame that parses the same */
			uint8_t re[2048];
			struct wifi_tx tx = {.seq = (uint16_t)(rx.h.seq_ctl >> 4)};
			memcpy(tx.ra, rx.h.ra, 6);
			memcpy(tx.ta, rx.h.ta, 6);
			size_t n = wifi_frame_build_data(re, sizeof(re), &tx, WIFI_ETH_P_1588,
			                                 rx.payload, rx.payload_len);
			struct wifi_rx rx2;
			if (n) {
				FUZZ_CHECK(wifi_frame_parse(re, n, &rx2, &why) == 0);
				FUZZ_CHECK(rx2.kind == WIFI_PTP &&
				           rx2.payload_len == rx.payload_len &&
				           !memcmp(rx2.payload, rx.payload, rx.payload_len) &&
				           !memcmp(rx2.h.ta, rx.h.ta, 6));
			}
		}
	} else {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
	}
	free(copy);
	char *text = fuzz_strndup(data, size);
	if (text) {
		uint8_t mac[6];
		uint64_t off;
		int32_t ppb;
		int64_t t0;
		why = NULL;
		if (wifi_tsf_info_parse(text, mac, &off, &ppb, &t0, &why) == 0)
			FUZZ_CHECK(ppb >= -1000000 && ppb <= 1000000 && t0 >= 0);
		else
			FUZZ_CHECK(why != NULL && why[0] != '\0');
		free(text);
	}
	return 0;
}
