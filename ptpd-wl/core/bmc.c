// SPDX-License-Identifier: MIT
/* BMCA: data set comparison (9.3.4), state decision (9.3.3), data set updates (9.3.5). */
#include <errno.h>
#include <string.h>

#include "bmc.h"

static enum bmc_cmp lower_wins(unsigned a, unsigned b)
{
	return a < b ? BMC_A_BETTER : BMC_B_BETTER;
}

/* Figure 35: same grandmaster, decide by topology. */
static enum bmc_cmp topology(const struct bmc_ds *a, const struct bmc_ds *b)
{
	unsigned sa = a->steps_removed, sb = b->steps_removed;
	int c;

	if (sa > sb + 1)
		return BMC_B_BETTER;
	if (sb > sa + 1)
		return BMC_A_BETTER;
	if (sa > sb) {
		c = ptp_port_id_cmp(&a->receiver, &a->sender);
		return c < 0 ? BMC_B_BETTER : c > 0 ? BMC_B_BETTER_TOPO : BMC_ERROR1;
	}
	if (sb > sa) {
		c = ptp_port_id_cmp(&b->receiver, &b->sender);
		return c < 0 ? BMC_A_BETTER : c > 0 ? BMC_A_BETTER_TOPO : BMC_ERROR1;
	}
	c = ptp_port_id_cmp(&a->sender, &b->sender);
	if (c)
		return c < 0 ? BMC_A_BETTER_TOPO : BMC_B_BETTER_TOPO;
	if (a->receiver.port != b->receiver.port)
		return a->receiver.port < b->receiver.port ? BMC_A_BETTER_TOPO : BMC_B_BETTER_TOPO;
	return BMC_ERROR2;
}

enum bmc_cmp bmc_compare(const struct bmc_ds *a, const struct bmc_ds *b)
{
	int c = ptp_clock_id_cmp(&a->gm_identity, &b->gm_identity);

	if (!c)
		return topology(a, b);
	if (a->priority1 != b->priority1)
		return lower_wins(a->priority1, b->priority1);
	if (a->quality.clock_class != b->quality.clock_class)
		return lower_wins(a->quality.clock_class, b->quality.clock_class);
	if (a->quality.accuracy != b->quality.accuracy)
		return lower_wins(a->quality.accuracy, b->quality.accuracy);
	if (a->quality.variance != b->quality.variance)
		return lower_wins(a->quality.variance, b->quality.variance);
	if (a->priority2 != b->priority2)
		return lower_wins(a->priority2, b->priority2);
	return c < 0 ? BMC_A_BETTER : BMC_B_BETTER;
}

void bmc_ds_from_default(const struct ds_default *d, struct bmc_ds *out)
{
	memset(out, 0, sizeof(*out));
	out->priority1 = d->priority1;
	out->gm_identity = d->identity;
	out->quality = d->quality;
	out->priority2 = d->priority2;
	out->steps_removed = 0;
	out->sender.clock = d->identity;
	out->receiver.clock = d->identity;
}

void bmc_ds_from_announce(const struct ptp_msg *m, const struct ptp_port_id *receiver,
                          struct bmc_ds *out)
{
	const struct ptp_announce *a = &m->announce;

	memset(out, 0, sizeof(*out));
	out->priority1 = a->gm_priority1;
	out->gm_identity = a->gm_identity;
	out->quality = a->gm_quality;
	out->priority2 = a->gm_priority2;
	out->steps_removed = a->steps_removed;
	out->sender = m->hdr.source;
	out->receiver = *receiver;
}

const char *bmc_decision_str(enum bmc_decision d)
{
	static const char *const names[] = {"NONE", "M1", "M2", "M3", "P1", "P2", "S1", "LISTEN"};

	return (unsigned)d < sizeof(names) / sizeof(names[0]) ? names[d] : "?";
}

enum ptp_fsm_event bmc_decision_event(enum bmc_decision d)
{
	switch (d) {
	case BMC_RS_M1:
	case BMC_RS_M2:
		return PTP_EV_RS_GRAND_MASTER;
	case BMC_RS_M3:
		return PTP_EV_RS_MASTER;
	case BMC_RS_P1:
	case BMC_RS_P2:
	case BMC_RS_LISTEN:
		return PTP_EV_RS_PASSIVE;
	case BMC_RS_S1:
		return PTP_EV_RS_SLAVE;
	default:
		return PTP_EV_NONE;
	}
}

