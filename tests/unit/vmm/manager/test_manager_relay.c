// SPDX-License-Identifier: MIT
/* tsvmm evacuate's relay (issue 16): its sockets toward the destination cap TCP's
 * retransmission backoff, so a held stream behind a congested bottleneck retries every
 * second instead of staying silent past the migration's 10 s timeout; and bytes still flow
 * source -> destination through it and are counted. */
#include <criterion/criterion.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "manager/relay.h"

#ifndef TCP_RTO_MAX_MS
#define TCP_RTO_MAX_MS 44
#endif

Test(manager_relay, dst_socket_caps_rto)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), v = 0;
	socklen_t l = sizeof(v);
	cr_assert(fd >= 0);
	int r = relay_tune_dst(fd);
	if (r == -ENOPROTOOPT) {
		close(fd);
		cr_skip_test("kernel without TCP_RTO_MAX_MS (before 6.15)");
	}
	cr_assert_eq(r, 0, "relay_tune_dst: %s", strerror(-r));
	cr_assert_eq(getsockopt(fd, IPPROTO_TCP, TCP_RTO_MAX_MS, &v, &l), 0);
	cr_expect_eq(v, RELAY_RTO_MAX_MS, "RTO max %d ms, want %d", v, RELAY_RTO_MAX_MS);
	cr_expect_leq(v, 2000, "backoff past 2 s would let a held stream go silent");
	close(fd);
}

/* A destination listening on 127.0.0.1 (returned) and rl relaying conns connections to it;
 * *ra: where the source connects. */
static int dest_and_relay(struct relay *rl, unsigned conns, struct sockaddr_in *ra)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(lfd >= 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(lfd, 4), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	relay_init(rl);
	cr_assert_eq(relay_start(rl, "127.0.0.1", ntohs(sa.sin_port), 0, NULL, conns), 0);
	*ra = (struct sockaddr_in){.sin_family = AF_INET,
	                           .sin_port = htons(rl->port),
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return lfd;
}

Test(manager_relay, forwards_and_counts)
{
	struct relay rl;
	struct sockaddr_in ra;
	int lfd = dest_and_relay(&rl, 1, &ra);
	int src = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(connect(src, (struct sockaddr *)&ra, sizeof(ra)), 0);
	int dst = accept(lfd, NULL, NULL);
	cr_assert(dst >= 0);
	char out[65536], in[65536];
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7 + 3);
	cr_assert_eq(write(src, out, sizeof(out)), (ssize_t)sizeof(out));
	size_t got = 0;
	while (got < sizeof(in)) {
		ssize_t n = read(dst, in + got, sizeof(in) - got);
		cr_assert_gt(n, 0);
		got += (size_t)n;
	}
	cr_expect_eq(memcmp(in, out, sizeof(in)), 0);
	for (int i = 0; i < 100 && relay_bytes(&rl) < sizeof(out); i++)
		usleep(10000); /* counted by the relay's thread after its send() returned */
	cr_expect_eq(relay_bytes(&rl), sizeof(out));
	close(src);
	close(dst);
	relay_stop(&rl);
	close(lfd);
}

/* The destination drops a connection that stays silent for 1 s while another waits in its
 * backlog: the relay dials the migration's data connection only after the destination
 * acknowledged bytes of the control connection. */
Test(manager_relay, data_connection_after_first_bytes, .timeout = 20)
{
	struct relay rl;
	struct sockaddr_in ra;
	int lfd = dest_and_relay(&rl, 2, &ra);
	int s0 = socket(AF_INET, SOCK_STREAM, 0), s1 = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(connect(s0, (struct sockaddr *)&ra, sizeof(ra)), 0);
	int d0 = accept(lfd, NULL, NULL);
	cr_assert(d0 >= 0);
	cr_assert_eq(connect(s1, (struct sockaddr *)&ra, sizeof(ra)), 0);
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	cr_expect_eq(poll(&p, 1, 300), 0,
	             "the data connection reached the destination before any byte of the first");
	char b = 'H';
	cr_assert_eq(write(s0, &b, 1), 1);
	cr_assert_eq(read(d0, &b, 1), 1);
	cr_expect_eq(poll(&p, 1, 3000), 1, "the data connection never reached the destination");
	int d1 = accept(lfd, NULL, NULL);
	cr_expect(d1 >= 0);
	close(s0);
	close(s1);
	close(d0);
	if (d1 >= 0)
		close(d1);
	relay_stop(&rl);
	close(lfd);
}
