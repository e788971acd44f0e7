// SPDX-License-Identifier: MIT
/* lib/net pure parts: EUI-64 derivation, MAC text, capability checks on fake ethtool results,
 * RX filter choice, control-message parsing on synthetic cmsg buffers, transport names. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>

#include "tsync/net.h"
#include "tsync/timestamping.h"
#include "tsync/transport.h"

/* ------------------------------------------------------------------ identities */

Test(net_iface, eui48_to_eui64_inserts_fffe)
{
	const uint8_t mac[6] = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};
	const uint8_t want[8] = {0x02, 0x42, 0xac, 0xff, 0xfe, 0x11, 0x00, 0x02};
	uint8_t id[8];

	net_eui48_to_eui64(mac, id);
	cr_assert_arr_eq(id, want, 8);
}

Test(net_iface, mac_parse_and_format)
{
	uint8_t mac[6], ref[6] = {0x01, 0x1b, 0x19, 0x00, 0x00, 0x00};
	char buf[18];

	cr_assert_eq(net_mac_parse("01:1B:19:00:00:00", mac), 0);
	cr_assert_arr_eq(mac, ref, 6);
	cr_assert_str_eq(net_mac_fmt(mac, buf, sizeof(buf)), "01:1b:19:00:00:00");
	cr_assert_eq(net_mac_parse("01:1B:19:00:00", mac), -EINVAL);
	cr_assert_eq(net_mac_parse("01:1B:19:00:00:00:11", mac), -EINVAL);
	cr_assert_eq(net_mac_parse("01-1B-19-00-00-00", mac), -EINVAL);
	cr_assert_eq(net_mac_parse("0g:1B:19:00:00:00", mac), -EINVAL);
	cr_assert_eq(net_mac_parse(NULL, mac), -EINVAL);
}

/* ------------------------------------------------------------------ capabilities */

#define SW_CAPS                                                                                    \
	(SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE)
#define HW_CAPS                                                                                    \
	(SOF_TIMESTAMPING_TX_HARDWARE | SOF_TIMESTAMPING_RX_HARDWARE |                             \
	 SOF_TIMESTAMPING_RAW_HARDWARE)

/* What ethtool reports for a veth: software only, no PHC. */
static const struct ts_caps veth_caps = {.so_timestamping = SW_CAPS, .phc_index = -1};

/* A PTP NIC: everything, PHC 0, L4 and L2 v2 event filters. */
static const struct ts_caps nic_caps = {
        .so_timestamping = SW_CAPS | HW_CAPS,
        .phc_index = 0,
        .tx_types = (1u << HWTSTAMP_TX_OFF) | (1u << HWTSTAMP_TX_ON),
        .rx_filters = (1u << HWTSTAMP_FILTER_NONE) | (1u << HWTSTAMP_FILTER_PTP_V2_L4_EVENT) |
                      (1u << HWTSTAMP_FILTER_PTP_V2_L2_EVENT),
};

Test(net_caps, software_on_veth_ok_hardware_named_error)
{
	char err[160] = "";

	cr_assert_eq(ts_caps_check("veth0", &veth_caps, TS_SOFTWARE, err, sizeof(err)), 0);
	cr_assert_eq(ts_caps_check("veth0", &veth_caps, TS_HARDWARE, err, sizeof(err)),
	             -EOPNOTSUPP);
	cr_assert_str_eq(err,
	                 "veth0: no hardware TX timestamps (time_stamping hardware requested)");
	/* err is optional */
	cr_assert_eq(ts_caps_check("veth0", &veth_caps, TS_HARDWARE, NULL, 0), -EOPNOTSUPP);
}

