// SPDX-License-Identifier: MIT
/* Radiotap header walk (include/tsync/radiotap.h): presence words, namespaces, alignment,
 * vendor namespaces skipped by skip_length, the TLV area; strict about every length. */
#include <string.h>

#include "radiotap_private.h"
#include "tsync/radiotap.h"

/* alignment, size of radiotap-namespace fields 0..27 (28, the TLV area, is variable) */
static const uint8_t layout[28][2] = {
        [RT_TSFT] = {8, 8},        [RT_FLAGS] = {1, 1},        [RT_RATE] = {1, 1},
        [RT_CHANNEL] = {2, 4},     [RT_FHSS] = {1, 2},         [RT_DBM_SIGNAL] = {1, 1},
        [RT_DBM_NOISE] = {1, 1},   [RT_LOCK_QUALITY] = {2, 2}, [RT_TX_ATTEN] = {2, 2},
        [RT_DB_TX_ATTEN] = {2, 2}, [RT_DBM_TX_POWER] = {1, 1}, [RT_ANTENNA] = {1, 1},
        [RT_DB_SIGNAL] = {1, 1},   [RT_DB_NOISE] = {1, 1},     [RT_RX_FLAGS] = {2, 2},
        [RT_TX_FLAGS] = {2, 2},    [RT_RTS_RETRIES] = {1, 1},  [RT_DATA_RETRIES] = {1, 1},
        [RT_XCHANNEL] = {4, 8},    [RT_MCS] = {1, 3},          [RT_AMPDU] = {4, 8},
        [RT_VHT] = {2, 12},        [RT_TIMESTAMP] = {8, 12},   [RT_HE] = {2, 12},
        [RT_HE_MU] = {2, 12},      [RT_HE_MU_USER] = {2, 6},   [RT_ZERO_LEN_PSDU] = {1, 1},
        [RT_LSIG] = {2, 4},
};

static const char *const names[29] = {
        "tsft",      "flags",        "rate",          "channel",     "fhss",         "dbm_signal",
        "dbm_noise", "lock_quality", "tx_atten",      "db_tx_atten", "dbm_tx_power", "antenna",
        "db_signal", "db_noise",     "rx_flags",      "tx_flags",    "rts_retries",  "data_retries",
        "xchannel",  "mcs",          "ampdu",         "vht",         "timestamp",    "he",
        "he_mu",     "he_mu_user",   "zero_len_psdu", "lsig",        "tlv",
};

bool radiotap_field_layout(unsigned bit, unsigned *align, unsigned *size)
{
	if (bit >= 28)
		return false;
	*align = layout[bit][0];
	*size = layout[bit][1];
	return true;
}

const char *radiotap_field_name(unsigned bit)
{
	return bit < 29 ? names[bit] : "?";
}

static size_t align_up(size_t off, unsigned a)
{
	return (off + a - 1) & ~(size_t)(a - 1);
}

struct walk {
	const uint8_t *buf;
	size_t len, data; /* it_len, the next field's earliest offset */
	bool rt_ns;       /* in a radiotap namespace (else a vendor one) */
	bool lost;        /* an unknown field: later positions are unknown */
	bool tlv_done;
	unsigned base, ns_index, vendors;
	const char *why;
	rt_field_cb cb;
	void *arg;
};

#define FAIL(w, reason)                                                                            \
	do {                                                                                       \
		(w)->why = (reason);                                                               \
		return -1;                                                                         \
	} while (0)

/* The TLV area: 4-aligned, to it_len, each type/length/data padded to 4. */
static int walk_tlvs(struct walk *w)
{
	size_t p = align_up(w->data, 4), start = p;
	while (p < w->len) {
		if (w->len - p < 4)
			FAIL(w, "TLV header truncated by it_len");
		size_t tl = rt_le16(w->buf + p + 2);
		if (tl > w->len - p - 4)
			FAIL(w, "TLV length runs past it_len");
		p = align_up(p + 4 + tl, 4);
		if (p > w->len)
			p = w->len; /* the last TLV's padding may be cut by it_len */
	}
	if (start > w->len)
		FAIL(w, "TLV area starts past it_len");
	w->data = w->len;
	w->tlv_done = true;
	struct rt_field_ref f = {.bit = RT_TLV,
	                         .ns_index = w->ns_index,
	                         .data = w->buf + start,
	                         .len = w->len - start,
	                         .off = start};
	return w->cb ? w->cb(&f, w->arg) : 0;
}

