// SPDX-License-Identifier: MIT
/*
 * A ptpd-wl port: its transport and fd watchers, its timers (announce and sync transmission,
 * delay requests, announce receipt timeout) and its state changes through the core FSM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>

#include "daemon.h"
#include "tsync/log.h"
#include "tsync/net.h"

static uint64_t interval_ns(int8_t log)
{
	if (log >= 0)
		return (uint64_t)NS_PER_SEC << (log > 20 ? 20 : log);
	return (uint64_t)NS_PER_SEC >> (-log > 20 ? 20 : -log);
}

/* A delay in [0, 2^(log+1)) like ptp4l's randomised delay request timer, never zero. */
static uint64_t random_interval_ns(struct ptpd_clock *c, int8_t log)
{
	uint64_t span = 2 * interval_ns(log);
	uint64_t v = (uint64_t)((double)span * sim_rng_uniform(&c->rng));
	return v < 1000 ? 1000 : v;
}

int8_t ptpd_port_delay_req_log(const struct ptpd_port *p)
{
	int8_t b = p->c->burst_log_dr;
	return b < p->log_delay_req ? b : p->log_delay_req;
}

void ptpd_port_delay_req_rearm(struct ptpd_port *p)
{
	reactor_timer_arm(p->t_delay, random_interval_ns(p->c, ptpd_port_delay_req_log(p)), 0);
}

static void on_timer(struct reactor *r, struct reactor_timer *t, uint64_t n, void *arg)
{
	struct ptpd_port *p = arg;
	(void)r;
	(void)n;
	if (t == p->t_announce) {
		ptpd_port_tx_announce(p);
	} else if (t == p->t_sync) {
		ptpd_port_tx_sync(p);
	} else if (t == p->t_delay) {
		ptpd_port_tx_delay_req(p);
		ptpd_port_delay_req_rearm(p);
	} else if (t == p->t_pdelay) {
		ptpd_port_tx_pdelay_req(p);
	} else if (t == p->t_timeout) {
		pr_debug("port %u: announce timeout", p->index + 1);
		bmc_foreign_clear(&p->foreign);
		p->have_parent = false;
		ptpd_port_dispatch(p, PTP_EV_ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES, false);
		ptpd_clock_sde(p->c);
	}
}

static void on_readable(struct reactor *r, int fd, short revents, void *arg)
{
	struct ptpd_port *p = arg;
	uint8_t buf[PTP_MAX_MSG_LEN + 64];
	(void)r;
	if (!(revents & (POLLIN | POLLERR)))
		return;
	enum transport_channel ch =
	        fd == transport_fd(p->t, TRANS_EVENT) ? TRANS_EVENT : TRANS_GENERAL;
	for (int i = 0; i < 16; i++) {
		struct transport_addr src = {0};
		struct tsync_ts rx;
		ssize_t n = transport_recv(p->t, ch, buf, sizeof(buf), &rx, &src);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			pl_err(5, "port %u: receive failed: %s", p->index + 1, strerror((int)-n));
			break;
		}
		ptpd_port_rx(p, buf, (size_t)n, rx.ns, &src);
	}
}

struct ptpd_port *ptpd_port_create(struct ptpd_clock *c, unsigned index, const char *iface)
{
	struct ptpd_port *p = calloc(1, sizeof(*p));
	struct config *cfg = c->cfg;
	struct transport_config tc;

