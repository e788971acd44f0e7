// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the vmclock page reader (lib/refclock/vmclock_read.c) on any 112-byte
 * page (include/uapi/vmclock-abi.h) a hostile or broken host could publish.
 * Input: the page (zero-padded to 112 bytes), then an 8-byte counter value.
 * Properties: a bounded reading brackets its time (earliest <= time <= latest); UTC <-> TAI
 * conversion goes back exactly; a stop record formats to text that parses to itself;
 * 64.64 -> ns floor <= ceil.
 */
#include <string.h>

#include "tsync/vmclock.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmclock_abi page, snap;
	struct vmclock_reading r, r2;
	struct vmclock_stop_record rec, back;
	uint64_t counter = 0;
	unsigned tries;
	char text[256];
	memset(&page, 0, sizeof(page));
	memcpy(&page, data, size < sizeof(page) ? size : sizeof(page));
	if (size > sizeof(page))
		memcpy(&counter, data + sizeof(page),
		       size - sizeof(page) < sizeof(counter) ? size - sizeof(page)
		                                             : sizeof(counter));

	if (!vmclock_snapshot(&page, 1, &snap, &tries))
		FUZZ_CHECK(tries == 1 && !memcmp(&snap, &page, sizeof(page)));
	if (!vmclock_eval(&page, counter, &r)) {
		if (r.bounded)
			FUZZ_CHECK(r.earliest_ns <= r.time_ns && r.time_ns <= r.latest_ns);
		uint8_t other =
		        r.time_type == VMCLOCK_TIME_TAI ? VMCLOCK_TIME_UTC : VMCLOCK_TIME_TAI;
		r2 = r;
		if ((r.time_type == VMCLOCK_TIME_UTC || r.time_type == VMCLOCK_TIME_TAI) &&
		    !vmclock_reading_convert(&r2, other) &&
		    !vmclock_reading_convert(&r2, r.time_type))
			FUZZ_CHECK(r2.time_ns == r.time_ns && r2.sec == r.sec && r2.frac == r.frac);
	}
	/* the stop record retries an odd seq_count up to VMCLOCK_READ_TRIES times (ms): the
	 * snapshot above covered the odd case */
	page.seq_count &= ~1u;
	if (!vmclock_stop_record(&page, counter, &rec)) {
		int n = vmclock_stop_record_format(&rec, text, sizeof(text));
		FUZZ_CHECK(n > 0 && (size_t)n < sizeof(text));
		FUZZ_CHECK(!vmclock_stop_record_parse(text, &back));
		FUZZ_CHECK(back.counter == rec.counter && back.time_ns == rec.time_ns &&
		           back.maxerror_ns == rec.maxerror_ns &&
		           back.disruption_marker == rec.disruption_marker &&
		           back.vm_generation_counter == rec.vm_generation_counter &&
		           back.time_type == rec.time_type);
	}
	int64_t lo, hi;
	if (!vmclock_6464_to_ns_floor(page.time_sec, page.time_frac_sec, &lo) &&
	    !vmclock_6464_to_ns_ceil(page.time_sec, page.time_frac_sec, &hi))
		FUZZ_CHECK(lo <= hi && hi - lo <= 1);
	return 0;
}
