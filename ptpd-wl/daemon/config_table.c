// SPDX-License-Identifier: MIT
/*
 * ptpd-wl's configuration table: ptp4l's key names and defaults for everything ptpd-wl
 * implements, plus a few keys of its own (clockIdentity), and the discipline engine's fragment
 * (sync.h: clock, clock_type, vclock, phc_device, the servo keys, chrony_*, statlog). A key ptp4l
 * knows but ptpd-wl does not implement is an unknown key: an error naming file:line and key.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <syslog.h>

#include "daemon.h"
#include "wifi/wifi_transport.h"

#define G CFG_SCOPE_GLOBAL
#define P CFG_SCOPE_PORT

static const struct config_enum ts_enum[] = {
        {"software", TS_SOFTWARE}, {"hardware", TS_HARDWARE}, {NULL, 0}};
static const struct config_enum trans_enum[] = {{"UDPv4", TRANS_UDP_IPV4},
                                                {"UDPv6", TRANS_UDP_IPV6},
                                                {"L2", TRANS_IEEE_802_3},
                                                {"wifi", TRANS_IMPL},
                                                {NULL, 0}};
static const struct config_enum dm_enum[] = {{"E2E", PTP_DM_E2E}, {"P2P", PTP_DM_P2P}, {NULL, 0}};
static const struct config_enum filter_enum[] = {{"moving_median", 0}, {NULL, 0}};

static const struct config_item table[] = {
        /* default data set and time properties (ptp4l [global]) */
        CFG_BOOL("twoStepFlag", G, 1),
        CFG_BOOL("slaveOnly", G, 0),
        CFG_INT("priority1", G, 128, 0, 255),
        CFG_INT("priority2", G, 128, 0, 255),
        CFG_INT("domainNumber", G, 0, 0, 127),
        CFG_INT("clockClass", G, 248, 0, 255),
        CFG_INT("clockAccuracy", G, 0xfe, 0, 255),
        CFG_INT("offsetScaledLogVariance", G, 0xffff, 0, 65535),
        CFG_INT("utc_offset", G, 37, 0, 32767),
        CFG_INT("timeSource", G, 0xa0, 0x10, 0xfe),
        CFG_BOOL("gmCapable", G, 1),
        CFG_BOOL("assume_two_step", G, 0),
        CFG_INT("ptp_minor_version", G, 1, 0, 1),
        /* clock discipline: the engine's keys come from sync_config_items (sync.h) */
        CFG_ENUM("time_stamping", G, TS_SOFTWARE, ts_enum),
        CFG_INT("tx_timestamp_timeout", G, 1, 1, 100000),
        /* logging and management */
        CFG_INT("summary_interval", G, 0, -10, 30),
        CFG_INT("logging_level", G, LOG_INFO, LOG_EMERG, LOG_DEBUG),
        CFG_BOOL("verbose", G, 0),
        CFG_BOOL("use_syslog", G, 1),
        CFG_STRING("uds_address", G, "/var/run/ptpd-wl"),
        /* ptpd-wl's own keys: clockIdentity where no interface gives a MAC (simulations) */
        CFG_STRING("clockIdentity", G, NULL),
        /* per port */
        CFG_ENUM("network_transport", P, TRANS_UDP_IPV4, trans_enum),
        CFG_ENUM("delay_mechanism", P, PTP_DM_E2E, dm_enum),
        CFG_INT("logSyncInterval", P, 0, PTPD_LOG_INTERVAL_MIN, PTPD_LOG_INTERVAL_MAX),
        CFG_INT("logAnnounceInterval", P, 1, PTPD_LOG_INTERVAL_MIN, PTPD_LOG_INTERVAL_MAX),
        CFG_INT("logMinDelayReqInterval", P, 0, PTPD_LOG_INTERVAL_MIN, PTPD_LOG_INTERVAL_MAX),
        CFG_INT("logMinPdelayReqInterval", P, 0, PTPD_LOG_INTERVAL_MIN, PTPD_LOG_INTERVAL_MAX),
        CFG_INT("announceReceiptTimeout", P, 3, 2, 255),
        CFG_INT("delay_filter_length", P, 10, 1, DELAY_FILTER_MAX),
        CFG_ENUM("delay_filter", P, 0, filter_enum),
        CFG_INT("delayAsymmetry", P, 0, -2147483647 - 1, 2147483647),
        CFG_BOOL("masterOnly", P, 0),
        CFG_INT("transportSpecific", P, 0, 0, 15),
        CFG_INT("udp_ttl", P, 1, 1, 255),
        CFG_INT("udp6_scope", P, 0x0e, 0, 15),
        CFG_INT("dscp_event", P, 0, 0, 63),
        CFG_INT("dscp_general", P, 0, 0, 63),
        CFG_STRING("ptp_dst_mac", P, "01:1B:19:00:00:00"),
        CFG_STRING("p2p_dst_mac", P, "01:80:C2:00:00:0E"),
        /* the masters this port may follow (core/accept.h); empty: any */
        CFG_STRING("acceptable_master_table", P, ""),
        /* network_transport wifi (wifi/wifi_transport.h) */
        CFG_STRING("wifi_medium", P, ""),
        CFG_STRING("wifi_peer", P, ""),
        CFG_STRING("wifi_tsf", P, ""),
        CFG_STRING("wifi_nl_iface", P, ""),
        CFG_ENUM("wifi_tstamp", P, WIFI_TS_MAC, wifi_tstamp_enum),
        CFG_ENUM("wifi_mode", P, WIFI_MODE_PTP, wifi_mode_enum),
};

