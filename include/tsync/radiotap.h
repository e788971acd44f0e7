/* SPDX-License-Identifier: MIT */
/*
 * Radiotap (https://www.radiotap.org): the per-frame radio header a monitor interface puts in
 * front of every 802.11 frame (DLT_IEEE802_11_RADIO). Pure parsing of a byte buffer, no
 * allocation, no I/O: the wifi transport and tsync-analyze share it.
 *
 * Layout: version (0), pad, it_len (LE16, the whole header), then LE32 presence words chained
 * by bit 31. Bits 29 / 30 switch the namespace for the next word (radiotap / vendor): bit
 * numbers restart there, so a second radiotap namespace carries e.g. one antenna's signal.
 * Field data follows the last word, each field aligned to its natural alignment relative to
 * the header's start. A vendor namespace is a 6-byte field (OUI, sub-namespace, skip_length)
 * and its data (skip_length bytes) is skipped whole; its presence bits are not interpreted.
 *
 * Strict: a version other than 0, it_len beyond the buffer, presence words or a field past
 * it_len, a vendor skip_length or TLV past it_len, or an unknown radiotap-namespace field
 * followed by fields whose position it hides is rejected with a reason string (static text).
 * Unknown fields with no known field after them are tolerated, as Linux and Wireshark stop
 * there (counted in unknown_fields): ath9k sends a second word of such bits.
 */
#ifndef TSYNC_RADIOTAP_H
#define TSYNC_RADIOTAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Presence bits of the radiotap namespace. */
enum rt_field {
	RT_TSFT = 0,
	RT_FLAGS = 1,
	RT_RATE = 2,
	RT_CHANNEL = 3,
	RT_FHSS = 4,
	RT_DBM_SIGNAL = 5,
	RT_DBM_NOISE = 6,
	RT_LOCK_QUALITY = 7,
	RT_TX_ATTEN = 8,
	RT_DB_TX_ATTEN = 9,
	RT_DBM_TX_POWER = 10,
	RT_ANTENNA = 11,
	RT_DB_SIGNAL = 12,
	RT_DB_NOISE = 13,
	RT_RX_FLAGS = 14,
	RT_TX_FLAGS = 15,
	RT_RTS_RETRIES = 16,
	RT_DATA_RETRIES = 17,
	RT_XCHANNEL = 18,
	RT_MCS = 19,
	RT_AMPDU = 20,
	RT_VHT = 21,
	RT_TIMESTAMP = 22,
	RT_HE = 23,
	RT_HE_MU = 24,
	RT_HE_MU_USER = 25,
	RT_ZERO_LEN_PSDU = 26,
	RT_LSIG = 27,
	RT_TLV = 28,
	RT_NS_RADIOTAP = 29,
	RT_NS_VENDOR = 30,
	RT_EXT = 31,
};

/* Flags field bits. */
#define RT_F_CFP      0x01
#define RT_F_SHORTPRE 0x02
#define RT_F_WEP      0x04
#define RT_F_FRAG     0x08
#define RT_F_FCS      0x10 /* the frame ends with its 4-byte FCS */
#define RT_F_DATAPAD  0x20
#define RT_F_BADFCS   0x40
#define RT_F_SHORTGI  0x80

/* TIMESTAMP field: unit (low nibble of unit_pos) and sampling position (high nibble). */
enum rt_ts_unit { RT_TS_UNIT_MS = 0, RT_TS_UNIT_US = 1, RT_TS_UNIT_NS = 2 };
enum rt_ts_pos {
	RT_TS_POS_FIRST_BIT_MPDU = 0, /* start of the MPDU (after the PHY header) */
	RT_TS_POS_SIGNAL_ACQ = 1,     /* signal acquisition */
	RT_TS_POS_END_PPDU = 2,
	RT_TS_POS_END_MPDU = 3,
	RT_TS_POS_UNKNOWN = 15,
};
#define RT_TS_FL_32BIT    0x01 /* only the low 32 bits of the counter are valid */
#define RT_TS_FL_ACCURACY 0x02 /* accuracy is known */

#define RT_MAX_PRESENT 8 /* presence words kept in struct radiotap (more are parsed) */
#define RT_MAX_CHAINS  8 /* per-namespace antenna signals kept */

/* One field as the iterator yields it: its bit in its namespace, and its bytes. */
struct rt_field_ref {
	unsigned bit;      /* bit number within the namespace (0.. ; 32.. for a 2nd word) */
	unsigned ns_index; /* 0 for the first radiotap namespace, 1 for the next, ... */
	const uint8_t *data;
	size_t len;
	size_t off; /* offset from the start of the header */
};