Test(net_caps, each_missing_capability_is_named)
{
	struct ts_caps c = nic_caps;
	char err[160];

	cr_assert_eq(ts_caps_check("eth0", &c, TS_HARDWARE, err, sizeof(err)), 0);
	cr_assert_eq(ts_caps_check("eth0", &c, TS_SOFTWARE, err, sizeof(err)), 0);

	c.so_timestamping &= ~SOF_TIMESTAMPING_RX_HARDWARE;
	cr_assert_eq(ts_caps_check("eth0", &c, TS_HARDWARE, err, sizeof(err)), -EOPNOTSUPP);
	cr_assert_str_eq(err, "eth0: no hardware RX timestamps (time_stamping hardware requested)");

	c = nic_caps;
	c.so_timestamping &= ~SOF_TIMESTAMPING_RAW_HARDWARE;
	ts_caps_check("eth0", &c, TS_HARDWARE, err, sizeof(err));
	cr_assert_str_eq(err, "eth0: no raw hardware timestamp reporting (time_stamping hardware "
	                      "requested)");

	c = nic_caps;
	c.tx_types = 1u << HWTSTAMP_TX_OFF;
	cr_assert_eq(ts_caps_check("eth0", &c, TS_HARDWARE, err, sizeof(err)), -EOPNOTSUPP);
	cr_assert(strstr(err, "eth0: hardware TX timestamp mode ON not offered"), "%s", err);

	c = nic_caps;
	c.rx_filters = 1u << HWTSTAMP_FILTER_NONE;
	cr_assert_eq(ts_caps_check("eth0", &c, TS_HARDWARE, err, sizeof(err)), -EOPNOTSUPP);
	cr_assert(strstr(err, "eth0: no hardware RX filter for PTP"), "%s", err);

	c = nic_caps;
	c.so_timestamping &= ~SOF_TIMESTAMPING_TX_SOFTWARE;
	cr_assert_eq(ts_caps_check("eth0", &c, TS_SOFTWARE, err, sizeof(err)), -EOPNOTSUPP);
	cr_assert_str_eq(err, "eth0: no software TX timestamps (time_stamping software requested)");

	c = nic_caps;
	c.so_timestamping &= ~SOF_TIMESTAMPING_SOFTWARE;
	ts_caps_check("eth0", &c, TS_SOFTWARE, err, sizeof(err));
	cr_assert_str_eq(
	        err, "eth0: no software timestamp reporting (time_stamping software requested)");
}

Test(net_caps, rx_filter_preference)
{
	struct ts_caps c = nic_caps;

	cr_assert_eq(ts_pick_rx_filter(&c, false), HWTSTAMP_FILTER_PTP_V2_L4_EVENT);
	cr_assert_eq(ts_pick_rx_filter(&c, true), HWTSTAMP_FILTER_PTP_V2_L2_EVENT);
	c.rx_filters = (1u << HWTSTAMP_FILTER_PTP_V2_EVENT) | (1u << HWTSTAMP_FILTER_ALL);
	cr_assert_eq(ts_pick_rx_filter(&c, false), HWTSTAMP_FILTER_PTP_V2_EVENT);
	c.rx_filters = 1u << HWTSTAMP_FILTER_ALL;
	cr_assert_eq(ts_pick_rx_filter(&c, true), HWTSTAMP_FILTER_ALL);
	c.rx_filters = 1u << HWTSTAMP_FILTER_PTP_V1_L4_EVENT;
	cr_assert_eq(ts_pick_rx_filter(&c, false), -EOPNOTSUPP);
}

Test(net_caps, mode_names)
{
	enum ts_mode m = TS_HARDWARE;

	cr_assert_eq(ts_mode_parse("software", &m), 0);
	cr_assert_eq(m, TS_SOFTWARE);
	cr_assert_eq(ts_mode_parse("hardware", &m), 0);
	cr_assert_eq(m, TS_HARDWARE);
	cr_assert_eq(ts_mode_parse("onestep", &m), -EOPNOTSUPP);
	cr_assert_eq(ts_mode_parse("legacy", &m), -EOPNOTSUPP);
	cr_assert_eq(ts_mode_parse("sundial", &m), -EINVAL);
	cr_assert_str_eq(ts_mode_name(TS_SOFTWARE), "software");
	cr_assert_str_eq(ts_mode_name(TS_HARDWARE), "hardware");
}

