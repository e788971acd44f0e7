// SPDX-License-Identifier: MIT
/* Data rates from the Rate, MCS (HT), VHT and HE fields: data subcarriers x bits per
 * subcarrier x coding rate x spatial streams / symbol time (802.11-2020 19.5, 21.5, 27.5). */
#include "tsync/radiotap.h"

/* bits per subcarrier x coding rate x 12, by modulation and coding index 0..11 */
static const unsigned bps12[12] = {6, 12, 18, 24, 36, 48, 54, 60, 72, 80, 90, 100};

/* kbps, rounded to nearest: nsd subcarriers, modulation m, nss streams, symbol sym_ns */
static uint32_t ofdm_kbps(unsigned nsd, unsigned m, unsigned nss, unsigned sym_ns)
{
	uint64_t num = (uint64_t)nsd * bps12[m] * nss * 1000000u, den = 12ull * sym_ns;
	return (uint32_t)((num + den / 2) / den);
}

/* HT/VHT data subcarriers by channel width */
static unsigned vht_nsd(unsigned mhz)
{
	switch (mhz) {
	case 20:
		return 52;
	case 40:
		return 108;
	case 80:
		return 234;
	case 160:
		return 468;
	}
	return 0;
}

static uint32_t ht_kbps(const struct radiotap *rt)
{
	if (!(rt->mcs.known & 0x02) || rt->mcs.index > 31)
		return 0; /* MCS 32 and unequal modulations: not derived */
	unsigned bw = (rt->mcs.known & 0x01) && (rt->mcs.flags & 0x03) == 1 ? 40 : 20;
	bool sgi = (rt->mcs.known & 0x04) && (rt->mcs.flags & 0x04);
	return ofdm_kbps(vht_nsd(bw), rt->mcs.index % 8, rt->mcs.index / 8 + 1, sgi ? 3600 : 4000);
}

static uint32_t vht_kbps(const struct radiotap *rt)
{
	/* the user's width for each bandwidth code 0..25 */
	static const uint8_t mhz[26] = {20, 40, 20, 20, 80, 40, 40, 20, 20, 20, 20, 160, 80,
	                                80, 40, 40, 40, 40, 20, 20, 20, 20, 20, 20, 20,  20};
	unsigned mcs = rt->vht.mcs_nss[0] >> 4, nss = rt->vht.mcs_nss[0] & 0x0f;
	if (!(rt->vht.known & 0x0040) || rt->vht.bandwidth > 25 || nss == 0 || mcs > 9)
		return 0;
	bool sgi = (rt->vht.known & 0x0004) && (rt->vht.flags & 0x04);
	return ofdm_kbps(vht_nsd(mhz[rt->vht.bandwidth]), mcs, nss, sgi ? 3600 : 4000);
}

static uint32_t he_kbps(const struct radiotap *rt)
{
	static const unsigned nsd[4] = {234, 468, 980, 1960}; /* 20, 40, 80, 160 MHz */
	static const unsigned gi[3] = {800, 1600, 3200};
	const uint16_t *d = rt->he;
	unsigned format = d[0] & 0x3, mcs = (d[2] >> 8) & 0x0f, bw = d[4] & 0x0f;
	unsigned g = (d[4] >> 4) & 0x3, nsts = d[5] & 0x0f;
	bool stbc = (d[0] & 0x0200) && (d[2] & 0x8000);
	if (format > 1 || !(d[0] & 0x0020) || !(d[0] & 0x4000) || !(d[1] & 0x0002) || mcs > 11 ||
	    bw > 3 || g > 2 || nsts == 0)
		return 0; /* only SU / extended-range SU with MCS, width, GI and NSTS known */
	unsigned nss = stbc ? nsts / 2 : nsts;
	if (nss == 0)
		return 0;
	uint32_t r = ofdm_kbps(nsd[bw], mcs, nss, 12800 + gi[g]);
	bool dcm = (d[0] & 0x0040) && (d[2] & 0x0020) && (mcs <= 1 || mcs == 3 || mcs == 4);
	return dcm ? r / 2 : r;
}

uint32_t radiotap_rate_kbps(const struct radiotap *rt)
{
	if (rt->have & (1u << RT_RATE))
		return rt->rate * 500u;
	if (rt->have & (1u << RT_MCS))
		return ht_kbps(rt);
	if (rt->have & (1u << RT_VHT))
		return vht_kbps(rt);
	if (rt->have & (1u << RT_HE))
		return he_kbps(rt);
	return 0;
}
