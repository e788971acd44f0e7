// SPDX-License-Identifier: MIT
/* lib/net against the kernel, without namespaces: interface helpers on lo, ETHTOOL_GET_TS_INFO
 * on lo, the hardware path up to the ioctl boundary, and software TX/RX timestamps of a UDP
 * datagram sent to ourselves over 127.0.0.1 (OPT_ID and payload matching). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/net_tstamp.h>

#include "tsync/net.h"
#include "tsync/timestamping.h"

Test(net_iface, loopback_lookups)
{
	struct in_addr a;
	uint8_t mac[6], id[8];
	int idx = 0;

	cr_assert_eq(net_if_index("lo", &idx), 0);
	cr_assert_gt(idx, 0);
	cr_assert_eq(net_if_index("tsyncnope0", &idx), -ENODEV);
	cr_assert_eq(net_if_index("this-name-is-too-long", &idx), -EINVAL);
	cr_assert_eq(net_if_ipv4("lo", &a), 0);
	cr_assert_eq(a.s_addr, htonl(INADDR_LOOPBACK));
	cr_assert_eq(net_if_ipv4("tsyncnope0", &a), -ENODEV);
	/* lo is not Ethernet: no EUI-48, so no clockIdentity from it */
	cr_assert_eq(net_if_mac("lo", mac), -EADDRNOTAVAIL);
	cr_assert_eq(net_clock_identity("lo", id), -EADDRNOTAVAIL);
	cr_assert_eq(net_if_mac("tsyncnope0", mac), -ENODEV);
}

Test(net_caps, loopback_has_software_timestamps_only)
{
	struct ts_caps c;
	char err[160];
	int idx = 7;

	cr_assert_eq(ts_caps_get("lo", &c), 0);
	cr_assert_eq(ts_caps_check("lo", &c, TS_SOFTWARE, err, sizeof(err)), 0);
	cr_assert_eq(c.phc_index, -1);
	cr_assert_eq(ts_phc_index("lo", &idx, err, sizeof(err)), -ENODEV);
	cr_assert_str_eq(err, "lo: no PTP hardware clock");
	cr_assert_eq(idx, 7);
	cr_assert_eq(ts_caps_get("tsyncnope0", &c), -ENODEV);
	cr_assert_eq(ts_phc_index("tsyncnope0", &idx, err, sizeof(err)), -ENODEV);
	cr_assert(strstr(err, "tsyncnope0: cannot read timestamping info"), "%s", err);
}

Test(net_caps, hardware_path_stops_at_the_ioctl)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char err[192];
	int rc;

	cr_assert_geq(fd, 0);
	rc = ts_enable(fd, "lo", TS_HARDWARE, 0, NULL, err, sizeof(err));
	cr_assert_eq(rc, -EOPNOTSUPP);
	cr_assert_str_eq(err, "lo: no hardware TX timestamps (time_stamping hardware requested)");
	/* the raw ioctl: lo has no ndo_hwtstamp_set */
	rc = ts_hw_config(fd, "lo", HWTSTAMP_TX_ON, HWTSTAMP_FILTER_PTP_V2_EVENT, NULL, err,
	                  sizeof(err));
	cr_assert_lt(rc, 0);
	cr_assert(strstr(err, "lo: SIOCSHWTSTAMP (tx_type 1, rx_filter 12) failed: "), "%s", err);
	rc = ts_hw_config(fd, "tsyncnope0", HWTSTAMP_TX_ON, 0, NULL, err, sizeof(err));
	cr_assert_eq(rc, -ENODEV);
	close(fd);
}

/* The kernel turns software RX timestamping on asynchronously (a deferred static key) when the
 * first socket asks for it: until then received packets carry no timestamp. Wait for that with
 * a second socket sending to itself (it does not disturb the OPT_ID counter of the first). */
static void wait_rx_stamping(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(a);
	int w = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint8_t buf[8] = {0};
	struct ts_cmsg c;

	cr_assert_eq(bind(w, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(w, (struct sockaddr *)&a, &sl), 0);
	cr_assert_eq(ts_enable(w, "lo", TS_SOFTWARE, TS_OPT_RX_ONLY, NULL, NULL, 0), 0);
	for (int i = 0; i < 200; i++) {
		sendto(w, buf, sizeof(buf), 0, (struct sockaddr *)&a, sizeof(a));
		usleep(1000);
		if (ts_recv(w, buf, sizeof(buf), NULL, NULL, &c) > 0 && c.sw)
			break;
	}
	close(w);
}

/* A UDP socket on 127.0.0.1, ephemeral port (tests run in parallel), software timestamps. */
static int lo_socket(unsigned opts, uint32_t *flags, struct sockaddr_in *self)
{
	socklen_t sl = sizeof(*self);
	char err[192];
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	memset(self, 0, sizeof(*self));
	self->sin_family = AF_INET;
	self->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)self, sizeof(*self)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)self, &sl), 0);
	cr_assert_eq(ts_enable(fd, "lo", TS_SOFTWARE, opts, flags, err, sizeof(err)), 0, "%s", err);
	wait_rx_stamping();
	return fd;
}

