// SPDX-License-Identifier: MIT
/* 802.11 MAC header and timing action frames (include/tsync/ieee80211.h). */
#include <stdio.h>
#include <string.h>

#include "radiotap_private.h"
#include "tsync/ieee80211.h"

/* Control frames that carry only RA (10 bytes): CTS, ACK, control wrapper (7, whose TA-less
 * header is followed by a carried frame control), control frame extension (6). */
static bool ctrl_ra_only(unsigned sub)
{
	return sub == WLAN_SUB_CTS || sub == WLAN_SUB_ACK || sub == 7 || sub == 6 || sub < 2;
}

int wlan_parse(const uint8_t *frame, size_t len, bool fcs, struct wlan_hdr *h, const char **why)
{
	memset(h, 0, sizeof(*h));
	if (fcs) {
		if (len < 4) {
			*why = "802.11 frame shorter than its FCS";
			return -1;
		}
		len -= 4;
	}
	if (len < 10) {
		*why = "802.11 header truncated (under 10 bytes)";
		return -1;
	}
	h->fc = rt_le16(frame);
	h->version = h->fc & 0x3;
	h->type = (h->fc >> 2) & 0x3;
	h->subtype = (h->fc >> 4) & 0xf;
	h->flags = h->fc >> 8;
	h->duration = rt_le16(frame + 2);
	memcpy(h->ra, frame + 4, 6);
	if (h->version != 0) {
		*why = "802.11 protocol version is not 0";
		return -1;
	}
	size_t need = 10;
	if (h->type == WLAN_CTRL) {
		h->has_ta = !ctrl_ra_only(h->subtype);
		need = h->has_ta ? 16 : 10;
	} else if (h->type == WLAN_EXT) {
		need = 10; /* DMG beacon / S1G: addresses vary, RA only here */
	} else {
		h->has_ta = h->has_addr3 = h->has_seq = true;
		need = 24;
		if (h->type == WLAN_DATA) {
			bool qos = h->subtype & 0x8;
			if ((h->flags & WLAN_FL_TODS) && (h->flags & WLAN_FL_FROMDS))
				need += 6;
			if (qos)
				need += 2;
			if (qos && (h->flags & WLAN_FL_ORDER))
				need += 4;
		} else if (h->flags & WLAN_FL_ORDER) {
			need += 4; /* HT control of a management frame */
		}
	}
	if (len < need) {
		*why = "802.11 header truncated";
		return -1;
	}
	if (h->has_ta)
		memcpy(h->ta, frame + 10, 6);
	if (h->has_addr3) {
		memcpy(h->addr3, frame + 16, 6);
		h->seq_ctl = rt_le16(frame + 22);
	}
	h->hdr_len = need;
	h->body_len = len - need;
	return 0;
}

int wlan_timing_parse(const struct wlan_hdr *h, const uint8_t *frame, struct wlan_timing *t,
                      const char **why)
{
	memset(t, 0, sizeof(*t));
	if (h->type != WLAN_MGMT ||
	    (h->subtype != WLAN_SUB_ACTION && h->subtype != WLAN_SUB_ACTION_NOACK) ||
	    (h->flags & WLAN_FL_PROTECTED) || h->body_len < 2)
		return 0;
	const uint8_t *b = frame + h->hdr_len;
	size_t n = h->body_len, need;
	t->category = b[0];
	t->action = b[1];
	if (t->category == WLAN_CAT_WNM && t->action == WLAN_WNM_TM_REQUEST) {
		t->kind = WLAN_TM_REQUEST;
		need = 3;
	} else if (t->category == WLAN_CAT_UNPROT_WNM && t->action == WLAN_UWNM_TM) {
		t->kind = WLAN_TM;
		need = 14; /* category, action, 2 tokens, TOD 4, TOA 4, 2 max errors */
	} else if (t->category == WLAN_CAT_PUBLIC && t->action == WLAN_PUB_FTM_REQUEST) {
		t->kind = WLAN_FTM_REQUEST;
		need = 3;
	} else if (t->category == WLAN_CAT_PUBLIC && t->action == WLAN_PUB_FTM) {
		t->kind = WLAN_FTM;
		need = 20; /* category, action, 2 tokens, TOD 6, TOA 6, 2 errors of 2 */
	} else {
		return 0;
	}
	if (n < need) {
		*why = "timing measurement action frame truncated";
		return -1;
	}
	switch (t->kind) {
	case WLAN_TM_REQUEST:
	case WLAN_FTM_REQUEST:
		t->trigger = b[2];
		break;
	case WLAN_TM:
		t->dialog = b[2];
		t->follow_up = b[3];
		t->tod_raw = rt_le32(b + 4);
		t->toa_raw = rt_le32(b + 8);
		t->tod_err = b[12];
		t->toa_err = b[13];
		t->tod_ps = t->tod_raw * 10000u;
		t->toa_ps = t->toa_raw * 10000u;
		break;
	default:
		t->dialog = b[2];
		t->follow_up = b[3];
		t->tod_raw = rt_le48(b + 4);
		t->toa_raw = rt_le48(b + 10);
		t->tod_err = rt_le16(b + 16);
		t->toa_err = rt_le16(b + 18);
		t->tod_ps = t->tod_raw;
		t->toa_ps = t->toa_raw;
		break;
	}
	return 1;
}

char *wlan_addr_fmt(const uint8_t a[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
	return buf;
}
