/* SPDX-License-Identifier: MIT */
/*
 * tsvmm migration over parallel connections, the destination's per-pass barrier (pure: no
 * I/O, no locks; incoming_multi.c holds the lock). Connection 0 is the control connection,
 * 1 .. n - 1 the data connections (include/uapi/tsvmm-migration.h, "Parallel connections").
 * A data connection that read PASS_END k waits (mig_passbar_waiting) until the control
 * connection's PASS_END k found every data connection at PASS_END k (mig_passbar_ready) and
 * released the pass (mig_passbar_release): no record of pass k + 1 is applied before every
 * record of pass k, on every connection.
 */
#ifndef TSVMM_MIGRATE_PASSBAR_H
#define TSVMM_MIGRATE_PASSBAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/tsvmm-migration.h"

struct mig_passbar {
	unsigned n;                       /* connections, the control one included */
	uint32_t pass;                    /* the pass every connection is in */
	bool ended[TSMIG_CONN_MAX];       /* data connection read PASS_END of pass */
	bool done;                        /* the final pass was released */
	uint64_t pages[TSMIG_CONN_MAX];   /* pages received in pass, per connection */
	uint64_t records[TSMIG_CONN_MAX]; /* PAGES records received, per connection (all) */
};

void mig_passbar_init(struct mig_passbar *b, unsigned n);
/* Connection i received a PAGES record of count pages. 0, or -EPROTO with err when i has
 * ended the pass (it must wait) or the migration's data is complete. */
int mig_passbar_pages(struct mig_passbar *b, unsigned i, uint64_t count, char *err, size_t errlen);
/* Data connection i (>= 1) read PASS_END ps: it must name the current pass and the pages i
 * received in it. 0, or -EPROTO with err naming the pass or the count. */
int mig_passbar_end(struct mig_passbar *b, unsigned i, const struct tsmig_pass *ps, char *err,
                    size_t errlen);
/* The control connection read PASS_END ps: 0 when it names the current pass; -EPROTO with
 * err otherwise. */
int mig_passbar_ctl(const struct mig_passbar *b, const struct tsmig_pass *ps, char *err,
                    size_t errlen);
/* Every data connection read PASS_END of the current pass. */
bool mig_passbar_ready(const struct mig_passbar *b);
/* Once ready: the control's PASS_END ps must count every page of the pass (0, or -EPROTO
 * with err); the next pass begins (after a final one: done). */
int mig_passbar_release(struct mig_passbar *b, const struct tsmig_pass *ps, char *err,
                        size_t errlen);
/* Must data connection i wait before it reads on (it ended the current pass)? */
bool mig_passbar_waiting(const struct mig_passbar *b, unsigned i);

#endif
