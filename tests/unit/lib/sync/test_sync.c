// SPDX-License-Identifier: MIT
/* The discipline engine (sync.h) on a simulated clock: step policy, holdover, free running,
 * error estimate, the config fragment; and the clock spec parser (clock.h). */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "tsync/config.h"
#include "tsync/sim.h"
#include "tsync/sync.h"

struct bed {
	struct sim_time t;
	struct sync *s;
	struct tclock *clk;
};

static void bed_init(struct bed *b, enum servo_type type, bool free_running, tmv_t offset,
                     double ppm)
{
	struct vclock_params prm = {.initial_offset_ns = offset, .nat_ppm = ppm};
	struct sync_params p = {.servo = type, .free_running = free_running, .chrony_shm_unit = -1};
	char err[160] = "";

	servo_config_defaults(&p.sc, false);
	b->t.now_ns = 1000 * NS_PER_SEC;
	b->clk = tclock_sim_create(&b->t, &prm);
	cr_assert_not_null(b->clk);
	b->s = sync_create(&p, b->clk, err, sizeof(err));
	cr_assert_not_null(b->s, "%s", err);
	cr_assert_eq(sync_clock(b->s), b->clk);
}

/* One sample per second measured without noise: offset = the sim clock's true error. */
static enum servo_state step_1s(struct bed *b)
{
	b->t.now_ns += NS_PER_SEC;
	struct sync_sample x = {.offset = tclock_sim_error(b->clk),
	                        .sys = b->t.now_ns,
	                        .mono = b->t.now_ns,
	                        .log_interval = 0,
	                        .source = 1};
	tclock_gettime(b->clk, &x.local);
	return sync_sample(b->s, &x);
}

Test(sync, steps_a_large_offset_then_locks)
{
	struct bed b;
	bed_init(&b, SERVO_PI, false, 5000000, 20.0);
	cr_assert_eq(sync_step_gen(b.s), 0);
	bool stepped = false;
	for (int i = 0; i < 3; i++)
		stepped |= step_1s(&b) == SERVO_JUMP;
	cr_assert(stepped, "a 5 ms offset above first_step_threshold steps the clock");
	cr_assert_eq(sync_step_gen(b.s), 1);
	cr_assert_lt(llabs(tclock_sim_error(b.clk)), 100000, "error %lld after the step",
	             (long long)tclock_sim_error(b.clk));
	for (int i = 0; i < 60; i++)
		step_1s(&b);
	cr_assert_eq(sync_state(b.s), SERVO_LOCKED);
	cr_assert_lt(llabs(tclock_sim_error(b.clk)), 1000);
	cr_assert_eq(sync_step_gen(b.s), 1, "no second step once locked");
	cr_assert(fabs(sync_freq(b.s) + 20000.0) < 500.0, "freq %.0f cancels +20 ppm",
	          sync_freq(b.s));
	cr_assert_eq(sync_samples(b.s), 63);
	cr_assert_eq(sync_last_mono(b.s), b.t.now_ns);
	sync_destroy(b.s);
}

Test(sync, small_offset_is_slewed_not_stepped)
{
	struct bed b;
	bed_init(&b, SERVO_PI, false, 10000, 5.0); /* 10 us < first_step_threshold 20 us */
	for (int i = 0; i < 60; i++)
		step_1s(&b);
	cr_assert_eq(sync_step_gen(b.s), 0);
	cr_assert_eq(sync_state(b.s), SERVO_LOCKED);
	sync_destroy(b.s);
}

Test(sync, holdover_keeps_the_average_frequency)
{
	struct bed b;
	bed_init(&b, SERVO_PI, false, 0, -30.0);
	for (int i = 0; i < 120; i++)
		step_1s(&b);
	cr_assert_eq(sync_state(b.s), SERVO_LOCKED);
	sync_holdover(b.s);
	cr_assert_eq(sync_state(b.s), SERVO_UNLOCKED);
	cr_assert(fabs(sync_freq(b.s) - 30000.0) < 100.0, "holdover freq %.1f", sync_freq(b.s));
	double f;
	tclock_getfreq(b.clk, &f);
	cr_assert_float_eq(f, sync_freq(b.s), 1e-6);
	/* an hour without samples: the drift stays that of the residual frequency error */
	tmv_t e0 = tclock_sim_error(b.clk);
	b.t.now_ns += 3600 * NS_PER_SEC;
	cr_assert_lt(llabs(tclock_sim_error(b.clk) - e0), 3600 * 100, "holdover drift %lld ns/h",
	             (long long)(tclock_sim_error(b.clk) - e0));
	sync_destroy(b.s);
}

