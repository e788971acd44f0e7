// SPDX-License-Identifier: MIT
/*
 * The migration stop record against what the guest actually read: a source page that is
 * still slewing (the previous migration's lag being removed at 1000 ppm), the vCPU parking,
 * the tsvmm vmclock device saving the record (later: the source saves its devices after the
 * final RAM pass), and a FREEZE (or SLEW) destination. The guest's time after resume must
 * continue from its last reading at the park, so a freeze keeps err_at_stop - downtime.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/device.h"
#include "devices/vmclock_dev.h"
#include "policy.h"
#include "tsync/vmclock.h"

#include "honest_host.h"

/* guest error (page time - truth) at c, ns; asserts the bound holds */
static double err_at(const struct vmclock_abi *p, uint64_t c, struct vmclock_reading *r)
{
	cr_assert_eq(vmclock_eval(p, c, r), 0);
	long double t = truth(c);
	cr_assert(r->bounded);
	cr_assert((long double)(r->earliest_ns - T0) <= t && (long double)(r->latest_ns - T0) >= t,
	          "truth %.1Lf outside [%lld, %lld]", t, (long long)(r->earliest_ns - T0),
	          (long long)(r->latest_ns - T0));
	return (double)((long double)(r->time_ns - T0) - t);
}

/*
 * Host A took the VM over with SLEW at `start` and a lag of lag0_ns (guest behind), and has
 * updated every 100 ms since, until `until`: the last page in *page (slew in progress).
 */
static void source_slewing(uint64_t start, int64_t lag0_ns, uint64_t until,
                           struct vmclock_abi *page)
{
	struct vmclock_pub a;
	struct vmclock_host h;
	vmclock_pub_init(&a, VMCLOCK_POLICY_SLEW, 1e-3, 0.1);
	struct vmclock_stop_record in = {.counter = start - SEC / 100,
	                                 .time_ns = T0 + (int64_t)llroundl(truth(start)) + lag0_ns,
	                                 .maxerror_ns = 5000,
	                                 .disruption_marker = 2,
	                                 .time_type = VMCLOCK_TIME_UTC};
	host(start - 2000, 300e3, 20e-6, &h);
	cr_assert_eq(vmclock_pub_migrate_in(&a, &in, &h, start, page), 0);
	for (uint64_t c = start + SEC / 10; c <= until; c += SEC / 10) {
		host(c - 2000, 300e3, 20e-6, &h);
		cr_assert_eq(vmclock_pub_update(&a, &h, c, page), 0);
	}
	cr_assert(a.slew != 0, "the source must still be slewing");
}

/* Host B: its own page for the VM (STEP, from an earlier visit), then migrate-in `pol`. */
static void destination(enum vmclock_policy pol, const struct vmclock_stop_record *rec,
                        uint64_t anchor, struct vmclock_abi *page)
{
	struct vmclock_pub b;
	struct vmclock_host h;
	vmclock_pub_init(&b, VMCLOCK_POLICY_STEP, 1e-3, 0.1);
	for (uint64_t c = anchor - 3 * SEC; c < anchor; c += SEC / 10) {
		host(c - 1500, -200e3, -12e-6, &h);
		cr_assert_eq(vmclock_pub_update(&b, &h, c, page), 0);
	}
	b.policy = pol;
	host(anchor - 1500, -200e3, -12e-6, &h);
	cr_assert_eq(vmclock_pub_migrate_in(&b, rec, &h, anchor, page), 0);
}

/* The tsvmm device: the record it saves after the vCPU parked at `park` (save `late_ticks`
 * of real TSC later), as the destination's device loads it. */
static void device_record(const char *path, uint64_t park, uint64_t late_ticks,
                          struct vmclock_stop_record *rec)
{
	struct dev_env env = {0}; /* no VM: the slot is not registered, page and records work */
	struct devices *src = devices_create(&env), *dst = devices_create(&env);
	cr_assert(src && dst);
	cr_assert_eq(vmclock_dev_map_file(src, path, 0), 0);
	devices_pause(src, park); /* what vmm_pause() does with the vCPU thread's park TSC */
	while (vmclock_rdtsc() - park < late_ticks) /* the final RAM pass */
		;
	uint8_t *buf;
	size_t len;
	char text[256];
	cr_assert_eq(devices_save(src, &buf, &len), 0);
	cr_assert_eq(devices_load(dst, buf, len), 0);
	free(buf);
	cr_assert_eq(vmclock_dev_take_record(dst, text, sizeof(text)), 0);
	cr_assert_eq(vmclock_stop_record_parse(text, rec), 0);

	/* running again: a later save describes that later instant, not the old park */
	devices_resume(src);
	uint64_t now = vmclock_rdtsc();
	struct vmclock_stop_record r2;
	cr_assert_eq(devices_save(src, &buf, &len), 0);
	cr_assert_eq(devices_load(dst, buf, len), 0);
	free(buf);
	cr_assert_eq(vmclock_dev_take_record(dst, text, sizeof(text)), 0);
	cr_assert_eq(vmclock_stop_record_parse(text, &r2), 0);
	cr_assert_geq(r2.counter, now);
	devices_destroy(src);
	devices_destroy(dst);
}