static bool port_active(enum ptp_port_state s)
{
	return s != PTP_PS_INITIALIZING && s != PTP_PS_FAULTY && s != PTP_PS_DISABLED;
}

enum bmc_decision bmc_state_decision(const struct bmc_ds *d0, uint8_t clock_class, bool slave_only,
                                     const struct bmc_ds *ebest, const struct bmc_ds *erbest,
                                     bool ebest_here, enum ptp_port_state state)
{
	if (!port_active(state))
		return BMC_RS_NONE;
	if (!erbest && state == PTP_PS_LISTENING)
		return BMC_RS_NONE;
	if (slave_only)
		return ebest && ebest_here ? BMC_RS_S1 : BMC_RS_LISTEN;
	if (clock_class >= 1 && clock_class <= 127) {
		if (!erbest || bmc_a_better(bmc_compare(d0, erbest)))
			return BMC_RS_M1;
		return BMC_RS_P1;
	}
	if (!ebest || bmc_a_better(bmc_compare(d0, ebest)))
		return BMC_RS_M2;
	if (ebest_here)
		return BMC_RS_S1;
	if (erbest && bmc_compare(ebest, erbest) == BMC_A_BETTER_TOPO)
		return BMC_RS_P2;
	return BMC_RS_M3;
}

int bmc_decide_all(const struct ds_default *dflt, const struct bmc_port_in *ports, unsigned nports,
                   enum bmc_decision *out, int *ebest_port)
{
	struct bmc_ds d0;
	int best = -1;

	if (!dflt || (nports && (!ports || !out)))
		return -EINVAL;
	bmc_ds_from_default(dflt, &d0);
	for (unsigned i = 0; i < nports; i++) {
		if (!port_active(ports[i].state) || !ports[i].erbest)
			continue;
		if (best < 0 || bmc_a_better(bmc_compare(ports[i].erbest, ports[best].erbest)))
			best = (int)i;
	}
	for (unsigned i = 0; i < nports; i++)
		out[i] = bmc_state_decision(&d0, dflt->quality.clock_class, dflt->slave_only,
		                            best >= 0 ? ports[best].erbest : NULL, ports[i].erbest,
		                            (int)i == best, ports[i].state);
	if (ebest_port)
		*ebest_port = best;
	return 0;
}

void bmc_update_ds(enum bmc_decision d, const struct ds_default *dflt,
                   const struct ds_time_props *own_tp, const struct bmc_foreign *f,
                   struct ds_current *cur, struct ds_parent *parent, struct ds_time_props *tp)
{
	if ((d == BMC_RS_M1 || d == BMC_RS_M2) && dflt) {
		if (cur)
			memset(cur, 0, sizeof(*cur));
		if (parent) {
			memset(parent, 0, sizeof(*parent));
			parent->parent_port.clock = dflt->identity;
			parent->observed_parent_variance = 0xffff;
			parent->observed_parent_phase_change_rate = 0x7fffffff;
			parent->gm_priority1 = dflt->priority1;
			parent->gm_quality = dflt->quality;
			parent->gm_priority2 = dflt->priority2;
			parent->gm_identity = dflt->identity;
		}
		if (tp && own_tp)
			*tp = *own_tp;
	} else if (d == BMC_RS_S1 && f) {
		if (cur)
			cur->steps_removed = (uint16_t)(f->announce.steps_removed + 1);
		if (parent) {
			parent->parent_port = f->sender;
			parent->gm_priority1 = f->announce.gm_priority1;
			parent->gm_quality = f->announce.gm_quality;
			parent->gm_priority2 = f->announce.gm_priority2;
			parent->gm_identity = f->announce.gm_identity;
		}
		if (tp) {
			tp->utc_offset = f->announce.utc_offset;
			tp->flags = (uint8_t)(f->hdr.flags & PTP_FLAGS_TIME_PROPS);
			tp->time_source = f->announce.time_source;
		}
	}
}
