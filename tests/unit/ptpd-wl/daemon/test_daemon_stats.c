// SPDX-License-Identifier: MIT
/* ptpd-wl daemon: ptp4l-compatible log line formats, summary statistics, config table. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "daemon/daemon.h"

Test(ptpd_daemon_fmt, sample_line_matches_ptp4l)
{
	char b[160];
	ptpd_sample_fmt(b, sizeof(b), -23, 2, 1520.4, 812);
	cr_assert_str_eq(b, "master offset        -23 s2 freq   +1520 path delay       812");
	ptpd_sample_fmt(b, sizeof(b), 2125101, 0, 0.0, -1669);
	cr_assert_str_eq(b, "master offset    2125101 s0 freq      +0 path delay     -1669");
}

Test(ptpd_daemon_fmt, summary_line_matches_ptp4l)
{
	struct ptpd_summary s;
	char b[160];
	ptpd_summary_reset(&s);
	const double off[] = {3, -4, 3, -4}, fr[] = {100, 102, 98, 100};
	for (int i = 0; i < 4; i++) {
		ptpd_stat_add(&s.offset, off[i]);
		ptpd_stat_add(&s.freq, fr[i]);
	}
	ptpd_summary_fmt(&s, b, sizeof(b));
	cr_assert_str_eq(b, "rms    4 max    4 freq   +100 +/-   2");
	ptpd_stat_add(&s.delay, 3000);
	ptpd_stat_add(&s.delay, 3002);
	ptpd_summary_fmt(&s, b, sizeof(b));
	cr_assert_str_eq(b, "rms    4 max    4 freq   +100 +/-   2 delay  3001 +/-   1");
}

Test(ptpd_daemon_fmt, identities)
{
	struct ptp_port_id p = {{{0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55}}, 1};
	char b[40];
	cr_assert_str_eq(ptpd_cid_str(&p.clock, b, sizeof(b)), "001122.fffe.334455");
	cr_assert_str_eq(ptpd_pid_str(&p, b, sizeof(b)), "001122.fffe.334455-1");
}

Test(ptpd_daemon_fmt, clock_identity_parse)
{
	struct ptp_clock_id id;
	char b[40];
	cr_assert_eq(ptpd_cid_parse("001122.FFFE.3344aB", &id), 0);
	cr_assert_str_eq(ptpd_cid_str(&id, b, sizeof(b)), "001122.fffe.3344ab");
	static const char *const bad[] = {"",
	                                  "001122fffe334455",
	                                  "001122.fffe.33445",
	                                  "001122.fffe.3344556",
	                                  "00112.2fffe.334455",
	                                  "001122.fffe.33445g",
	                                  "001122.fffe.334455-1"};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(ptpd_cid_parse(bad[i], &id), -EINVAL, "'%s' parsed", bad[i]);
}

Test(ptpd_daemon_stats, rms_max_stddev)
{
	struct ptpd_stat s = {0};
	cr_assert_eq(ptpd_stat_rms(&s), 0.0);
	ptpd_stat_add(&s, -10);
	ptpd_stat_add(&s, 5);
	cr_assert_float_eq(ptpd_stat_rms(&s), 7.9057, 1e-3);
	cr_assert_eq(ptpd_stat_absmax(&s), 10.0);
	cr_assert_float_eq(ptpd_stat_mean(&s), -2.5, 1e-9);
	cr_assert_float_eq(ptpd_stat_stddev(&s), 10.6066, 1e-3);
}

Test(ptpd_daemon_stats, summary_count)
{
	cr_assert_eq(ptpd_summary_count(0, 0), 1u);
	cr_assert_eq(ptpd_summary_count(0, -3), 8u);
	cr_assert_eq(ptpd_summary_count(-3, -3), 1u);
	cr_assert_eq(ptpd_summary_count(2, 0), 4u);
	cr_assert_eq(ptpd_summary_count(-5, 0), 1u);
}

Test(ptpd_daemon_config, ptp4l_defaults_and_names)
{
	struct config *c = ptpd_config_create();
	cr_assert_not_null(c);
	cr_assert_eq(config_get_int(c, NULL, "priority1"), 128);
	cr_assert_eq(config_get_int(c, NULL, "clockClass"), 248);
	cr_assert_eq(config_get_int(c, NULL, "logAnnounceInterval"), 1);
	cr_assert_eq(config_get_int(c, NULL, "announceReceiptTimeout"), 3);
	cr_assert_float_eq(config_get_double(c, NULL, "first_step_threshold"), 2e-5, 1e-12);
	cr_assert_eq(config_get_int(c, NULL, "network_transport"), TRANS_UDP_IPV4);
	cr_assert_eq(config_get_int(c, NULL, "delay_mechanism"), PTP_DM_E2E);
	cr_assert_str_eq(config_get_string(c, NULL, "uds_address"), "/var/run/ptpd-wl");
	cr_assert_eq(config_get_int(c, NULL, "delay_filter_length"), 10);
	cr_assert_eq(config_get_int(c, NULL, "delay_filter"), 0); /* moving_median */
	cr_assert_eq(config_get_int(c, NULL, "delayAsymmetry"), 0);
	config_destroy(c);
}

