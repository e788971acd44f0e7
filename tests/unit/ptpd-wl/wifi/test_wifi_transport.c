// SPDX-License-Identifier: MIT
/* ptpd-wl/wifi/wifi_transport against a scripted medium on a Unix socket (a thread speaking
 * the live medium's pcap streams): a sent event message's TX stamp comes from its TX status
 * record's TSFT through the station's TSF model, a frame arriving while the send waits is
 * queued and makes the fd readable, its RX stamp is its TSFT; software mode stamps the host
 * clock. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tsync/radiotap.h"
#include "wifi/wifi_frame.h"
#include "wifi/wifi_transport.h"

#define OFFSET_US 5000000ull

static const uint8_t me[6] = {2, 0, 0, 0, 0, 2}, peer[6] = {2, 0, 0, 0, 0, 1};

struct medium {
	char dir[40], sock[64];
	int lfd;
	int64_t t0;
	uint64_t tsft_tx, tsft_rx; /* what the medium answers with */
	unsigned injected;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int read_all(int fd, void *b, size_t n)
{
	for (size_t o = 0; o < n;) {
		ssize_t r = read(fd, (uint8_t *)b + o, n - o);
		if (r <= 0)
			return -1;
		o += (size_t)r;
	}
	return 0;
}

/* One record: radiotap (TSFT, TX or RX flags) + the 802.11 frame. Runs in the medium's
 * thread, where a Criterion assert cannot stop the test: returns false instead, and never
 * raises SIGPIPE when the station has already closed (a software-mode test does not wait for
 * its TX status record). */
static bool put(int fd, bool tx, uint64_t tsft, const uint8_t *frame, size_t len)
{
	uint8_t rec[16 + 64 + 2048];
	struct radiotap rt = {.have = 1u << RT_TSFT | 1u << RT_FLAGS, .tsft = tsft};
	rt.have |= tx ? 1u << RT_TX_FLAGS : 1u << RT_RX_FLAGS;
	size_t h = radiotap_build(rec + 16, 64, &rt);
	memcpy(rec + 16 + h, frame, len);
	uint32_t w[4] = {0, 0, (uint32_t)(h + len), (uint32_t)(h + len)};
	memcpy(rec, w, 16);
	return send(fd, rec, 16 + h + len, MSG_NOSIGNAL) == (ssize_t)(16 + h + len);
}

/* Accept the station, then for each injected frame: a Sync from the peer (RX), then the TX
 * status of the injected frame. */
static void *medium_run(void *arg)
{
	struct medium *m = arg;
	int fd = accept(m->lfd, NULL, NULL);
	struct pcap_hdr {
		uint32_t magic;
		uint16_t maj, min;
		int32_t zone;
		uint32_t sig, snap, link;
	} h = {0xa1b23c4d, 2, 4, 0, 0, 65535, 127}, in;
	if (fd < 0 || write(fd, &h, sizeof(h)) != sizeof(h) || read_all(fd, &in, sizeof(in)))
		return NULL;
	for (;;) {
		uint32_t rh[4];
		uint8_t d[2048];
		if (read_all(fd, rh, 16) || rh[2] > sizeof(d) || read_all(fd, d, rh[2]))
			break;
		m->injected++;
		struct radiotap rt;
		const char *why;
		if (radiotap_parse(d, rh[2], &rt, &why))
			break;
		uint8_t f[128], msg[44] = {0x00, 0x02}; /* a Sync, PTP v2 */
		struct wifi_tx tx = {.seq = 9};
		memcpy(tx.ra, me, 6);
		memcpy(tx.ta, peer, 6);
		size_t n =
		        wifi_frame_build_data(f, sizeof(f), &tx, WIFI_ETH_P_1588, msg, sizeof(msg));
		struct radiotap rt2;
		if (radiotap_parse(f, n, &rt2, &why) ||
		    !put(fd, false, m->tsft_rx, f + rt2.len, n - rt2.len) ||
		    !put(fd, true, m->tsft_tx, d + rt.len, rh[2] - rt.len))
			break;
	}
	close(fd);
	return NULL;
}

