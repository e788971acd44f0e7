// SPDX-License-Identifier: MIT
/* lib/radiotap: hand-built radiotap headers (alignment, extended bitmaps, namespace restarts,
 * vendor namespaces, TLVs, every length check), data rates, the TIMESTAMP field. */
#include <criterion/criterion.h>
#include <string.h>

#include "tsync/radiotap.h"

#define BIT(n) (1u << (n))

/* A header under construction: presence words, then fields placed at explicit offsets. */
struct hb {
	uint8_t b[256];
	size_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* version 0, it_len len, the n presence words */
static void hb_init(struct hb *h, size_t len, const uint32_t *words, int n)
{
	memset(h, 0, sizeof(*h));
	h->len = len;
	put16(h->b + 2, (uint16_t)len);
	for (int i = 0; i < n; i++)
		put32(h->b + 4 + 4 * i, words[i]);
}

static int parse(const struct hb *h, struct radiotap *rt, const char **why)
{
	*why = NULL;
	return radiotap_parse(h->b, h->len, rt, why);
}

Test(radiotap, minimal_header_has_no_fields)
{
	struct hb h;
	struct radiotap rt;
	const char *why;
	uint32_t w[] = {0};
	hb_init(&h, 8, w, 1);
	cr_assert_eq(parse(&h, &rt, &why), 0);
	cr_assert_eq(rt.len, 8);
	cr_assert_eq(rt.have, 0);
	cr_assert_eq(rt.npresent, 1);
	cr_assert_eq(radiotap_rate_kbps(&rt), 0);
}

Test(radiotap, common_rx_fields_in_order_with_alignment)
{
	struct hb h;
	struct radiotap rt;
	const char *why;
	uint32_t w[] = {BIT(RT_TSFT) | BIT(RT_FLAGS) | BIT(RT_RATE) | BIT(RT_CHANNEL) |
	                BIT(RT_DBM_SIGNAL) | BIT(RT_ANTENNA)};
	hb_init(&h, 24, w, 1);
	put64(h.b + 8, 0x0123456789abcdefull);
	h.b[16] = RT_F_FCS | RT_F_BADFCS;
	h.b[17] = 0x0c; /* 6 Mbps */
	put16(h.b + 18, 5180);
	put16(h.b + 20, 0x0140);
	h.b[22] = (uint8_t)-45;
	h.b[23] = 2;
	cr_assert_eq(parse(&h, &rt, &why), 0, "%s", why);
	cr_assert_eq(rt.tsft, 0x0123456789abcdefull);
	cr_assert_eq(rt.flags, RT_F_FCS | RT_F_BADFCS);
	cr_assert_eq(rt.chan_freq, 5180);
	cr_assert_eq(rt.chan_flags, 0x0140);
	cr_assert_eq(rt.dbm_signal, -45);
	cr_assert_eq(rt.antenna, 2);
	cr_assert_eq(radiotap_rate_kbps(&rt), 6000);
	cr_assert_eq(rt.nchains, 1);
	cr_assert_eq(rt.chain_antenna[0], 2);
	/* one byte short: the antenna runs past it_len */
	h.len = 23;
	put16(h.b + 2, 23);
	cr_assert_eq(parse(&h, &rt, &why), -1);
	cr_assert_str_eq(why, "a field runs past it_len");
}

Test(radiotap, padding_before_2_4_and_8_byte_aligned_fields)
{
	struct hb h;
	struct radiotap rt;
	const char *why;
	/* flags @8, channel aligned to 10, xchannel aligned to 16, timestamp aligned to 24 */
	uint32_t w[] = {BIT(RT_FLAGS) | BIT(RT_CHANNEL) | BIT(RT_XCHANNEL) | BIT(RT_TIMESTAMP)};
	hb_init(&h, 36, w, 1);
	h.b[8] = 0x02;
	put16(h.b + 10, 2412);
	put32(h.b + 16, 0x00000140);
	put16(h.b + 20, 5745);
	h.b[22] = 149;
	put64(h.b + 24, 123456789);
	put16(h.b + 32, 7);
	h.b[34] = RT_TS_UNIT_NS | RT_TS_POS_END_PPDU << 4;
	h.b[35] = RT_TS_FL_ACCURACY;
	cr_assert_eq(parse(&h, &rt, &why), 0, "%s", why);
	cr_assert_eq(rt.chan_freq, 2412);
	cr_assert_eq(rt.xchannel.freq, 5745);
	cr_assert_eq(rt.xchannel.channel, 149);
	cr_assert_eq(rt.timestamp.ts, 123456789);
	cr_assert_eq(rt.timestamp.accuracy, 7);
	cr_assert_eq(rt.timestamp.unit_pos >> 4, RT_TS_POS_END_PPDU);
	uint64_t ns;
	cr_assert(radiotap_timestamp_ns(&rt, &ns));
	cr_assert_eq(ns, 123456789);
	/* it_len 35: the timestamp's last byte is missing */
	put16(h.b + 2, 35);
	h.len = 35;
	cr_assert_eq(parse(&h, &rt, &why), -1);
}

Test(radiotap, timestamp_units_and_32_bit_counters)
{
	struct radiotap rt = {.have = BIT(RT_TIMESTAMP)};
	uint64_t ns;
	rt.timestamp.ts = 0x100000005ull;
	rt.timestamp.unit_pos = RT_TS_UNIT_US;
	cr_assert(radiotap_timestamp_ns(&rt, &ns));
	cr_assert_eq(ns, 0x100000005ull * 1000);
	rt.timestamp.flags = RT_TS_FL_32BIT;
	cr_assert(radiotap_timestamp_ns(&rt, &ns));
	cr_assert_eq(ns, 5000);
	rt.timestamp.unit_pos = RT_TS_UNIT_MS;
	cr_assert(radiotap_timestamp_ns(&rt, &ns));
	cr_assert_eq(ns, 5000000);
	rt.timestamp.unit_pos = 3; /* reserved unit */
	cr_assert_not(radiotap_timestamp_ns(&rt, &ns));
	rt.timestamp.unit_pos = RT_TS_UNIT_MS;
	rt.timestamp.flags = 0;
	rt.timestamp.ts = UINT64_MAX / 1000; /* overflows in ns */
	cr_assert_not(radiotap_timestamp_ns(&rt, &ns));
	rt.have = 0;
	cr_assert_not(radiotap_timestamp_ns(&rt, &ns));
}

Test(radiotap, extended_bitmap_moves_the_data)
{
	struct hb h;
	struct radiotap rt;
	const char *why;
	/* two words: data starts at 12, TSFT aligned to 16 */
	uint32_t w[] = {BIT(RT_TSFT) | BIT(RT_EXT), 0};
	hb_init(&h, 24, w, 2);
	put64(h.b + 16, 42);
	cr_assert_eq(parse(&h, &rt, &why), 0, "%s", why);
	cr_assert_eq(rt.tsft, 42);
	cr_assert_eq(rt.npresent, 2);
	/* bit 31 set in the last word that fits: the chain runs past it_len */
	uint32_t w2[] = {BIT(RT_EXT)};
	hb_init(&h, 8, w2, 1);
	cr_assert_eq(parse(&h, &rt, &why), -1);
	cr_assert_str_eq(why, "presence bitmaps (bit 31 chain) run past it_len");
}

Test(radiotap, namespace_restarts_give_per_chain_signals)
{
	struct hb h;
	struct radiotap rt;
	const char *why;
	uint32_t w[] = {BIT(RT_TSFT) | BIT(RT_FLAGS) | BIT(RT_DBM_SIGNAL) | BIT(RT_NS_RADIOTAP) |
	                        BIT(RT_EXT),
	                BIT(RT_DBM_SIGNAL) | BIT(RT_ANTENNA) | BIT(RT_NS_RADIOTAP) | BIT(RT_EXT),
	                BIT(RT_DBM_SIGNAL) | BIT(RT_ANTENNA)};
	hb_init(&h, 30, w, 3);
	put64(h.b + 16, 9526800862ull);
	h.b[24] = 0x10;
	h.b[25] = (uint8_t)-34;
	h.b[26] = (uint8_t)-39;
	h.b[27] = 0;
	h.b[28] = (uint8_t)-34;
	h.b[29] = 1;
	cr_assert_eq(parse(&h, &rt, &why), 0, "%s", why);
	cr_assert_eq(rt.tsft, 9526800862ull);
	cr_assert_eq(rt.dbm_signal, -34, "the first namespace gives the scalar");
	cr_assert_eq(rt.nnamespaces, 3);
	cr_assert_eq(rt.nchains, 3);
	cr_assert_eq(rt.chain_signal[1], -39);
	cr_assert_eq(rt.chain_antenna[1], 0);
	cr_assert_eq(rt.chain_signal[2], -34);
	cr_assert_eq(rt.chain_antenna[2], 1);
	cr_assert_eq(rt.chain_antenna[0], 0xff);
}

Test(radiotap, vendor_namespace_skipped_by_its_length)
{
	struct hb h;
	struct radiotap rt;
	const char *why;
	/* flags @16, vendor header aligned to 18 (skip 5: data 24..28), then radiotap again */
	uint32_t w[] = {BIT(RT_FLAGS) | BIT(RT_NS_VENDOR) | BIT(RT_EXT),
	                0xffffu | BIT(RT_NS_RADIOTAP) | BIT(RT_EXT), BIT(RT_DBM_SIGNAL)};
	hb_init(&h, 30, w, 3);
	h.b[16] = 0x10;
	h.b[18] = 0x00;
	h.b[19] = 0x11;
	h.b[20] = 0x22;
	put16(h.b + 22, 5);
	memset(h.b + 24, 0xee, 5);
	h.b[29] = (uint8_t)-60;
	cr_assert_eq(parse(&h, &rt, &why), 0, "%s", why);
	cr_assert_eq(rt.nvendor, 1);
	cr_assert_eq(rt.dbm_signal, -60);
	cr_assert_eq(rt.have, BIT(RT_FLAGS) | BIT(RT_DBM_SIGNAL), "vendor bits not interpreted");
	/* skip_length one byte too long */
	put16(h.b + 22, 7);
	cr_assert_eq(parse(&h, &rt, &why), -1);
	cr_assert_str_eq(why, "vendor namespace skip_length runs past it_len");
	/* the vendor header itself cut by it_len */
	uint32_t w2[] = {BIT(RT_NS_VENDOR)};
	hb_init(&h, 12, w2, 1);
	cr_assert_eq(parse(&h, &rt, &why), -1);
	cr_assert_str_eq(why, "vendor namespace header runs past it_len");
}

Test(radiotap, bad_fixed_header_is_rejected_with_a_reason)
{
	struct hb h;
	struct radiotap rt;
	const char *why;
	uint32_t w[] = {0};
	hb_init(&h, 8, w, 1);
	h.b[0] = 0x30; /* the fuzzed tcpdump captures: version 48 */
	cr_assert_eq(parse(&h, &rt, &why), -1);
	cr_assert_str_eq(why, "unsupported radiotap version (only 0 is defined)");
	hb_init(&h, 8, w, 1);
	put16(h.b + 2, 9);
	cr_assert_eq(parse(&h, &rt, &why), -1);
	cr_assert_str_eq(why, "it_len runs past the captured frame");
	put16(h.b + 2, 6);
	cr_assert_eq(parse(&h, &rt, &why), -1);
	cr_assert_str_eq(why, "it_len below the 8-byte minimum");
	h.len = 7;
	cr_assert_eq(parse(&h, &rt, &why), -1);
	cr_assert_str_eq(why, "truncated: shorter than the 8-byte radiotap header");
	uint32_t w2[] = {BIT(RT_NS_RADIOTAP) | BIT(RT_NS_VENDOR)};
	hb_init(&h, 8, w2, 1);
	cr_assert_eq(parse(&h, &rt, &why), -1);
	cr_assert_str_eq(why, "both namespace bits set in one presence word");
}

Test(radiotap, unknown_field_tolerated_only_when_last)
{
	struct hb h;
	struct radiotap rt;
	const char *why;
	/* bit 32 of the radiotap namespace (undefined) after TSFT: nothing follows, accepted */
	uint32_t w[] = {BIT(RT_TSFT) | BIT(RT_EXT), BIT(0)};
	hb_init(&h, 24, w, 2);
	put64(h.b + 16, 7);
	cr_assert_eq(parse(&h, &rt, &why), 0, "%s", why);
	cr_assert_eq(rt.unknown_fields, 1);
	cr_assert_eq(rt.tsft, 7);
	/* the same, then a new radiotap namespace with TSFT: its position is unknowable */
	uint32_t w2[] = {BIT(RT_EXT), BIT(0) | BIT(RT_NS_RADIOTAP) | BIT(RT_EXT), BIT(RT_TSFT)};
	hb_init(&h, 32, w2, 3);
	cr_assert_eq(parse(&h, &rt, &why), -1);
	cr_assert_str_eq(why, "a field follows an unknown field whose size is not known");
}

Test(radiotap, tlv_area_checked_to_it_len)
{
	struct hb h;
	struct radiotap rt;
	const char *why;
	/* flags @8, TLVs from 12: (1, 3 bytes + 1 pad), (2, 0 bytes) */
	uint32_t w[] = {BIT(RT_FLAGS) | BIT(RT_TLV)};
	hb_init(&h, 24, w, 1);
	put16(h.b + 12, 1);
	put16(h.b + 14, 3);
	put16(h.b + 20, 2);
	put16(h.b + 22, 0);
	cr_assert_eq(parse(&h, &rt, &why), 0, "%s", why);
	cr_assert_eq(rt.ntlv, 2);
	cr_assert_eq(rt.tlv_off, 12);
	cr_assert_eq(rt.tlv_len, 12);
	put16(h.b + 22, 1); /* the second one's byte is missing */
	cr_assert_eq(parse(&h, &rt, &why), -1);
	cr_assert_str_eq(why, "TLV length runs past it_len");
	put16(h.b + 22, 0);
	h.len = 22;
	put16(h.b + 2, 22);
	cr_assert_eq(parse(&h, &rt, &why), -1);
	cr_assert_str_eq(why, "TLV header truncated by it_len");
}

Test(radiotap, every_standard_field_size_and_alignment)
{
	static const unsigned want[28][2] = {
	        {8, 8}, {1, 1},  {1, 1},  {2, 4},  {1, 2},  {1, 1}, {1, 1}, {2, 2}, {2, 2}, {2, 2},
	        {1, 1}, {1, 1},  {1, 1},  {1, 1},  {2, 2},  {2, 2}, {1, 1}, {1, 1}, {4, 8}, {1, 3},
	        {4, 8}, {2, 12}, {8, 12}, {2, 12}, {2, 12}, {2, 6}, {1, 1}, {2, 4}};
	unsigned a, s;
	for (unsigned b = 0; b < 28; b++) {
		cr_assert(radiotap_field_layout(b, &a, &s), "bit %u", b);
		cr_assert_eq(a, want[b][0], "bit %u align", b);
		cr_assert_eq(s, want[b][1], "bit %u size", b);
	}
	cr_assert_not(radiotap_field_layout(RT_TLV, &a, &s));
	cr_assert_not(radiotap_field_layout(32, &a, &s));
	cr_assert_str_eq(radiotap_field_name(RT_TIMESTAMP), "timestamp");
	cr_assert_str_eq(radiotap_field_name(40), "?");
	/* every field at once: each lands at its aligned offset and the total is exact */
	struct hb h;
	struct radiotap rt;
	const char *why;
	size_t off = 8;
	for (unsigned b = 0; b < 28; b++)
		off = ((off + want[b][0] - 1) & ~(size_t)(want[b][0] - 1)) + want[b][1];
	uint32_t w[] = {BIT(RT_TLV) - 1};
	hb_init(&h, off, w, 1);
	cr_assert_eq(parse(&h, &rt, &why), 0, "%s", why);
	cr_assert_eq(rt.have, BIT(RT_TLV) - 1);
	h.len = off - 1;
	put16(h.b + 2, (uint16_t)(off - 1));
	cr_assert_eq(parse(&h, &rt, &why), -1);
}

Test(radiotap, ht_vht_he_rates)
{
	struct radiotap rt = {.have = BIT(RT_MCS)};
	rt.mcs.known = 0x07; /* bandwidth, MCS, GI */
	rt.mcs.flags = 0x05; /* 40 MHz, short GI */
	rt.mcs.index = 7;
	cr_assert_eq(radiotap_rate_kbps(&rt), 150000);
	rt.mcs.flags = 0;
	rt.mcs.index = 15;
	cr_assert_eq(radiotap_rate_kbps(&rt), 130000);
	rt.mcs.flags = 0x04;
	rt.mcs.index = 0;
	cr_assert_eq(radiotap_rate_kbps(&rt), 7222);
	rt.mcs.known = 0x05; /* MCS index unknown */
	cr_assert_eq(radiotap_rate_kbps(&rt), 0);

	struct radiotap v = {.have = BIT(RT_VHT)};
	v.vht.known = 0x0044;
	v.vht.flags = 0x04;
	v.vht.bandwidth = 4;     /* 80 MHz */
	v.vht.mcs_nss[0] = 0x92; /* MCS 9, 2 streams */
	cr_assert_eq(radiotap_rate_kbps(&v), 866667);
	v.vht.mcs_nss[0] = 0x90; /* no streams: no rate */
	cr_assert_eq(radiotap_rate_kbps(&v), 0);

	struct radiotap e = {.have = BIT(RT_HE)};
	e.he[0] = 0x4020 | 0x0000; /* SU, MCS known, BW known */
	e.he[1] = 0x0002;          /* GI known */
	e.he[2] = 11 << 8;
	e.he[4] = 2; /* 80 MHz, 0.8 us GI */
	e.he[5] = 2; /* 2 streams */
	cr_assert_eq(radiotap_rate_kbps(&e), 1200980);
	e.he[4] = 0 | 1 << 4; /* 20 MHz, 1.6 us */
	e.he[2] = 0;
	e.he[5] = 1;
	cr_assert_eq(radiotap_rate_kbps(&e), 8125); /* 117 bits / 14.4 us */
	e.he[0] = 0x4022;                           /* MU: not derived */
	cr_assert_eq(radiotap_rate_kbps(&e), 0);
}

static int count_cb(const struct rt_field_ref *f, void *arg)
{
	unsigned *n = arg;
	(*n)++;
	return f->bit == RT_FLAGS ? 7 : 0;
}

Test(radiotap, iterator_yields_fields_and_stops_on_request)
{
	struct hb h;
	const char *why;
	uint16_t it_len;
	unsigned n = 0;
	uint32_t w[] = {BIT(RT_TSFT) | BIT(RT_FLAGS) | BIT(RT_RATE)};
	hb_init(&h, 18, w, 1);
	cr_assert_eq(radiotap_iterate(h.b, h.len, count_cb, &n, &it_len, &why), 7);
	cr_assert_eq(n, 2);
	cr_assert_eq(it_len, 18);
}

Test(radiotap, second_word_of_unknown_bits_tolerated_as_ath9k_sends_it)
{
	struct hb h;
	struct radiotap rt;
	const char *why;
	/* tcpdump's ieee802.11_exthdr.pcap: TSFT .. antenna, then bits 32.. of the radiotap
	 * namespace (undefined): the known fields stand, the rest cannot be placed */
	uint32_t w[] = {BIT(RT_TSFT) | BIT(RT_FLAGS) | BIT(RT_EXT), 0x107701f7u};
	hb_init(&h, 40, w, 2);
	put64(h.b + 16, 10016360);
	h.b[24] = 0x10;
	cr_assert_eq(parse(&h, &rt, &why), 0, "%s", why);
	cr_assert_eq(rt.tsft, 10016360);
	cr_assert_eq(rt.flags, 0x10);
	cr_assert_eq(rt.unknown_fields, (unsigned)__builtin_popcount(0x107701f7u));
}

Test(radiotap, build_then_parse_gives_every_field_back)
{
	struct radiotap in, out;
	uint8_t buf[128];
	const char *why;
	/* every field with distinct byte patterns */
	memset(&in, 0, sizeof(in));
	uint8_t *raw = (uint8_t *)&in.tsft;
	for (size_t i = 0; i < (size_t)((uint8_t *)&in.tlv_off - raw); i++)
		raw[i] = (uint8_t)(i * 7 + 3);
	in.have = BIT(RT_TLV) - 1;
	size_t n = radiotap_build(buf, sizeof(buf), &in);
	cr_assert_gt(n, 8);
	cr_assert_eq(radiotap_parse(buf, n, &out, &why), 0, "%s", why);
	cr_assert_eq(out.len, n);
	cr_assert_eq(out.have, in.have);
	cr_assert_eq(out.tsft, in.tsft);
	cr_assert_eq(out.chan_freq, in.chan_freq);
	cr_assert_eq(out.dbm_signal, in.dbm_signal);
	cr_assert_eq(out.xchannel.freq, in.xchannel.freq);
	cr_assert_eq(memcmp(&out.vht, &in.vht, sizeof(in.vht)), 0);
	cr_assert_eq(out.timestamp.ts, in.timestamp.ts);
	cr_assert_eq(out.timestamp.accuracy, in.timestamp.accuracy);
	cr_assert_eq(out.timestamp.unit_pos, in.timestamp.unit_pos);
	cr_assert_eq(out.timestamp.flags, in.timestamp.flags);
	cr_assert_eq(memcmp(out.he, in.he, sizeof(in.he)), 0);
	cr_assert_eq(memcmp(&out.he_mu, &in.he_mu, sizeof(in.he_mu)), 0);
	cr_assert_eq(memcmp(out.lsig, in.lsig, sizeof(in.lsig)), 0);
	cr_assert_eq(out.ampdu.ref, in.ampdu.ref);
	cr_assert_eq(out.mcs.index, in.mcs.index);
	cr_assert_eq(out.he_mu_user.known, in.he_mu_user.known);
	/* the typical RX header: TSFT, flags, rate, channel, signal = 22 bytes */
	struct radiotap rx = {.have = BIT(RT_TSFT) | BIT(RT_FLAGS) | BIT(RT_RATE) |
	                              BIT(RT_CHANNEL) | BIT(RT_DBM_SIGNAL),
	                      .tsft = 123,
	                      .rate = 108,
	                      .chan_freq = 5180,
	                      .dbm_signal = -40};
	n = radiotap_build(buf, sizeof(buf), &rx);
	cr_assert_eq(n, 23);
	cr_assert_eq(radiotap_build(buf, 22, &rx), 0, "too small");
	rx.have |= BIT(RT_TLV);
	cr_assert_eq(radiotap_build(buf, sizeof(buf), &rx), 0, "TLVs are not written");
}
