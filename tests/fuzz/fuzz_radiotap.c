// SPDX-License-Identifier: MIT
/* libFuzzer target: one captured frame of DLT_IEEE802_11_RADIO as the wifi transport and
 * tsync-analyze radiotap read it: the radiotap header (lib/radiotap), then the 802.11 header
 * and the timing action frames after it_len. */
#include <string.h>

#include "tsync/ieee80211.h"
#include "tsync/radiotap.h"
#include "util.h"

struct bounds {
	size_t it_len;
	unsigned n;
};

/* every field the iterator yields lies inside the header, in order */
static int in_bounds(const struct rt_field_ref *f, void *arg)
{
	struct bounds *b = arg;
	FUZZ_CHECK(f->off + f->len <= b->it_len);
	b->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees any over-read */
	struct radiotap rt;
	const char *why = NULL;
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (radiotap_parse(copy, size, &rt, &why) == 0) {
		FUZZ_CHECK(rt.len >= 8 && rt.len <= size);
		FUZZ_CHECK(copy[0] == 0); /* the fuzzed tcpdump headers (version 0x30) never pass */
		/* what was read writes back and reads again the same */
		uint8_t re[128];
		struct radiotap rt2;
		size_t rn = radiotap_build(re, sizeof(re), &rt);
		if (rn) {
			FUZZ_CHECK(radiotap_parse(re, rn, &rt2, &why) == 0);
			FUZZ_CHECK(rt2.have == rt.have && rt2.tsft == rt.tsft &&
			           rt2.flags == rt.flags && rt2.chan_freq == rt.chan_freq &&
			           rt2.timestamp.ts == rt.timestamp.ts &&
			           radiotap_rate_kbps(&rt2) == radiotap_rate_kbps(&rt));
		}
		struct bounds b = {.it_len = rt.len};
		uint16_t it_len;
		FUZZ_CHECK(radiotap_iterate(copy, size, in_bounds, &b, &it_len, &why) == 0);
		FUZZ_CHECK(it_len == rt.len);
		(void)radiotap_rate_kbps(&rt);
		uint64_t ns;
		(void)radiotap_timestamp_ns(&rt, &ns);
		struct wlan_hdr h;
		struct wlan_timing t;
		const uint8_t *frame = copy + rt.len;
		size_t flen = size - rt.len;
		if (wlan_parse(frame, flen, rt.flags & RT_F_FCS, &h, &why) == 0) {
			FUZZ_CHECK(h.hdr_len + h.body_len <= flen);
			if (wlan_timing_parse(&h, frame, &t, &why) < 0)
				FUZZ_CHECK(why != NULL);
		} else {
			FUZZ_CHECK(why != NULL);
		}
	} else {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
	}
	free(copy);
	return 0;
}
