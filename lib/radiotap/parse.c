// SPDX-License-Identifier: MIT
/* Radiotap fields into struct radiotap (include/tsync/radiotap.h). */
#include <string.h>

#include "radiotap_private.h"
#include "tsync/radiotap.h"

static void scalar(struct radiotap *rt, unsigned bit, const uint8_t *d)
{
	switch (bit) {
	case RT_TSFT:
		rt->tsft = rt_le64(d);
		break;
	case RT_FLAGS:
		rt->flags = d[0];
		break;
	case RT_RATE:
		rt->rate = d[0];
		break;
	case RT_CHANNEL:
		rt->chan_freq = rt_le16(d);
		rt->chan_flags = rt_le16(d + 2);
		break;
	case RT_FHSS:
		rt->fhss_set = d[0];
		rt->fhss_pattern = d[1];
		break;
	case RT_DBM_SIGNAL:
		rt->dbm_signal = (int8_t)d[0];
		break;
	case RT_DBM_NOISE:
		rt->dbm_noise = (int8_t)d[0];
		break;
	case RT_LOCK_QUALITY:
		rt->lock_quality = rt_le16(d);
		break;
	case RT_TX_ATTEN:
		rt->tx_atten = rt_le16(d);
		break;
	case RT_DB_TX_ATTEN:
		rt->db_tx_atten = rt_le16(d);
		break;
	case RT_DBM_TX_POWER:
		rt->dbm_tx_power = (int8_t)d[0];
		break;
	case RT_ANTENNA:
		rt->antenna = d[0];
		break;
	case RT_DB_SIGNAL:
		rt->db_signal = d[0];
		break;
	case RT_DB_NOISE:
		rt->db_noise = d[0];
		break;
	case RT_RX_FLAGS:
		rt->rx_flags = rt_le16(d);
		break;
	case RT_TX_FLAGS:
		rt->tx_flags = rt_le16(d);
		break;
	case RT_RTS_RETRIES:
		rt->rts_retries = d[0];
		break;
	case RT_DATA_RETRIES:
		rt->data_retries = d[0];
		break;
	case RT_XCHANNEL:
		rt->xchannel.flags = rt_le32(d);
		rt->xchannel.freq = rt_le16(d + 4);
		rt->xchannel.channel = d[6];
		rt->xchannel.maxpower = d[7];
		break;
	case RT_MCS:
		rt->mcs.known = d[0];
		rt->mcs.flags = d[1];
		rt->mcs.index = d[2];
		break;
	case RT_AMPDU:
		rt->ampdu.ref = rt_le32(d);
		rt->ampdu.flags = rt_le16(d + 4);
		rt->ampdu.delim_crc = d[6];
		break;
	case RT_VHT:
		rt->vht.known = rt_le16(d);
		rt->vht.flags = d[2];
		rt->vht.bandwidth = d[3];
		memcpy(rt->vht.mcs_nss, d + 4, 4);
		rt->vht.coding = d[8];
		rt->vht.group_id = d[9];
		rt->vht.partial_aid = rt_le16(d + 10);
		break;
	case RT_TIMESTAMP:
		rt->timestamp.ts = rt_le64(d);
		rt->timestamp.accuracy = rt_le16(d + 8);
		rt->timestamp.unit_pos = d[10];
		rt->timestamp.flags = d[11];
		break;
	case RT_HE:
		for (int i = 0; i < 6; i++)
			rt->he[i] = rt_le16(d + 2 * i);
		break;
	case RT_HE_MU:
		rt->he_mu.flags1 = rt_le16(d);
		rt->he_mu.flags2 = rt_le16(d + 2);
		memcpy(rt->he_mu.ru1, d + 4, 4);
		memcpy(rt->he_mu.ru2, d + 8, 4);
		break;
	case RT_HE_MU_USER:
		rt->he_mu_user.per_user_1 = rt_le16(d);
		rt->he_mu_user.per_user_2 = rt_le16(d + 2);
		rt->he_mu_user.position = d[4];
		rt->he_mu_user.known = d[5];
		break;
	case RT_ZERO_LEN_PSDU:
		rt->zero_len_psdu = d[0];
		break;
	case RT_LSIG:
		rt->lsig[0] = rt_le16(d);
		rt->lsig[1] = rt_le16(d + 2);
		break;
	}
}

