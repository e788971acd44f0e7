/* SPDX-License-Identifier: MIT */
/*
 * ptpd-wl daemon private header: the clock (data sets, local clock, servo, exports, BMCA over
 * all ports) and its ports (transport, timers, protocol exchanges). Single-threaded: every
 * function runs from the reactor's callbacks.
 *
 * Time bases:
 *   "local" time   ns on the disciplined clock's scale (vclock, PHC or CLOCK_REALTIME); the
 *                  protocol only ever sees local time. Software packet timestamps
 *                  (CLOCK_REALTIME) are mapped onto it by ptpd_clock_local_ts()
 *                  (tclock_from_sys).
 *   offsets        ns, local minus master (ptp4l's "master offset" sign).
 */
#ifndef PTPD_DAEMON_H
#define PTPD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "offset_robust.h"
#include "core/accept.h"
#include "core/bmc.h"
#include "core/delay.h"
#include "core/ds.h"
#include "core/exchange.h"
#include "core/fsm.h"
#include "core/mgmt.h"
#include "core/msg.h"
#include "tsync/chrony.h"
#include "tsync/clock.h"
#include "tsync/config.h"
#include "tsync/reactor.h"
#include "tsync/servo.h"
#include "tsync/sim.h"
#include "tsync/statlog.h"
#include "tsync/sync.h"
#include "tsync/timestamping.h"
#include "tsync/transport.h"
#include "tsync/vclock.h"

#define PTPD_MAX_PORTS 16

/* ---- config_table.c ---- */
/* The range of logSyncInterval & co (log2 s), also what a received logMessageInterval must be
 * in to be used. */
#define PTPD_LOG_INTERVAL_MIN (-10)
#define PTPD_LOG_INTERVAL_MAX 10
struct config *ptpd_config_create(void);
/* Cross-key checks after all files and options are read (e.g. clock_type vclock needs
 * `vclock NAME`); 0 or -EINVAL with a message in err. */
int ptpd_config_check(struct config *cfg, char *err, size_t errlen);

/* ---- stats.c: ptp4l's summary statistics and log line formats (pure) ---- */
struct ptpd_stat {
	unsigned n;
	double sum, sum2, min, max;
};
void ptpd_stat_add(struct ptpd_stat *s, double v);
double ptpd_stat_mean(const struct ptpd_stat *s);
double ptpd_stat_rms(const struct ptpd_stat *s);
double ptpd_stat_stddev(const struct ptpd_stat *s);
double ptpd_stat_absmax(const struct ptpd_stat *s);

struct ptpd_summary {
	struct ptpd_stat offset, freq, delay;
};
void ptpd_summary_reset(struct ptpd_summary *s);
/* "rms %4.0f max %4.0f freq %+6.0f +/- %3.0f delay %5.0f +/- %3.0f" (delay part only when
 * delays were added); returns the length written (snprintf semantics). */
int ptpd_summary_fmt(const struct ptpd_summary *s, char *buf, size_t len);
/* "master offset %10lld s%d freq %+7.0f path delay %9lld" */
int ptpd_sample_fmt(char *buf, size_t len, int64_t offset, int state, double freq, int64_t delay);
/* ptp4l's clockIdentity text "001122.fffe.334455" (buf >= 24) and port "...-1" (>= 32). */
char *ptpd_cid_str(const struct ptp_clock_id *id, char *buf, size_t len);
char *ptpd_pid_str(const struct ptp_port_id *id, char *buf, size_t len);
/* The text form back into an identity (config key clockIdentity); 0 or -EINVAL. */
int ptpd_cid_parse(const char *s, struct ptp_clock_id *id);
/* Samples per summary line: 2^(summary_interval - logSyncInterval), at least 1. */
unsigned ptpd_summary_count(int summary_interval, int log_sync_interval);

struct ptpd_port;

/* ---- clock.c ---- */
/* What the daemon takes from its surroundings; a simulation (tests/unit/ptpd/test_sim_chain.c)
 * hands in a sim clock and sim links, the daemon (main.c) nothing but the seed. */
