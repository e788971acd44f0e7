// SPDX-License-Identifier: MIT
/*
 * Messages a port sends: Announce and two-step Sync/Follow_Up as master, Delay_Resp to
 * Delay_Req, the slave's Delay_Req, and both sides of the peer delay exchange
 * (Pdelay_Req as requester, two-step Pdelay_Resp + Pdelay_Resp_Follow_Up as responder).
 * Egress timestamps are mapped to local time before they go on the wire.
 */
#include <errno.h>
#include <string.h>

#include "daemon.h"
#include "tsync/log.h"

static void hdr_init(struct ptpd_port *p, struct ptp_header *h, enum ptp_msg_type type,
                     uint16_t seq, int8_t log_interval)
{
	struct ptp_port_id id = p->ds.identity;
	msg_hdr_init(h, type, &id, p->c->dflt.domain, seq, log_interval);
	h->minor_version = p->minor_version;
	h->major_sdo_id = p->sdo_id;
}

static struct ptp_ts ts_of(tmv_t t)
{
	struct ptp_ts ts = {0, 0};
	if (t > 0)
		ptp_ts_from_tmv(t, &ts);
	return ts;
}

int ptpd_port_send(struct ptpd_port *p, enum transport_channel ch, enum transport_dest dest,
                   const struct transport_addr *to, const uint8_t *buf, int len, tmv_t *tx_local)
{
	struct tsync_ts tx = tsync_ts_none();
	if (len < 0) {
		pl_err(5, "port %u: cannot build a message: %s", p->index + 1, strerror(-len));
		return len;
	}
	ssize_t n = transport_send(p->t, ch, dest, to, buf, (size_t)len, tx_local ? &tx : NULL);
	if (n == -ETIMEDOUT) {
		pl_err(5, "port %u: timed out while polling for tx timestamp", p->index + 1);
		pl_err(5,
		       "increasing tx_timestamp_timeout may correct this issue, but it is likely "
		       "caused by a driver bug");
		return (int)n;
	}
	if (n < 0) {
		pl_err(5, "port %u: send failed: %s", p->index + 1, transport_last_error(p->t));
		return (int)n;
	}
	if (tx_local) {
		*tx_local = ptpd_clock_local_ts(p->c, tx.ns);
		if (!*tx_local)
			return -ENODATA;
	}
	return 0;
}

void ptpd_port_tx_announce(struct ptpd_port *p)
{
	struct ptpd_clock *c = p->c;
	struct ptp_header h;
	struct ptp_announce a;
	uint8_t buf[PTP_MAX_MSG_LEN];

	if (p->ds.state != PTP_PS_MASTER)
		return;
	hdr_init(p, &h, PTP_ANNOUNCE, p->seq_announce++, p->log_announce);
	h.flags = c->tp.flags & PTP_FLAGS_TIME_PROPS;
	memset(&a, 0, sizeof(a));
	a.origin = ts_of(ptpd_clock_now(c));
	a.utc_offset = c->tp.utc_offset;
	a.gm_priority1 = c->parent.gm_priority1;
	a.gm_quality = c->parent.gm_quality;
	a.gm_priority2 = c->parent.gm_priority2;
	a.gm_identity = c->parent.gm_identity;
	a.steps_removed = c->cur.steps_removed;
	a.time_source = c->tp.time_source;
	int len = msg_build_announce(buf, sizeof(buf), &h, &a);
	ptpd_port_send(p, TRANS_GENERAL, TRANS_DEST_DEFAULT, NULL, buf, len, NULL);
}

void ptpd_port_tx_sync(struct ptpd_port *p)
{
	struct ptp_header h;
	uint8_t buf[PTP_MAX_MSG_LEN];
	tmv_t t1;
	uint16_t seq = p->seq_sync++;

	if (p->ds.state != PTP_PS_MASTER)
		return;
	hdr_init(p, &h, PTP_SYNC, seq, p->log_sync);
	h.flags = PTP_FLAG_TWO_STEP | (p->c->tp.flags & PTP_FLAGS_TIME_PROPS);
	struct ptp_ts origin = ts_of(ptpd_clock_now(p->c));
	int len = msg_build_sync(buf, sizeof(buf), &h, &origin);
	if (ptpd_port_send(p, TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, buf, len, &t1))
		return;
	hdr_init(p, &h, PTP_FOLLOW_UP, seq, p->log_sync);
	h.flags = p->c->tp.flags & PTP_FLAGS_TIME_PROPS;
	origin = ts_of(t1);
	len = msg_build_follow_up(buf, sizeof(buf), &h, &origin);
	ptpd_port_send(p, TRANS_GENERAL, TRANS_DEST_DEFAULT, NULL, buf, len, NULL);
}

