// SPDX-License-Identifier: MIT
/* The per-host TSC transform (tsync/tsc_xform.h) and vmclockd's use of it (vmclock/tsc.c):
 * exact arithmetic, parser errors, the inverse, and a calibration that sees the emulated
 * host's rate (the destination's own calibration, never the source's). */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tsc.h"
#include "tsync/clock.h"
#include "tsync/vmclock.h"
#include "vmclockd.h"
#include "tsync/counter.h"
#include "tsync/tsc_xform.h"

static char err[256];

/* the transform computed another way: long double rate, rounded down */
static uint64_t slow(double ppm, uint64_t off, uint64_t raw, int64_t mult)
{
	(void)ppm;
	__int128 p = (__int128)raw * mult;
	__int128 q = p >= 0 ? p / ((__int128)1 << 64) : -((-p + ((__int128)1 << 64) - 1) >> 64);
	return raw + (uint64_t)(int64_t)q + off;
}

Test(vmclock_tsc_xform, parse_offset_and_ppm)
{
	struct tsc_xform x;
	cr_assert_eq(tsc_xform_parse("1000000000000,50", &x, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(x.offset, 1000000000000ULL);
	cr_assert_float_eq(tsc_xform_ppm(&x), 50.0, 1e-9);
	cr_assert_eq(tsc_xform_parse("-5,-12.5", &x, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq((int64_t)x.offset, -5);
	cr_assert_float_eq(tsc_xform_ppm(&x), -12.5, 1e-9);
	cr_assert_eq(tsc_xform_parse("0x10", &x, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(x.offset, 16);
	cr_assert_eq(x.mult, 0);
	cr_assert_eq(tsc_xform_parse("0,0", &x, err, sizeof(err)), 0);
	cr_assert(tsc_xform_is_identity(&x));
}

Test(vmclock_tsc_xform, parse_errors_name_the_bad_part)
{
	struct tsc_xform x;
	cr_assert_eq(tsc_xform_parse("", &x, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "empty"), "%s", err);
	cr_assert_eq(tsc_xform_parse("abc,5", &x, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "OFFSET"), "%s", err);
	cr_assert_eq(tsc_xform_parse("5,fast", &x, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "PPM 'fast'"), "%s", err);
	cr_assert_eq(tsc_xform_parse("5,1001", &x, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "above 1000"), "%s", err);
	cr_assert_eq(tsc_xform_parse("5,nan", &x, err, sizeof(err)), -EINVAL);
	cr_assert_eq(tsc_xform_parse("99999999999999999999,1", &x, err, sizeof(err)), -EINVAL);
	cr_assert_eq(tsc_host_counter_check("1,2,3", err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "bad --tsc-transform"), "%s", err);
	cr_assert_eq(tsc_host_counter_check("7,-3", err, sizeof(err)), 0);
}

Test(vmclock_tsc_xform, apply_is_exact_and_monotonic)
{
	const double ppms[] = {50, -50, 0.001, -999.9, 1000, 0};
	uint64_t raws[] = {0, 1, 2599998000ULL, 82670131100026ULL, 1ULL << 62, UINT64_MAX - 5};
	for (size_t i = 0; i < sizeof(ppms) / sizeof(ppms[0]); i++) {
		char s[64];
		snprintf(s, sizeof(s), "1000000000000,%.4f", ppms[i]);
		struct tsc_xform x;
		cr_assert_eq(tsc_xform_parse(s, &x, err, sizeof(err)), 0, "%s", err);
		for (size_t k = 0; k < sizeof(raws) / sizeof(raws[0]); k++) {
			uint64_t r = raws[k];
			cr_assert_eq(tsc_xform_apply(&x, r), slow(ppms[i], x.offset, r, x.mult),
			             "ppm %g raw %llu", ppms[i], (unsigned long long)r);
			if (r < UINT64_MAX / 2) /* monotonic: one raw tick is 0, 1 or 2 ticks */
				cr_assert_leq(tsc_xform_apply(&x, r + 1) - tsc_xform_apply(&x, r),
				              2);
		}
		/* the rate over 1e12 raw ticks is the ppm */
		double d = (double)(tsc_xform_apply(&x, 2000000000000ULL) -
		                    tsc_xform_apply(&x, 1000000000000ULL));
		cr_assert_float_eq(d / 1e12 - 1, ppms[i] * 1e-6, 1e-11);
		cr_assert_eq(tsc_xform_scale(&x, 1000000000000ULL),
		             tsc_xform_apply(&x, 1000000000000ULL) - x.offset);
	}
}

Test(vmclock_tsc_xform, invert_is_exact_to_the_tick)
{
	struct tsc_xform x;
	cr_assert_eq(tsc_xform_parse("1000000000000,50", &x, err, sizeof(err)), 0);
	for (uint64_t r = 82670131100000ULL; r < 82670131100000ULL + 50000; r += 997) {
		uint64_t h = tsc_xform_apply(&x, r);
		cr_assert_eq(tsc_xform_invert(&x, h), r);
		/* between two transformed values: the raw whose value is below */
		cr_assert_leq(tsc_xform_apply(&x, tsc_xform_invert(&x, h + 1)), h + 1);
	}
	cr_assert_eq(tsc_xform_parse("-77,-800", &x, err, sizeof(err)), 0);
	cr_assert_eq(tsc_xform_invert(&x, tsc_xform_apply(&x, 123456789)), 123456789);
}

/* vmclockd calibrates the counter it is given: through the transform it measures the
 * emulated host's period, ns_per_tick / (1 + ppm), never the machine's. */
Test(vmclock_tsc_xform, calibration_sees_the_emulated_host)
{
	const double hz = 2.6e9;
	struct counter_fake_params fp = {.hz = hz, .start = 82670131100026ULL, .read_cost_ns = 20};
	struct counter *raw = counter_fake_create(&fp);
	cr_assert_not_null(raw);
	struct counter_clock clk = counter_fake_clock(raw);
	struct tsc_xform x;
	cr_assert_eq(tsc_xform_parse("1000000000000,50", &x, err, sizeof(err)), 0);
	struct counter *host = counter_xform_create(raw, &x);
	cr_assert_not_null(host);
	cr_assert_str_eq(counter_name(host), "tsc-xform");
	cr_assert_float_eq(counter_nominal_hz(host), hz * (1 + 50e-6), 1);
	uint64_t r0 = counter_read(host);
	cr_assert_geq(r0, 1000000000000ULL + fp.start, "the offset is in the reads");
	struct counter_cal cal;
	cr_assert_eq(counter_calibrate(host, &clk, 1000000000, &cal), 0);
	double want = 1e9 / (hz * (1 + 50e-6));
	cr_assert_float_eq(cal.ns_per_tick, want, want * 1e-8, "%.12f vs %.12f", cal.ns_per_tick,
	                   want);
	/* the source's calibration (the raw period) is 50 ppm off: far outside the error */
	cr_assert_gt(fabs(1e9 / hz / cal.ns_per_tick - 1), 100 * cal.rel_err);
	counter_destroy(host); /* destroys raw too */
}

Test(vmclock_tsc_xform, decorator_refuses_bad_input)
{
	struct tsc_xform x = {.mult = INT64_MAX};
	struct counter_fake_params fp = {.hz = 1e9};
	errno = 0;
	cr_assert_null(counter_xform_create(counter_fake_create(&fp), &x));
	cr_assert_eq(errno, EINVAL);
	fp.width = 32;
	x.mult = 0;
	cr_assert_null(counter_xform_create(counter_fake_create(&fp), &x), "64-bit only");
	cr_assert_null(counter_xform_create(NULL, &x));
}

Test(vmclock_tsc_xform, offset_parse)
{
	uint64_t o;
	cr_assert_eq(tsc_offset_parse("-1004142976731", &o), 0);
	cr_assert_eq((int64_t)o, -1004142976731LL);
	cr_assert_eq(tsc_offset_parse("42", &o), 0);
	cr_assert_eq(o, 42);
	cr_assert_eq(tsc_offset_parse("", &o), -EINVAL);
	cr_assert_eq(tsc_offset_parse("12x", &o), -EINVAL);
	cr_assert_eq(tsc_offset_parse("99999999999999999999", &o), -EINVAL);
}

/* the guest's counter on an emulated host: its TSC through the transform, plus the offset
 * tsvmm set (ctx: struct guest_ctr) */
struct guest_ctr {
	struct tsc_xform x;
	uint64_t offset;
};
static uint64_t guest_counter(void *ctx)
{
	const struct guest_ctr *g = ctx;
	return tsc_xform_apply(&g->x, vmclock_rdtsc()) + g->offset;
}

static int64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* vmclockd on an emulated host (--tsc-transform) publishes a migrated-in VM's page in the
 * guest's counter: this host's TSC + migrate-in's tsc_offset. Read with that counter the page
 * gives CLOCK_REALTIME inside its bound; read with the machine's raw TSC (a page that does not
 * describe the guest's counter) it is seconds off. */
Test(vmclock_tsc_xform, migrate_in_publishes_in_the_guests_counter)
{
	static struct vmclockd d;
	static char dir[64];
	char reply[512], line[256];
	bool quit = false;
	snprintf(dir, sizeof(dir), "/tmp/vmclock-tscx-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	memset(&d, 0, sizeof(d));
	d.page_dir = dir;
	d.slew_max = 1e-3;
	d.interval_s = 1;
	d.est.maxerror_ns = 20000;
	d.est.freq_maxerror = 1e-6;
	d.est.status = VMCLOCK_STATUS_SYNCHRONIZED;
	d.clock = tclock_create(TCLOCK_SYS, NULL);
	cr_assert_not_null(d.clock);
	d.tsc = tsc_host_counter("1000000000000,50");
	cr_assert_not_null(d.tsc);
	struct guest_ctr g = {.offset = (uint64_t)-1004142976731LL};
	cr_assert_eq(tsc_xform_parse("1000000000000,50", &g.x, err, sizeof(err)), 0);
	struct tsc_cal cal;
	cr_assert_eq(tsc_calibrate(d.tsc, 50, &cal), 0);
	counter_rate_init(&d.rate, 64, cal.ns_per_tick, 10, d.est.freq_maxerror);
	cr_assert_eq(vmclockd_sample(&d), 0);
	usleep(50000);
	cr_assert_eq(vmclockd_sample(&d), 0);

	cr_assert_neq(vmclockd_command(&d,
	                               "migrate-in m1 tsc_offset=12x counter=1 time_ns=1 "
	                               "maxerror_ns=1 marker=1 gen=0",
	                               reply, sizeof(reply), &quit),
	              0);
	cr_assert(strstr(reply, "bad tsc_offset '12x'"), "%s", reply);
	snprintf(line, sizeof(line),
	         "migrate-in m1 policy=step tsc_offset=-1004142976731 counter=%llu time_ns=%lld "
	         "maxerror_ns=20000 marker=1 gen=0",
	         (unsigned long long)guest_counter(&g), (long long)realtime_ns());
	cr_assert_eq(vmclockd_command(&d, line, reply, sizeof(reply), &quit), 0, "%s", reply);
	cr_assert(strstr(reply, "tsc_offset=-1004142976731 "), "%s", reply);
	struct vmclockd_vm *vm = vmclockd_vm_find(&d, "m1");
	cr_assert_not_null(vm);

	struct vmclock_reading r;
	cr_assert_eq(vmclock_read(vm->map.abi, guest_counter, &g, 100, &r), 0);
	int64_t t = realtime_ns();
	cr_assert(r.bounded);
	cr_assert_lt(llabs(r.time_ns - t), (long long)r.maxerror_ns + 2000000,
	             "guest's counter: error %lld ns, bound %llu", (long long)(r.time_ns - t),
	             (unsigned long long)r.maxerror_ns);
	/* the stop command defaults to the guest's counter too */
	cr_assert_eq(vmclockd_command(&d, "stop m1", reply, sizeof(reply), &quit), 0, "%s", reply);
	struct vmclock_stop_record rec;
	cr_assert_eq(vmclock_stop_record_parse(reply + 3, &rec), 0, "%s", reply);
	cr_assert_lt(llabs(rec.time_ns - realtime_ns()), 2000000, "%s", reply);
	/* the machine's raw TSC is not the guest's counter: far outside */
	int e = vmclock_read(vm->map.abi, vmclock_counter_tsc, NULL, 100, &r);
	cr_assert(e != 0 || llabs(r.time_ns - realtime_ns()) > 1000000000LL,
	          "a raw read must not look right");

	/* a restart (vm-del + vm-add takes the page over) publishes in the guest's counter again */
	vmclockd_vm_del(&d, vm);
	vm = vmclockd_vm_add(&d, "m1", VMCLOCK_POLICY_STEP, &e);
	cr_assert_not_null(vm, "%d", e);
	cr_assert_eq((int64_t)vm->tsc_offset, -1004142976731LL);
	cr_assert_eq(vmclock_read(vm->map.abi, guest_counter, &g, 100, &r), 0);
	cr_assert_lt(llabs(r.time_ns - realtime_ns()), (long long)r.maxerror_ns + 2000000,
	             "after the take-over: error %lld ns", (long long)(r.time_ns - realtime_ns()));

	vmclockd_vm_del(&d, vm);
	char p[128];
	snprintf(p, sizeof(p), "%s/tsync-vmclock.m1", dir);
	unlink(p);
	rmdir(dir);
	tclock_destroy(d.clock);
	counter_destroy(d.tsc);
}
