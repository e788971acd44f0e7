// SPDX-License-Identifier: MIT
/* tsvmm migration connection (issue 16): a peer that reads slowly is not a silent one. A send
 * waiting for room in a full multi-MiB send buffer that drains at a held stream's rate waits
 * longer than the timeout for POLLOUT, yet the peer acknowledges bytes all along: the send
 * must go on. A peer that reads nothing must still time out. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "migrate/conn.h"

struct reader {
	int fd;
	size_t per_tick; /* bytes read every 20 ms, 0: none */
	size_t total;
	volatile bool stop;
};

static void *slow_read(void *arg)
{
	struct reader *rd = arg;
	char *buf = malloc(65536);
	while (!rd->stop && buf) {
		struct timespec ts = {0, 20000000};
		nanosleep(&ts, NULL);
		size_t want = rd->per_tick;
		while (want) {
			ssize_t n = recv(rd->fd, buf, want < 65536 ? want : 65536, MSG_DONTWAIT);
			if (n <= 0)
				break;
			want -= (size_t)n;
			rd->total += (size_t)n;
		}
	}
	free(buf);
	return NULL;
}

/* A connected TCP pair over loopback: *tx (non-blocking, 2 MiB send buffer), *rx. */
static void pair(int *tx, int *rx)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0), sb = 2 << 20, rb = 64 << 10;
	cr_assert_eq(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(l, 1), 0);
	cr_assert_eq(getsockname(l, (struct sockaddr *)&sa, &sl), 0);
	*tx = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(*tx, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
	cr_assert_eq(connect(*tx, (struct sockaddr *)&sa, sizeof(sa)), 0);
	*rx = accept(l, NULL, NULL);
	cr_assert(*rx >= 0);
	setsockopt(*rx, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb));
	fcntl(*tx, F_SETFL, fcntl(*tx, F_GETFL) | O_NONBLOCK);
	close(l);
}

/* Send `records` 1 MiB PAGES records with a 300 ms timeout while the peer reads per_tick
 * bytes every 20 ms. 0 or the first failure. */
static int run(size_t per_tick, int records, char *why, size_t whylen)
{
	int tx, rx, r = 0;
	pair(&tx, &rx);
	struct reader rd = {.fd = rx, .per_tick = per_tick};
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, slow_read, &rd), 0);
	struct mig_conn c;
	mig_conn_init(&c, tx, true, 300, -1);
	uint32_t len = 1 << 20;
	char *p = calloc(1, len);
	for (int i = 0; i < records && !r; i++)
		r = mig_send(&c, TSMIG_REC_PAGES, p, len);
	snprintf(why, whylen, "%s", c.err);
	rd.stop = true;
	pthread_join(th, NULL);
	free(p);
	mig_conn_close(&c);
	close(rx);
	return r;
}

Test(migrate_slowpeer, slow_reader_is_not_silent, .timeout = 30)
{
	char why[256];
	/* 32 KiB per 20 ms = 1.6 MB/s: POLLOUT on a full 4 MiB buffer (2 MiB doubled) needs
	 * over a MiB drained, ~0.7 s > the 300 ms timeout */
	int r = run(32 << 10, 6, why, sizeof(why));
	cr_expect_eq(r, 0, "a slow (not silent) reader failed the send: %s", why);
}

Test(migrate_slowpeer, silent_reader_times_out, .timeout = 30)
{
	char why[256];
	int r = run(0, 8, why, sizeof(why));
	cr_expect_eq(r, -ETIMEDOUT, "a reader that reads nothing: %d (%s)", r, why);
}
