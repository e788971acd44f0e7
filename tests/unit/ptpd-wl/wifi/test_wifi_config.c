// SPDX-License-Identifier: MIT
/* network_transport wifi: its keys (wifi_medium, wifi_tstamp, wifi_peer, wifi_mode) and their
 * cross-checks in ptpd_config_check (wifi_mode tm needs MAC or nl80211 stamps and a peer;
 * wifi_tstamp nl80211 needs wifi_mode tm and a real interface). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "daemon/daemon.h"
#include "wifi/wifi_transport.h"

static int check(const char *text, char *err, size_t len, struct wifi_tp_cfg *wc)
{
	struct config *cfg = ptpd_config_create();
	struct config_error ce;
	cr_assert_not_null(cfg);
	cr_assert_eq(config_read_string(cfg, text, "t.conf", &ce), 0, "%s", ce.msg);
	cr_assert_eq(config_add_section(cfg, "sta1"), 0);
	err[0] = 0;
	int rc = ptpd_config_check(cfg, err, len);
	if (!rc && wc)
		cr_assert_eq(wifi_tp_cfg_read(cfg, "sta1", wc, err, len), 0, "%s", err);
	config_destroy(cfg);
	return rc;
}

Test(wifi_config, keys)
{
	char err[300];
	struct wifi_tp_cfg wc;
	cr_assert_eq(check("network_transport wifi\nwifi_medium /tmp/m/sta1.sock\n"
	                   "wifi_peer 02:00:00:00:00:01\nwifi_tstamp software\n",
	                   err, sizeof(err), &wc),
	             0, "%s", err);
	cr_assert_str_eq(wc.medium, "/tmp/m/sta1.sock");
	cr_assert(wc.have_peer && wc.peer[5] == 1 && wc.tstamp == WIFI_TS_SOFTWARE);
	cr_assert_eq(check("network_transport wifi\n", err, sizeof(err), &wc), 0, "%s", err);
	cr_assert(!wc.have_peer && wc.tstamp == WIFI_TS_MAC && !wc.medium[0] &&
	          wc.mode == WIFI_MODE_PTP);
	cr_assert_eq(check("network_transport wifi\nwifi_mode tm\nwifi_peer 02:00:00:00:00:01\n",
	                   err, sizeof(err), &wc),
	             0, "%s", err);
	cr_assert_eq(wc.mode, WIFI_MODE_TM);
	cr_assert_str_eq(wc.nl_iface, "sta1", "wifi_nl_iface defaults to the port's interface");
	cr_assert_eq(check("network_transport wifi\nwifi_mode tm\nwifi_tstamp nl80211\n"
	                   "wifi_peer 02:00:00:00:00:01\nwifi_nl_iface wlan0\n",
	                   err, sizeof(err), &wc),
	             0, "%s", err);
	cr_assert(wc.tstamp == WIFI_TS_NL80211 && wc.mode == WIFI_MODE_TM);
	cr_assert_str_eq(wc.nl_iface, "wlan0");
	static const struct {
		const char *text, *want;
	} bad[] = {
	        {"network_transport wifi\nwifi_peer 02:00\n", "bad wifi_peer '02:00'"},
	        {"network_transport wifi\nwifi_mode tm\n",
	         "needs wifi_tstamp mac or nl80211, and wifi_peer"},
	        {"network_transport wifi\nwifi_mode tm\nwifi_tstamp software\n"
	         "wifi_peer 02:00:00:00:00:01\n",
	         "needs wifi_tstamp mac or nl80211, and wifi_peer"},
	        {"network_transport wifi\nwifi_tstamp nl80211\nwifi_peer 02:00:00:00:00:01\n",
	         "wifi_tstamp nl80211 needs wifi_mode tm"},
	        {"network_transport wifi\nwifi_tstamp nl80211\nwifi_mode tm\n", "and wifi_peer"},
	        {"network_transport wifi\nwifi_tstamp nl80211\nwifi_mode tm\n"
	         "wifi_peer 02:00:00:00:00:01\nwifi_medium /tmp/m/sta1.sock\n",
	         "the emulated medium (wifi_medium) has none"},
	        {"network_transport wifi\nwifi_tstamp nl80211\nwifi_mode tm\n"
	         "wifi_peer 02:00:00:00:00:01\nwifi_nl_iface abcdefghijklmnopq\n",
	         "wifi_nl_iface name too long"},
	        {"network_transport wifi\ntime_stamping hardware\nclock phc:/dev/ptp0\n",
	         "network_transport wifi needs time_stamping software"},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(check(bad[i].text, err, sizeof(err), NULL), -EINVAL, "'%s' accepted",
		             bad[i].text);
		cr_assert(strstr(err, bad[i].want), "'%s': got \"%s\"", bad[i].text, err);
	}
	struct config *cfg = ptpd_config_create();
	struct config_error ce;
	cr_assert_neq(config_read_string(cfg, "wifi_tstamp hardware\n", "t.conf", &ce), 0,
	              "wifi_tstamp takes mac, software or nl80211");
	config_destroy(cfg);
}
