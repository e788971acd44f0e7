// SPDX-License-Identifier: MIT
/*
 * Received messages of a port: validation (the codec checks lengths and versions; here:
 * domain, transportSpecific, our own looped-back messages), Announce into the foreign master
 * table, and the slave side of the exchanges: Sync/Follow_Up pairing, E2E Delay_Resp and the
 * P2P requester's Pdelay_Resp/_Follow_Up, ending in offset samples for the clock.
 */
#include <string.h>

#include "daemon.h"
#include "tsync/log.h"

static bool is_slave(const struct ptpd_port *p)
{
	return p->ds.state == PTP_PS_SLAVE || p->ds.state == PTP_PS_UNCALIBRATED;
}

static bool from_parent(const struct ptpd_port *p, const struct ptp_msg *m)
{
	return p->have_parent && ptp_port_id_eq(&m->hdr.source, &p->parent);
}

static tmv_t mono_now(void)
{
	tmv_t t = 0;
	tmv_clock_read(CLOCK_MONOTONIC, &t);
	return t;
}

static void rx_announce(struct ptpd_port *p, const struct ptp_msg *m)
{
	enum ptp_port_state s = (enum ptp_port_state)p->ds.state;
	unsigned before = p->foreign.n;
	char id[40];

	if (s == PTP_PS_INITIALIZING || s == PTP_PS_FAULTY || s == PTP_PS_DISABLED)
		return;
	int r = bmc_foreign_add(&p->foreign, m, &p->ds.identity, mono_now(), p->log_announce);
	if (r < 0)
		return;
	if (p->foreign.n > before)
		pr_notice("port %u: new foreign master %s", p->index + 1,
		          ptpd_pid_str(&m->hdr.source, id, sizeof(id)));
	if ((is_slave(p) && from_parent(p, m)) || s == PTP_PS_LISTENING || s == PTP_PS_PASSIVE)
		ptpd_port_arm_announce_timeout(p);
	if (r == 1)
		ptpd_clock_sde(p->c);
}

/* A complete Sync (t1, t2, corrections): an offset sample once the delay is known. */
static void sync_complete(struct ptpd_port *p)
{
	struct ptpd_clock *c = p->c;

	if (p->sync.gen != c->step_gen)
		return; /* the clock was stepped after t2 */
	if (!p->have_delay)
		return;
	tmv_t off = delay_offset(p->sync.t1, p->sync.t2, p->sync.corr, p->mean_delay);
	ptpd_clock_sample(c, p, off, p->sync.t2, p->sync.rx_raw, p->mean_delay, p->master_log_sync);
}

static void rx_sync(struct ptpd_port *p, const struct ptp_msg *m, tmv_t rx, tmv_t rx_raw)
{
	if (!is_slave(p) || !from_parent(p, m))
		return;
	if (!rx) {
		pl_err(5, "port %u: received SYNC without timestamp", p->index + 1);
		return;
	}
	p->master_log_sync =
	        m->hdr.log_interval == PTP_LOG_INTERVAL_UNUSED ? p->log_sync : m->hdr.log_interval;
	p->sync.valid = true;
	p->sync.seq = m->hdr.seq;
	p->sync.t2 = rx;
	p->sync.rx_raw = rx_raw;
	/* IEEE 1588-2019 11.6.2: correctedSyncCorrectionField = correction + delayAsymmetry */
	p->sync.corr = m->hdr.correction + p->asymmetry;
	p->sync.gen = p->c->step_gen;
	p->sync.have_fup = false;
	if ((m->hdr.flags & PTP_FLAG_TWO_STEP) ||
	    config_get_bool(p->c->cfg, NULL, "assume_two_step")) {
		p->sync.need_fup = true;
		if (p->early_fup.valid && p->early_fup.seq == m->hdr.seq) {
			p->sync.t1 = ptp_ts_to_tmv(&p->early_fup.t1);
			p->sync.corr += p->early_fup.corr;
			p->sync.need_fup = false;
			p->sync.have_fup = true;
			p->early_fup.valid = false;
			sync_complete(p);
		}
		return;
	}
	p->sync.need_fup = false;
	p->sync.t1 = ptp_ts_to_tmv(&m->sync.origin);
	sync_complete(p);
}

static void rx_follow_up(struct ptpd_port *p, const struct ptp_msg *m)
{
	if (!is_slave(p) || !from_parent(p, m))
		return;
	if (!p->sync.valid || !p->sync.need_fup || p->sync.seq != m->hdr.seq) {
		p->early_fup.valid = true;
		p->early_fup.seq = m->hdr.seq;
		p->early_fup.t1 = m->follow_up.precise_origin;
		p->early_fup.corr = m->hdr.correction;
		return;
	}
	p->sync.t1 = ptp_ts_to_tmv(&m->follow_up.precise_origin);
	p->sync.corr += m->hdr.correction;
	p->sync.need_fup = false;
	p->sync.have_fup = true;
	sync_complete(p);
}