struct ptpd_env {
	struct tclock *clk; /* the local clock, taken over (also on failure); NULL: the config's */
	/* the transport of port index (NULL: transport_create from the config); no interface
	 * capabilities are checked for these */
	struct transport *(*transport)(void *arg, unsigned index, const char *iface,
	                               const struct transport_config *tc);
	void *arg;
	uint64_t seed; /* the random number generator (randomised Delay_Req timers) */
};

/* An exponential average over time (ptpd_avg_add). */
struct ptpd_avg {
	double v;
	int64_t mono; /* monotonic ns of the last value, 0: none (the next value restarts it) */
};

struct ptpd_clock {
	struct config *cfg;
	struct reactor *r;
	struct ptpd_env env;
	struct sim_rng rng; /* seeded from env.seed: every random draw of the daemon */
	bool stop;
	/* data sets */
	struct ds_default dflt;
	struct ds_current cur;
	struct ds_parent parent;
	struct ds_time_props tp, own_tp;
	struct mgmt_time_status_np tstatus;
	bool master_only;
	/* the local clock, disciplined by the engine (tsync/sync.h: servo, step and holdover
	 * policy, statlog and chrony exports) */
	enum tclock_type kind;
	enum ts_mode ts_mode;
	struct tclock *clk; /* owned by sync */
	struct sync *sync;
	bool free_running;
	enum servo_state sstate; /* sync_state() after the last sample or holdover */
	double freq_ppb;         /* sync_freq() */
	int sum_log_interval;    /* logSyncInterval sum_max is computed for */
	unsigned step_gen;       /* sync_step_gen(): drops stamps taken before a step */
	/* log lines */
	struct ptpd_summary sum;
	unsigned sum_max;
	/* ports and BMCA */
	struct ptpd_port *ports[PTPD_MAX_PORTS];
	unsigned nports;
	int best_port; /* index of the port Ebest arrived on, -1 = none */
	struct ptp_port_id best_id;
	bool sde; /* a state decision is due */
	struct reactor_timer *bmc_timer;
	struct ptpd_uds *uds;
	/* tsync_ctl.c: status and the on-demand burst */
	double burst_until_s; /* reactor time (monotonic) end of a burst, s (0: none) */
	struct reactor_timer *burst_timer;
	/* Delay_Req interval (log2 s) of our slave ports during our own burst, 127: none. A
	 * ptp4l master changes only its Sync rate on a message interval request and keeps
	 * announcing logMinDelayReqInterval 0, so the path delay (and the offsets through it)
	 * would stay at the slow rate; it answers a faster Delay_Req all the same. */
	int8_t burst_log_dr;
	/* exponential averages, time constant 0.1 s, of the offsets and of the mean path delay
	 * at each new delay sample ("tsync status" offset_avg_ns, delay_avg_ns: what vmclockd's
	 * bound takes, one per poll; at 1/s they are the last values) */
	struct ptpd_avg offset_avg, delay_avg;
	/* the median of the offsets over 0.125 s and its peak, per sample (offset_robust.h:
	 * "tsync status" offset_med_ns, offset_peak_ns, what vmclockd's spread takes) */
	struct offset_robust offset_rob;
};

/* Build the clock and its ports from cfg (after ptpd_config_check) in env (NULL: all from the
 * config, seed 0). NULL on failure (the reason has been logged). */
struct ptpd_clock *ptpd_clock_create(struct config *cfg, struct reactor *r,
                                     const struct ptpd_env *env);
void ptpd_clock_destroy(struct ptpd_clock *c);
/* The daemon's monotonic time now (its reactor's time source: real or simulated), ns. */
tmv_t ptpd_clock_mono(struct ptpd_clock *c);
/* A new mean path (or link) delay from the port's filter: into the clock's average. */
void ptpd_clock_delay_sample(struct ptpd_clock *c, tmv_t delay);
/* Local time now, ns. */
tmv_t ptpd_clock_now(struct ptpd_clock *c);
/* Map a packet timestamp (CLOCK_REALTIME for software, PHC for hardware) to local time.
 * 0 stays 0 (no timestamp). */