Test(ptpd_daemon_config, delay_asymmetry_per_port)
{
	struct config *c = ptpd_config_create();
	struct config_error e;
	cr_assert_eq(
	        config_read_string(c, "[global]\ndelayAsymmetry 100\n[eth1]\ndelayAsymmetry -250\n",
	                           "a.cfg", &e),
	        0, "%s", e.msg);
	cr_assert_eq(config_get_int(c, "eth1", "delayAsymmetry"), -250);
	cr_assert_eq(config_get_int(c, NULL, "delayAsymmetry"), 100);
	cr_assert_eq(config_read_string(c, "delayAsymmetry 1.5\n", "b.cfg", &e), -EINVAL);
	config_destroy(c);
}

Test(ptpd_daemon_config, unknown_and_unsupported_are_errors)
{
	struct config *c = ptpd_config_create();
	struct config_error e;
	cr_assert_eq(config_read_string(c, "[global]\nfoo_bar 1\n", "x.cfg", &e), -EINVAL);
	cr_assert(strstr(e.msg, "x.cfg:2") && strstr(e.msg, "foo_bar"), "%s", e.msg);
	cr_assert_eq(config_read_string(c, "delay_mechanism Auto\n", "y.cfg", &e), -EINVAL);
	cr_assert(strstr(e.msg, "delay_mechanism"), "%s", e.msg);
	cr_assert_eq(config_read_string(c, "time_stamping onestep\n", "z.cfg", &e), -EINVAL);
	cr_assert_eq(config_set_option(c, "--nope=1", &e), -EINVAL);
	cr_assert(strstr(e.msg, "nope"), "%s", e.msg);
	config_destroy(c);
}

Test(ptpd_daemon_config, cross_checks)
{
	struct config *c = ptpd_config_create();
	struct config_error e;
	char err[256];
	cr_assert_eq(ptpd_config_check(c, err, sizeof(err)), -EINVAL); /* no interface */
	cr_assert(strstr(err, "interface"), "%s", err);
	config_add_section(c, "eth0");
	cr_assert_eq(ptpd_config_check(c, err, sizeof(err)), 0);
	cr_assert_eq(config_set_option(c, "--clock_type=vclock", &e), 0);
	cr_assert_eq(ptpd_config_check(c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "vclock NAME"), "%s", err);
	cr_assert_eq(config_set_option(c, "--vclock=v1", &e), 0);
	cr_assert_eq(ptpd_config_check(c, err, sizeof(err)), 0);
	cr_assert_eq(config_set_option(c, "--time_stamping=hardware", &e), 0);
	cr_assert_eq(ptpd_config_check(c, err, sizeof(err)), -EINVAL);
	config_destroy(c);
}
