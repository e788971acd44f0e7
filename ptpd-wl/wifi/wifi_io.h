/* SPDX-License-Identifier: MIT */
/*
 * The wifi transport's capture and injection through libpcap, one code path for both:
 *
 *   a monitor interface   pcap_create + immediate mode + nanosecond stamps (DLT must be
 *                         IEEE802_11_RADIO), non-blocking; frames out with pcap_inject
 *                         (radiotap header + 802.11 frame, as mac80211 takes them)
 *   the emulated medium   a Unix stream socket (tsync-wifi-medium --live): its pcap stream read
 *                         with pcap_fopen_offline (unbuffered, so poll() on the fd sees every
 *                         unread byte), frames out as pcap records written with pcap_dump
 *
 * Either way the caller sees records of radiotap + 802.11 frame and the fd to poll.
 */
#ifndef PTPD_WIFI_IO_H
#define PTPD_WIFI_IO_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct wifi_io {
	bool medium;
	int fd;
	pcap_t *rx;         /* capture (live interface or the medium's stream) */
	pcap_t *dead;       /* medium: the dumper's pcap_t */
	pcap_dumper_t *inj; /* medium: injection stream */
};

/* 0 or -errno, with a message in err. */
int wifi_io_open_iface(struct wifi_io *io, const char *iface, char *err, size_t errlen);
int wifi_io_open_medium(struct wifi_io *io, const char *sock, char *err, size_t errlen);
void wifi_io_close(struct wifi_io *io);

/* The next record without blocking: 1 with *data and *len (valid until the next call) and the
 * capture's software stamp *sys_ns (the kernel's on an interface; the read time on the
 * medium), 0 when none is queued, -errno (-EPIPE: the medium went away). */
int wifi_io_next(struct wifi_io *io, const uint8_t **data, size_t *len, int64_t *sys_ns);
/* Inject one frame (radiotap + 802.11). 0 or -errno. */
int wifi_io_inject(struct wifi_io *io, const uint8_t *buf, size_t len);

#endif
