// SPDX-License-Identifier: MIT
/* The per-pass barrier of migrations over parallel connections (vmm/migrate/passbar.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "migrate/passbar.h"
#include "migrate/stream.h"

static struct tsmig_pass ps(uint32_t pass, uint32_t final, uint64_t pages)
{
	return (struct tsmig_pass){.pass = pass, .final = final, .pages = pages};
}

Test(migrate_passbar, a_pass_is_released_only_when_every_data_connection_ended_it)
{
	struct mig_passbar b;
	char err[160];
	mig_passbar_init(&b, 3);
	cr_assert_eq(mig_passbar_pages(&b, 0, 10, err, sizeof(err)), 0);
	cr_assert_eq(mig_passbar_pages(&b, 1, 20, err, sizeof(err)), 0);
	cr_assert_eq(mig_passbar_pages(&b, 2, 30, err, sizeof(err)), 0);
	struct tsmig_pass p1 = ps(0, 0, 20), p2 = ps(0, 0, 30), c = ps(0, 0, 60);
	cr_assert_eq(mig_passbar_ctl(&b, &c, err, sizeof(err)), 0);
	cr_assert_not(mig_passbar_ready(&b));
	cr_assert_eq(mig_passbar_end(&b, 1, &p1, err, sizeof(err)), 0, "%s", err);
	cr_assert(mig_passbar_waiting(&b, 1));
	cr_assert_not(mig_passbar_waiting(&b, 2));
	cr_assert_not(mig_passbar_ready(&b));
	/* connection 1 must not deliver pass 1 before the barrier */
	cr_assert_eq(mig_passbar_pages(&b, 1, 1, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "connection 1: PAGES after its PASS_END"), "%s", err);
	cr_assert_eq(mig_passbar_end(&b, 2, &p2, err, sizeof(err)), 0, "%s", err);
	cr_assert(mig_passbar_ready(&b));
	cr_assert_eq(mig_passbar_release(&b, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(mig_passbar_waiting(&b, 1));
	cr_assert_eq(b.pass, 1);
	/* the final pass: after its release nothing more */
	struct tsmig_pass f1 = ps(1, 1, 0), fc = ps(1, 1, 0);
	cr_assert_eq(mig_passbar_end(&b, 1, &f1, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(mig_passbar_end(&b, 2, &f1, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(mig_passbar_release(&b, &fc, err, sizeof(err)), 0, "%s", err);
	cr_assert(b.done);
	cr_assert_not(mig_passbar_ready(&b));
	cr_assert_eq(mig_passbar_pages(&b, 2, 1, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "after the final pass"), "%s", err);
}

Test(migrate_passbar, a_record_of_another_pass_is_refused_by_name)
{
	struct mig_passbar b;
	char err[160];
	mig_passbar_init(&b, 2);
	struct tsmig_pass late = ps(1, 0, 0);
	cr_assert_eq(mig_passbar_end(&b, 1, &late, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "connection 1: PASS_END of pass 1 in pass 0"), "%s", err);
	struct tsmig_pass c = ps(2, 0, 0);
	cr_assert_eq(mig_passbar_ctl(&b, &c, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "pass 2 in pass 0"), "%s", err);
	struct tsmig_pass ok = ps(0, 0, 0);
	cr_assert_eq(mig_passbar_end(&b, 1, &ok, err, sizeof(err)), 0);
	cr_assert_eq(mig_passbar_end(&b, 1, &ok, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "twice"), "%s", err);
	cr_assert_eq(mig_passbar_end(&b, 0, &ok, err, sizeof(err)), -EPROTO);
}

Test(migrate_passbar, page_counts_must_match_what_arrived)
{
	struct mig_passbar b;
	char err[160];
	mig_passbar_init(&b, 3);
	cr_assert_eq(mig_passbar_pages(&b, 1, 5, err, sizeof(err)), 0);
	cr_assert_eq(mig_passbar_pages(&b, 2, 7, err, sizeof(err)), 0);
	struct tsmig_pass wrong = ps(0, 0, 4), p1 = ps(0, 0, 5), p2 = ps(0, 0, 7);
	cr_assert_eq(mig_passbar_end(&b, 1, &wrong, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "counts 4 pages, 5 arrived"), "%s", err);
	cr_assert_eq(mig_passbar_end(&b, 1, &p1, err, sizeof(err)), 0);
	cr_assert_eq(mig_passbar_end(&b, 2, &p2, err, sizeof(err)), 0);
	struct tsmig_pass c = ps(0, 0, 13);
	cr_assert_eq(mig_passbar_release(&b, &c, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "13 pages, 12 arrived on 3 connections"), "%s", err);
	c.pages = 12;
	cr_assert_eq(mig_passbar_release(&b, &c, err, sizeof(err)), 0, "%s", err);
}

Test(migrate_join, join_must_name_this_migration)
{
	char err[160];
	struct tsmig_hello hi = {.connections = 3, .token = 0x1234};
	struct tsmig_join j = {.magic = TSMIG_MAGIC, .index = 2, .connections = 3, .token = 0x1234};
	cr_assert_eq(tsmig_join_check(&j, &hi, err, sizeof(err)), 0);
	j.token = 0x99;
	cr_assert_eq(tsmig_join_check(&j, &hi, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "not this migration's"), "%s", err);
	j.token = 0x1234;
	j.index = 3;
	cr_assert_eq(tsmig_join_check(&j, &hi, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "index 3 outside 1..2"), "%s", err);
	j.index = 0;
	cr_assert_eq(tsmig_join_check(&j, &hi, err, sizeof(err)), -EPROTO);
	j.index = 1;
	j.connections = 4;
	cr_assert_eq(tsmig_join_check(&j, &hi, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "4 connections, the HELLO said 3"), "%s", err);
	j.connections = 3;
	j.reserved2 = 1;
	cr_assert_eq(tsmig_join_check(&j, &hi, err, sizeof(err)), -EPROTO);
}
