// SPDX-License-Identifier: MIT
/* analysis/wifi_exch: TM / FTM follow-ups matched to the measured frame and its ACK. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "wifi_exch.h"

static const uint8_t R[6] = {2, 0, 0, 0, 0, 1}, I[6] = {2, 0, 0, 0, 0, 2};

static struct wifi_frame ftm(unsigned long n, uint64_t tsft, uint8_t tok, uint8_t fu, uint64_t tod,
                             uint64_t toa)
{
	struct wifi_frame f = {.frame = n, .has_tsft = true, .tsft_us = tsft, .has_ta = true};
	memcpy(f.ta, R, 6);
	memcpy(f.ra, I, 6);
	f.timing.kind = WLAN_FTM;
	f.timing.dialog = tok;
	f.timing.follow_up = fu;
	f.timing.tod_ps = tod;
	f.timing.toa_ps = toa;
	return f;
}

static struct wifi_frame ack(unsigned long n, uint64_t tsft, const uint8_t ra[6])
{
	struct wifi_frame f = {.frame = n,
	                       .has_tsft = true,
	                       .tsft_us = tsft,
	                       .type = WLAN_CTRL,
	                       .subtype = WLAN_SUB_ACK};
	memcpy(f.ra, ra, 6);
	return f;
}

Test(wifi_exch, follow_up_gives_offset_and_delay)
{
	/* initiator's TSF = responder + 500 us, delay 50 ns; an ACK to someone else between */
	struct wifi_frame fr[] = {
	        ftm(1, 2000, 1, 0, 0, 0),
	        ack(2, 2005, I),
	        ack(3, 2010, R),
	        ftm(4, 2100, 2, 1, 1500000000ull - 50000, 1510000000ull + 50000),
	};
	struct wifi_exchange x[4];
	cr_assert_eq(wifi_exchanges(fr, 4, x, 4), 1);
	cr_assert_eq(x[0].frame, 4);
	cr_assert_eq(x[0].measured, 1);
	cr_assert_eq(x[0].ack, 3);
	cr_assert_eq(x[0].t2_us, 2000);
	cr_assert_eq(x[0].t3_us, 2010);
	cr_assert_float_eq(x[0].offset_ns, 500000.0, 1e-6);
	cr_assert_float_eq(x[0].delay_ns, 50.0, 1e-6);
}

Test(wifi_exch, missing_measured_frame_or_ack_leaves_no_offset)
{
	struct wifi_frame fr[] = {
	        ftm(1, 2000, 7, 0, 0, 0), ftm(2, 2100, 2, 1, 1, 2), /* token 1 never captured */
	        ftm(3, 2200, 3, 7, 1, 2), /* token 7 captured, its ACK not */
	};
	struct wifi_exchange x[4];
	cr_assert_eq(wifi_exchanges(fr, 3, x, 4), 2);
	cr_assert_eq(x[0].measured, 0);
	cr_assert(isnan(x[0].offset_ns));
	cr_assert_eq(x[1].measured, 1);
	cr_assert_eq(x[1].ack, 0);
	cr_assert(isnan(x[1].offset_ns));
	cr_assert_eq(wifi_exchanges(fr, 3, x, 1), 1, "max respected");
}

Test(wifi_exch, tm_times_unwrapped_to_the_receivers_tsf)
{
	/* the responder's clock at 100 s: its 10 ns counter wrapped twice (42.9 s each) */
	const uint64_t wrap_ps = 10000ull << 32;
	uint64_t t1 = 100000000000000ull - 50000, t4 = 100010000000000ull + 50000; /* ps */
	struct wifi_frame fr[] = {
	        ftm(1, 100000500, 1, 0, 0, 0), /* t2: 100.0005 s on the receiver's TSF */
	        ack(2, 100010500, R),
	        ftm(3, 100020000, 2, 1, (t1 % wrap_ps) / 10000 * 10000,
	            (t4 % wrap_ps) / 10000 * 10000),
	};
	fr[0].timing.kind = fr[2].timing.kind = WLAN_TM;
	struct wifi_exchange x[2];
	cr_assert_eq(wifi_exchanges(fr, 3, x, 2), 1);
	cr_assert_eq(x[0].t1_ps, t1);
	cr_assert_eq(x[0].t4_ps, t4);
	cr_assert_float_eq(x[0].offset_ns, 500000.0, 1e-6);
	cr_assert_float_eq(x[0].delay_ns, 50.0, 1e-6);
}
