// SPDX-License-Identifier: MIT
/*
 * Enabling SO_TIMESTAMPING: capabilities via ETHTOOL_GET_TS_INFO, the pure capability check,
 * SIOCSHWTSTAMP for hardware timestamps, and the socket option itself. This machine has no
 * PHC: the hardware path is exercised up to the ioctl boundary (veth and lo refuse it).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>

#include "tsync/timestamping.h"
#include "net_private.h"

int ts_mode_parse(const char *s, enum ts_mode *out)
{
	if (!s)
		return -EINVAL;
	if (!strcasecmp(s, "software")) {
		*out = TS_SOFTWARE;
		return 0;
	}
	if (!strcasecmp(s, "hardware")) {
		*out = TS_HARDWARE;
		return 0;
	}
	if (!strcasecmp(s, "legacy") || !strcasecmp(s, "onestep") || !strcasecmp(s, "p2p1step"))
		return -EOPNOTSUPP;
	return -EINVAL;
}

const char *ts_mode_name(enum ts_mode mode)
{
	return mode == TS_HARDWARE ? "hardware" : "software";
}

int ts_caps_get(const char *iface, struct ts_caps *caps)
{
	struct ethtool_ts_info info;
	struct ifreq ifr;
	int fd, err = 0;

	if (!iface || strlen(iface) >= IFNAMSIZ)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	memset(&ifr, 0, sizeof(ifr));
	info.cmd = ETHTOOL_GET_TS_INFO;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	ifr.ifr_data = (char *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		err = -errno;
	close(fd);
	if (err)
		return err == -EINVAL ? -EOPNOTSUPP : err;
	caps->so_timestamping = info.so_timestamping;
	caps->phc_index = info.phc_index;
	caps->tx_types = info.tx_types;
	caps->rx_filters = info.rx_filters;
	return 0;
}

struct need {
	uint32_t bit;
	const char *what;
};

static const struct need need_sw[] = {
        {SOF_TIMESTAMPING_TX_SOFTWARE, "no software TX timestamps"},
        {SOF_TIMESTAMPING_RX_SOFTWARE, "no software RX timestamps"},
        {SOF_TIMESTAMPING_SOFTWARE, "no software timestamp reporting"},
};

static const struct need need_hw[] = {
        {SOF_TIMESTAMPING_TX_HARDWARE, "no hardware TX timestamps"},
        {SOF_TIMESTAMPING_RX_HARDWARE, "no hardware RX timestamps"},
        {SOF_TIMESTAMPING_RAW_HARDWARE, "no raw hardware timestamp reporting"},
};

int ts_caps_check(const char *iface, const struct ts_caps *caps, enum ts_mode mode, char *err,
                  size_t errlen)
{
	const struct need *n = mode == TS_HARDWARE ? need_hw : need_sw;
	const char *m = ts_mode_name(mode);

	for (int i = 0; i < 3; i++) {
		if (!(caps->so_timestamping & n[i].bit))
			return net_err(err, errlen, -EOPNOTSUPP,
			               "%s: %s (time_stamping %s requested)", iface, n[i].what, m);
	}
	if (mode != TS_HARDWARE)
		return 0;
	if (!(caps->tx_types & (1u << HWTSTAMP_TX_ON)))
		return net_err(err, errlen, -EOPNOTSUPP,
		               "%s: hardware TX timestamp mode ON not offered (time_stamping %s "
		               "requested)",
		               iface, m);
	if (ts_pick_rx_filter(caps, false) < 0 && ts_pick_rx_filter(caps, true) < 0)
		return net_err(err, errlen, -EOPNOTSUPP,
		               "%s: no hardware RX filter for PTP (time_stamping %s requested)",
		               iface, m);
	return 0;
}

int ts_pick_rx_filter(const struct ts_caps *caps, bool l2)
{
	const int order[] = {l2 ? HWTSTAMP_FILTER_PTP_V2_L2_EVENT : HWTSTAMP_FILTER_PTP_V2_L4_EVENT,
	                     HWTSTAMP_FILTER_PTP_V2_EVENT, HWTSTAMP_FILTER_ALL};

	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (caps->rx_filters & (1u << order[i]))
			return order[i];
	return -EOPNOTSUPP;
}

int ts_phc_of(const char *iface, enum ts_mode mode)
{
	struct ts_caps caps;

	if (mode != TS_HARDWARE || ts_caps_get(iface, &caps))
		return -1;
	return caps.phc_index;
}

int ts_phc_index(const char *iface, int *index, char *err, size_t errlen)
{
	struct ts_caps caps;
	int rc = ts_caps_get(iface, &caps);

	if (rc)
		return net_err(err, errlen, rc, "%s: cannot read timestamping info: %s", iface,
		               strerror(-rc));
	if (caps.phc_index < 0)
		return net_err(err, errlen, -ENODEV, "%s: no PTP hardware clock", iface);
	*index = caps.phc_index;
	return 0;
}

int ts_hw_config(int fd, const char *iface, int tx_type, int rx_filter, int *applied, char *err,
                 size_t errlen)
{
	struct hwtstamp_config cfg;
	struct ifreq ifr;

	if (!iface || strlen(iface) >= IFNAMSIZ)
		return net_err(err, errlen, -EINVAL, "bad interface name");
	memset(&cfg, 0, sizeof(cfg));
	memset(&ifr, 0, sizeof(ifr));
	cfg.tx_type = tx_type;
	cfg.rx_filter = rx_filter;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	ifr.ifr_data = (char *)&cfg;
	if (ioctl(fd, SIOCSHWTSTAMP, &ifr) < 0) {
		int e = errno;
		return net_err(err, errlen, -e,
		               "%s: SIOCSHWTSTAMP (tx_type %d, rx_filter %d) failed: %s", iface,
		               tx_type, rx_filter, strerror(e));
	}
	if (applied)
		*applied = cfg.rx_filter;
	return 0;
}

static int hw_setup(int fd, const char *iface, const struct ts_caps *caps, unsigned opts, char *err,
                    size_t errlen)
{
	int filter = ts_pick_rx_filter(caps, opts & TS_OPT_L2);

	if (opts & TS_OPT_ALL) /* not PTP: only "all" stamps the frames */
		filter = caps->rx_filters & (1u << HWTSTAMP_FILTER_ALL) ? HWTSTAMP_FILTER_ALL
		                                                        : -EOPNOTSUPP;
	if (filter < 0)
		return net_err(err, errlen, -EOPNOTSUPP,
		               "%s: no hardware RX filter for %s (time_stamping hardware "
		               "requested)",
		               iface,
		               opts & TS_OPT_ALL  ? "all frames"
		               : opts & TS_OPT_L2 ? "PTP over L2"
		                                  : "PTP over UDP");
	return ts_hw_config(fd, iface, HWTSTAMP_TX_ON, filter, NULL, err, errlen);
}

