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