Test(sync, no_holdover_before_32_locked_samples)
{
	struct bed b;
	bed_init(&b, SERVO_PI, false, 0, -30.0);
	for (int i = 0; i < 5; i++)
		step_1s(&b);
	double before = sync_freq(b.s);
	sync_holdover(b.s);
	cr_assert_float_eq(sync_freq(b.s), before, 1e-9);
	cr_assert_eq(sync_state(b.s), SERVO_UNLOCKED);
	sync_destroy(b.s);
}

Test(sync, free_running_never_touches_the_clock)
{
	struct bed b;
	bed_init(&b, SERVO_PI, true, 5000000, 20.0);
	for (int i = 0; i < 20; i++)
		cr_assert_eq(step_1s(&b), SERVO_UNLOCKED);
	double f;
	tclock_getfreq(b.clk, &f);
	cr_assert_float_eq(f, 0.0, 1e-12);
	cr_assert_eq(sync_step_gen(b.s), 0);
	cr_assert_eq(sync_samples(b.s), 20);
	cr_assert(sync_free_running(b.s));
	sync_destroy(b.s);
}

Test(sync, error_estimate)
{
	struct bed b;
	double est = -1;
	bed_init(&b, SERVO_PI, false, 0, 1.0);
	cr_assert_eq(sync_error_estimate(b.s, &est), -EOPNOTSUPP);
	sync_destroy(b.s);
	bed_init(&b, SERVO_KALMAN, false, 0, 1.0);
	for (int i = 0; i < 30; i++)
		step_1s(&b);
	cr_assert_eq(sync_error_estimate(b.s, &est), 0);
	cr_assert(est > 0 && est < 1e6, "kalman estimate %g ns", est);
	sync_destroy(b.s);
}

Test(sync, create_reports_a_bad_export)
{
	struct sim_time t = {.now_ns = NS_PER_SEC};
	struct vclock_params prm = {0};
	struct sync_params p = {
	        .servo = SERVO_PI, .chrony_shm_unit = -1, .statlog = "/nonexistent-dir/x.statlog"};
	char err[160] = "";
	servo_config_defaults(&p.sc, true);
	cr_assert_null(sync_create(&p, tclock_sim_create(&t, &prm), err, sizeof(err)));
	cr_assert(strstr(err, "statlog /nonexistent-dir/x.statlog"), "%s", err);
}

/* ---- the config fragment ---- */
static const struct config_item own[] = {CFG_INT("priority1", CFG_SCOPE_GLOBAL, 128, 0, 255)};

static struct config *fragment_cfg(void)
{
	const struct config_part parts[] = {CONFIG_PART(own), {sync_config_items, sync_config_n}};
	struct config *cfg = config_create_parts(parts, 2);
	cr_assert_not_null(cfg);
	return cfg;
}

static int read_cfg(const char *text, struct tclock_spec *spec, char *err, size_t len)
{
	struct config *cfg = fragment_cfg();
	struct config_error ce;
	struct sync_params p;
	cr_assert_eq(config_read_string(cfg, text, NULL, &ce), 0, "%s", ce.msg);
	int rc = sync_config_read(cfg, true, &p, spec, err, len);
	config_destroy(cfg);
	return rc;
}