	if (!p)
		return NULL;
	p->c = c;
	p->index = index;
	snprintf(p->iface, sizeof(p->iface), "%s", iface);
	p->log_sync = (int8_t)config_get_int(cfg, iface, "logSyncInterval");
	p->log_announce = (int8_t)config_get_int(cfg, iface, "logAnnounceInterval");
	p->log_delay_req = (int8_t)config_get_int(cfg, iface, "logMinDelayReqInterval");
	p->log_pdelay_req = (int8_t)config_get_int(cfg, iface, "logMinPdelayReqInterval");
	p->p2p = config_get_int(cfg, iface, "delay_mechanism") == PTP_DM_P2P;
	p->ttype = (enum transport_type)config_get_int(cfg, iface, "network_transport");
	p->ds.identity.clock = c->dflt.identity;
	p->ds.identity.port = (uint16_t)(index + 1);
	p->ds.state = PTP_PS_INITIALIZING;
	p->ds.log_min_delay_req_interval = p->log_delay_req;
	p->ds.log_announce_interval = p->log_announce;
	p->ds.announce_receipt_timeout =
	        (uint8_t)config_get_int(cfg, iface, "announceReceiptTimeout");
	p->ds.log_sync_interval = p->log_sync;
	p->ds.delay_mechanism = p->p2p ? PTP_DM_P2P : PTP_DM_E2E;
	p->ds.log_min_pdelay_req_interval = p->log_pdelay_req;
	p->ds.version_number = PTP_VERSION;
	unsigned flen = (unsigned)config_get_int(cfg, iface, "delay_filter_length");
	delay_filter_init(&p->dfilt, flen);
	delay_filter_init(&p->pfilt, flen);
	p->sdo_id = (uint8_t)config_get_int(cfg, iface, "transportSpecific");
	p->minor_version = (uint8_t)config_get_int(cfg, NULL, "ptp_minor_version");
	if (exch_cfg_init(&p->xcfg, config_get_int(cfg, iface, "delayAsymmetry"),
	                  config_get_bool(cfg, NULL, "assume_two_step"))) {
		pr_err("%s: delayAsymmetry beyond +-2^31 ns", iface); /* the table bounds it */
		goto fail;
	}
	char aerr[160];
	if (accept_table_parse(&p->accept, config_get_string(cfg, iface, "acceptable_master_table"),
	                       aerr, sizeof(aerr))) {
		pr_err("%s: acceptable_master_table: %s", iface, aerr); /* ptpd_config_check */
		goto fail;
	}

	transport_config_defaults(&tc);
	tc.ts_mode = c->ts_mode;
	tc.tx_timeout_ms = config_get_int(cfg, NULL, "tx_timestamp_timeout");
	tc.udp_ttl = config_get_int(cfg, iface, "udp_ttl");
	tc.udp6_scope = config_get_int(cfg, iface, "udp6_scope");
	tc.dscp_event = config_get_int(cfg, iface, "dscp_event");
	tc.dscp_general = config_get_int(cfg, iface, "dscp_general");
	tc.l2_ethertype = TRANS_ETH_P_1588; /* PTP's; the L2 transport itself is not PTP-bound */
	if (net_mac_parse(config_get_string(cfg, iface, "ptp_dst_mac"), tc.ptp_dst_mac) ||
	    net_mac_parse(config_get_string(cfg, iface, "p2p_dst_mac"), tc.p2p_dst_mac)) {
		pr_err("%s: bad ptp_dst_mac or p2p_dst_mac", iface);
		goto fail;
	}
	if (c->env.transport)
		p->t = c->env.transport(c->env.arg, index, iface, &tc);
	else if (p->ttype == TRANS_IMPL) /* network_transport wifi */
		p->t = ptpd_port_wifi_create(p, &tc);
	else
		p->t = transport_create(p->ttype, &tc);
	p->t_announce = reactor_timer_create(c->r, on_timer, p);
	p->t_sync = reactor_timer_create(c->r, on_timer, p);
	p->t_delay = reactor_timer_create(c->r, on_timer, p);
	p->t_pdelay = reactor_timer_create(c->r, on_timer, p);
	p->t_timeout = reactor_timer_create(c->r, on_timer, p);
	if (!p->t || !p->t_announce || !p->t_sync || !p->t_delay || !p->t_pdelay || !p->t_timeout)
		goto fail;
	return p;
fail:
	ptpd_port_destroy(p);
	return NULL;
}

void ptpd_port_destroy(struct ptpd_port *p)
{
	if (!p)
		return;
	int fe = transport_fd(p->t, TRANS_EVENT), fg = transport_fd(p->t, TRANS_GENERAL);
	if (fe >= 0)
		reactor_remove_fd(p->c->r, fe);
	if (fg >= 0)
		reactor_remove_fd(p->c->r, fg);
	transport_destroy(p->t);
	struct reactor_timer *ts[] = {p->t_announce, p->t_sync, p->t_delay, p->t_pdelay,
	                              p->t_timeout};
	for (unsigned i = 0; i < 5; i++)
		if (ts[i])
			reactor_timer_destroy(ts[i]);
	free(p);
}