static int walk_field(struct walk *w, unsigned bit)
{
	unsigned al, sz;
	bool known = radiotap_field_layout(bit, &al, &sz) || bit == RT_TLV;
	if (!known) {
		w->lost = true; /* fatal only if a known field after it needs a position */
		return 0;
	}
	if (w->lost)
		FAIL(w, "a field follows an unknown field whose size is not known");
	if (w->tlv_done)
		FAIL(w, "a field follows the TLV area");
	if (bit == RT_TLV)
		return walk_tlvs(w);
	size_t p = align_up(w->data, al);
	if (p > w->len || sz > w->len - p)
		FAIL(w, "a field runs past it_len");
	w->data = p + sz;
	struct rt_field_ref f = {
	        .bit = bit, .ns_index = w->ns_index, .data = w->buf + p, .len = sz, .off = p};
	return w->cb ? w->cb(&f, w->arg) : 0;
}

/* The vendor namespace field (OUI, sub-namespace, skip_length) and the data it skips. */
static int walk_vendor(struct walk *w)
{
	if (w->lost)
		FAIL(w, "a vendor namespace follows an unknown field whose size is not known");
	if (w->tlv_done)
		FAIL(w, "a vendor namespace follows the TLV area");
	size_t p = align_up(w->data, 2);
	if (p > w->len || w->len - p < 6)
		FAIL(w, "vendor namespace header runs past it_len");
	size_t skip = rt_le16(w->buf + p + 4);
	if (skip > w->len - p - 6)
		FAIL(w, "vendor namespace skip_length runs past it_len");
	w->data = p + 6 + skip;
	w->vendors++;
	return 0;
}

static int walk_word(struct walk *w, uint32_t word)
{
	int rc;
	for (unsigned b = 0; b < RT_NS_RADIOTAP; b++) {
		if (!(word & (1u << b)) || !w->rt_ns)
			continue; /* a vendor namespace's bits: its data is skipped whole */
		if ((rc = walk_field(w, w->base + b)))
			return rc;
	}
	if ((word & (1u << RT_NS_RADIOTAP)) && (word & (1u << RT_NS_VENDOR)))
		FAIL(w, "both namespace bits set in one presence word");
	if (word & (1u << RT_NS_VENDOR)) {
		if ((rc = walk_vendor(w)))
			return rc;
		w->rt_ns = false;
		w->base = 0;
	} else if (word & (1u << RT_NS_RADIOTAP)) {
		w->rt_ns = true;
		w->base = 0;
		w->ns_index++;
	} else {
		w->base += 32;
	}
	return 0;
}

int radiotap_iterate(const uint8_t *buf, size_t len, rt_field_cb cb, void *arg, uint16_t *it_len,
                     const char **why)
{
	struct walk w = {.buf = buf, .rt_ns = true, .cb = cb, .arg = arg};
	size_t p = 4;
	int rc = -1;
	if (it_len)
		*it_len = 0;
	if (len < 8) {
		w.why = "truncated: shorter than the 8-byte radiotap header";
		goto out;
	}
	if (buf[0] != 0) {
		w.why = "unsupported radiotap version (only 0 is defined)";
		goto out;
	}
	w.len = rt_le16(buf + 2);
	if (w.len < 8) {
		w.why = "it_len below the 8-byte minimum";
		goto out;
	}
	if (w.len > len) {
		w.why = "it_len runs past the captured frame";
		goto out;
	}
	if (it_len)
		*it_len = (uint16_t)w.len;
	/* the presence words: where the data starts */
	do {
		if (p + 4 > w.len) {
			w.why = "presence bitmaps (bit 31 chain) run past it_len";
			goto out;
		}
		p += 4;
	} while (rt_le32(buf + p - 4) & (1u << RT_EXT));
	w.data = p;
	for (size_t q = 4; q < p; q += 4)
		if ((rc = walk_word(&w, rt_le32(buf + q))))
			goto out;
	rc = 0;
out:
	if (rc == -1 && why)
		*why = w.why;
	return rc;
}
