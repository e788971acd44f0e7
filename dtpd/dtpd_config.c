// SPDX-License-Identifier: MIT
/* dtpd's configuration table (dtpd_config.h). */
#include <errno.h>
#include <stdio.h>

#include "dtpd_config.h"
#include "tsync/sync.h"

#define G CFG_SCOPE_GLOBAL
#define P CFG_SCOPE_PORT

static const struct config_enum transport_enum[] = {
        {"af_packet", DTPD_TP_AF_PACKET}, {"dpdk", DTPD_TP_DPDK}, {NULL, 0}};

static const struct config_item table[] = {
        CFG_BOOL("root", G, 0),
        /* the time of counter 0, s since 1970 (default 2026-01-01T00:00:00Z) */
        CFG_INT("epoch", G, 1767225600LL, 0, 4102444800LL),
        CFG_INT("beacon_interval_ms", G, 100, 1, 60000),
        CFG_INT("retry_interval_ms", G, 500, 1, 60000),
        CFG_INT("rx_timeout_beacons", G, 20, 0, 100000),
        CFG_INT("delay_margin_ns", G, 20000, 0, 1000000000),
        CFG_INT("jump_threshold", G, 8, 0, 1000000000),
        CFG_INT("jump_guard", G, 0, 0, 1000000000),
        CFG_INT("jump_guard_arm", G, 0, 0, 1000000000),
        CFG_INT("delay_samples", G, 8, 0, 1000),
        CFG_BOOL("upstream", P, 1),
        CFG_BOOL("burst_requests", P, 1), /* take burst requests from downstream here */
        CFG_BOOL("downstream_max_rule", G, 0),
        CFG_INT("late_filter_ns", G, 50000, 0, 1000000000),
        CFG_INT("wild_counter_ns", G, 1000000, 0, INT64_C(1000000000000)),
        CFG_STRING("ctl_socket", G, NULL),
        CFG_STRING("counter_page", G, NULL),
        CFG_ENUM("transport", G, DTPD_TP_AF_PACKET, transport_enum),
        CFG_STRING("dpdk_eal_args", G, NULL),
        CFG_INT("dpdk_poll_us", G, 0, 0, 1000000),
        /* what TSC stamps at rx/tx burst may be off from the wire, added to the own bound:
         * a DPDK follower was measured 31 us off with its offsets near 0 (af_packet vdev) */
        CFG_INT("dpdk_tsc_stamp_err_ns", G, 50000, 0, 1000000000),
        CFG_INT("logging_level", G, 6, 0, 7),
        CFG_STRING("trace_file", G, NULL),
        CFG_BOOL("two_step", G, 1),
        CFG_BOOL("beacon_stagger", G, 1),
        CFG_INT("beacon_warmup_us", G, 30, 0, 1000),
};

struct config *dtpd_config_create(void)
{
	const struct config_part parts[] = {CONFIG_PART(table), {sync_config_items, sync_config_n}};
	return config_create_parts(parts, 2);
}

int dtpd_config_node(const struct config *cfg, struct dtpd_node_params *p, char *err, size_t errlen)
{
	*p = (struct dtpd_node_params){0};
	p->root = config_get_bool(cfg, NULL, "root");
	p->epoch_ns = config_get_i64(cfg, NULL, "epoch") * 1000000000LL;
	p->beacon_ns = config_get_i64(cfg, NULL, "beacon_interval_ms") * 1000000LL;
	p->retry_ns = config_get_i64(cfg, NULL, "retry_interval_ms") * 1000000LL;
	p->rx_timeout_ns = config_get_i64(cfg, NULL, "rx_timeout_beacons") * p->beacon_ns;
	p->margin_ns = config_get_i64(cfg, NULL, "delay_margin_ns");
	p->dtp.jump_threshold = config_get_i64(cfg, NULL, "jump_threshold");
	p->dtp.guard = config_get_i64(cfg, NULL, "jump_guard");
	p->dtp.guard_arm = config_get_i64(cfg, NULL, "jump_guard_arm");
	p->dtp.delay_samples = (unsigned)config_get_int(cfg, NULL, "delay_samples");
	p->downstream_max_rule = config_get_bool(cfg, NULL, "downstream_max_rule");
	p->late_ns = config_get_i64(cfg, NULL, "late_filter_ns");
	p->wild_ns = config_get_i64(cfg, NULL, "wild_counter_ns");
	p->beacon_stagger = config_get_bool(cfg, NULL, "beacon_stagger");
	if (p->rx_timeout_ns && p->rx_timeout_ns <= p->retry_ns) {
		snprintf(err, errlen,
		         "rx_timeout_beacons * beacon_interval_ms must exceed retry_interval_ms");
		return -EINVAL;
	}
	return 0;
}
