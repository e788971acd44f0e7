// SPDX-License-Identifier: MIT
/* Clock drivers: dispatcher defaults, sim driver, clockadj conversions, PHC error paths. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "tsync/clock.h"
#include "tsync/sim.h"
#include "../../../../lib/clock/clockadj.h"

Test(clock, parse_type)
{
	enum tclock_type t;
	cr_assert_eq(tclock_parse_type("vclock", &t), 0);
	cr_assert_eq(t, TCLOCK_VCLOCK);
	cr_assert_eq(tclock_parse_type("phc", &t), 0);
	cr_assert_eq(t, TCLOCK_PHC);
	cr_assert_eq(tclock_parse_type("PHC", &t), -EINVAL);
	cr_assert_eq(tclock_parse_type(NULL, &t), -EINVAL);
}

Test(clock, sim_driver_follows_model)
{
	struct sim_time st = {.now_ns = 1000 * NS_PER_SEC};
	struct vclock_params prm = {.initial_offset_ns = 1000000, .nat_ppm = 100.0};
	struct tclock *c = tclock_sim_create(&st, &prm);
	tmv_t t;
	double f;

	cr_assert_not_null(c);
	cr_assert_eq(tclock_type(c), TCLOCK_SIM);
	cr_assert_eq(tclock_sim_error(c), 1000000);
	st.now_ns += 10 * NS_PER_SEC; /* +100 ppm over 10 s = +1 ms */
	cr_assert_eq(tclock_sim_error(c), 2000000);
	cr_assert_eq(tclock_step(c, -2000000), 0);
	cr_assert_eq(tclock_sim_error(c), 0);
	cr_assert_eq(tclock_adjfreq(c, -100000.0), 0); /* cancel the oscillator error */
	st.now_ns += 100 * NS_PER_SEC;
	cr_assert_eq(tclock_sim_error(c), 0);
	cr_assert_eq(tclock_getfreq(c, &f), 0);
	cr_assert_float_eq(f, -100000.0, 1e-9);
	cr_assert_eq(tclock_gettime(c, &t), 0);
	cr_assert_eq(t, st.now_ns);
	tclock_destroy(c);
}

Test(clock, adjfreq_clamped_to_driver_limit_and_nan_rejected)
{
	struct sim_time st = {0};
	struct vclock_params prm = {0};
	struct tclock *c = tclock_sim_create(&st, &prm);
	double f;
	cr_assert_eq(tclock_adjfreq(c, 1e12), 0);
	cr_assert_eq(tclock_getfreq(c, &f), 0);
	cr_assert_float_eq(f, tclock_max_adj(c), 1e-6);
	cr_assert_eq(tclock_adjfreq(c, NAN), -EINVAL);
	tclock_destroy(c);
}

Test(clock, read_pair_sim_is_exact)
{
	struct sim_time st = {.now_ns = 5 * NS_PER_SEC};
	struct vclock_params prm = {.initial_offset_ns = -42};
	struct tclock *c = tclock_sim_create(&st, &prm);
	tmv_t clk, sys, win;
	cr_assert_eq(tclock_read_pair(c, &clk, &sys, &win), 0);
	cr_assert_eq(clk - sys, -42);
	cr_assert_eq(win, 0);
	tclock_destroy(c);
}

Test(clock, sim_create_rejects_null)
{
	struct vclock_params prm = {0};
	cr_assert_null(tclock_sim_create(NULL, &prm));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(tclock_create(TCLOCK_SIM, "x"));
}

Test(clockadj, scaled_ppm_conversions)
{
	cr_assert_eq(clockadj_ppb_to_scaled_ppm(1000.0), 65536); /* 1 ppm */
	cr_assert_eq(clockadj_ppb_to_scaled_ppm(-500000.0), -32768000);
	cr_assert_float_eq(clockadj_scaled_ppm_to_ppb(65536), 1000.0, 1e-9);
	struct timex tx;
	clockadj_fill_freq(&tx, 2000.0);
	cr_assert_eq(tx.modes, ADJ_FREQUENCY);
	cr_assert_eq(tx.freq, 131072);
}

Test(clockadj, step_timex_is_normalised_for_negative_steps)
{
	struct timex tx;
	clockadj_fill_step(&tx, -1500000000LL); /* -1.5 s */
	cr_assert_eq(tx.modes, ADJ_SETOFFSET | ADJ_NANO);
	cr_assert_eq(tx.time.tv_sec, -2);
	cr_assert_eq(tx.time.tv_usec, 500000000);
}

Test(clockadj, fd_clockid_roundtrip)
{
	for (int fd = 0; fd < 100; fd += 7) {
		clockid_t id = clockadj_fd_to_clockid(fd);
		cr_assert_eq(id & 7, 3);
		cr_assert_lt(id, 0, "dynamic clock ids are negative");
		cr_assert_eq(clockadj_clockid_to_fd(id), fd);
	}
}

Test(phc, open_errors_name_the_cause)
{
	char tmp[] = "/tmp/tsync-phc-XXXXXX";
	int fd = mkstemp(tmp);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_null(tclock_create(TCLOCK_PHC, "/dev/ptp-does-not-exist"));
	cr_assert_eq(errno, ENOENT);
	cr_assert_null(tclock_create(TCLOCK_PHC, tmp)); /* a regular file is no PHC */
	cr_assert_eq(errno, ENODEV);
	cr_assert_null(tclock_create(TCLOCK_PHC, "/dev/null")); /* a char device, but no PHC */
	cr_assert_eq(errno, ENODEV);
	cr_assert_null(tclock_create(TCLOCK_PHC, ""));
	cr_assert_eq(errno, EINVAL);
	unlink(tmp);
}

Test(sim_rng, deterministic_and_gaussian_moments)
{
	struct sim_rng a, b;
	double s = 0, s2 = 0;
	sim_rng_seed(&a, 42);
	sim_rng_seed(&b, 42);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(sim_rng_u64(&a), sim_rng_u64(&b));
	sim_rng_seed(&b, 43);
	cr_assert_neq(sim_rng_u64(&a), sim_rng_u64(&b));
	for (int i = 0; i < 100000; i++) {
		double g = sim_rng_gauss(&a);
		s += g;
		s2 += g * g;
	}
	cr_assert_lt(fabs(s / 100000), 0.02);
	cr_assert_lt(fabs(s2 / 100000 - 1.0), 0.03);
}

/* The sys driver is for deployments: tests only read through it (modes = 0 changes nothing). */
Test(clock, sys_driver_reads_only)
{
	struct tclock *c = tclock_create(TCLOCK_SYS, NULL);
	tmv_t t, rt, res;
	double f;
	cr_assert_not_null(c);
	cr_assert_str_eq(tclock_name(c), "CLOCK_REALTIME");
	cr_assert_eq(tclock_gettime(c, &t), 0);
	cr_assert_eq(tmv_clock_read(CLOCK_REALTIME, &rt), 0);
	cr_assert_lt(llabs(rt - t), NS_PER_SEC);
	cr_assert_eq(tclock_getfreq(c, &f), 0);
	cr_assert_lt(fabs(f), 500000.0 + 1);
	cr_assert_eq(tclock_getres(c, &res), 0);
	cr_assert_geq(res, 1);
	cr_assert_float_eq(tclock_max_adj(c), 500000.0, 1e-9);
	tclock_destroy(c);
}