int ts_enable(int fd, const char *iface, enum ts_mode mode, unsigned opts, uint32_t *flags_out,
              char *err, size_t errlen)
{
	struct ts_caps caps;
	uint32_t flags;
	int rc, one = 1;

	rc = ts_caps_get(iface, &caps);
	if (rc == -EOPNOTSUPP && mode == TS_SOFTWARE) {
		caps.so_timestamping = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_RX_SOFTWARE |
		                       SOF_TIMESTAMPING_SOFTWARE;
	} else if (rc) {
		return net_err(err, errlen, rc, "%s: cannot read timestamping info: %s", iface,
		               strerror(-rc));
	}
	if (opts & TS_OPT_RX_ONLY) /* TX capability not needed */
		caps.so_timestamping |= SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_TX_HARDWARE;
	rc = ts_caps_check(iface, &caps, mode, err, errlen);
	if (rc)
		return rc;
	if (mode == TS_HARDWARE) {
		rc = hw_setup(fd, iface, &caps, opts, err, errlen);
		if (rc)
			return rc;
		flags = SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_RAW_HARDWARE;
		if (!(opts & TS_OPT_RX_ONLY))
			flags |= SOF_TIMESTAMPING_TX_HARDWARE;
	} else {
		flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
		if (!(opts & TS_OPT_RX_ONLY))
			flags |= SOF_TIMESTAMPING_TX_SOFTWARE;
	}
	rc = -EINVAL;
	if ((opts & TS_OPT_ID) && !(opts & TS_OPT_RX_ONLY)) {
		uint32_t f = flags | SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
		if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &f, sizeof(f)) == 0) {
			flags = f;
			rc = 0;
		}
	}
	if (rc && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) < 0) {
		int e = errno;
		return net_err(err, errlen, -e, "%s: SO_TIMESTAMPING 0x%x: %s", iface, flags,
		               strerror(e));
	}
	/* errors of this option are not fatal: poll() still reports POLLERR */
	(void)setsockopt(fd, SOL_SOCKET, SO_SELECT_ERR_QUEUE, &one, sizeof(one));
	if (flags_out)
		*flags_out = flags;
	return 0;
}
