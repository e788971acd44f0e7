// SPDX-License-Identifier: MIT
/* vmclockd's config table: defaults equal the historical flag defaults, flags and file keys
 * land in the daemon state, bad values are refused naming the flag; ptpd-wl replies and the
 * control estimate parse strictly. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "config_table.h"
#include "vmclockd.h"

static struct config *cfg;
static void setup(void)
{
	cfg = vmclockd_config_create();
	cr_assert_not_null(cfg);
}
static void teardown(void)
{
	config_destroy(cfg);
}

TestSuite(vmclock_config, .init = setup, .fini = teardown);

Test(vmclock_config, defaults_are_the_flag_defaults)
{
	static struct vmclockd d;
	struct vmclockd_opts o;
	char err[256] = "";
	cr_assert_eq(vmclockd_config_apply(cfg, &d, &o, err, sizeof(err)), 0, "%s", err);
	cr_assert_null(o.clock_spec);
	cr_assert_null(o.sock);
	cr_assert_eq(o.sock_gid, (gid_t)-1);
	cr_assert_eq(o.cal_ms, 200);
	cr_assert_eq(o.baseline_s, 10);
	cr_assert_not(o.verbose);
	cr_assert_eq(d.default_policy, VMCLOCK_POLICY_SLEW);
	cr_assert_float_eq(d.slew_max, 1e-3, 1e-15);
	cr_assert_eq(d.interval_s, 0.5);
	cr_assert_eq(d.est.maxerror_ns, 1000000000);
	cr_assert_eq(d.est.esterror_ns, 1000000000 / 3);
	cr_assert_float_eq(d.est.freq_maxerror, 100e-6, 1e-15);
	cr_assert_float_eq(d.est.freq_esterror, 100e-6 / 3, 1e-15);
	cr_assert_eq(d.est.status, VMCLOCK_STATUS_SYNCHRONIZED);
	cr_assert_not(d.est.grows);
	cr_assert_not(d.est.tai_valid);
	cr_assert_null(d.page_dir);
	cr_assert_not(d.gen_present);
	cr_assert_null(d.ptpd.path);
	cr_assert_eq(d.ptpd.sigma, 3);
	cr_assert_eq(d.ptpd.margin_ns, 1000); /* software stamps' asymmetry */
	cr_assert_float_eq(d.ptpd.freq_locked, 1e-6, 1e-18);
	cr_assert_float_eq(d.ptpd.freq_floor, 100e-9, 1e-18);
}