static void rx_delay_resp(struct ptpd_port *p, const struct ptp_msg *m)
{
	struct ptp_port_id me = p->ds.identity;

	if (!is_slave(p) || !from_parent(p, m) || !p->dreq.pending || m->hdr.seq != p->dreq.seq ||
	    !ptp_port_id_eq(&m->delay_resp.requesting, &me))
		return;
	p->dreq.pending = false;
	if (m->hdr.log_interval != PTP_LOG_INTERVAL_UNUSED && m->hdr.log_interval > -10 &&
	    m->hdr.log_interval < 10)
		p->log_delay_req = m->hdr.log_interval;
	if (p->dreq.gen != p->c->step_gen)
		return;
	tmv_t t4 = ptp_ts_to_tmv(&m->delay_resp.receive);
	/* 11.6.3: the Delay_Req would carry -delayAsymmetry, which the master copies into the
	 * Delay_Resp; applied here instead, so the mean path delay stays the mean of both ways */
	tmv_t mpd = delay_e2e_mean_path(p->dreq.t1, p->dreq.t2, p->dreq.t3, t4, p->dreq.c_sync,
	                                m->hdr.correction - p->asymmetry);
	p->mean_delay = delay_filter_push(&p->dfilt, mpd);
	p->have_delay = true;
}

static void pdelay_complete(struct ptpd_port *p, tmv_t t3, int64_t c_fup)
{
	p->pd.pending = false;
	if (p->pd.gen != p->c->step_gen)
		return;
	tmv_t mld = delay_p2p_mean_link(p->pd.t1, p->pd.t2, t3, p->pd.t4, p->pd.c_resp, c_fup, 1.0);
	p->mean_delay = delay_filter_push(&p->pfilt, mld);
	p->have_delay = true;
	p->ds.peer_mean_path_delay = p->mean_delay;
}

static void rx_pdelay_resp(struct ptpd_port *p, const struct ptp_msg *m, tmv_t rx)
{
	struct ptp_port_id me = p->ds.identity;

	if (!p->p2p || !p->pd.pending || m->hdr.seq != p->pd.seq ||
	    !ptp_port_id_eq(&m->pdelay_resp.requesting, &me) || !rx)
		return;
	if (p->pd.have_resp) {
		pl_warning(10, "port %u: multiple Pdelay_Resp (more than one peer on the link)",
		           p->index + 1);
		return;
	}
	p->pd.have_resp = true;
	p->pd.responder = m->hdr.source;
	p->pd.t4 = rx;
	p->pd.c_resp = m->hdr.correction;
	if (m->hdr.flags & PTP_FLAG_TWO_STEP) {
		p->pd.t2 = ptp_ts_to_tmv(&m->pdelay_resp.request_receipt);
		return;
	}
	p->pd.t2 = 0; /* one-step responder: its turnaround is in the correction */
	pdelay_complete(p, 0, 0);
}

static void rx_pdelay_fup(struct ptpd_port *p, const struct ptp_msg *m)
{
	struct ptp_port_id me = p->ds.identity;

	if (!p->p2p || !p->pd.pending || !p->pd.have_resp || m->hdr.seq != p->pd.seq ||
	    !ptp_port_id_eq(&m->pdelay_resp_fup.requesting, &me) ||
	    !ptp_port_id_eq(&m->hdr.source, &p->pd.responder))
		return;
	pdelay_complete(p, ptp_ts_to_tmv(&m->pdelay_resp_fup.response_origin), m->hdr.correction);
}

void ptpd_port_rx(struct ptpd_port *p, const uint8_t *buf, size_t len, tmv_t rx_raw,
                  const struct transport_addr *src)
{
	struct ptpd_clock *c = p->c;
	struct ptp_msg m;

	if (msg_parse(buf, len, &m)) {
		p->rx_errors++;
		pl_debug(5, "port %u: dropped a message: %s", p->index + 1, msg_strerror(&m));
		return;
	}
	if (m.hdr.domain != c->dflt.domain) {
		p->rx_other_domain++;
		return;
	}
	if (m.hdr.major_sdo_id != config_get_int(c->cfg, p->iface, "transportSpecific"))
		return;
	if (!memcmp(m.hdr.source.clock.id, c->dflt.identity.id, 8))
		return; /* our own, looped back (or another port of this clock) */
	tmv_t rx = ptpd_clock_local_ts(c, rx_raw);
	switch (m.hdr.type) {
	case PTP_ANNOUNCE:
		rx_announce(p, &m);
		break;
	case PTP_SYNC:
		rx_sync(p, &m, rx, rx_raw);
		break;
	case PTP_FOLLOW_UP:
		rx_follow_up(p, &m);
		break;
	case PTP_DELAY_REQ:
		if (p->ds.state == PTP_PS_MASTER && !p->p2p)
			ptpd_port_rx_delay_req(p, &m, rx, src);
		break;
	case PTP_DELAY_RESP:
		rx_delay_resp(p, &m);
		break;
	case PTP_PDELAY_REQ:
		if (p->p2p)
			ptpd_port_rx_pdelay_req(p, &m, rx, src);
		break;
	case PTP_PDELAY_RESP:
		rx_pdelay_resp(p, &m, rx);
		break;
	case PTP_PDELAY_RESP_FUP:
		rx_pdelay_fup(p, &m);
		break;
	case PTP_SIGNALING:
		ptpd_port_rx_signaling(p, &m);
		break;
	default: /* Management over the network: not served */
		break;
	}
}
