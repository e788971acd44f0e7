// SPDX-License-Identifier: MIT
/*
 * Received messages of a port: validation (the codec checks lengths and versions; here:
 * domain, transportSpecific, our own looped-back messages), Announce into the foreign master
 * table, and the slave side of the exchanges: Sync/Follow_Up pairing, E2E Delay_Resp and the
 * P2P requester's Pdelay_Resp/_Follow_Up, ending in offset samples for the clock.
 */
#include <errno.h>
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

/* acceptable_master_table: may the BMCA consider this sender? Logs each refused one once. */
static bool acceptable(struct ptpd_port *p, const struct ptp_port_id *sender)
{
	char id[40];

	if (accept_table_allows(&p->accept, sender))
		return true;
	for (unsigned i = 0; i < p->n_refused; i++)
		if (ptp_port_id_eq(&p->refused[i], sender))
			return false;
	ptpd_pid_str(sender, id, sizeof(id));
	if (p->n_refused < ACCEPT_MAX) {
		p->refused[p->n_refused++] = *sender;
		pr_notice("port %u: Announce from %s ignored: not in acceptable_master_table",
		          p->index + 1, id);
	} else {
		pl_notice(60, "port %u: Announce from %s ignored: not in acceptable_master_table",
		          p->index + 1, id);
	}
	return false;
}