/* TLVs: counted (radiotap_iterate checked their lengths) */
static unsigned count_tlvs(const uint8_t *d, size_t len)
{
	unsigned n = 0;
	for (size_t p = 0; p + 4 <= len; n++)
		p += (4 + (size_t)rt_le16(d + p + 2) + 3) & ~(size_t)3;
	return n;
}

struct parse_state {
	struct radiotap *rt;
	unsigned chain_ns; /* ns_index + 1 of the chain being filled (0: none) */
};

static int on_field(const struct rt_field_ref *f, void *arg)
{
	struct parse_state *s = arg;
	struct radiotap *rt = s->rt;
	if (f->bit >= 32)
		return 0; /* no radiotap field defined past the first word of a namespace */
	/* a namespace's dBm signal, and its antenna (bit 11 comes after bit 5) */
	if (f->bit == RT_DBM_SIGNAL && rt->nchains < RT_MAX_CHAINS) {
		s->chain_ns = f->ns_index + 1;
		rt->chain_signal[rt->nchains] = (int8_t)f->data[0];
		rt->chain_antenna[rt->nchains++] = 0xff;
	} else if (f->bit == RT_ANTENNA && s->chain_ns == f->ns_index + 1) {
		rt->chain_antenna[rt->nchains - 1] = f->data[0];
	}
	if (rt->have & (1u << f->bit))
		return 0; /* the first namespace that has a field gives it */
	rt->have |= 1u << f->bit;
	if (f->bit == RT_TLV) {
		rt->tlv_off = (uint16_t)f->off;
		rt->tlv_len = (uint16_t)f->len;
		rt->ntlv = count_tlvs(f->data, f->len);
		return 0;
	}
	scalar(rt, f->bit, f->data);
	return 0;
}

int radiotap_parse(const uint8_t *buf, size_t len, struct radiotap *rt, const char **why)
{
	struct parse_state s = {.rt = rt};
	uint16_t it_len;
	memset(rt, 0, sizeof(*rt));
	if (radiotap_iterate(buf, len, on_field, &s, &it_len, why))
		return -1;
	rt->len = it_len;
	rt->nnamespaces = 1;
	bool rt_ns = true;
	unsigned base = 0;
	for (size_t p = 4;; p += 4) {
		uint32_t w = rt_le32(buf + p);
		if (rt->npresent < RT_MAX_PRESENT)
			rt->present[rt->npresent] = w;
		rt->npresent++;
		for (unsigned b = 0; rt_ns && b < RT_NS_RADIOTAP; b++)
			if ((w & (1u << b)) && base + b > RT_TLV)
				rt->unknown_fields++;
		if (w & (1u << RT_NS_VENDOR)) {
			rt->nvendor++;
			rt_ns = false;
			base = 0;
		} else if (w & (1u << RT_NS_RADIOTAP)) {
			rt->nnamespaces += !!(w & (1u << RT_EXT));
			rt_ns = true;
			base = 0;
		} else {
			base += 32;
		}
		if (!(w & (1u << RT_EXT)))
			break;
	}
	return 0;
}

bool radiotap_timestamp_ns(const struct radiotap *rt, uint64_t *ns)
{
	static const uint64_t mult[3] = {1000000, 1000, 1};
	unsigned unit = rt->timestamp.unit_pos & 0x0f;
	if (!(rt->have & (1u << RT_TIMESTAMP)) || unit > RT_TS_UNIT_NS)
		return false;
	uint64_t ts = rt->timestamp.ts;
	if (rt->timestamp.flags & RT_TS_FL_32BIT)
		ts &= 0xffffffffu;
	return !__builtin_mul_overflow(ts, mult[unit], ns);
}