struct config *ptpd_config_create(void)
{
	const struct config_part parts[] = {CONFIG_PART(table), {sync_config_items, sync_config_n}};
	return config_create_parts(parts, 2);
}

int ptpd_config_check(struct config *cfg, char *err, size_t errlen)
{
	int ts = config_get_int(cfg, NULL, "time_stamping");
	struct sync_params sp;
	struct tclock_spec spec;

	if (config_section_count(cfg) == 0) {
		snprintf(err, errlen, "no interface given (-i IFACE or an [IFACE] section)");
		return -EINVAL;
	}
	if (config_section_count(cfg) > PTPD_MAX_PORTS) {
		snprintf(err, errlen, "too many interfaces (at most %d)", PTPD_MAX_PORTS);
		return -EINVAL;
	}
	if (sync_config_read(cfg, ts == TS_SOFTWARE, &sp, &spec, err, errlen))
		return -EINVAL;
	enum tclock_type kind = spec.type;
	const char *cid = config_get_string(cfg, NULL, "clockIdentity");
	struct ptp_clock_id id;
	if (cid && *cid && ptpd_cid_parse(cid, &id)) {
		snprintf(err, errlen, "bad clockIdentity '%s' (expected 001122.3344.556677)", cid);
		return -EINVAL;
	}
	if (kind == TCLOCK_SIM) {
		snprintf(err, errlen, "clock sim exists only in simulations");
		return -EINVAL;
	}
	if (kind == TCLOCK_VCLOCK && ts == TS_HARDWARE) {
		snprintf(err, errlen,
		         "clock_type vclock needs time_stamping software (hardware stamps are PHC "
		         "time)");
		return -EINVAL;
	}
	if (kind == TCLOCK_PHC && ts == TS_SOFTWARE) {
		snprintf(err, errlen, "clock_type phc needs time_stamping hardware");
		return -EINVAL;
	}
	for (size_t i = 0; i < config_section_count(cfg); i++) {
		const char *s = config_section_name(cfg, i);
		struct accept_table at;
		char aerr[160];
		if (accept_table_parse(&at, config_get_string(cfg, s, "acceptable_master_table"),
		                       aerr, sizeof(aerr))) {
			snprintf(err, errlen, "%s: acceptable_master_table: %s", s, aerr);
			return -EINVAL;
		}
		struct wifi_tp_cfg wc;
		if (config_get_int(cfg, s, "network_transport") == TRANS_IMPL) {
			if (wifi_tp_cfg_read(cfg, s, &wc, err, errlen))
				return -EINVAL;
			if (ts != TS_SOFTWARE) {
				snprintf(err, errlen,
				         "%s: network_transport wifi needs time_stamping software "
				         "(MAC "
				         "stamps are chosen with wifi_tstamp mac)",
				         s);
				return -EINVAL;
			}
		}
		if (config_get_bool(cfg, s, "masterOnly") &&
		    config_get_bool(cfg, NULL, "slaveOnly")) {
			snprintf(err, errlen, "%s: masterOnly and slaveOnly both set", s);
			return -EINVAL;
		}
	}
	return 0;
}
