// SPDX-License-Identifier: MIT
/* 802.11v Timing Measurement bookkeeping (wifi_tm.h). */
#include <string.h>

#include "wifi_tm.h"

void wifi_tm_init(struct wifi_tm *tm)
{
	memset(tm, 0, sizeof(*tm));
	tm->ack_for = tm->done = tm->ack_of = -1;
}

uint8_t wifi_tm_next_token(struct wifi_tm *tm)
{
	tm->token = tm->token == 255 ? 1 : (uint8_t)(tm->token + 1);
	tm->t1[tm->token] = tm->t4[tm->token] = 0;
	return tm->token;
}

bool wifi_tm_follow_up(struct wifi_tm *tm, uint8_t *fup, int64_t *t1, int64_t *t4)
{
	if (tm->done < 0)
		return false;
	*fup = (uint8_t)tm->done;
	*t1 = tm->t1[tm->done];
	*t4 = tm->t4[tm->done];
	tm->done = -1;
	return true;
}

void wifi_tm_sent(struct wifi_tm *tm, uint8_t token, int64_t t1)
{
	tm->t1[token] = t1;
	tm->ack_for = token;
}

void wifi_tm_acked(struct wifi_tm *tm, int64_t t4)
{
	if (tm->ack_for < 0)
		return;
	tm->t4[tm->ack_for] = t4;
	tm->done = tm->ack_for;
	tm->ack_for = -1;
}

void wifi_tm_received(struct wifi_tm *tm, uint8_t token, int64_t t2)
{
	tm->t2[token] = t2;
	tm->t3[token] = 0;
	tm->ack_of = token;
}

void wifi_tm_ack_sent(struct wifi_tm *tm, int64_t t3)
{
	if (tm->ack_of < 0)
		return;
	tm->t3[tm->ack_of] = t3;
	tm->ack_of = -1;
}

bool wifi_tm_exchange(struct wifi_tm *tm, uint8_t token, int64_t *t2, int64_t *t3)
{
	if (!token || !tm->t2[token] || !tm->t3[token])
		return false;
	*t2 = tm->t2[token];
	*t3 = tm->t3[token];
	tm->t2[token] = tm->t3[token] = 0;
	return true;
}

int64_t wifi_tm_unwrap(uint32_t v10ns, int64_t near)
{
	const int64_t span = (int64_t)1 << 32; /* in 10 ns units */
	int64_t n = near / 10;
	int64_t v = (n & ~(span - 1)) | v10ns;
	if (v - n > span / 2)
		v -= span;
	else if (n - v > span / 2)
		v += span;
	return v * 10;
}

void wifi_tm_offset(int64_t t1, int64_t t2, int64_t t3, int64_t t4, int64_t *offset, int64_t *delay)
{
	int64_t ms = t2 - t1, sm = t4 - t3;
	*offset = (ms - sm) / 2;
	*delay = (ms + sm) / 2;
}
