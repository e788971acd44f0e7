// SPDX-License-Identifier: MIT
/* wifi-medium/live: which live station gets which record of a DCF event (RX, TX status,
 * ACKs), and dcf_next_start (when the live loop must wake for the next transmission). */
#include <criterion/criterion.h>
#include <stdint.h>

#include "dcf.h"
#include "live.h"

static struct dcf_event ev(unsigned sta, int dst, bool acked)
{
	struct dcf_event e = {.outcome = DCF_OK,
	                      .station = sta,
	                      .frame = {.dst = (int16_t)dst, .len = 100, .rate_kbps = 54000},
	                      .start = 1000000,
	                      .end = 1036000};
	if (acked) {
		e.ack_start = 1052000;
		e.ack_end = 1080000;
	}
	return e;
}

Test(live, unicast_between_live_stations)
{
	struct live_out o[8];
	struct dcf_event e = ev(0, 1, true);
	unsigned n = live_plan(&e, 2, 20000, o);
	cr_assert_eq(n, 4);
	/* the frame to station 1 (RX), its TX status at station 0, then the ACK both ways */
	cr_assert(o[0].sta == 1 && !o[0].tx && !o[0].ack && o[0].first_ns == 1020000 &&
	          o[0].due_ns == 1036000);
	cr_assert(o[1].sta == 0 && o[1].tx && !o[1].ack && o[1].first_ns == 1020000);
	cr_assert(o[2].sta == 1 && o[2].tx && o[2].ack && o[2].first_ns == 1072000 &&
	          o[2].due_ns == 1080000);
	cr_assert(o[3].sta == 0 && !o[3].tx && o[3].ack && o[3].due_ns == 1080000);
}

Test(live, broadcast_reaches_every_other_live_station_only)
{
	struct live_out o[8];
	struct dcf_event e = ev(1, -1, false);
	unsigned n = live_plan(&e, 3, 20000, o);
	cr_assert_eq(n, 3);
	cr_assert(o[0].sta == 0 && !o[0].tx);
	cr_assert(o[1].sta == 2 && !o[1].tx);
	cr_assert(o[2].sta == 1 && o[2].tx);
}

Test(live, background_frames_and_failures_give_nothing)
{
	struct live_out o[8];
	struct dcf_event e = ev(4, 3, true); /* background sender -> sink, both not live */
	cr_assert_eq(live_plan(&e, 2, 20000, o), 0);
	e = ev(0, 1, false);
	e.outcome = DCF_COLLISION;
	cr_assert_eq(live_plan(&e, 2, 20000, o), 0, "a collided frame is heard by nobody");
	e = ev(3, 0, true); /* background -> live station 0: RX and the ACK it sends */
	cr_assert_eq(live_plan(&e, 2, 20000, o), 2);
	cr_assert(o[0].sta == 0 && !o[0].tx && !o[0].ack);
	cr_assert(o[1].sta == 0 && o[1].tx && o[1].ack);
}

Test(live, next_start_is_when_dcf_run_sends)
{
	struct dcf d;
	struct dcf_params p;
	dcf_params_default(&p);
	cr_assert_eq(dcf_init(&d, &p, 3, 7), 0);
	cr_assert_eq(dcf_next_start(&d), UINT64_MAX, "nothing queued");
	struct dcf_frame f = {
	        .id = 1, .arrival = 500000, .len = 1500, .rate_kbps = 54000, .dst = 1};
	cr_assert_eq(dcf_enqueue(&d, 0, &f), 0);
	uint64_t t = dcf_next_start(&d);
	cr_assert_eq(t, 500000, "idle medium, counter 0: at arrival");
	cr_assert_eq(dcf_run(&d, t, NULL, NULL), 0, "not before that");
	cr_assert_eq(dcf_run(&d, t + 1, NULL, NULL), 1);
	/* a frame arriving during the first one waits for DIFS and its backoff after the ACK */
	f.arrival = 600000;
	f.dst = 0;
	cr_assert_eq(dcf_enqueue(&d, 2, &f), 0);
	t = dcf_next_start(&d);
	cr_assert(t >= 500000 + 244000 + 16000 + 28000 + 34000, "next start %lu", (unsigned long)t);
	cr_assert_eq(dcf_run(&d, t, NULL, NULL), 0);
	cr_assert_eq(dcf_run(&d, t + 1, NULL, NULL), 1);
}
