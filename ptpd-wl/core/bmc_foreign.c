// SPDX-License-Identifier: MIT
/* Foreign master records and Announce qualification (IEEE 1588-2019 9.3.2.4, 9.3.2.5). */
#include <errno.h>
#include <string.h>

#include "bmc.h"

tmv_t bmc_foreign_window_ns(int8_t log_announce_interval)
{
	int l = log_announce_interval;
	tmv_t base = BMC_FOREIGN_MASTER_TIME_WINDOW * NS_PER_SEC;

	if (l < -10)
		l = -10;
	if (l > 20)
		l = 20;
	return l >= 0 ? base << l : base >> -l;
}

static int find(const struct bmc_foreign_table *t, const struct ptp_port_id *sender)
{
	for (unsigned i = 0; i < t->n && i < BMC_MAX_FOREIGN; i++)
		if (ptp_port_id_eq(&t->rec[i].sender, sender))
			return (int)i;
	return -1;
}

/* Drop arrivals older than the window (rx[] is newest first). */
static void expire(struct bmc_foreign *f, tmv_t now, tmv_t win)
{
	while (f->n_rx && now - f->rx[f->n_rx - 1] > win)
		f->n_rx--;
}

static bool qualified(const struct bmc_foreign *f, tmv_t now, tmv_t win)
{
	return f->n_rx >= BMC_FOREIGN_MASTER_THRESHOLD &&
	       now - f->rx[BMC_FOREIGN_MASTER_THRESHOLD - 1] <= win;
}

static bool same_ds(const struct bmc_ds *a, const struct bmc_ds *b)
{
	return a->priority1 == b->priority1 && a->priority2 == b->priority2 &&
	       !ptp_clock_id_cmp(&a->gm_identity, &b->gm_identity) &&
	       a->quality.clock_class == b->quality.clock_class &&
	       a->quality.accuracy == b->quality.accuracy &&
	       a->quality.variance == b->quality.variance && a->steps_removed == b->steps_removed &&
	       ptp_port_id_eq(&a->sender, &b->sender) && ptp_port_id_eq(&a->receiver, &b->receiver);
}

static bool same_time_props(const struct bmc_foreign *f, const struct ptp_msg *m)
{
	return f->announce.utc_offset == m->announce.utc_offset &&
	       f->announce.time_source == m->announce.time_source &&
	       (f->hdr.flags & PTP_FLAGS_TIME_PROPS) == (m->hdr.flags & PTP_FLAGS_TIME_PROPS);
}

int bmc_foreign_add(struct bmc_foreign_table *t, const struct ptp_msg *m,
                    const struct ptp_port_id *receiver, tmv_t now, int8_t log_announce_interval)
{
	tmv_t win = bmc_foreign_window_ns(log_announce_interval);
	struct bmc_foreign *f;
	struct bmc_ds nds;
	bool was, changed;
	int i;

	if (!t || !m || !receiver || m->hdr.type != PTP_ANNOUNCE)
		return -EINVAL;
	if (!ptp_clock_id_cmp(&m->hdr.source.clock, &receiver->clock))
		return -ELOOP;
	if (m->announce.steps_removed >= BMC_STEPS_REMOVED_MAX)
		return -ERANGE;
	i = find(t, &m->hdr.source);
	if (i < 0) {
		if (t->n >= BMC_MAX_FOREIGN)
			bmc_foreign_prune(t, now, log_announce_interval);
		if (t->n >= BMC_MAX_FOREIGN)
			return -ENOSPC;
		i = (int)t->n++;
		memset(&t->rec[i], 0, sizeof(t->rec[i]));
		t->rec[i].sender = m->hdr.source;
	}
	f = &t->rec[i];
	bmc_ds_from_announce(m, receiver, &nds);
	expire(f, now, win);
	was = qualified(f, now, win);
	changed = !was || !same_ds(&f->ds, &nds) || !same_time_props(f, m);
	memmove(&f->rx[1], &f->rx[0], sizeof(f->rx) - sizeof(f->rx[0]));
	f->rx[0] = now;
	if (f->n_rx < BMC_FOREIGN_MASTER_THRESHOLD)
		f->n_rx++;
	f->ds = nds;
	f->hdr = m->hdr;
	f->announce = m->announce;
	return qualified(f, now, win) && changed ? 1 : 0;
}

unsigned bmc_foreign_prune(struct bmc_foreign_table *t, tmv_t now, int8_t log_announce_interval)
{
	tmv_t win = bmc_foreign_window_ns(log_announce_interval);
	unsigned dropped = 0;

	if (t->n > BMC_MAX_FOREIGN)
		t->n = BMC_MAX_FOREIGN;
	for (unsigned i = 0; i < t->n;) {
		expire(&t->rec[i], now, win);
		if (t->rec[i].n_rx) {
			i++;
			continue;
		}
		t->rec[i] = t->rec[--t->n];
		dropped++;
	}
	return dropped;
}

void bmc_foreign_clear(struct bmc_foreign_table *t)
{
	memset(t, 0, sizeof(*t));
}

const struct bmc_foreign *bmc_foreign_best(const struct bmc_foreign_table *t, tmv_t now,
                                           int8_t log_announce_interval)
{
	tmv_t win = bmc_foreign_window_ns(log_announce_interval);
	const struct bmc_foreign *best = NULL;

	for (unsigned i = 0; i < t->n && i < BMC_MAX_FOREIGN; i++) {
		const struct bmc_foreign *f = &t->rec[i];
		if (!qualified(f, now, win))
			continue;
		if (!best || bmc_a_better(bmc_compare(&f->ds, &best->ds)))
			best = f;
	}
	return best;
}
