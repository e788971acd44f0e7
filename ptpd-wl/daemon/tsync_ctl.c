// SPDX-License-Identifier: MIT
/*
 * ptpd-wl's own text commands on the management socket (uds_address), next to the PTP
 * management messages that pmc sends there, and the on-demand sync burst.
 *
 * A datagram that starts with "tsync " is a command (a PTP message never does: its first
 * octet would be messageType 4, which does not exist); the reply is one text datagram:
 *   tsync status  (the reply: include/tsync/status.h, written by tsync_status_encode)
 *     ok port_state=SLAVE servo=s2 status=synchronized offset_ns=N est_ns=E freq_ppb=F
 *        delay_ns=D log_sync=L samples=N age_ms=A burst_s=B offset_avg_ns=M delay_avg_ns=P
 *        [offset_med_ns=R offset_peak_ns=K] (not before the servo's first locked sample)
 *     est_ns: the servo's 1-sigma estimate of its own time error (kalman; -1 if the servo
 *     has none), age_ms: since the last offset sample, status: what a vmclock page should
 *     say (synchronized: a slave port, servo locked, a sample within 4 Sync intervals;
 *     freerunning: no master (or free_running); unreliable otherwise).
 *   tsync burst seconds=S [log_sync=L]   (arguments in any order, each at most once)
 *     For S seconds (<= 600) ask the master of every slave port to send Sync (and accept
 *     Delay_Req) at 2^L s (default -6): a Signaling message with the IEEE 802.1AS message
 *     interval request TLV (organization 00-80-C2, subtype 2), which ptpd-wl masters and
 *     linuxptp's ptp4l honour; at the end a second request restores the master's initial
 *     rates (timeSyncInterval 126). Our slave ports send Delay_Req at 2^L s too during the
 *     burst (ptp4l changes only its Sync rate and keeps announcing a slow Delay_Req rate,
 *     but answers every Delay_Req): otherwise the path delay, and every offset through it,
 *     would move at the slow rate while the Sync samples come fast.
 * A bad command, an unknown or repeated argument or a value that is not a number in range
 * gets "err ..." naming it (parsing is strict: "log_sync=abc" is never read as 0).
 * A ptpd-wl master that receives the request sets logSyncInterval (and the
 * logMinDelayReqInterval it announces in Delay_Resp) of that port, if the request is
 * plausibly from one of its slaves (ptpd_ival_request_check).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "tsync/cli.h"
#include "tsync/log.h"
#include "tsync/status.h"

#define IVAL_TLV_LEN 16 /* type, length, 12 octets of value */

static const uint8_t ieee8021_oui[3] = {0x00, 0x80, 0xc2};

int ptpd_ival_tlv_build(uint8_t *b, int8_t link_delay, int8_t sync, int8_t announce)
{
	memset(b, 0, IVAL_TLV_LEN);
	b[0] = 0x00, b[1] = 0x03; /* ORGANIZATION_EXTENSION */
	b[2] = 0x00, b[3] = 12;
	memcpy(b + 4, ieee8021_oui, 3);
	b[9] = 2; /* subtype 00-00-02: message interval request */
	b[10] = (uint8_t)link_delay;
	b[11] = (uint8_t)sync;
	b[12] = (uint8_t)announce;
	b[13] = 0x3; /* computeNeighborRateRatio, computeNeighborPropDelay (802.1AS defaults) */
	return IVAL_TLV_LEN;
}

int ptpd_ival_tlv_find(const uint8_t *tlvs, size_t len, int8_t *sync)
{
	size_t off = 0;
	while (tlvs && off + 4 <= len) {
		unsigned type = (unsigned)tlvs[off] << 8 | tlvs[off + 1];
		size_t l = (size_t)tlvs[off + 2] << 8 | tlvs[off + 3];
		if (off + 4 + l > len)
			return -EBADMSG;
		const uint8_t *v = tlvs + off + 4;
		if (type == 0x0003 && l >= 12 && !memcmp(v, ieee8021_oui, 3) && v[3] == 0 &&
		    v[4] == 0 && v[5] == 2) {
			*sync = (int8_t)v[7];
			return 0;
		}
		off += 4 + l;
	}
	return -ENOENT;
}

const char *ptpd_vmclock_status(int port_state, int servo_state, bool free_running, double age_s,
                                double sync_interval_s)
{
	if (free_running || port_state != PTP_PS_SLAVE)
		return port_state == PTP_PS_UNCALIBRATED ? "unreliable" : "freerunning";
	if (servo_state != SERVO_LOCKED || age_s > 4 * sync_interval_s + 0.5)
		return "unreliable";
	return "synchronized";
}

#define IVAL_REFUSALS 4
static const char *const ival_refusal[IVAL_REFUSALS] = {
        "the sender has our own clock identity",
        "the sender announces itself as a master on this port",
        "stopping Sync (interval 127) is not supported",
        "interval out of range [-7, 4]",
};

