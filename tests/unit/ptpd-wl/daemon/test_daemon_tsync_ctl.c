// SPDX-License-Identifier: MIT
/* ptpd-wl daemon: the 802.1AS message interval request TLV and the vmclock status word. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "daemon/daemon.h"

Test(ptpd_daemon_tsync, interval_tlv_roundtrip)
{
	uint8_t b[40];
	cr_assert_eq(ptpd_ival_tlv_build(b, -128, -6, -128), 16);
	static const uint8_t want[16] = {0x00, 0x03, 0x00, 0x0c, 0x00, 0x80, 0xc2, 0x00,
	                                 0x00, 0x02, 0x80, 0xfa, 0x80, 0x03, 0x00, 0x00};
	cr_assert_arr_eq(b, want, 16);
	int8_t s = 0;
	cr_assert_eq(ptpd_ival_tlv_find(b, 16, &s), 0);
	cr_assert_eq(s, -6);
	/* after another TLV */
	uint8_t c[40] = {0x80, 0x08, 0x00, 0x02, 0xaa, 0xbb};
	ptpd_ival_tlv_build(c + 6, -128, 126, -128);
	cr_assert_eq(ptpd_ival_tlv_find(c, 22, &s), 0);
	cr_assert_eq(s, 126);
	/* truncated, other organisation, none */
	cr_assert_eq(ptpd_ival_tlv_find(b, 10, &s), -EBADMSG);
	b[6] = 0x19;
	cr_assert_eq(ptpd_ival_tlv_find(b, 16, &s), -ENOENT);
	cr_assert_eq(ptpd_ival_tlv_find(NULL, 0, &s), -ENOENT);
}

Test(ptpd_daemon_tsync, vmclock_status)
{
	cr_assert_str_eq(ptpd_vmclock_status(PTP_PS_SLAVE, SERVO_LOCKED, false, 0.1, 0.125),
	                 "synchronized");
	cr_assert_str_eq(ptpd_vmclock_status(PTP_PS_SLAVE, SERVO_LOCKED, false, 5, 0.125),
	                 "unreliable");
	cr_assert_str_eq(ptpd_vmclock_status(PTP_PS_SLAVE, SERVO_UNLOCKED, false, 0.1, 0.125),
	                 "unreliable");
	cr_assert_str_eq(ptpd_vmclock_status(PTP_PS_UNCALIBRATED, SERVO_LOCKED, false, 0.1, 1),
	                 "unreliable");
	cr_assert_str_eq(ptpd_vmclock_status(PTP_PS_LISTENING, SERVO_UNLOCKED, false, 9, 1),
	                 "freerunning");
	cr_assert_str_eq(ptpd_vmclock_status(PTP_PS_SLAVE, SERVO_LOCKED, true, 0.1, 1),
	                 "freerunning");
}