/* ------------------------------------------------------------------ cmsg parsing */

struct fake_msg {
	struct msghdr msg;
	union {
		char buf[512];
		struct cmsghdr align;
	} control;
	size_t used;
};

static void fm_init(struct fake_msg *f)
{
	memset(f, 0, sizeof(*f));
	f->msg.msg_control = f->control.buf;
}

/* Append one cmsg with data of dlen bytes (the cmsg_len may be shortened by cut). */
static void fm_add(struct fake_msg *f, int level, int type, const void *data, size_t dlen,
                   size_t cut)
{
	struct cmsghdr *cm = (struct cmsghdr *)(f->control.buf + f->used);

	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(dlen - cut);
	memcpy(CMSG_DATA(cm), data, dlen - cut);
	f->used += CMSG_SPACE(dlen);
	f->msg.msg_controllen = f->used;
}

Test(net_cmsg, scm_timestamping_software_and_hardware)
{
	struct scm_timestamping st = {.ts = {{1700000000, 123456789}, {0, 0}, {42, 7}}};
	struct fake_msg f;
	struct ts_cmsg c;

	fm_init(&f);
	fm_add(&f, SOL_SOCKET, SCM_TIMESTAMPING, &st, sizeof(st), 0);
	cr_assert_eq(ts_cmsg_parse(&f.msg, &c), 0);
	cr_assert_eq(c.sw, 1700000000123456789LL);
	cr_assert_eq(c.hw, 42000000007LL);
	cr_assert_eq(c.ns, 0);
	cr_assert_not(c.have_err);
	cr_assert_eq(ts_cmsg_pick(&c, TS_SOFTWARE), 1700000000123456789LL);
	cr_assert_eq(ts_cmsg_pick(&c, TS_HARDWARE), 42000000007LL);
}

Test(net_cmsg, timestampns_is_the_software_fallback)
{
	struct timespec t = {5, 6};
	struct fake_msg f;
	struct ts_cmsg c;
	int junk = 99;

	fm_init(&f);
	fm_add(&f, SOL_SOCKET, SO_MARK, &junk, sizeof(junk), 0); /* unknown: skipped */
	fm_add(&f, SOL_SOCKET, SCM_TIMESTAMPNS, &t, sizeof(t), 0);
	cr_assert_eq(ts_cmsg_parse(&f.msg, &c), 0);
	cr_assert_eq(c.ns, 5000000006LL);
	cr_assert_eq(ts_cmsg_pick(&c, TS_SOFTWARE), 5000000006LL);
	cr_assert_eq(ts_cmsg_pick(&c, TS_HARDWARE), 0);
}

Test(net_cmsg, errqueue_entry_with_opt_id)
{
	struct scm_timestamping st = {.ts = {{10, 20}, {0, 0}, {0, 0}}};
	struct sock_extended_err ee = {.ee_errno = ENOMSG,
	                               .ee_origin = SO_EE_ORIGIN_TIMESTAMPING,
	                               .ee_info = SCM_TSTAMP_SND,
	                               .ee_data = 7};
	int levels[3][2] = {{SOL_IP, IP_RECVERR}, {SOL_IPV6, IPV6_RECVERR}, {263, 16}};

	for (int i = 0; i < 3; i++) { /* IPv4, IPv6, AF_PACKET (PACKET_TX_TIMESTAMP) */
		struct fake_msg f;
		struct ts_cmsg c;
		fm_init(&f);
		fm_add(&f, SOL_SOCKET, SCM_TIMESTAMPING, &st, sizeof(st), 0);
		fm_add(&f, levels[i][0], levels[i][1], &ee, sizeof(ee), 0);
		cr_assert_eq(ts_cmsg_parse(&f.msg, &c), 0);
		cr_assert(c.have_err);
		cr_assert(c.tx_id_valid);
		cr_assert_eq(c.tx_id, 7);
		cr_assert_eq(c.tx_kind, SCM_TSTAMP_SND);
		cr_assert_eq(c.sw, 10000000020LL);
	}
}

