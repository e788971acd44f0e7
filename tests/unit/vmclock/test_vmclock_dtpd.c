// SPDX-License-Identifier: MIT
/* vmclockd --dtpd SOCK (vmclock/dtpd_pull.c): the socket becomes the pull's (dtpd answers
 * ptpd-wl's requests), and --ptpd with --dtpd is refused naming both. */
#include <criterion/criterion.h>
#include <string.h>

#include "config_table.h"
#include "vmclockd.h"

Test(vmclock_dtpd, dtpd_socket_is_pulled_and_exclusive_with_ptpd)
{
	static struct vmclockd d;
	struct vmclockd_opts o;
	struct config_error ce;
	char err[256] = "";
	struct config *cfg = vmclockd_config_create();
	cr_assert_not_null(cfg);
	cr_assert_eq(config_read_string(cfg, "dtpd /run/dtpd.sock\n", "t", &ce), 0, "%s", ce.msg);
	cr_assert_eq(vmclockd_config_apply(cfg, &d, &o, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(d.ptpd.path, "/run/dtpd.sock");
	config_destroy(cfg);
	memset(&d, 0, sizeof(d));
	cfg = vmclockd_config_create();
	cr_assert_eq(config_read_string(cfg, "dtpd /run/dtpd.sock\nptpd /run/ptpd.uds\n", "t", &ce),
	             0, "%s", ce.msg);
	cr_expect_lt(vmclockd_config_apply(cfg, &d, &o, err, sizeof(err)), 0);
	cr_expect(strstr(err, "give --ptpd or --dtpd, not both"), "%s", err);
	config_destroy(cfg);
}
