// SPDX-License-Identifier: MIT
/* ptpd-wl/wifi/wifi_tm: the Timing Measurement exchange bookkeeping on both ends (t1..t4, the
 * follow-up in the next frame), the 32-bit 10 ns unwrap, offset and delay. */
#include <criterion/criterion.h>

#include "wifi/wifi_tm.h"

Test(wifi_tm, an_exchange_end_to_end)
{
	struct wifi_tm m, s; /* initiator (master), responder (slave) */
	wifi_tm_init(&m);
	wifi_tm_init(&s);
	uint8_t fup;
	int64_t t1, t4, t2, t3;
	/* the slave's clock is 5 us ahead; the one-way delay 100 ns */
	const int64_t off = 5000, d = 100;
	cr_assert(!wifi_tm_follow_up(&m, &fup, &t1, &t4), "nothing to follow up yet");
	uint8_t k = wifi_tm_next_token(&m);
	cr_assert_eq(k, 1);
	wifi_tm_sent(&m, k, 1000000);               /* t1, master clock */
	wifi_tm_received(&s, k, 1000000 + d + off); /* t2, slave clock */
	wifi_tm_ack_sent(&s, 1016000 + d + off);    /* t3: SIFS later */
	wifi_tm_acked(&m, 1016000 + 2 * d);         /* t4 */
	cr_assert(wifi_tm_follow_up(&m, &fup, &t1, &t4));
	cr_assert(fup == 1 && t1 == 1000000 && t4 == 1016200);
	cr_assert(!wifi_tm_follow_up(&m, &fup, &t1, &t4), "consumed");
	uint8_t k2 = wifi_tm_next_token(&m);
	cr_assert_eq(k2, 2);
	wifi_tm_received(&s, k2, 2000000); /* the next frame arrives, carrying follow-up 1 */
	cr_assert(wifi_tm_exchange(&s, fup, &t2, &t3));
	int64_t o, dl;
	wifi_tm_offset(wifi_tm_unwrap((uint32_t)(t1 / 10), t2), t2, t3,
	               wifi_tm_unwrap((uint32_t)(t4 / 10), t3), &o, &dl);
	cr_assert_eq(o, off);
	cr_assert_eq(dl, d);
	cr_assert(!wifi_tm_exchange(&s, fup, &t2, &t3), "consumed");
	cr_assert(!wifi_tm_exchange(&s, k2, &t2, &t3), "no t3 for the second yet");
}

Test(wifi_tm, ack_without_a_tm_frame_and_token_wrap)
{
	struct wifi_tm m;
	wifi_tm_init(&m);
	uint8_t fup;
	int64_t t1, t4;
	wifi_tm_acked(&m, 5); /* an ACK of another frame: ignored */
	cr_assert(!wifi_tm_follow_up(&m, &fup, &t1, &t4));
	for (int i = 0; i < 255; i++)
		wifi_tm_next_token(&m);
	cr_assert_eq(wifi_tm_next_token(&m), 1, "255 -> 1: token 0 means no follow-up");
}

Test(wifi_tm, unwrap_32_bit_10ns)
{
	const int64_t span = (int64_t)10 << 32; /* 42.9 s */
	int64_t t = 1796313942423644770;        /* a 2026 time, ns */
	cr_assert_eq(wifi_tm_unwrap((uint32_t)(t / 10), t), t);
	cr_assert_eq(wifi_tm_unwrap((uint32_t)(t / 10), t + 20000000000), t, "near, later");
	cr_assert_eq(wifi_tm_unwrap((uint32_t)(t / 10), t - 20000000000), t, "near, earlier");
	int64_t u = (t / span + 1) * span + 30; /* just after a wrap */
	cr_assert_eq(wifi_tm_unwrap((uint32_t)(u / 10), u - 1000), u);
	cr_assert_eq(wifi_tm_unwrap((uint32_t)((u - 1000) / 10), u), u - 1000);
}
