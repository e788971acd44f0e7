// SPDX-License-Identifier: MIT
/* The migration stream's TSC record (TSMIG_REC_TSC, vmm/vcpu_tsc.h): its header rules. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "migrate/stream.h"

static char err[256];

Test(migrate_tsc_rec, fixed_size_from_the_source_only)
{
	struct tsmig_rec_hdr h = {.type = TSMIG_REC_TSC, .len = sizeof(struct tsmig_tsc), .seq = 7};
	cr_assert_str_eq(tsmig_rec_name(TSMIG_REC_TSC), "TSC");
	cr_assert_eq(sizeof(struct tsmig_tsc), 56);
	cr_assert_eq(tsmig_hdr_validate(&h, 7, true, err, sizeof(err)), 0, "%s", err);
	h.len = sizeof(struct tsmig_tsc) - 1;
	cr_assert_eq(tsmig_hdr_validate(&h, 7, true, err, sizeof(err)), -EBADMSG);
	h.len = sizeof(struct tsmig_tsc) + 8;
	cr_assert_eq(tsmig_hdr_validate(&h, 7, true, err, sizeof(err)), -EBADMSG);
	h.len = sizeof(struct tsmig_tsc);
	cr_assert_eq(tsmig_hdr_validate(&h, 7, false, err, sizeof(err)), -EBADMSG,
	             "never from the destination");
	char want[32];
	snprintf(want, sizeof(want), "unexpected type %d", TSMIG_REC_TSC);
	cr_assert(strstr(err, want), "%s", err);
}