Test(sync_config, fragment_joins_a_daemon_table)
{
	struct config *cfg = fragment_cfg();
	struct config_error ce;
	struct sync_params p;
	struct tclock_spec spec;
	char err[160];
	cr_assert_eq(config_read_string(cfg,
	                                "priority1 7\nclock_servo kalman\nstep_threshold 0.5\n"
	                                "statlog /tmp/x\nchrony_shm_unit 3\n",
	                                NULL, &ce),
	             0, "%s", ce.msg);
	cr_assert_eq(config_get_int(cfg, NULL, "priority1"), 7);
	cr_assert_eq(sync_config_read(cfg, false, &p, &spec, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.servo, SERVO_KALMAN);
	cr_assert_float_eq(p.sc.step_threshold_s, 0.5, 1e-12);
	cr_assert(p.hw_stamps);
	cr_assert_str_eq(p.statlog, "/tmp/x");
	cr_assert_eq(p.chrony_shm_unit, 3);
	cr_assert_eq(spec.type, TCLOCK_SYS);
	config_destroy(cfg);
}

Test(sync_config, a_key_in_two_fragments_is_refused)
{
	static const struct config_item dup[] = {CFG_STRING("statlog", CFG_SCOPE_GLOBAL, NULL)};
	const struct config_part parts[] = {CONFIG_PART(dup), {sync_config_items, sync_config_n}};
	errno = 0;
	cr_assert_null(config_create_parts(parts, 2));
	cr_assert_eq(errno, EINVAL);
}

Test(sync_config, clock_keys)
{
	struct tclock_spec spec;
	char err[160] = "";
	cr_assert_eq(read_cfg("clock vclock:lab1\n", &spec, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(spec.type, TCLOCK_VCLOCK);
	cr_assert_str_eq(spec.name, "lab1");
	cr_assert_eq(read_cfg("clock_type vclock\nvclock lab2\n", &spec, err, sizeof(err)), 0);
	cr_assert_str_eq(spec.name, "lab2");
	cr_assert_eq(read_cfg("clock_type phc\nphc_device /dev/ptp3\n", &spec, err, sizeof(err)), 0,
	             "%s", err);
	cr_assert_eq(spec.type, TCLOCK_PHC);
	cr_assert_str_eq(spec.name, "/dev/ptp3");
	cr_assert_eq(read_cfg("clock_type phc\n", &spec, err, sizeof(err)), 0);
	cr_assert_str_eq(spec.name, "");
	cr_assert_eq(read_cfg("clock_type vclock\n", &spec, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "clock_type vclock needs 'vclock NAME'");
	cr_assert_eq(read_cfg("vclock x\n", &spec, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "'vclock x' given but clock_type is not vclock");
	cr_assert_eq(read_cfg("clock sys\nclock_type sys\n", &spec, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "'clock sys' and 'clock_type' both given");
	cr_assert_eq(read_cfg("clock phc:ptp0\n", &spec, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "phc:/dev/ptpN"), "%s", err);
}

/* ---- clock specs ---- */
static void spec_err(const char *s, const char *want)
{
	struct tclock_spec spec;
	char err[200] = "";
	cr_assert_eq(tclock_spec_parse(s, &spec, err, sizeof(err)), -EINVAL, "'%s' parsed", s);
	cr_assert(strstr(err, want), "'%s': got \"%s\", want \"%s\"", s ? s : "(null)", err, want);
}

Test(clock_spec, good_specs_round_trip)
{
	static const char *const good[] = {"sys", "sim", "phc", "phc:/dev/ptp0", "vclock:lab-1.a"};
	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct tclock_spec spec;
		char err[160], buf[96];
		cr_assert_eq(tclock_spec_parse(good[i], &spec, err, sizeof(err)), 0, "%s", err);
		cr_assert_str_eq(tclock_spec_str(&spec, buf, sizeof(buf)), good[i]);
	}
}

Test(clock_spec, errors_name_what_is_wrong)
{
	spec_err("", "empty clock spec");
	spec_err(NULL, "empty clock spec");
	spec_err("ptp", "unknown clock type 'ptp'");
	spec_err("PHC:/dev/ptp0", "unknown clock type 'PHC'");
	spec_err("sys:eth0", "sys takes no argument");
	spec_err("sim:1", "sim takes no argument");
	spec_err("vclock", "vclock needs a name");
	spec_err("vclock:", "vclock needs a name");
	spec_err("vclock:bad name", "bad vclock name 'bad name'");
	spec_err("phc:", "empty PHC device");
	spec_err("phc:ptp0", "PHC device must be a path");
	char longname[120];
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "vclock:", 7);
	longname[sizeof(longname) - 1] = 0;
	spec_err(longname, "longer than 63 characters");
}

Test(clock_spec, open_refuses_sim_and_a_missing_vclock)
{
	struct tclock_spec spec;
	char err[200] = "";
	cr_assert_eq(tclock_spec_parse("sim", &spec, err, sizeof(err)), 0);
	cr_assert_null(tclock_spec_open(&spec, err, sizeof(err)));
	cr_assert(strstr(err, "clock sim: cannot be opened by name"), "%s", err);
	cr_assert_eq(tclock_spec_parse("vclock:h1-unit-absent", &spec, err, sizeof(err)), 0);
	cr_assert_null(tclock_spec_open(&spec, err, sizeof(err)));
	cr_assert_str_eq(err, "vclock h1-unit-absent: no such vclock");
}

Test(clock, from_sys_maps_a_system_stamp)
{
	struct sim_time t = {.now_ns = 100 * NS_PER_SEC};
	struct vclock_params prm = {.initial_offset_ns = 2000, .nat_ppm = 10.0};
	struct tclock *c = tclock_sim_create(&t, &prm);
	tmv_t out = -1, now;
	cr_assert_eq(tclock_from_sys(c, 0, &out), 0);
	cr_assert_eq(out, 0, "no stamp stays no stamp");
	/* a stamp 1 s in the past: the clock then read 2000 ns - 10 us behind what it reads now */
	cr_assert_eq(tclock_from_sys(c, t.now_ns - NS_PER_SEC, &out), 0);
	tclock_gettime(c, &now);
	cr_assert_eq(now - out, NS_PER_SEC + 10000);
	tclock_destroy(c);
}