int ptpd_ival_request_check(int port_state, const struct ptp_port_id *me, const struct ptp_msg *m,
                            bool sender_is_master, int8_t sync, const char **why)
{
	static const struct ptp_port_id wildcard = {
	        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}, 0xffff};
	*why = NULL;
	/* not for us: a slave port sees its fellow slaves' requests on a shared segment */
	if (port_state != PTP_PS_MASTER)
		return -ENOENT;
	if (!ptp_port_id_eq(&m->signaling.target, me) &&
	    !ptp_port_id_eq(&m->signaling.target, &wildcard))
		return -ENOENT;
	if (sync == -128)
		return -ENOENT; /* no change asked */
	if (!ptp_clock_id_cmp(&m->hdr.source.clock, &me->clock))
		*why = ival_refusal[0];
	else if (sender_is_master)
		*why = ival_refusal[1];
	else if (sync == 127)
		*why = ival_refusal[2];
	else if (sync != 126 && (sync < PTPD_IVAL_SYNC_MIN || sync > PTPD_IVAL_SYNC_MAX))
		*why = ival_refusal[3];
	return *why ? -EPERM : 0;
}

/* The daemon's monotonic time (its reactor's time source), s. */
static double mono_s(struct ptpd_clock *c)
{
	return (double)ptpd_clock_mono(c) / 1e9;
}

/* The port that follows a master (SLAVE or UNCALIBRATED), else port 1. */
static struct ptpd_port *main_port(struct ptpd_clock *c)
{
	for (unsigned i = 0; i < c->nports; i++)
		if (c->ports[i]->ds.state == PTP_PS_SLAVE ||
		    c->ports[i]->ds.state == PTP_PS_UNCALIBRATED)
			return c->ports[i];
	return c->ports[0];
}

static void send_ival_request(struct ptpd_port *p, int8_t sync)
{
	struct ptp_msg m;
	uint8_t buf[PTP_MAX_MSG_LEN];
	memset(&m, 0, sizeof(m));
	struct ptp_port_id id = p->ds.identity;
	msg_hdr_init(&m.hdr, PTP_SIGNALING, &id, p->c->dflt.domain, p->seq_signal++,
	             PTP_LOG_INTERVAL_UNUSED);
	m.hdr.minor_version = (uint8_t)config_get_int(p->c->cfg, NULL, "ptp_minor_version");
	m.hdr.major_sdo_id = p->sdo_id;
	memset(&m.signaling.target, 0xff, sizeof(m.signaling.target));
	int len = msg_build(buf, sizeof(buf), &m);
	if (len < 0 || (size_t)len + IVAL_TLV_LEN > sizeof(buf)) {
		pl_err(5, "port %u: cannot build a Signaling message", p->index + 1);
		return;
	}
	/* -128: no change of the link delay and announce intervals */
	len += ptpd_ival_tlv_build(buf + len, -128, sync, -128);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	if (ptpd_port_send(p, TRANS_GENERAL, TRANS_DEST_DEFAULT, NULL, buf, len, NULL))
		return;
	if (sync == 126)
		pr_info("port %u: asked the master for its initial Sync interval", p->index + 1);
	else
		pr_info("port %u: asked the master for Sync every 2^%d s", p->index + 1, sync);
}

/* Ask the masters for Sync at 2^sync s (126: their initial rate) and send our own Delay_Req
 * at the same rate during the burst (ptpd_clock.burst_log_dr), from now on. */
static void burst_request(struct ptpd_clock *c, int8_t sync)
{
	int8_t dr = sync == 126 ? 127 : sync;
	bool faster = dr < c->burst_log_dr;
	c->burst_log_dr = dr;
	for (unsigned i = 0; i < c->nports; i++) {
		struct ptpd_port *p = c->ports[i];
		if (p->ds.state != PTP_PS_SLAVE && p->ds.state != PTP_PS_UNCALIBRATED)
			continue;
		send_ival_request(p, sync);
		if (faster && !p->p2p)
			ptpd_port_delay_req_rearm(p);
	}
}

static void burst_end(struct reactor *r, struct reactor_timer *t, uint64_t n, void *arg)
{
	struct ptpd_clock *c = arg;
	(void)r, (void)t, (void)n;
	c->burst_until_s = 0;
	burst_request(c, 126); /* back to the master's initial intervals */
}

