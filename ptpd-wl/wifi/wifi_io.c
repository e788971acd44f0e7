// SPDX-License-Identifier: MIT
/* Capture and injection through libpcap (wifi_io.h). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "wifi_io.h"

static int64_t sys_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int wifi_io_open_iface(struct wifi_io *io, const char *iface, char *err, size_t errlen)
{
	char e[PCAP_ERRBUF_SIZE] = "";
	memset(io, 0, sizeof(*io));
	io->fd = -1;
	pcap_t *p = pcap_create(iface, e);
	if (!p) {
		snprintf(err, errlen, "%s: %s", iface, e);
		return -ENODEV;
	}
	pcap_set_snaplen(p, 4096);
	pcap_set_immediate_mode(p, 1);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	int rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", iface, pcap_geterr(p));
		pcap_close(p);
		return -ENODEV;
	}
	if (pcap_datalink(p) != DLT_IEEE802_11_RADIO) {
		snprintf(err, errlen,
		         "%s: link type %s, not radiotap: not a monitor-mode interface (iw dev %s "
		         "set type monitor)",
		         iface, pcap_datalink_val_to_name(pcap_datalink(p)) ?: "?", iface);
		pcap_close(p);
		return -EPROTONOSUPPORT;
	}
	if (pcap_setnonblock(p, 1, e) || (io->fd = pcap_get_selectable_fd(p)) < 0) {
		snprintf(err, errlen, "%s: no pollable capture fd", iface);
		pcap_close(p);
		return -EIO;
	}
	io->rx = p;
	return 0;
}

int wifi_io_open_medium(struct wifi_io *io, const char *sock, char *err, size_t errlen)
{
	char e[PCAP_ERRBUF_SIZE] = "";
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	memset(io, 0, sizeof(*io));
	io->medium = true;
	if (strlen(sock) >= sizeof(a.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a Unix socket", sock);
		return -ENAMETOOLONG;
	}
	strcpy(a.sun_path, sock);
	io->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (io->fd < 0 || connect(io->fd, (struct sockaddr *)&a, sizeof(a))) {
		int r = -errno;
		snprintf(err, errlen, "%s: %s (is tsync-wifi-medium --live running?)", sock,
		         strerror(errno));
		wifi_io_close(io);
		return r;
	}
	/* injection: a pcap stream written over a second fd of the socket */
	FILE *out = fdopen(dup(io->fd), "w");
	io->dead = pcap_open_dead(DLT_IEEE802_11_RADIO, 65535);
	if (!out || !io->dead || !(io->inj = pcap_dump_fopen(io->dead, out))) {
		snprintf(err, errlen, "%s: cannot open the injection stream", sock);
		if (out && !io->inj)
			fclose(out);
		wifi_io_close(io);
		return -EIO;
	}
	pcap_dump_flush(io->inj);
	/* capture: the medium's stream, unbuffered so that poll() tells the truth */
	FILE *in = fdopen(dup(io->fd), "r");
	if (in)
		setvbuf(in, NULL, _IONBF, 0);
	if (!in || !(io->rx = pcap_fopen_offline_with_tstamp_precision(
	                     in, PCAP_TSTAMP_PRECISION_NANO, e))) {
		snprintf(err, errlen, "%s: %s", sock, in ? e : strerror(errno));
		if (in)
			fclose(in);
		wifi_io_close(io);
		return -EIO;
	}
	if (pcap_datalink(io->rx) != DLT_IEEE802_11_RADIO) {
		snprintf(err, errlen, "%s: link type %d, not radiotap", sock,
		         pcap_datalink(io->rx));
		wifi_io_close(io);
		return -EPROTO;
	}
	return 0;
}

void wifi_io_close(struct wifi_io *io)
{
	if (io->inj)
		pcap_dump_close(io->inj);
	if (io->dead)
		pcap_close(io->dead);
	if (io->rx)
		pcap_close(io->rx);
	if (io->medium && io->fd >= 0)
		close(io->fd);
	memset(io, 0, sizeof(*io));
	io->fd = -1;
}

int wifi_io_next(struct wifi_io *io, const uint8_t **data, size_t *len, int64_t *sys_ns)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	if (!io->rx)
		return -ENOTCONN;
	if (io->medium) { /* a blocking stream: read only what poll() says is there */
		struct pollfd pf = {.fd = io->fd, .events = POLLIN};
		if (poll(&pf, 1, 0) <= 0)
			return 0;
	}
	int rc = pcap_next_ex(io->rx, &h, &d);
	if (rc == 0)
		return 0;
	if (rc != 1)
		return io->medium ? -EPIPE : -EIO;
	*data = d;
	*len = h->caplen;
	*sys_ns = io->medium ? sys_now()
	                     : (int64_t)h->ts.tv_sec * 1000000000 + (int64_t)h->ts.tv_usec;
	return 1;
}

int wifi_io_inject(struct wifi_io *io, const uint8_t *buf, size_t len)
{
	if (io->medium) {
		struct pcap_pkthdr h = {.caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len};
		int64_t now = sys_now();
		h.ts.tv_sec = (time_t)(now / 1000000000);
		h.ts.tv_usec = (suseconds_t)(now % 1000000000 / 1000);
		pcap_dump((u_char *)io->inj, &h, buf);
		return pcap_dump_flush(io->inj) ? -EPIPE : 0;
	}
	return pcap_inject(io->rx, buf, len) == (int)len ? 0 : -EIO;
}