tmv_t ptpd_clock_local_ts(struct ptpd_clock *c, tmv_t pkt_ts);
/* A slave port measured offset (local - master, ns) at local time t2 (from the packet whose
 * raw stamp was rx_raw), with the mean path delay it used. */
void ptpd_clock_sample(struct ptpd_clock *c, struct ptpd_port *p, tmv_t offset, tmv_t t2,
                       tmv_t rx_raw, tmv_t delay, int log_sync_interval);
/* Ask for a state decision (run from the bmc timer soon after). */
void ptpd_clock_sde(struct ptpd_clock *c);
/* Run the BMCA over every port now and apply the recommended states. */
void ptpd_clock_state_decision(struct ptpd_clock *c);
/* The port left SLAVE/UNCALIBRATED: the servo starts over when it comes back. */
void ptpd_clock_slave_lost(struct ptpd_clock *c, struct ptpd_port *p);

/* ---- port.c / port_tx.c / port_rx.c ---- */
struct ptpd_port {
	struct ptpd_clock *c;
	unsigned index;
	char iface[64];
	struct transport *t;
	enum transport_type ttype;
	struct ds_port ds;
	struct bmc_foreign_table foreign;
	int8_t log_sync, log_announce, log_delay_req, log_pdelay_req;
	bool p2p;
	bool announce_timeout_armed;
	struct reactor_timer *t_announce, *t_sync, *t_delay, *t_pdelay, *t_timeout;
	uint16_t seq_announce, seq_sync, seq_delay, seq_pdelay, seq_signal;
	/* the master we follow */
	struct ptp_port_id parent;
	bool have_parent;
	int8_t master_log_sync;
	/* slave side: Sync / Follow_Up pairing (core/exchange.h), with the step generation and
	 * raw ingress time of the held Sync */
	struct {
		struct exch_sync ex;
		tmv_t rx_raw;
		unsigned gen;
	} sync;
	/* E2E delay */
	struct {
		struct exch_dreq ex;
		unsigned gen;
	} dreq;
	struct delay_filter dfilt;
	/* exchange settings resolved from the config at creation: delayAsymmetry (IEEE 1588-2019
	 * 16.8, scaled ns: added to the Sync correction, taken off the Delay_Resp correction),
	 * assume_two_step */
	struct exch_cfg xcfg;
	/* header fields resolved from the config at creation: transportSpecific (majorSdoId,
	 * sent and required on receipt), ptp_minor_version */
	uint8_t sdo_id, minor_version;
	tmv_t mean_delay;
	bool have_delay;
	/* P2P requester */
	struct {
		struct exch_pdelay ex;
		struct ptp_port_id responder;
		unsigned gen;
	} pd;
	struct delay_filter pfilt;
	unsigned rx_errors, rx_other_domain;
	/* acceptable_master_table, and the masters it refused (logged once each) */
	struct accept_table accept;
	struct ptp_port_id refused[ACCEPT_MAX];
	unsigned n_refused;
};

struct ptpd_port *ptpd_port_create(struct ptpd_clock *c, unsigned index, const char *iface);
void ptpd_port_destroy(struct ptpd_port *p);
/* Open the transport, watch its fds, INITIALIZING -> LISTENING. 0 or -errno (logged). */
int ptpd_port_start(struct ptpd_port *p);
/* Apply an FSM event; logs "port N: A to B on EV" and (re)arms the timers of the new state. */
void ptpd_port_dispatch(struct ptpd_port *p, enum ptp_fsm_event ev, bool mdiff);
struct ptp_port_id ptpd_port_id(const struct ptpd_port *p);
void ptpd_port_arm_announce_timeout(struct ptpd_port *p);
/* port_wifi.c: the transport of network_transport wifi (NULL on failure, logged) */
struct transport *ptpd_port_wifi_create(struct ptpd_port *p, const struct transport_config *tc);
/* port_tx.c */
int ptpd_port_send(struct ptpd_port *p, enum transport_channel ch, enum transport_dest dest,
                   const struct transport_addr *to, const uint8_t *buf, int len, tmv_t *tx_local);