/*
 * Who may change a master port's Sync rate. ptp4l honours a message interval request in any
 * port state but INITIALIZING/FAULTY/DISABLED when targetPortIdentity is the port's or the
 * wildcard, and takes any interval. Without authentication no rule can prove that a sender
 * is our slave, so ptpd-wl honours only what is plausibly from one (the domain and
 * transportSpecific were checked on receipt, our own looped-back messages dropped):
 *   - the port is MASTER (only a master sends Sync: elsewhere the request is not for us);
 *   - targetPortIdentity is this port or the wildcard;
 *   - the sender is not our own clock and does not announce itself as a master on this
 *     link (it has no record in the port's foreign master table and is not among the
 *     masters acceptable_master_table refused: slaves send no Announce);
 *   - the Sync interval is 126 (back to the initial one) or 2^-7..2^4 s: a rogue cannot
 *     ask for more than 128 Sync/s. 127 (stop) is refused; link delay and announce
 *     intervals are not changed.
 * Refusals are logged (rate-limited); requests not for us are ignored silently.
 */
void ptpd_port_rx_signaling(struct ptpd_port *p, const struct ptp_msg *m)
{
	int8_t sync;
	const char *why;
	char id[40];
	bool is_master = false;

	if (ptpd_ival_tlv_find(m->tlvs, m->tlv_len, &sync))
		return;
	/* a master on this link: a foreign master record, or one acceptable_master_table refused */
	for (unsigned i = 0; i < p->foreign.n && i < BMC_MAX_FOREIGN; i++)
		is_master |= ptp_port_id_eq(&p->foreign.rec[i].sender, &m->hdr.source);
	for (unsigned i = 0; i < p->n_refused; i++)
		is_master |= ptp_port_id_eq(&p->refused[i], &m->hdr.source);
	struct ptp_port_id me = p->ds.identity;
	if (ptpd_ival_request_check(p->ds.state, &me, m, is_master, sync, &why)) {
		if (!why)
			return;
		/* one rate limit per reason: a flood of one kind hides no other */
		static struct log_ratelimit rl[IVAL_REFUSALS];
		unsigned k = 0;
		while (k + 1 < IVAL_REFUSALS && ival_refusal[k] != why)
			k++;
		if (log_enabled(LOG_NOTICE))
			log_msg_ratelimited(LOG_NOTICE, &rl[k], 10,
			                    "port %u: message interval request from %s refused: %s "
			                    "(logSyncInterval %d)",
			                    p->index + 1,
			                    ptpd_pid_str(&m->hdr.source, id, sizeof(id)), why,
			                    sync);
		return;
	}
	int8_t initial = (int8_t)config_get_int(p->c->cfg, p->iface, "logSyncInterval");
	int8_t initial_dr = (int8_t)config_get_int(p->c->cfg, p->iface, "logMinDelayReqInterval");
	int8_t want, want_dr;
	if (sync == 126) {
		want = initial, want_dr = initial_dr;
	} else {
		want = sync;
		want_dr = want;
	}
	if (want == p->log_sync && want_dr == p->log_delay_req)
		return;
	pr_info("port %u: Sync every 2^%d s on request (was 2^%d)", p->index + 1, want,
	        p->log_sync);
	p->log_sync = want;
	p->log_delay_req = want_dr;
	p->ds.log_sync_interval = want;
	p->ds.log_min_delay_req_interval = want_dr;
	uint64_t ns = want >= 0 ? (uint64_t)NS_PER_SEC << want : (uint64_t)NS_PER_SEC >> -want;
	reactor_timer_arm(p->t_sync, 1000, ns);
}

static int cmd_status(struct ptpd_clock *c, char *out, size_t len)
{
	struct ptpd_port *p = main_port(c);
	double est = -1, now = mono_s(c);
	unsigned long long samples = sync_samples(c->sync);
	if (sync_error_estimate(c->sync, &est) || !isfinite(est))
		est = -1;
	double age = samples ? now - (double)sync_last_mono(c->sync) / 1e9 : 1e9;
	double ival = ldexp(1.0, p->master_log_sync ? p->master_log_sync : p->log_sync);
	struct tsync_status st = {
	        .est_ns = est,
	        .servo = (int)c->sstate,
	        .offset_ns = c->cur.offset_from_master,
	        .freq_ppb = c->freq_ppb,
	        .delay_ns = c->cur.mean_path_delay,
	        .log_sync = p->master_log_sync,
	        .samples = samples,
	        .age_ms = samples ? age * 1e3 : -1.0,
	        .burst_s = c->burst_until_s > now ? c->burst_until_s - now : 0.0,
	        .offset_avg_ns = c->offset_avg.v,
	        .delay_avg_ns = c->delay_avg.mono ? c->delay_avg.v : (double)c->cur.mean_path_delay,
	        .have = TSYNC_ST_ALL & ~(TSYNC_ST_OFFSET_MED | TSYNC_ST_OFFSET_PEAK),
	};
	if (offset_robust_med(&c->offset_rob, &st.offset_med_ns) &&
	    offset_robust_peak(&c->offset_rob, &st.offset_peak_ns))
		st.have |= TSYNC_ST_OFFSET_MED | TSYNC_ST_OFFSET_PEAK;
	tsync_sync_state_parse(
	        ptpd_vmclock_status(p->ds.state, (int)c->sstate, c->free_running, age, ival),
	        &st.status);
	snprintf(st.port_state, sizeof(st.port_state), "%s", ptp_port_state_str(p->ds.state));
	int n = tsync_status_encode(&st, out, len);
	return n >= 0 ? n : snprintf(out, len, "err status: %s", strerror(-n));
}

