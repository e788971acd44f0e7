// SPDX-License-Identifier: MIT
/* tsvmm migration over parallel connections: the destination's per-pass barrier. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "migrate/passbar.h"

void mig_passbar_init(struct mig_passbar *b, unsigned n)
{
	memset(b, 0, sizeof(*b));
	b->n = n < 1 ? 1 : n > TSMIG_CONN_MAX ? TSMIG_CONN_MAX : n;
}

int mig_passbar_pages(struct mig_passbar *b, unsigned i, uint64_t count, char *err, size_t errlen)
{
	if (i >= b->n || b->done || b->ended[i]) {
		snprintf(err, errlen, "connection %u: PAGES after %s", i,
		         b->done ? "the final pass" : "its PASS_END of this pass");
		return -EPROTO;
	}
	b->pages[i] += count;
	b->records[i]++;
	return 0;
}

int mig_passbar_end(struct mig_passbar *b, unsigned i, const struct tsmig_pass *ps, char *err,
                    size_t errlen)
{
	if (!i || i >= b->n || b->done || b->ended[i]) {
		snprintf(err, errlen, "connection %u: PASS_END %u %s", i, ps->pass,
		         b->done ? "after the final pass" : "twice in one pass");
		return -EPROTO;
	}
	if (ps->pass != b->pass) {
		snprintf(err, errlen,
		         "connection %u: PASS_END of pass %u in pass %u (a record of another pass)",
		         i, ps->pass, b->pass);
		return -EPROTO;
	}
	if (ps->pages != b->pages[i]) {
		snprintf(err, errlen,
		         "connection %u: PASS_END %u counts %llu pages, %llu arrived on it", i,
		         ps->pass, (unsigned long long)ps->pages, (unsigned long long)b->pages[i]);
		return -EPROTO;
	}
	b->ended[i] = true;
	return 0;
}

int mig_passbar_ctl(const struct mig_passbar *b, const struct tsmig_pass *ps, char *err,
                    size_t errlen)
{
	if (b->done || ps->pass != b->pass) {
		snprintf(err, errlen, "control connection: PASS_END of pass %u in pass %u%s",
		         ps->pass, b->pass, b->done ? " (after the final pass)" : "");
		return -EPROTO;
	}
	return 0;
}

bool mig_passbar_ready(const struct mig_passbar *b)
{
	for (unsigned i = 1; i < b->n; i++)
		if (!b->ended[i])
			return false;
	return !b->done;
}

int mig_passbar_release(struct mig_passbar *b, const struct tsmig_pass *ps, char *err,
                        size_t errlen)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < b->n; i++)
		sum += b->pages[i];
	if (sum != ps->pages) {
		snprintf(err, errlen,
		         "pass %u: PASS_END counts %llu pages, %llu arrived on %u "
		         "connections",
		         ps->pass, (unsigned long long)ps->pages, (unsigned long long)sum, b->n);
		return -EPROTO;
	}
	memset(b->ended, 0, sizeof(b->ended));
	memset(b->pages, 0, sizeof(b->pages));
	if (ps->final)
		b->done = true;
	else
		b->pass++;
	return 0;
}

bool mig_passbar_waiting(const struct mig_passbar *b, unsigned i)
{
	return i < b->n && b->ended[i] && !b->done;
}