static void medium_start(struct medium *m, pthread_t *th)
{
	snprintf(m->dir, sizeof(m->dir), "/tmp/tsync-test-wt-XXXXXX");
	cr_assert_not_null(mkdtemp(m->dir));
	snprintf(m->sock, sizeof(m->sock), "%s/sta1.sock", m->dir);
	char info[160];
	snprintf(info, sizeof(info), "%s/sta1.info", m->dir);
	FILE *f = fopen(info, "w");
	cr_assert_not_null(f);
	m->t0 = now_ns() - 1000000000ll;
	fprintf(f, "mac 02:00:00:00:00:02\ntsf_offset_us %llu\ntsf_ppb 0\nt0_ns %lld\n",
	        (unsigned long long)OFFSET_US, (long long)m->t0);
	fclose(f);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", m->sock);
	m->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(bind(m->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(m->lfd, 1), 0);
	cr_assert_eq(pthread_create(th, NULL, medium_run, m), 0);
}

static void medium_stop(struct medium *m, pthread_t th)
{
	pthread_join(th, NULL);
	close(m->lfd);
	char p[200];
	snprintf(p, sizeof(p), "%s/sta1.sock", m->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/sta1.info", m->dir);
	unlink(p);
	rmdir(m->dir);
}

static struct transport *open_station(struct medium *m, enum wifi_tstamp ts)
{
	struct wifi_tp_cfg wc = {.tstamp = ts, .have_peer = true};
	memcpy(wc.peer, peer, 6);
	snprintf(wc.medium, sizeof(wc.medium), "%s", m->sock);
	struct transport_config tc;
	transport_config_defaults(&tc);
	tc.tx_timeout_ms = 2000;
	struct transport *t = wifi_transport_create(&tc, &wc);
	cr_assert_not_null(t);
	cr_assert_eq(transport_open(t, "sta1"), 0, "%s", transport_last_error(t));
	return t;
}

Test(wifi_transport, mac_stamps_from_tx_status_and_tsft)
{
	struct medium m = {0};
	pthread_t th;
	/* the TSF 0.5 s into the run (TX) and 0.25 s (RX) */
	m.tsft_tx = OFFSET_US + 1500000;
	m.tsft_rx = OFFSET_US + 1250000;
	medium_start(&m, &th);
	struct transport *t = open_station(&m, WIFI_TS_MAC);
	uint8_t addr[6];
	cr_assert_eq(transport_physical_addr(t, addr, sizeof(addr)), 6);
	cr_assert_arr_eq(addr, me, 6, "the MAC from the medium's staK.info");
	uint8_t msg[44] = {0x01, 0x02}; /* a Delay_Req */
	struct tsync_ts tx;
	cr_assert_eq(
	        transport_send(t, TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, msg, sizeof(msg), &tx),
	        (ssize_t)sizeof(msg), "%s", transport_last_error(t));
	/* TSFT 1.5 s after the model's t0 (TSF = offset at t0, 0 ppb): t0 + 1.5 s, +-1 us */
	int64_t want = m.t0 + 1500000000ll;
	cr_assert(tx.src == TS_SRC_SYS && tx.res_ps == TS_RES_TSF);
	cr_assert(llabs(tx.ns - want) <= 1000, "tx %lld want %lld", (long long)tx.ns,
	          (long long)want);
	/* the Sync that arrived during the wait is queued and the fd says so */
	struct pollfd pf = {.fd = transport_fd(t, TRANS_EVENT), .events = POLLIN};
	cr_assert_eq(poll(&pf, 1, 1000), 1);
	uint8_t buf[128];
	struct tsync_ts rx;
	struct transport_addr src;
	cr_assert_eq(transport_recv(t, TRANS_EVENT, buf, sizeof(buf), &rx, &src), 44);
	cr_assert_eq(buf[0], 0x00, "the Sync");
	cr_assert_arr_eq(src.sll.sll_addr, peer, 6);
	cr_assert(llabs(rx.ns - (m.t0 + 1250000000ll)) <= 1000, "rx %lld", (long long)rx.ns);
	cr_assert_eq(transport_recv(t, TRANS_EVENT, buf, sizeof(buf), &rx, &src), -EAGAIN);
	struct wifi_tp_stats st;
	wifi_transport_stats(t, &st);
	cr_assert(st.tx == 1 && st.tx_status == 1 && st.rx_ptp == 1);
	transport_destroy(t);
	medium_stop(&m, th);
	cr_assert_eq(m.injected, 1);
}

Test(wifi_transport, software_stamps_are_the_host_clock)
{
	struct medium m = {0};
	pthread_t th;
	m.tsft_tx = m.tsft_rx = 1; /* ignored in software mode */
	medium_start(&m, &th);
	struct transport *t = open_station(&m, WIFI_TS_SOFTWARE);
	uint8_t msg[44] = {0x01, 0x02}, buf[128];
	struct tsync_ts tx, rx;
	int64_t before = now_ns();
	cr_assert_eq(
	        transport_send(t, TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, msg, sizeof(msg), &tx),
	        44);
	cr_assert(tx.src == TS_SRC_SYS && tx.ns >= before && tx.ns <= now_ns());
	struct pollfd pf = {.fd = transport_fd(t, TRANS_EVENT), .events = POLLIN};
	cr_assert_eq(poll(&pf, 1, 2000), 1);
	cr_assert_eq(transport_recv(t, TRANS_EVENT, buf, sizeof(buf), &rx, NULL), 44);
	cr_assert(rx.ns >= before && rx.ns <= now_ns(), "the read time");
	transport_destroy(t);
	medium_stop(&m, th);
}
