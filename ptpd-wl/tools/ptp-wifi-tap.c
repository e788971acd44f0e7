// SPDX-License-Identifier: MIT
/*
 * ptp-wifi-tap: put an unmodified PTP daemon (ptp4l, L2 transport, software timestamps) on a
 * station of the emulated 802.11 medium. A TAP interface carries Ethernet frames; this bridge
 * turns each PTP frame (ethertype 0x88F7) the daemon sends into an 802.11 data frame (LLC/SNAP)
 * injected into the medium (tsync-wifi-medium --live) as station K, and each PTP data frame the
 * station receives into an Ethernet frame written to the TAP, through the wifi transport's own
 * frame code and libpcap path (ptpd-wl/wifi). The kernel stamps the daemon's frames at the TAP
 * (software stamps), so they see the bridge and the medium's queueing like ptpd-wl's software
 * stamps do. The TAP gets the station's MAC and is brought up; it goes away with the bridge.
 *
 *   ptp-wifi-tap --medium DIR/staK.sock --tap NAME [--peer MAC]
 * --peer: send every frame unicast to MAC (ACKed, retried), as ptpd-wl's wifi_peer.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tsync/net.h"
#include "wifi/wifi_frame.h"
#include "wifi/wifi_io.h"
#include "wifi/wifi_tsf.h"

#define PROG "ptp-wifi-tap"

static volatile sig_atomic_t stop;
static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

static int tap_open(const char *name, const uint8_t mac[6])
{
	struct ifreq ifr = {0};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, PROG ": /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ioctl(fd, TUNSETIFF, &ifr) || s < 0) {
		fprintf(stderr, PROG ": TUNSETIFF %s: %s\n", name, strerror(errno));
		goto fail;
	}
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	if (ioctl(s, SIOCSIFHWADDR, &ifr) || ioctl(s, SIOCGIFFLAGS, &ifr)) {
		fprintf(stderr, PROG ": %s: set MAC: %s\n", name, strerror(errno));
		goto fail;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr)) {
		fprintf(stderr, PROG ": %s: up: %s\n", name, strerror(errno));
		goto fail;
	}
	close(s);
	return fd;
fail:
	if (s >= 0)
		close(s);
	close(fd);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"medium", required_argument, NULL, 'm'},
	                                     {"tap", required_argument, NULL, 't'},
	                                     {"peer", required_argument, NULL, 'p'},
	                                     {NULL, 0, NULL, 0}};
	const char *sock = NULL, *tap = NULL;
	uint8_t peer[6], mac[6];
	bool have_peer = false;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'm')
			sock = optarg;
		else if (o == 't')
			tap = optarg;
		else if (o == 'p' && !net_mac_parse(optarg, peer))
			have_peer = true;
		else if (o == 'p') {
			fprintf(stderr, PROG ": bad --peer '%s' (expected aa:bb:cc:dd:ee:ff)\n",
			        optarg);
			return 2;
		} else {
			fprintf(stderr,
			        "usage: " PROG " --medium DIR/staK.sock --tap NAME [--peer MAC]\n");
			return 2;
		}
	}
	if (!sock || !tap || optind < argc) {
		fprintf(stderr, "usage: " PROG " --medium DIR/staK.sock --tap NAME [--peer MAC]\n");
		return 2;
	}
	char info[4096], err[300];
	size_t n = strlen(sock);
	snprintf(info, sizeof(info), "%.*s.info", (int)(n > 5 ? n - 5 : n), sock);
	struct wifi_tsf tsf;
	struct wifi_io io;
	if (wifi_tsf_open_emulated(&tsf, info, mac, err, sizeof(err)) ||
	    wifi_io_open_medium(&io, sock, err, sizeof(err))) {
		fprintf(stderr, PROG ": %s\n", err);
		return 1;
	}
	int tfd = tap_open(tap, mac);
	if (tfd < 0) {
		wifi_io_close(&io);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	unsigned long up = 0, down = 0;
	uint16_t seq = 0;
	while (!stop) {
		struct pollfd pf[2] = {{.fd = tfd, .events = POLLIN},
		                       {.fd = io.fd, .events = POLLIN}};
		if (poll(pf, 2, 200) <= 0)
			continue;
		if (pf[0].revents & POLLIN) { /* the daemon's frame -> the medium */
			uint8_t e[2048], f[2200];
			ssize_t r = read(tfd, e, sizeof(e));
			if (r >= 14 && e[12] == 0x88 && e[13] == 0xf7) {
				struct wifi_tx tx = {.seq = seq++ & 0xfff};
				memcpy(tx.ra, have_peer ? peer : e, 6);
				memcpy(tx.ta, mac, 6);
				memcpy(tx.bssid, have_peer ? peer : mac, 6);
				size_t len = wifi_frame_build_data(
				        f, sizeof(f), &tx, WIFI_ETH_P_1588, e + 14, (size_t)r - 14);
				if (len && !wifi_io_inject(&io, f, len))
					up++;
			}
		}
		if (pf[1].revents & (POLLIN | POLLHUP)) { /* the medium -> the daemon */
			const uint8_t *d;
			size_t len;
			int64_t sys;
			int r;
			while ((r = wifi_io_next(&io, &d, &len, &sys)) == 1) {
				struct wifi_rx rx;
				const char *why;
				uint8_t e[2048];
				if (wifi_frame_parse(d, len, &rx, &why) || rx.kind != WIFI_PTP ||
				    rx.tx_status || !memcmp(rx.h.ta, mac, 6) ||
				    (!(rx.h.ra[0] & 1) && memcmp(rx.h.ra, mac, 6)) ||
				    rx.payload_len > sizeof(e) - 14)
					continue;
				memcpy(e, rx.h.ra, 6);
				memcpy(e + 6, rx.h.ta, 6);
				e[12] = 0x88;
				e[13] = 0xf7;
				memcpy(e + 14, rx.payload, rx.payload_len);
				if (write(tfd, e, 14 + rx.payload_len) > 0)
					down++;
			}
			if (r < 0) {
				fprintf(stderr, PROG ": the medium went away\n");
				break;
			}
		}
	}
	fprintf(stderr, PROG ": %lu frames to the medium, %lu to %s\n", up, down, tap);
	close(tfd);
	wifi_io_close(&io);
	return 0;
}