Test(vmclock_config, asymmetry_follows_the_timestamp_source)
{
	static struct vmclockd d;
	struct vmclockd_opts o;
	char err[256] = "";
	struct config_error ce;
	cr_assert_eq(config_set(cfg, NULL, "ptpd_tstamp", "phc", &ce), 0);
	cr_assert_eq(vmclockd_config_apply(cfg, &d, &o, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(d.ptpd.margin_ns, 100);
	cr_assert_eq(config_set(cfg, NULL, "ptpd_tstamp", "nic", &ce), 0);
	cr_assert_eq(vmclockd_config_apply(cfg, &d, &o, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(d.ptpd.margin_ns, 20);
	cr_assert_eq(config_set(cfg, NULL, "ptpd_asymmetry", "250ns", &ce), 0);
	cr_assert_eq(vmclockd_config_apply(cfg, &d, &o, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(d.ptpd.margin_ns, 250); /* configured wins */
}

Test(vmclock_config, flags_and_file_keys_land_in_the_state)
{
	static struct vmclockd d;
	struct vmclockd_opts o;
	char err[256] = "";
	struct config_error ce;
	cr_assert_eq(config_read_string(cfg,
	                                "clock vclock:h1\n"
	                                "maxerror 2ms\n"
	                                "freq_maxerror 20ppm\n"
	                                "tai_offset 37\n"
	                                "estimate_ages on\n"
	                                "policy freeze\n",
	                                "f.cfg", &ce),
	             0, "%s", ce.msg);
	/* a flag wins over the file */
	cr_assert_eq(config_set(cfg, NULL, "policy", "step", &ce), 0);
	cr_assert_eq(config_set(cfg, NULL, "slew_max", "0.2", &ce), 0);
	cr_assert_eq(config_set(cfg, NULL, "esterror", "300us", &ce), 0);
	cr_assert_eq(config_set(cfg, NULL, "page_dir", "/tmp/x", &ce), 0);
	cr_assert_eq(config_set(cfg, NULL, "socket_group", "0", &ce), 0);
	cr_assert_eq(vmclockd_config_apply(cfg, &d, &o, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(o.clock_spec, "vclock:h1");
	cr_assert_eq(o.sock_gid, 0);
	cr_assert_eq(d.default_policy, VMCLOCK_POLICY_STEP);
	cr_assert_eq(d.slew_max, 0.2);
	cr_assert_eq(d.est.maxerror_ns, 2000000);
	cr_assert_eq(d.est.esterror_ns, 300000);
	cr_assert_float_eq(d.est.freq_maxerror, 20e-6, 1e-15);
	cr_assert_float_eq(d.est.freq_esterror, 20e-6 / 3, 1e-15);
	cr_assert(d.est.tai_valid);
	cr_assert_eq(d.est.tai_offset_sec, -37);
	cr_assert(d.est.grows);
	cr_assert_str_eq(d.page_dir, "/tmp/x");
}

static void refused(const char *key, const char *value, const char *want)
{
	static struct vmclockd d;
	struct vmclockd_opts o;
	struct config_error ce;
	char err[256] = "";
	struct config *c = vmclockd_config_create();
	int set = config_set(c, NULL, key, value, &ce);
	if (set == 0) {
		cr_assert_eq(vmclockd_config_apply(c, &d, &o, err, sizeof(err)), -EINVAL,
		             "%s=%s accepted", key, value);
		cr_assert(strstr(err, want), "%s=%s: '%s'", key, value, err);
	} else {
		cr_assert(strstr(ce.msg, want), "%s=%s: '%s'", key, value, ce.msg);
	}
	config_destroy(c);
}

Test(vmclock_config, bad_values_are_refused_naming_the_flag)
{
	refused("slew_max", "abc", "bad --slew-max 'abc'");
	refused("slew_max", "0", "bad --slew-max '0'");
	refused("maxerror", "-1ms", "bad --maxerror");
	refused("freq_esterror", "5ppx", "bad --freq-esterror");
	refused("policy", "jump", "bad --policy 'jump'");
	refused("state", "locked", "bad --state");
	refused("page_dir", "rel/dir", "an absolute path");
	refused("socket_group", "no-such-group-h7", "bad --socket-group");
	refused("interval", "0.001", "out of range");
	refused("interval", "1x", "bad value");
	refused("tai_offset", "3x", "bad value");
	refused("calibrate_ms", "-1", "bad value");
	refused("ptpd_sigma", "0.5", "out of range");
	refused("ptpd_tstamp", "laser", "bad --ptpd-tstamp 'laser'");
	refused("ptpd_asymmetry", "x", "bad --ptpd-asymmetry");
}

Test(vmclock_config, ptpd_reply_numbers_are_whole)
{
	struct tsync_status st;
	cr_assert_eq(tsync_status_decode("ok status=synchronized est_ns=12.5 offset_ns=-40 "
	                                 "age_ms=3 log_sync=-4 samples=9",
	                                 &st),
	             0);
	cr_assert_eq(st.est_ns, 12.5);
	cr_assert_eq(st.offset_ns, -40);
	cr_assert_eq(st.log_sync, -4);
	cr_assert_eq(st.samples, 9);
	cr_assert_eq(tsync_status_decode("ok status=synchronized est_ns=12x", &st), -EPROTO);
	cr_assert_eq(tsync_status_decode("ok status=synchronized est_ns=1 offset_ns=abc", &st),
	             -EPROTO);
	cr_assert_eq(tsync_status_decode("ok status=synchronized est_ns=1 samples=-3", &st),
	             -EPROTO);
	cr_assert_eq(tsync_status_decode("ok status=synchronized est_ns=nan", &st), -EPROTO);
}

Test(vmclock_config, control_tai_offset_is_a_whole_integer)
{
	static struct vmclockd d;
	char reply[512];
	bool quit = false;
	d.est.maxerror_ns = 1000;
	cr_assert_lt(vmclockd_command(&d, "estimate tai-offset=37x", reply, sizeof(reply), &quit),
	             0, "%s", reply);
	cr_assert(strncmp(reply, "err", 3) == 0, "%s", reply);
	cr_assert_lt(vmclockd_command(&d, "estimate tai-offset=99999", reply, sizeof(reply), &quit),
	             0, "%s", reply);
}
