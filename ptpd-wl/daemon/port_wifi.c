// SPDX-License-Identifier: MIT
/*
 * A port's wifi transport (network_transport wifi, ptpd-wl/wifi/): created from the port's
 * keys, and in wifi_mode tm given the hooks that map its CLOCK_REALTIME stamps onto the clock
 * and feed each completed Timing Measurement exchange to the servo like a Sync sample.
 */
#include "daemon.h"
#include "tsync/log.h"
#include "wifi/wifi_transport.h"

static int64_t wifi_map(void *arg, int64_t sys_ns)
{
	struct ptpd_port *p = arg;
	return ptpd_clock_local_ts(p->c, sys_ns);
}

static void wifi_sample(void *arg, int64_t offset, int64_t t2, int64_t t2_sys, int64_t delay)
{
	struct ptpd_port *p = arg;
	if (p->ds.state != PTP_PS_SLAVE && p->ds.state != PTP_PS_UNCALIBRATED)
		return;
	p->mean_delay = delay;
	p->have_delay = true;
	ptpd_clock_sample(p->c, p, offset, t2, t2_sys, delay, p->log_sync);
}

struct transport *ptpd_port_wifi_create(struct ptpd_port *p, const struct transport_config *tc)
{
	struct wifi_tp_cfg wc;
	char err[300];
	if (wifi_tp_cfg_read(p->c->cfg, p->iface, &wc, err, sizeof(err))) {
		pr_err("%s", err);
		return NULL;
	}
	struct transport *t = wifi_transport_create(tc, &wc);
	if (t && wc.mode == WIFI_MODE_TM)
		wifi_transport_tm_hooks(t, wifi_map, wifi_sample, p);
	return t;
}