static void send_and_check(int fd, struct sockaddr_in *self, struct ts_tx_match *m)
{
	uint8_t msg[44], buf[64];
	struct sockaddr_in src;
	socklen_t sl = sizeof(src);
	struct ts_cmsg c;
	struct tsync_ts txs;
	tmv_t tx, now, rx;

	memset(msg, 0xA5, sizeof(msg));
	msg[31] = (uint8_t)m->id;
	m->payload = msg;
	m->len = sizeof(msg);
	tmv_clock_read(CLOCK_REALTIME, &now);
	cr_assert_eq(sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)self, sizeof(*self)), 44);
	cr_assert_eq(ts_fetch_tx(fd, m, 100, TS_SOFTWARE, -1, &txs), 0);
	cr_assert_eq(txs.src, TS_SRC_SYS);
	cr_assert_eq(txs.res_ps, TS_RES_NS);
	tx = txs.ns;
	/* software timestamps are CLOCK_REALTIME */
	cr_assert(tx >= now && tx - now < 100 * NS_PER_MS, "tx %lld now %lld", (long long)tx,
	          (long long)now);
	cr_assert_eq(ts_recv(fd, buf, sizeof(buf), (struct sockaddr *)&src, &sl, &c), 44);
	cr_assert_arr_eq(buf, msg, 44);
	cr_assert_eq(src.sin_port, self->sin_port);
	rx = ts_cmsg_pick(&c, TS_SOFTWARE);
	cr_assert(rx >= tx && rx - tx < 100 * NS_PER_MS, "rx %lld tx %lld", (long long)rx,
	          (long long)tx);
}

Test(net_sock, software_tx_rx_with_opt_id)
{
	struct sockaddr_in self;
	uint32_t flags = 0;
	int fd = lo_socket(TS_OPT_ID, &flags, &self);
	struct ts_tx_match m = {.use_id = flags & SOF_TIMESTAMPING_OPT_ID, .id = 0};

	cr_assert(flags & SOF_TIMESTAMPING_TX_SOFTWARE);
	cr_assert(flags & SOF_TIMESTAMPING_OPT_ID, "this kernel has OPT_ID for UDP");
	for (int i = 0; i < 3; i++) {
		send_and_check(fd, &self, &m);
		cr_assert_eq(m.id, (uint32_t)i + 1, "the counter follows the packets");
	}
	close(fd);
}

Test(net_sock, software_tx_rx_by_payload)
{
	struct sockaddr_in self;
	uint32_t flags = 0;
	int fd = lo_socket(0, &flags, &self);
	struct ts_tx_match m = {.use_id = false};

	cr_assert_not(flags & SOF_TIMESTAMPING_OPT_ID);
	for (int i = 0; i < 3; i++) {
		m.id = (uint32_t)i; /* only used to vary the payload */
		send_and_check(fd, &self, &m);
	}
	close(fd);
}

Test(net_sock, tx_fetch_times_out_and_skips_stale_entries)
{
	struct sockaddr_in self;
	uint32_t flags = 0;
	int fd = lo_socket(TS_OPT_ID, &flags, &self);
	struct ts_tx_match m = {.use_id = true, .id = 5}; /* packet 5 was never sent */
	uint8_t msg[44] = {0};
	struct tsync_ts tx = tsync_ts_none();
	tmv_t t0, t1;

	/* packet 0 goes out: its entry is older than 5 and must be dropped, not returned */
	cr_assert_eq(sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&self, sizeof(self)), 44);
	tmv_clock_read(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(ts_fetch_tx(fd, &m, 20, TS_SOFTWARE, -1, &tx), -ETIMEDOUT);
	tmv_clock_read(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(tx.ns, 0);
	cr_assert_eq(tx.src, TS_SRC_NONE);
	cr_assert_geq(t1 - t0, 19 * NS_PER_MS);
	cr_assert_lt(t1 - t0, 500 * NS_PER_MS);
	close(fd);
}