void ptpd_port_rx_delay_req(struct ptpd_port *p, const struct ptp_msg *m, tmv_t rx,
                            const struct transport_addr *src)
{
	struct ptp_header h;
	uint8_t buf[PTP_MAX_MSG_LEN];
	(void)src;

	if (!rx) {
		pl_err(5, "port %u: received DELAY_REQ without timestamp", p->index + 1);
		return;
	}
	hdr_init(p, &h, PTP_DELAY_RESP, m->hdr.seq, p->log_delay_req);
	h.correction = m->hdr.correction;
	struct ptp_ts t4 = ts_of(rx);
	int len = msg_build_delay_resp(buf, sizeof(buf), &h, &t4, &m->hdr.source);
	ptpd_port_send(p, TRANS_GENERAL, TRANS_DEST_DEFAULT, NULL, buf, len, NULL);
}

void ptpd_port_tx_delay_req(struct ptpd_port *p)
{
	struct ptp_header h;
	uint8_t buf[PTP_MAX_MSG_LEN];
	tmv_t t3;

	if (!exch_sync_complete(&p->sync.ex) || p->sync.gen != p->c->step_gen)
		return; /* no complete Sync to pair the request with yet */
	uint16_t seq = p->seq_delay++;
	hdr_init(p, &h, PTP_DELAY_REQ, seq, PTP_LOG_INTERVAL_UNUSED);
	struct ptp_ts origin = ts_of(ptpd_clock_now(p->c));
	int len = msg_build_delay_req(buf, sizeof(buf), &h, &origin);
	p->dreq.ex.pending = false;
	if (ptpd_port_send(p, TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, buf, len, &t3))
		return;
	exch_dreq_sent(&p->dreq.ex, &p->sync.ex, seq, t3);
	p->dreq.gen = p->c->step_gen;
}

void ptpd_port_tx_pdelay_req(struct ptpd_port *p)
{
	struct ptp_header h;
	uint8_t buf[PTP_MAX_MSG_LEN];
	tmv_t t1;

	uint16_t seq = p->seq_pdelay++;
	hdr_init(p, &h, PTP_PDELAY_REQ, seq, p->log_pdelay_req);
	struct ptp_ts origin = ts_of(ptpd_clock_now(p->c));
	int len = msg_build_pdelay_req(buf, sizeof(buf), &h, &origin);
	memset(&p->pd, 0, sizeof(p->pd));
	if (ptpd_port_send(p, TRANS_EVENT, TRANS_DEST_PDELAY, NULL, buf, len, &t1))
		return;
	exch_pdelay_sent(&p->pd.ex, seq, t1);
	p->pd.gen = p->c->step_gen;
}

void ptpd_port_rx_pdelay_req(struct ptpd_port *p, const struct ptp_msg *m, tmv_t rx,
                             const struct transport_addr *src)
{
	struct ptp_header h;
	uint8_t buf[PTP_MAX_MSG_LEN];
	tmv_t t3;
	(void)src;

	if (!rx) {
		pl_err(5, "port %u: received PDELAY_REQ without timestamp", p->index + 1);
		return;
	}
	hdr_init(p, &h, PTP_PDELAY_RESP, m->hdr.seq, PTP_LOG_INTERVAL_UNUSED);
	h.flags = PTP_FLAG_TWO_STEP;
	struct ptp_ts t2 = ts_of(rx);
	int len = msg_build_pdelay_resp(buf, sizeof(buf), &h, &t2, &m->hdr.source);
	if (ptpd_port_send(p, TRANS_EVENT, TRANS_DEST_PDELAY, NULL, buf, len, &t3))
		return;
	hdr_init(p, &h, PTP_PDELAY_RESP_FUP, m->hdr.seq, PTP_LOG_INTERVAL_UNUSED);
	h.correction = m->hdr.correction;
	struct ptp_ts ts3 = ts_of(t3);
	len = msg_build_pdelay_resp_fup(buf, sizeof(buf), &h, &ts3, &m->hdr.source);
	ptpd_port_send(p, TRANS_GENERAL, TRANS_DEST_PDELAY, NULL, buf, len, NULL);
}