/* One "key=value" argument into *out (strictly: the whole value a number in [lo, hi]). */
static int num_arg(const char *tok, size_t klen, double lo, double hi, bool integer, double *out,
                   char *err, size_t errlen)
{
	const char *v = tok + klen + 1;
	long l = 0;
	int e = integer ? cli_long(NULL, "", v, (long)lo, (long)hi, &l)
	                : cli_double(NULL, "", v, lo, hi, out);
	if (integer && !e)
		*out = (double)l;
	if (e)
		snprintf(err, errlen, "err bad value '%.32s' for %.*s (expected %s in [%g, %g])", v,
		         (int)klen, tok, integer ? "an integer" : "a number", lo, hi);
	return e ? -EINVAL : 0;
}

int ptpd_cmd_parse(const char *line, struct ptpd_cmd *cmd, char *err, size_t errlen)
{
	static const char usage[] = "(status, burst seconds=S [log_sync=L])";
	char buf[256];
	char *save = NULL, *tok;
	bool have_secs = false, have_ls = false;

	memset(cmd, 0, sizeof(*cmd));
	cmd->log_sync = -6;
	snprintf(buf, sizeof(buf), "%s", line);
	tok = strtok_r(buf, " \t", &save);
	if (!tok) {
		snprintf(err, errlen, "err missing command %s", usage);
		return -EINVAL;
	}
	if (!strcmp(tok, "status")) {
		cmd->kind = PTPD_CMD_STATUS;
		if ((tok = strtok_r(NULL, " \t", &save))) {
			snprintf(err, errlen, "err status takes no argument ('%.32s')", tok);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(tok, "burst")) {
		snprintf(err, errlen, "err unknown command '%.32s' %s", tok, usage);
		return -EINVAL;
	}
	cmd->kind = PTPD_CMD_BURST;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		double v;
		if (!strncmp(tok, "seconds=", 8) && !have_secs) {
			if (num_arg(tok, 7, 0, 600, false, &v, err, errlen))
				return -EINVAL;
			if (!(v > 0)) {
				snprintf(err, errlen, "err seconds must be > 0 (0 < S <= 600)");
				return -EINVAL;
			}
			cmd->seconds = v;
			have_secs = true;
		} else if (!strncmp(tok, "log_sync=", 9) && !have_ls) {
			if (num_arg(tok, 8, PTPD_IVAL_SYNC_MIN, PTPD_IVAL_SYNC_MAX, true, &v, err,
			            errlen))
				return -EINVAL;
			cmd->log_sync = (int)v;
			have_ls = true;
		} else {
			snprintf(err, errlen, "err burst: unknown or repeated argument '%.32s'",
			         tok);
			return -EINVAL;
		}
	}
	if (!have_secs) {
		snprintf(err, errlen, "err burst needs seconds=S (0 < S <= 600) [log_sync=-7..4]");
		return -EINVAL;
	}
	return 0;
}

static int cmd_burst(struct ptpd_clock *c, const struct ptpd_cmd *cmd, char *out, size_t len)
{
	double secs = cmd->seconds;
	if (!c->burst_timer && !(c->burst_timer = reactor_timer_create(c->r, burst_end, c)))
		return snprintf(out, len, "err no timer");
	bool slaves = false;
	for (unsigned i = 0; i < c->nports; i++)
		slaves |= c->ports[i]->ds.state == PTP_PS_SLAVE ||
		          c->ports[i]->ds.state == PTP_PS_UNCALIBRATED;
	if (!slaves)
		return snprintf(out, len, "err no slave port");
	burst_request(c, (int8_t)cmd->log_sync);
	c->burst_until_s = mono_s(c) + secs;
	reactor_timer_arm(c->burst_timer, (uint64_t)(secs * 1e9), 0);
	return snprintf(out, len, "ok burst log_sync=%d seconds=%.1f", cmd->log_sync, secs);
}

int ptpd_text_command(struct ptpd_clock *c, const char *line, char *out, size_t len)
{
	struct ptpd_cmd cmd;

	if (strncmp(line, "tsync ", 6))
		return -EINVAL;
	if (ptpd_cmd_parse(line + 6, &cmd, out, len))
		return (int)strlen(out);
	if (cmd.kind == PTPD_CMD_STATUS)
		return cmd_status(c, out, len);
	return cmd_burst(c, &cmd, out, len);
}
