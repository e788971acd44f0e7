// SPDX-License-Identifier: MIT
/* Writing a radiotap header (one presence word, fields 0..27 of struct radiotap's have):
 * the emulated medium's captures and injected frames. */
#include <string.h>

#include "radiotap_private.h"
#include "tsync/radiotap.h"

static void put(uint8_t *d, unsigned bit, const struct radiotap *rt)
{
	switch (bit) {
	case RT_TSFT:
		rt_put64(d, rt->tsft);
		break;
	case RT_FLAGS:
		d[0] = rt->flags;
		break;
	case RT_RATE:
		d[0] = rt->rate;
		break;
	case RT_CHANNEL:
		rt_put16(d, rt->chan_freq);
		rt_put16(d + 2, rt->chan_flags);
		break;
	case RT_FHSS:
		d[0] = rt->fhss_set;
		d[1] = rt->fhss_pattern;
		break;
	case RT_DBM_SIGNAL:
		d[0] = (uint8_t)rt->dbm_signal;
		break;
	case RT_DBM_NOISE:
		d[0] = (uint8_t)rt->dbm_noise;
		break;
	case RT_LOCK_QUALITY:
		rt_put16(d, rt->lock_quality);
		break;
	case RT_TX_ATTEN:
		rt_put16(d, rt->tx_atten);
		break;
	case RT_DB_TX_ATTEN:
		rt_put16(d, rt->db_tx_atten);
		break;
	case RT_DBM_TX_POWER:
		d[0] = (uint8_t)rt->dbm_tx_power;
		break;
	case RT_ANTENNA:
		d[0] = rt->antenna;
		break;
	case RT_DB_SIGNAL:
		d[0] = rt->db_signal;
		break;
	case RT_DB_NOISE:
		d[0] = rt->db_noise;
		break;
	case RT_RX_FLAGS:
		rt_put16(d, rt->rx_flags);
		break;
	case RT_TX_FLAGS:
		rt_put16(d, rt->tx_flags);
		break;
	case RT_RTS_RETRIES:
		d[0] = rt->rts_retries;
		break;
	case RT_DATA_RETRIES:
		d[0] = rt->data_retries;
		break;
	case RT_XCHANNEL:
		rt_put32(d, rt->xchannel.flags);
		rt_put16(d + 4, rt->xchannel.freq);
		d[6] = rt->xchannel.channel;
		d[7] = rt->xchannel.maxpower;
		break;
	case RT_MCS:
		d[0] = rt->mcs.known;
		d[1] = rt->mcs.flags;
		d[2] = rt->mcs.index;
		break;
	case RT_AMPDU:
		rt_put32(d, rt->ampdu.ref);
		rt_put16(d + 4, rt->ampdu.flags);
		d[6] = rt->ampdu.delim_crc;
		break;
	case RT_VHT:
		rt_put16(d, rt->vht.known);
		d[2] = rt->vht.flags;
		d[3] = rt->vht.bandwidth;
		memcpy(d + 4, rt->vht.mcs_nss, 4);
		d[8] = rt->vht.coding;
		d[9] = rt->vht.group_id;
		rt_put16(d + 10, rt->vht.partial_aid);
		break;
	case RT_TIMESTAMP:
		rt_put64(d, rt->timestamp.ts);
		rt_put16(d + 8, rt->timestamp.accuracy);
		d[10] = rt->timestamp.unit_pos;
		d[11] = rt->timestamp.flags;
		break;
	case RT_HE:
		for (int i = 0; i < 6; i++)
			rt_put16(d + 2 * i, rt->he[i]);
		break;
	case RT_HE_MU:
		rt_put16(d, rt->he_mu.flags1);
		rt_put16(d + 2, rt->he_mu.flags2);
		memcpy(d + 4, rt->he_mu.ru1, 4);
		memcpy(d + 8, rt->he_mu.ru2, 4);
		break;
	case RT_HE_MU_USER:
		rt_put16(d, rt->he_mu_user.per_user_1);
		rt_put16(d + 2, rt->he_mu_user.per_user_2);
		d[4] = rt->he_mu_user.position;
		d[5] = rt->he_mu_user.known;
		break;
	case RT_ZERO_LEN_PSDU:
		d[0] = rt->zero_len_psdu;
		break;
	case RT_LSIG:
		rt_put16(d, rt->lsig[0]);
		rt_put16(d + 2, rt->lsig[1]);
		break;
	}
}

size_t radiotap_build(uint8_t *buf, size_t cap, const struct radiotap *rt)
{
	uint32_t have = rt->have & ((1u << RT_TLV) - 1);
	size_t off = 8;
	unsigned al, sz;
	if (have != rt->have)
		return 0; /* TLVs and namespace bits are not written */
	for (unsigned b = 0; b < RT_TLV; b++)
		if (have & (1u << b)) {
			radiotap_field_layout(b, &al, &sz);
			off = ((off + al - 1) & ~(size_t)(al - 1)) + sz;
		}
	if (off > cap)
		return 0;
	memset(buf, 0, off);
	rt_put16(buf + 2, (uint16_t)off);
	rt_put32(buf + 4, have);
	off = 8;
	for (unsigned b = 0; b < RT_TLV; b++)
		if (have & (1u << b)) {
			radiotap_field_layout(b, &al, &sz);
			off = (off + al - 1) & ~(size_t)(al - 1);
			put(buf + off, b, rt);
			off += sz;
		}
	return off;
}