void ptpd_port_tx_announce(struct ptpd_port *p);
void ptpd_port_tx_sync(struct ptpd_port *p);
void ptpd_port_tx_delay_req(struct ptpd_port *p);
/* A slave port's Delay_Req interval now: the master's, or our burst's if that is faster. */
int8_t ptpd_port_delay_req_log(const struct ptpd_port *p);
/* Send the next Delay_Req within the current interval (the rate just changed). */
void ptpd_port_delay_req_rearm(struct ptpd_port *p);
void ptpd_port_tx_pdelay_req(struct ptpd_port *p);
void ptpd_port_rx_delay_req(struct ptpd_port *p, const struct ptp_msg *m, tmv_t rx,
                            const struct transport_addr *src);
void ptpd_port_rx_pdelay_req(struct ptpd_port *p, const struct ptp_msg *m, tmv_t rx,
                             const struct transport_addr *src);
/* port_rx.c */
void ptpd_port_rx(struct ptpd_port *p, const uint8_t *buf, size_t len, tmv_t rx_raw,
                  const struct transport_addr *src);

/* ---- uds.c: management over a Unix datagram socket (pmc -u) ---- */
struct ptpd_uds;
struct ptpd_uds *ptpd_uds_create(struct ptpd_clock *c, const char *path);
void ptpd_uds_destroy(struct ptpd_uds *u);
/* Answer one management request (buf, len) for clock c into rsp; returns the number of
 * responses written through cb (one per matching port for port-level ids). */
typedef void (*ptpd_mgmt_reply_cb)(const uint8_t *buf, int len, void *arg);
int ptpd_mgmt_handle(struct ptpd_clock *c, const uint8_t *buf, size_t len, ptpd_mgmt_reply_cb cb,
                     void *arg);

/* ---- tsync_ctl.c: "tsync ..." text commands on the uds socket, the sync burst ---- */
/* Execute a "tsync status|burst ..." line; the one-line reply goes to out. Returns the reply
 * length, or -EINVAL when line is not a tsync command. */
int ptpd_text_command(struct ptpd_clock *c, const char *line, char *out, size_t len);
/* A Signaling message arrived on p (a master applies a message interval request). */
void ptpd_port_rx_signaling(struct ptpd_port *p, const struct ptp_msg *m);
/* Pure helpers: the IEEE 802.1AS message interval request TLV (16 octets into b; returns
 * 16); find one in a TLV suffix (0, -ENOENT, -EBADMSG) and its timeSyncInterval; the
 * vmclock status word ("synchronized", "freerunning", "unreliable") for a port state, servo
 * state, seconds since the last sample and the Sync interval (s). */
int ptpd_ival_tlv_build(uint8_t *b, int8_t link_delay, int8_t sync, int8_t announce);
/* Sync intervals (log2 s) a burst may ask for and a master honours. */
#define PTPD_IVAL_SYNC_MIN (-7)
#define PTPD_IVAL_SYNC_MAX 4
/* May a port in port_state with identity me honour the message interval request m asking
 * for Sync every 2^sync s? sender_is_master: the sender has a record in the port's foreign
 * master table. 0: yes; -ENOENT: not for this port (ignore silently); -EPERM: refused, *why
 * says why (static string). The rule is documented at ptpd_port_rx_signaling. */
int ptpd_ival_request_check(int port_state, const struct ptp_port_id *me, const struct ptp_msg *m,
                            bool sender_is_master, int8_t sync, const char **why);
/* A parsed "tsync ..." command (the text after "tsync "). */
struct ptpd_cmd {
	enum { PTPD_CMD_STATUS, PTPD_CMD_BURST } kind;
	double seconds; /* burst: 0 < seconds <= 600 */
	int log_sync;   /* burst: PTPD_IVAL_SYNC_MIN..MAX, default -6 */
};
/* Strict: 0, or -EINVAL with the "err ..." reply (naming the bad part) in err. */
int ptpd_cmd_parse(const char *line, struct ptpd_cmd *cmd, char *err, size_t errlen);
int ptpd_ival_tlv_find(const uint8_t *tlvs, size_t len, int8_t *sync);
const char *ptpd_vmclock_status(int port_state, int servo_state, bool free_running, double age_s,
                                double sync_interval_s);

#endif