int ptpd_port_start(struct ptpd_port *p)
{
	struct ts_caps caps;
	char err[200];
	int e;

	if (!p->c->env.transport && p->ttype != TRANS_IMPL && !ts_caps_get(p->iface, &caps) &&
	    ts_caps_check(p->iface, &caps, p->c->ts_mode, err, sizeof(err))) {
		pr_err("%s", err);
		return -EOPNOTSUPP;
	}
	if ((e = transport_open(p->t, p->iface))) {
		pr_err("port %u: %s", p->index + 1, transport_last_error(p->t));
		return e;
	}
	struct tsync_ts tag;
	char tsd[48];
	if (!transport_ts_info(p->t, &tag))
		pr_info("port %u: %s on %s, timestamps %s", p->index + 1, transport_name(p->t),
		        p->iface, tsync_ts_describe(&tag, tsd, sizeof(tsd)));
	int fe = transport_fd(p->t, TRANS_EVENT), fg = transport_fd(p->t, TRANS_GENERAL);
	if ((e = reactor_add_fd(p->c->r, fe, POLLIN, on_readable, p)))
		return e;
	if (fg >= 0 && fg != fe && (e = reactor_add_fd(p->c->r, fg, POLLIN, on_readable, p)))
		return e;
	ptpd_port_dispatch(p, PTP_EV_INIT_COMPLETE, false);
	return 0;
}

struct ptp_port_id ptpd_port_id(const struct ptpd_port *p)
{
	return p->ds.identity;
}

void ptpd_port_arm_announce_timeout(struct ptpd_port *p)
{
	uint64_t t = interval_ns(p->log_announce) * p->ds.announce_receipt_timeout;
	reactor_timer_arm(p->t_timeout, t, 0);
}

static void reset_slave(struct ptpd_port *p)
{
	memset(&p->sync, 0, sizeof(p->sync));
	memset(&p->dreq, 0, sizeof(p->dreq));
	delay_filter_reset(&p->dfilt);
	p->have_delay = false;
	p->mean_delay = 0;
}

/* Timers for the state entered. */
static void enter_state(struct ptpd_port *p, enum ptp_port_state old)
{
	enum ptp_port_state s = (enum ptp_port_state)p->ds.state;
	bool master = s == PTP_PS_MASTER || s == PTP_PS_PRE_MASTER;
	bool slave = s == PTP_PS_SLAVE || s == PTP_PS_UNCALIBRATED;
	bool listen = slave || s == PTP_PS_LISTENING || s == PTP_PS_PASSIVE;
	bool active = master || listen;

	if (master && !reactor_timer_armed(p->t_announce)) {
		reactor_timer_arm(p->t_announce, 1000, interval_ns(p->log_announce));
		reactor_timer_arm(p->t_sync, 1000, interval_ns(p->log_sync));
	} else if (!master) {
		reactor_timer_disarm(p->t_announce);
		reactor_timer_disarm(p->t_sync);
	}
	if (listen) {
		if (!reactor_timer_armed(p->t_timeout) || s != old)
			ptpd_port_arm_announce_timeout(p);
	} else {
		reactor_timer_disarm(p->t_timeout);
	}
	if (slave && !p->p2p) {
		if (!reactor_timer_armed(p->t_delay))
			ptpd_port_delay_req_rearm(p);
	} else {
		reactor_timer_disarm(p->t_delay);
	}
	if (p->p2p && active) {
		if (!reactor_timer_armed(p->t_pdelay))
			reactor_timer_arm(p->t_pdelay, 1000, interval_ns(p->log_pdelay_req));
	} else {
		reactor_timer_disarm(p->t_pdelay);
	}
	if (!slave && (old == PTP_PS_SLAVE || old == PTP_PS_UNCALIBRATED)) {
		reset_slave(p);
		ptpd_clock_slave_lost(p->c, p);
	}
	if (!active)
		bmc_foreign_clear(&p->foreign);
}

void ptpd_port_dispatch(struct ptpd_port *p, enum ptp_fsm_event ev, bool mdiff)
{
	enum ptp_port_state old = (enum ptp_port_state)p->ds.state, next;

	if (ev == PTP_EV_NONE)
		return;
	if (p->c->dflt.slave_only)
		next = ptp_fsm_slave_only(old, ev, mdiff);
	else
		next = ptp_fsm(old, ev, mdiff);
	if (ev == PTP_EV_RS_SLAVE && mdiff && next == PTP_PS_UNCALIBRATED)
		reset_slave(p);
	if (next == old)
		return;
	/* PRE_MASTER's qualification timeout is 0 in ptpd-wl: go on to MASTER at once */
	pr_notice("port %u: %s to %s on %s", p->index + 1, ptp_port_state_str(old),
	          ptp_port_state_str(next), ptp_fsm_event_str(ev));
	p->ds.state = (uint8_t)next;
	enter_state(p, old);
	if (next == PTP_PS_PRE_MASTER)
		ptpd_port_dispatch(p, PTP_EV_QUALIFICATION_TIMEOUT_EXPIRES, false);
}