Test(vmclock_stop, freeze_during_a_slew_keeps_the_lag_from_the_guests_last_reading)
{
	/* model counters on the real TSC: the device's fallback reads it */
	uint64_t park = vmclock_rdtsc();
	honest_base = park - 10 * SEC;
	uint64_t start = park - 3 * SEC; /* the slew began 3 s before the stop */
	struct vmclock_abi src_page, dst_page;
	source_slewing(start, -11000000, park - SEC / 20, &src_page);

	char path[64];
	snprintf(path, sizeof(path), "/tmp/tsync-vmclock-stop-test.%d", (int)getpid());
	struct vmclock_page_map m = {.fd = -1};
	cr_assert_eq(vmclock_page_create(path, &m), 0);
	vmclock_publish(m.abi, &src_page);

	/* the guest's last reading: at the park at the latest */
	struct vmclock_reading g, d;
	double err_stop = err_at(&src_page, park, &g);
	cr_assert(err_stop > -9.2e6 && err_stop < -7.5e6, "slew progress: %.0f", err_stop);

	struct vmclock_stop_record rec;
	device_record(path, park, SEC / 500 /* 2 ms of model ticks */, &rec);
	vmclock_page_close(&m);
	unlink(path);
	cr_assert_eq(rec.counter, park, "stop record at counter %llu, the vCPU parked at %llu",
	             (unsigned long long)rec.counter, (unsigned long long)park);
	cr_assert_eq(rec.time_ns, g.time_ns,
	             "frozen time %lld ns ahead of the guest's last reading (the save's TSC)",
	             (long long)(rec.time_ns - g.time_ns));
	cr_assert_eq(rec.disruption_marker, src_page.disruption_marker);

	/* FREEZE 13.7 ms later: guest time continues from its last reading */
	uint64_t down = SEC * 137 / 10000;
	destination(VMCLOCK_POLICY_FREEZE, &rec, park + down, &dst_page);
	double err_res = err_at(&dst_page, park + down, &d);
	cr_assert(llabs(d.time_ns - g.time_ns) <= 1, "resume %lld ns from the stop reading",
	          (long long)(d.time_ns - g.time_ns));
	cr_assert(fabs(err_res - (err_stop - 13.7e6)) < 1000, "err_resume %.0f, expected %.0f",
	          err_res, err_stop - 13.7e6);
	/* and keeps it (host B runs 12 ppm slow against the truth), inside its bound */
	double err_1s = err_at(&dst_page, park + down + SEC, &d);
	cr_assert(fabs(err_1s - err_res + 12000) < 30, "freeze lag moved %.0f ns in 1 s",
	          err_1s - err_res);
}

/* Property: any slew state, stop time and downtime; FREEZE and SLEW destinations continue
 * from the record, which is the guest's reading at the stop, and every bound holds. */
Test(vmclock_stop, property_record_is_the_guests_reading_and_destinations_continue_it)
{
	srand(20261122);
	for (int i = 0; i < 300; i++) {
		honest_base = 1000 * SEC + (uint64_t)rand() * 1000;
		uint64_t start = honest_base + SEC + (uint64_t)rand() % SEC;
		int64_t lag0 = (int64_t)(rand() % 40000001) - 20000000; /* +-20 ms */
		uint64_t last = start + (uint64_t)(rand() % 60 + 1) * (SEC / 10);
		uint64_t park = last + (uint64_t)rand() % (SEC / 10);
		uint64_t down = (uint64_t)rand() % (SEC / 20) + SEC / 1000; /* 1-51 ms */
		struct vmclock_abi src_page, dst_page;
		struct vmclock_reading g, d;
		struct vmclock_stop_record rec;
		source_slewing(start, lag0, last, &src_page);
		err_at(&src_page, park, &g);
		cr_assert_eq(vmclock_stop_record(&src_page, park, &rec), 0);
		cr_assert_eq(rec.time_ns, g.time_ns);
		cr_assert_eq(rec.maxerror_ns, g.maxerror_ns);
		enum vmclock_policy pol = i & 1 ? VMCLOCK_POLICY_SLEW : VMCLOCK_POLICY_FREEZE;
		destination(pol, &rec, park + down, &dst_page);
		err_at(&dst_page, park + down, &d);
		cr_assert(d.time_ns - g.time_ns >= 0 && d.time_ns - g.time_ns <= 2,
		          "case %d (%s): resume %lld ns from the stop reading", i,
		          vmclock_policy_name(pol), (long long)(d.time_ns - g.time_ns));
		for (uint64_t c = park + down; c <= park + down + 2 * SEC; c += SEC / 4)
			err_at(&dst_page, c, &d);
	}
}