/* The parsed header. A field is present when its bit is set in have (first radiotap
 * namespace wins for the scalar fields; later namespaces add to chain_signal). */
struct radiotap {
	uint16_t len; /* it_len */
	uint32_t present[RT_MAX_PRESENT];
	unsigned npresent;       /* presence words in the header (may exceed RT_MAX_PRESENT) */
	unsigned nnamespaces;    /* radiotap namespaces (1 + restarts) */
	unsigned nvendor;        /* vendor namespaces skipped */
	unsigned unknown_fields; /* trailing unknown fields tolerated */
	uint32_t have;           /* bit n: radiotap field n seen (RT_*) */

	uint64_t tsft; /* us, the MAC's TSF when the first bit of the MPDU arrived */
	uint8_t flags;
	uint8_t rate; /* 500 kbps units */
	uint16_t chan_freq, chan_flags;
	uint8_t fhss_set, fhss_pattern;
	int8_t dbm_signal, dbm_noise;
	uint16_t lock_quality, tx_atten, db_tx_atten;
	int8_t dbm_tx_power;
	uint8_t antenna, db_signal, db_noise;
	uint16_t rx_flags, tx_flags;
	uint8_t rts_retries, data_retries;
	struct {
		uint32_t flags;
		uint16_t freq;
		uint8_t channel, maxpower;
	} xchannel;
	struct {
		uint8_t known, flags, index;
	} mcs;
	struct {
		uint32_t ref;
		uint16_t flags;
		uint8_t delim_crc;
	} ampdu;
	struct {
		uint16_t known;
		uint8_t flags, bandwidth, mcs_nss[4], coding, group_id;
		uint16_t partial_aid;
	} vht;
	struct {
		uint64_t ts;
		uint16_t accuracy;
		uint8_t unit_pos, flags;
	} timestamp;
	uint16_t he[6];
	struct {
		uint16_t flags1, flags2;
		uint8_t ru1[4], ru2[4];
	} he_mu;
	struct {
		uint16_t per_user_1, per_user_2;
		uint8_t position, known;
	} he_mu_user;
	uint8_t zero_len_psdu;
	uint16_t lsig[2];
	uint16_t tlv_off, tlv_len; /* the TLV area (bit 28), checked to be well formed */
	unsigned ntlv;

	int8_t chain_signal[RT_MAX_CHAINS];   /* dBm signal of each radiotap namespace having one */
	uint8_t chain_antenna[RT_MAX_CHAINS]; /* its antenna index (0xff: none given) */
	unsigned nchains;
};

/* Callback per field, in order; return non-zero to stop (radiotap_iterate returns it). */
typedef int (*rt_field_cb)(const struct rt_field_ref *f, void *arg);

/*
 * Walk the header at buf (len bytes captured; the frame follows it_len). Radiotap-namespace
 * fields go to cb (if not NULL). 0 on success, -1 when malformed (*why set to a static
 * reason), or cb's non-zero value. *it_len is set once the fixed header is read (else 0).
 */
int radiotap_iterate(const uint8_t *buf, size_t len, rt_field_cb cb, void *arg, uint16_t *it_len,
                     const char **why);

/* Parse into *rt (zeroed first). 0, or -1 with *why a static reason. */
int radiotap_parse(const uint8_t *buf, size_t len, struct radiotap *rt, const char **why);

/* Alignment and size of radiotap-namespace field bit (0..28); false for unknown bits and for
 * the variable-length TLV area (28). */
bool radiotap_field_layout(unsigned bit, unsigned *align, unsigned *size);
/* Name of a radiotap-namespace field ("tsft", "flags", ...), or "?" */
const char *radiotap_field_name(unsigned bit);

/* Data rate in kbps from Rate, else MCS (HT), else VHT (user 0), else HE; 0 when no rate is
 * derivable (unknown bandwidth, MCS or spatial streams). */
uint32_t radiotap_rate_kbps(const struct radiotap *rt);

/* Write the fields of rt->have (radiotap namespace bits 0..27, one presence word) as a
 * radiotap header into buf: its length, or 0 when cap is too small or have holds other bits
 * (TLVs, namespaces). radiotap_parse() of the result gives the same field values. */
size_t radiotap_build(uint8_t *buf, size_t cap, const struct radiotap *rt);

/* The TIMESTAMP field in ns (unit applied), false when absent or its unit is reserved. */
bool radiotap_timestamp_ns(const struct radiotap *rt, uint64_t *ns);

#endif