/* issue #9: who may change a master's Sync rate (the rule at ptpd_port_rx_signaling) */
Test(ptpd_daemon_tsync, interval_request_rule)
{
	const struct ptp_port_id me = {{{1, 2, 3, 0xff, 0xfe, 4, 5, 6}}, 1};
	const struct ptp_port_id slave = {{{9, 9, 9, 0xff, 0xfe, 9, 9, 9}}, 1};
	struct ptp_msg m;
	const char *why;

	memset(&m, 0, sizeof(m));
	m.hdr.type = PTP_SIGNALING;
	m.hdr.source = slave;
	memset(&m.signaling.target, 0xff, sizeof(m.signaling.target));
	cr_assert_eq(ptpd_ival_request_check(PTP_PS_MASTER, &me, &m, false, -6, &why), 0);
	cr_assert_eq(ptpd_ival_request_check(PTP_PS_MASTER, &me, &m, false, 126, &why), 0);
	cr_assert_eq(ptpd_ival_request_check(PTP_PS_MASTER, &me, &m, false, -7, &why), 0);
	cr_assert_eq(ptpd_ival_request_check(PTP_PS_MASTER, &me, &m, false, 4, &why), 0);
	/* not for us: silently */
	cr_assert_eq(ptpd_ival_request_check(PTP_PS_SLAVE, &me, &m, false, -6, &why), -ENOENT);
	cr_assert_null(why);
	cr_assert_eq(ptpd_ival_request_check(PTP_PS_MASTER, &me, &m, false, -128, &why), -ENOENT);
	m.signaling.target = me;
	cr_assert_eq(ptpd_ival_request_check(PTP_PS_MASTER, &me, &m, false, -6, &why), 0);
	m.signaling.target.port = 2;
	cr_assert_eq(ptpd_ival_request_check(PTP_PS_MASTER, &me, &m, false, -6, &why), -ENOENT);
	memset(&m.signaling.target, 0xff, sizeof(m.signaling.target));
	/* refused, with a reason */
	cr_assert_eq(ptpd_ival_request_check(PTP_PS_MASTER, &me, &m, true, -6, &why), -EPERM);
	cr_assert(strstr(why, "master"), "%s", why);
	cr_assert_eq(ptpd_ival_request_check(PTP_PS_MASTER, &me, &m, false, -8, &why), -EPERM);
	cr_assert(strstr(why, "range"), "%s", why);
	cr_assert_eq(ptpd_ival_request_check(PTP_PS_MASTER, &me, &m, false, 5, &why), -EPERM);
	cr_assert_eq(ptpd_ival_request_check(PTP_PS_MASTER, &me, &m, false, 127, &why), -EPERM);
	m.hdr.source = me;
	m.hdr.source.port = 2;
	cr_assert_eq(ptpd_ival_request_check(PTP_PS_MASTER, &me, &m, false, -6, &why), -EPERM);
	cr_assert(strstr(why, "own clock"), "%s", why);
}

/* issue #9: "tsync burst log_sync=abc" was read as 0, "tsync statusXXXX" as status */
Test(ptpd_daemon_tsync, command_parsing_is_strict)
{
	struct ptpd_cmd c;
	char err[160];

	cr_assert_eq(ptpd_cmd_parse("status", &c, err, sizeof(err)), 0);
	cr_assert_eq(c.kind, PTPD_CMD_STATUS);
	cr_assert_eq(ptpd_cmd_parse("burst seconds=2.5", &c, err, sizeof(err)), 0);
	cr_assert_eq(c.kind, PTPD_CMD_BURST);
	cr_assert_float_eq(c.seconds, 2.5, 1e-12);
	cr_assert_eq(c.log_sync, -6, "default");
	cr_assert_eq(ptpd_cmd_parse("burst log_sync=-3  seconds=600", &c, err, sizeof(err)), 0);
	cr_assert_eq(c.log_sync, -3);
	static const struct {
		const char *line, *want;
	} bad[] = {
	        {"statusXXXX", "err unknown command 'statusXXXX'"},
	        {"status now", "err status takes no argument ('now')"},
	        {"", "err missing command"},
	        {"burst", "err burst needs seconds=S"},
	        {"burst seconds=1 log_sync=abc", "err bad value 'abc' for log_sync"},
	        {"burst seconds=1 log_sync=-8", "err bad value '-8' for log_sync"},
	        {"burst seconds=1 log_sync=1.5", "err bad value '1.5' for log_sync"},
	        {"burst seconds=1 log_sync=", "err bad value '' for log_sync"},
	        {"burst seconds=abc", "err bad value 'abc' for seconds"},
	        {"burst seconds=0", "err seconds must be > 0"},
	        {"burst seconds=601", "err bad value '601' for seconds"},
	        {"burst seconds=nan", "err bad value 'nan' for seconds"},
	        {"burst seconds=1 seconds=2",
	         "err burst: unknown or repeated argument 'seconds=2'"},
	        {"burst seconds=1 fast=1", "err burst: unknown or repeated argument 'fast=1'"},
	        {"burstXX seconds=1", "err unknown command 'burstXX'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(ptpd_cmd_parse(bad[i].line, &c, err, sizeof(err)), -EINVAL, "%s",
		             bad[i].line);
		cr_assert(!strncmp(err, bad[i].want, strlen(bad[i].want)), "'%s' -> '%s'",
		          bad[i].line, err);
	}
}
