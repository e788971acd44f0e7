// SPDX-License-Identifier: MIT
/*
 * Clock-wide state decision: the BMCA (core/bmc.c) over every port's foreign masters, the
 * data set updates of IEEE 1588-2019 9.3.5 and the resulting port state events, with
 * ptp4l's log lines ("selected best master clock ...", "assuming the grand master role").
 */
#include <string.h>

#include "daemon.h"
#include "tsync/log.h"

void ptpd_clock_state_decision(struct ptpd_clock *c)
{
	struct bmc_port_in in[PTPD_MAX_PORTS];
	const struct bmc_foreign *rec[PTPD_MAX_PORTS];
	enum bmc_decision out[PTPD_MAX_PORTS];
	tmv_t now = ptpd_clock_mono(c);
	int best = -1;
	char id[40];

	c->sde = false;
	for (unsigned i = 0; i < c->nports; i++) {
		struct ptpd_port *p = c->ports[i];
		bmc_foreign_prune(&p->foreign, now, p->log_announce);
		rec[i] = bmc_foreign_best(&p->foreign, now, p->log_announce);
		in[i].state = (enum ptp_port_state)p->ds.state;
		in[i].erbest = rec[i] ? &rec[i]->ds : NULL;
	}
	if (bmc_decide_all(&c->dflt, in, c->nports, out, &best))
		return;

	bool was_gm = !memcmp(&c->parent.gm_identity, &c->dflt.identity, 8) && c->best_port < 0;
	if (best >= 0) {
		const struct ptp_port_id *bid = &rec[best]->sender;
		if (c->best_port < 0 || !ptp_port_id_eq(bid, &c->best_id))
			pr_notice("selected best master clock %s",
			          ptpd_cid_str(&rec[best]->announce.gm_identity, id, sizeof(id)));
		c->best_id = *bid;
	} else if (c->best_port >= 0) {
		pr_notice("selected local clock %s as best master",
		          ptpd_cid_str(&c->dflt.identity, id, sizeof(id)));
	}
	c->best_port = best;

	for (unsigned i = 0; i < c->nports; i++) {
		struct ptpd_port *p = c->ports[i];
		enum bmc_decision d = out[i];
		bool mdiff = false;

		if (d == BMC_RS_NONE)
			continue;
		if (config_get_bool(c->cfg, p->iface, "masterOnly"))
			d = BMC_RS_M3;
		if (d == BMC_RS_M1 || d == BMC_RS_M2) {
			bmc_update_ds(d, &c->dflt, &c->own_tp, NULL, &c->cur, &c->parent, &c->tp);
			if (!was_gm &&
			    (p->ds.state == PTP_PS_SLAVE || p->ds.state == PTP_PS_UNCALIBRATED ||
			     p->ds.state == PTP_PS_PASSIVE || p->ds.state == PTP_PS_LISTENING)) {
				pr_notice("assuming the grand master role");
				was_gm = true;
			}
		} else if (d == BMC_RS_S1) {
			bmc_update_ds(d, &c->dflt, NULL, rec[i], &c->cur, &c->parent, &c->tp);
			mdiff = !p->have_parent || !ptp_port_id_eq(&p->parent, &rec[i]->sender);
			if (mdiff) {
				p->parent = rec[i]->sender;
				p->have_parent = true;
			}
		}
		ptpd_port_dispatch(p, bmc_decision_event(d), mdiff);
	}
}