static void rx_announce(struct ptpd_port *p, const struct ptp_msg *m)
{
	enum ptp_port_state s = (enum ptp_port_state)p->ds.state;
	unsigned before = p->foreign.n;
	char id[40];

	if (s == PTP_PS_INITIALIZING || s == PTP_PS_FAULTY || s == PTP_PS_DISABLED)
		return;
	if (!acceptable(p, &m->hdr.source))
		return;
	int r = bmc_foreign_add(&p->foreign, m, &p->ds.identity, ptpd_clock_mono(p->c),
	                        p->log_announce);
	if (r == -ENOSPC)
		pl_warning(
		        10,
		        "port %u: foreign master table full (%d entries): ignored Announce from %s",
		        p->index + 1, BMC_MAX_FOREIGN,
		        ptpd_pid_str(&m->hdr.source, id, sizeof(id)));
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

/* A correctionField sum that overflowed int64 (hostile or broken input): the message is
 * dropped. */
static void corr_ovf(struct ptpd_port *p, const struct exch_ovf *o)
{
	pl_warning(10, "port %u: dropped a %s: correctionField sum %lld + %lld overflows",
	           p->index + 1, o->what, (long long)o->a, (long long)o->b);
}

/* A complete Sync (t1, t2, corrections): an offset sample once the delay is known. */
static void sync_complete(struct ptpd_port *p)
{
	struct ptpd_clock *c = p->c;
	struct exch_sync *s = &p->sync.ex;
	tmv_t off;

	if (p->sync.gen != c->step_gen)
		return; /* the clock was stepped after t2 */
	if (!p->have_delay)
		return;
	if (delay_offset_checked(s->t1, s->t2, s->corr, p->mean_delay, &off)) {
		s->valid = false; /* no Delay_Req pairs with it either */
		pl_warning(10,
		           "port %u: dropped a Sync from the master: offset beyond +-2^62 ns "
		           "(t1 %lld ns, t2 %lld ns)",
		           p->index + 1, (long long)s->t1, (long long)s->t2);
		return;
	}
	ptpd_clock_sample(c, p, off, s->t2, p->sync.rx_raw, p->mean_delay, p->master_log_sync);
}

/* A Sync / Follow_Up step's result: a complete Sync, a wait, or an overflow to log. */
static void sync_result(struct ptpd_port *p, int r, const struct exch_ovf *o)
{
	if (r == -EOVERFLOW)
		corr_ovf(p, o);
	else if (r == EXCH_DONE)
		sync_complete(p);
}

/* A mean path / link delay sample into its filter, unless it is outside physical bounds. */
static void delay_sample(struct ptpd_port *p, struct delay_filter *f, tmv_t d, const char *what)
{
	const char *why;

	if (delay_path_check(d, &why)) {
		pl_warning(10, "port %u: dropped a %s sample of %lld ns (%s)", p->index + 1, what,
		           (long long)d, why);
		return;
	}
	p->mean_delay = delay_filter_push(f, d);
	p->have_delay = true;
	ptpd_clock_delay_sample(p->c, p->mean_delay);
}

/* The master's Sync interval (log2 s) the servo is tuned for: the Sync's logMessageInterval
 * when it is in the range a logSyncInterval may have, else (hostile or unused) ours. */
static int8_t sync_log_interval(struct ptpd_port *p, const struct ptp_msg *m)
{
	int li = m->hdr.log_interval;

	if (li == PTP_LOG_INTERVAL_UNUSED)
		return p->log_sync;
	if (li >= PTPD_LOG_INTERVAL_MIN && li <= PTPD_LOG_INTERVAL_MAX)
		return (int8_t)li;
	pl_warning(10, "port %u: Sync logMessageInterval %d outside [%d, %d]: taken as %d",
	           p->index + 1, li, PTPD_LOG_INTERVAL_MIN, PTPD_LOG_INTERVAL_MAX, p->log_sync);
	return p->log_sync;
}

static void rx_sync(struct ptpd_port *p, const struct ptp_msg *m, tmv_t rx, tmv_t rx_raw)
{
	struct exch_ovf o = {.what = ""};

	if (!is_slave(p) || !from_parent(p, m))
		return;
	if (!rx) {
		pl_err(5, "port %u: received SYNC without timestamp", p->index + 1);
		return;
	}
	p->sync.rx_raw = rx_raw;
	p->sync.gen = p->c->step_gen;
	int r = exch_sync_rx(&p->sync.ex, &p->xcfg, m->hdr.seq, m->hdr.flags & PTP_FLAG_TWO_STEP,
	                     ptp_ts_to_tmv(&m->sync.origin), m->hdr.correction, rx, &o);
	if (p->sync.ex.valid || r != -EOVERFLOW || strcmp(o.what, "Sync"))
		p->master_log_sync = sync_log_interval(p, m); /* a Sync not dropped on arrival */
	sync_result(p, r, &o);
}

static void rx_follow_up(struct ptpd_port *p, const struct ptp_msg *m)
{
	struct exch_ovf o = {.what = ""};

	if (!is_slave(p) || !from_parent(p, m))
		return;
	int r = exch_fup_rx(&p->sync.ex, m->hdr.seq, ptp_ts_to_tmv(&m->follow_up.precise_origin),
	                    m->hdr.correction, &o);
	sync_result(p, r, &o);
}

static void rx_delay_resp(struct ptpd_port *p, const struct ptp_msg *m)
{
	struct ptp_port_id me = p->ds.identity;
	struct exch_ovf o = {.what = ""};
	tmv_t mpd;

	if (!is_slave(p) || !from_parent(p, m) || !ptp_port_id_eq(&m->delay_resp.requesting, &me) ||
	    !exch_dresp_match(&p->dreq.ex, m->hdr.seq))
		return;
	if (m->hdr.log_interval != PTP_LOG_INTERVAL_UNUSED && m->hdr.log_interval > -10 &&
	    m->hdr.log_interval < 10)
		p->log_delay_req = m->hdr.log_interval;
	if (p->dreq.gen != p->c->step_gen)
		return;
	if (exch_dresp_sample(&p->dreq.ex, &p->xcfg, ptp_ts_to_tmv(&m->delay_resp.receive),
	                      m->hdr.correction, &mpd, &o)) {
		corr_ovf(p, &o);
		return;
	}
	delay_sample(p, &p->dfilt, mpd, "path delay");
}

/* A peer delay exchange ended with mean link delay mld (ns). */
static void pdelay_complete(struct ptpd_port *p, tmv_t mld)
{
	if (p->pd.gen != p->c->step_gen)
		return;
	delay_sample(p, &p->pfilt, mld, "peer delay");
	if (p->have_delay)
		p->ds.peer_mean_path_delay = p->mean_delay;
}

static void rx_pdelay_resp(struct ptpd_port *p, const struct ptp_msg *m, tmv_t rx)
{
	struct ptp_port_id me = p->ds.identity;
	tmv_t mld;

	if (!p->p2p || !ptp_port_id_eq(&m->pdelay_resp.requesting, &me) || !rx)
		return;
	int r = exch_pdelay_resp_rx(&p->pd.ex, m->hdr.seq, m->hdr.flags & PTP_FLAG_TWO_STEP,
	                            ptp_ts_to_tmv(&m->pdelay_resp.request_receipt), rx,
	                            m->hdr.correction, &mld);
	if (r == -EALREADY)
		pl_warning(10, "port %u: multiple Pdelay_Resp (more than one peer on the link)",
		           p->index + 1);
	if (r < 0)
		return;
	p->pd.responder = m->hdr.source;
	if (r == EXCH_DONE)
		pdelay_complete(p, mld);
}

static void rx_pdelay_fup(struct ptpd_port *p, const struct ptp_msg *m)
{
	struct ptp_port_id me = p->ds.identity;
	tmv_t mld;

	if (!p->p2p || !ptp_port_id_eq(&m->pdelay_resp_fup.requesting, &me) ||
	    !ptp_port_id_eq(&m->hdr.source, &p->pd.responder))
		return;
	if (exch_pdelay_fup_rx(&p->pd.ex, m->hdr.seq,
	                       ptp_ts_to_tmv(&m->pdelay_resp_fup.response_origin),
	                       m->hdr.correction, &mld) == EXCH_DONE)
		pdelay_complete(p, mld);
}

void ptpd_port_rx(struct ptpd_port *p, const uint8_t *buf, size_t len, tmv_t rx_raw,
                  const struct transport_addr *src)
{
	struct ptpd_clock *c = p->c;
	struct ptp_msg m;

	int err = msg_parse(buf, len, &m);
	if (err) {
		/* like ptp4l: another version or type is ignored quietly, a bad message logged */
		const char *what = len >= PTP_HDR_LEN ? msg_type_str(buf[0] & 0x0f) : "message";
		p->rx_errors++;
		if (err == -EPROTO)
			pl_debug(10, "port %u: ignored a %s: %s", p->index + 1, what,
			         msg_strerror(&m));
		else
			pl_warning(10, "port %u: dropped a %s: %s", p->index + 1, what,
			           msg_strerror(&m));
		return;
	}
	if (m.hdr.domain != c->dflt.domain) {
		p->rx_other_domain++;
		return;
	}
	if (m.hdr.major_sdo_id != p->sdo_id)
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
