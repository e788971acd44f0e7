// SPDX-License-Identifier: MIT
/* ptpd-wl acceptable master table: the text syntax, its errors, and matching by sender. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/accept.h"

static const struct ptp_port_id gm1 = {{{0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55}}, 1};

Test(ptp_accept, port_identity_forms)
{
	struct ptp_port_id id;

	cr_assert_eq(ptp_port_id_parse("001122.fffe.334455-1", 20, &id), 0);
	cr_assert(ptp_port_id_eq(&id, &gm1));
	cr_assert_eq(ptp_port_id_parse("001122FFFE334455", 16, &id), 0);
	cr_assert_eq(id.port, 0, "no port: any");
	cr_assert_eq(memcmp(id.clock.id, gm1.clock.id, 8), 0);
	cr_assert_eq(ptp_port_id_parse("001122.fffe.334455-65535", 24, &id), 0);
	cr_assert_eq(id.port, 65535);
	/* len bounds the read: the entry may be followed by anything */
	cr_assert_eq(ptp_port_id_parse("001122.fffe.334455-1,xyz", 20, &id), 0);
	static const char *const bad[] = {
	        "",
	        "001122.fffe.33445",
	        "001122.fffe.3344556",
	        "001122.fffe.33445g",
	        "0011.22fffe.334455",
	        "001122.fffe.334455-",
	        "001122.fffe.334455-0",
	        "001122.fffe.334455-65536",
	        "001122.fffe.334455-1x",
	        "001122.fffe.334455x1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(ptp_port_id_parse(bad[i], strlen(bad[i]), &id), -EINVAL, "%s", bad[i]);
}

Test(ptp_accept, table_parse_and_match)
{
	struct accept_table t;
	char err[160] = "";
	struct ptp_port_id other = gm1, gm1p2 = gm1;

	other.clock.id[7] = 0x56;
	gm1p2.port = 2;
	cr_assert_eq(accept_table_parse(&t, NULL, err, sizeof(err)), 0);
	cr_assert_eq(t.n, 0);
	cr_assert(accept_table_allows(&t, &other), "no table: anyone");
	cr_assert_eq(accept_table_parse(&t, "  ,\t ", err, sizeof(err)), 0);
	cr_assert_eq(t.n, 0);

	cr_assert_eq(accept_table_parse(&t, "001122.fffe.334455-1", err, sizeof(err)), 0);
	cr_assert_eq(t.n, 1);
	cr_assert(accept_table_allows(&t, &gm1));
	cr_assert_not(accept_table_allows(&t, &gm1p2), "another port of the clock");
	cr_assert_not(accept_table_allows(&t, &other));

	cr_assert_eq(
	        accept_table_parse(&t, "a0b1c2.fffe.d3e4f5, 001122.fffe.334455", err, sizeof(err)),
	        0);
	cr_assert_eq(t.n, 2);
	cr_assert(accept_table_allows(&t, &gm1p2), "no port number: any port");
	cr_assert_not(accept_table_allows(&t, &other));

	cr_assert_eq(accept_table_parse(&t, "001122.fffe.334455 nonsense", err, sizeof(err)),
	             -EINVAL);
	cr_assert(strstr(err, "bad entry 'nonsense'"), "%s", err);
	char many[40 * 20] = "";
	for (int i = 0; i < ACCEPT_MAX + 1; i++)
		sprintf(many + strlen(many), "001122.fffe.3344%02x ", i);
	cr_assert_eq(accept_table_parse(&t, many, err, sizeof(err)), -E2BIG);
	cr_assert(strstr(err, "more than 16"), "%s", err);
}