Test(net_cmsg, other_error_origin_is_not_a_timestamp)
{
	struct sock_extended_err ee = {.ee_errno = EHOSTUNREACH, .ee_origin = SO_EE_ORIGIN_ICMP};
	struct fake_msg f;
	struct ts_cmsg c;

	fm_init(&f);
	fm_add(&f, SOL_IP, IP_RECVERR, &ee, sizeof(ee), 0);
	cr_assert_eq(ts_cmsg_parse(&f.msg, &c), 0);
	cr_assert(c.have_err);
	cr_assert_not(c.tx_id_valid);
}

Test(net_cmsg, truncated_timestamp_is_rejected)
{
	struct scm_timestamping st = {0};
	struct sock_extended_err ee = {0};
	struct fake_msg f;
	struct ts_cmsg c;

	fm_init(&f);
	fm_add(&f, SOL_SOCKET, SCM_TIMESTAMPING, &st, sizeof(st), 8);
	cr_assert_eq(ts_cmsg_parse(&f.msg, &c), -EINVAL);
	fm_init(&f);
	fm_add(&f, SOL_IP, IP_RECVERR, &ee, sizeof(ee), 4);
	cr_assert_eq(ts_cmsg_parse(&f.msg, &c), -EINVAL);
	fm_init(&f); /* no control messages at all */
	cr_assert_eq(ts_cmsg_parse(&f.msg, &c), 0);
	cr_assert_eq(ts_cmsg_pick(&c, TS_SOFTWARE), 0);
}

/* ------------------------------------------------------------------ transport names */

Test(net_transport, parse_ptp4l_names)
{
	enum transport_type t = TRANS_LOOP;

	cr_assert_eq(transport_parse("UDPv4", &t), 0);
	cr_assert_eq(t, TRANS_UDP_IPV4);
	cr_assert_eq(transport_parse("UDPv6", &t), 0);
	cr_assert_eq(t, TRANS_UDP_IPV6);
	cr_assert_eq(transport_parse("L2", &t), 0);
	cr_assert_eq(t, TRANS_IEEE_802_3);
	cr_assert_eq(transport_parse("loop", &t), 0);
	cr_assert_eq(t, TRANS_LOOP);
	cr_assert_eq(transport_parse("DeviceNet", &t), -EINVAL);
	cr_assert_eq(transport_parse(NULL, &t), -EINVAL);
	cr_assert_str_eq(transport_type_name(TRANS_UDP_IPV6), "UDPv6");
	cr_assert_str_eq(transport_type_name(TRANS_IEEE_802_3), "L2");
	cr_assert_str_eq(transport_type_name((enum transport_type)42), "unknown");
	/* linuxptp's enum values */
	cr_assert_eq(TRANS_UDP_IPV4, 1);
	cr_assert_eq(TRANS_UDP_IPV6, 2);
	cr_assert_eq(TRANS_IEEE_802_3, 3);
}

Test(net_transport, config_defaults_are_ptp4l_defaults)
{
	const uint8_t ptp[6] = {0x01, 0x1B, 0x19, 0, 0, 0}, p2p[6] = {0x01, 0x80, 0xC2, 0, 0, 0x0E};
	struct transport_config c;

	transport_config_defaults(&c);
	cr_assert_eq(c.ts_mode, TS_SOFTWARE);
	cr_assert_eq(c.tx_timeout_ms, 1);
	cr_assert_eq(c.udp_ttl, 1);
	cr_assert_eq(c.udp6_scope, 0x0E);
	cr_assert_eq(c.dscp_event, 0);
	cr_assert_arr_eq(c.ptp_dst_mac, ptp, 6);
	cr_assert_arr_eq(c.p2p_dst_mac, p2p, 6);
	cr_assert_eq(c.l2_ethertype, 0x88F7, "L2 defaults to PTP's ethertype");
}
