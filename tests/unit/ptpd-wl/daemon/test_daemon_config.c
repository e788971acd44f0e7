// SPDX-License-Identifier: MIT
/* ptpd-wl's config table with the engine's fragment: the clock keys and their cross-checks. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "daemon/daemon.h"

static int check(const char *text, char *err, size_t len)
{
	struct config *cfg = ptpd_config_create();
	struct config_error ce;
	cr_assert_not_null(cfg);
	cr_assert_eq(config_read_string(cfg, text, "t.conf", &ce), 0, "%s", ce.msg);
	cr_assert_eq(config_add_section(cfg, "eth0"), 0);
	err[0] = 0;
	int rc = ptpd_config_check(cfg, err, len);
	config_destroy(cfg);
	return rc;
}

Test(ptpd_daemon_config, clock_keys)
{
	char err[200];
	cr_assert_eq(check("clock vclock:lab\n", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(check("clock_type vclock\nvclock lab\n", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(check("clock phc:/dev/ptp1\ntime_stamping hardware\n", err, sizeof(err)), 0,
	             "%s", err);
	cr_assert_eq(check("clockIdentity 001122.fffe.334455\n", err, sizeof(err)), 0, "%s", err);
	static const struct {
		const char *text, *want;
	} bad[] = {
	        {"clock_type vclock\n", "clock_type vclock needs 'vclock NAME'"},
	        {"clock sim\n", "clock sim exists only in simulations"},
	        {"clock vclock:lab\ntime_stamping hardware\n",
	         "clock_type vclock needs time_stamping"},
	        {"clock phc\n", "clock_type phc needs time_stamping hardware"},
	        {"clock sys\nvclock lab\n", "'clock sys' and 'vclock' both given"},
	        {"clock pch\n", "unknown clock type 'pch'"},
	        {"clockIdentity 00112233\n", "bad clockIdentity '00112233'"},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(check(bad[i].text, err, sizeof(err)), -EINVAL, "'%s' accepted",
		             bad[i].text);
		cr_assert(strstr(err, bad[i].want), "'%s': got \"%s\"", bad[i].text, err);
	}
}
