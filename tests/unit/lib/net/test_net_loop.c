// SPDX-License-Identifier: MIT
/* Transport dispatcher and the loop transport: argument checks, life cycle, error texts,
 * synthetic timestamps from an injected base clock (exact PTP offset/delay arithmetic). */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "tsync/transport.h"

static tmv_t fake_now(void *arg)
{
	return *(tmv_t *)arg;
}

/* Two loop endpoints on one fake base clock; a's clock is offs_a ahead of the base. */
static void make_pair(struct transport **a, struct transport **b, tmv_t *base, tmv_t offs_a,
                      tmv_t delay_ab, tmv_t delay_ba)
{
	struct transport_config ca, cb;

	transport_config_defaults(&ca);
	ca.loop_now = fake_now;
	ca.loop_arg = base;
	cb = ca;
	ca.loop_offset_ns = offs_a;
	ca.loop_delay_ns = delay_ab;
	cb.loop_delay_ns = delay_ba;
	*a = transport_create(TRANS_LOOP, &ca);
	*b = transport_create(TRANS_LOOP, &cb);
	cr_assert(*a && *b);
	cr_assert_eq(transport_loop_pair(*a, *b), 0);
	cr_assert_eq(transport_open(*a, "loopA"), 0);
	cr_assert_eq(transport_open(*b, "loopB"), 0);
}

Test(net_transport, create_rejects_bad_type_and_config)
{
	struct transport_config c;

	errno = 0;
	cr_assert_null(transport_create((enum transport_type)0, NULL));
	cr_assert_eq(errno, EINVAL);
	transport_config_defaults(&c);
	c.udp_ttl = 0;
	cr_assert_null(transport_create(TRANS_UDP_IPV4, &c));
	transport_config_defaults(&c);
	c.udp6_scope = 0x10;
	cr_assert_null(transport_create(TRANS_UDP_IPV6, &c));
	transport_config_defaults(&c);
	c.tx_timeout_ms = -1;
	cr_assert_null(transport_create(TRANS_IEEE_802_3, &c));
	transport_config_defaults(&c);
	c.l2_ethertype = 1500; /* an 802.3 length, not an ethertype */
	cr_assert_null(transport_create(TRANS_IEEE_802_3, &c));
	c.l2_ethertype = 0x88B5; /* DTP's (IEEE local experimental) is fine */
	struct transport *t = transport_create(TRANS_IEEE_802_3, &c);
	cr_assert_not_null(t);
	cr_assert_str_eq(transport_name(t), "L2");
	transport_destroy(t);
	cr_assert_null(transport_create(TRANS_IMPL, NULL), "TRANS_IMPL needs its ops");
	transport_destroy(NULL); /* ignored */
}

Test(net_transport, closed_transport_refuses_io)
{
	struct transport *t = transport_create(TRANS_UDP_IPV4, NULL);
	char buf[8] = {0};

	cr_assert_not_null(t);
	cr_assert_eq(transport_type(t), TRANS_UDP_IPV4);
	cr_assert_str_eq(transport_iface(t), "");
	cr_assert_eq(transport_send(t, TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, buf, 8, NULL),
	             -ENOTCONN);
	cr_assert_eq(transport_recv(t, TRANS_EVENT, buf, 8, NULL, NULL), -ENOTCONN);
	cr_assert_eq(transport_fd(t, TRANS_EVENT), -1);
	cr_assert_eq(transport_physical_addr(t, (uint8_t *)buf, 8), -ENOTCONN);
	cr_assert_eq(transport_send(t, (enum transport_channel)5, TRANS_DEST_DEFAULT, NULL, buf, 8,
	                            NULL),
	             -EINVAL);
	transport_close(t); /* closing a closed transport is fine */
	transport_destroy(t);
}

Test(net_transport, open_errors_name_the_interface)
{
	struct transport *t = transport_create(TRANS_UDP_IPV4, NULL);

	cr_assert_eq(transport_open(t, "tsyncnope0"), -ENODEV);
	cr_assert_str_eq(transport_last_error(t), "tsyncnope0: no such interface");
	cr_assert_eq(transport_open(t, "a-name-much-too-long-for-linux"), -EINVAL);
	cr_assert(strstr(transport_last_error(t), "bad interface name"));
	cr_assert_eq(transport_open(t, ""), -EINVAL);
	transport_destroy(t);
	t = transport_create(TRANS_IEEE_802_3, NULL);
	cr_assert_eq(transport_open(t, "tsyncnope0"), -ENODEV);
	cr_assert_str_eq(transport_last_error(t), "tsyncnope0: no such interface");
	transport_destroy(t);
}

Test(net_loop, unpaired_open_and_bad_pairs)
{
	struct transport *a = transport_create(TRANS_LOOP, NULL);
	struct transport *b = transport_create(TRANS_LOOP, NULL);
	struct transport *u = transport_create(TRANS_UDP_IPV4, NULL);

	cr_assert_eq(transport_open(a, "x"), -ENOTCONN);
	cr_assert(strstr(transport_last_error(a), "x: loop transport has no peer"));
	cr_assert_eq(transport_loop_pair(a, a), -EINVAL);
	cr_assert_eq(transport_loop_pair(a, u), -EINVAL);
	cr_assert_eq(transport_loop_pair(a, b), 0);
	cr_assert_eq(transport_loop_pair(a, b), -EBUSY);
	cr_assert_eq(transport_open(a, "x"), 0);
	cr_assert_eq(transport_open(a, "x"), -EBUSY);
	transport_destroy(a);
	transport_destroy(b);
	transport_destroy(u);
}

Test(net_loop, synthetic_timestamps_give_exact_offset_and_delay)
{
	tmv_t base = 1000000000000LL;
	struct transport *m, *s; /* master on the base clock, slave 5 us ahead */
	uint8_t buf[64], msg[44] = {0x00, 0x02};
	struct tsync_ts s1, s2, s3, s4;
	tmv_t t1, t2, t3, t4;

	make_pair(&s, &m, &base, 5000, 3000 /* s->m */, 2000 /* m->s */);
	/* Sync: master -> slave */
	cr_assert_eq(transport_send(m, TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, msg, 44, &s1), 44);
	cr_assert_eq(transport_recv(s, TRANS_EVENT, buf, sizeof(buf), &s2, NULL), 44);
	cr_assert_arr_eq(buf, msg, 44);
	base += 1000000;
	/* Delay_Req: slave -> master */
	cr_assert_eq(transport_send(s, TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, msg, 44, &s3), 44);
	cr_assert_eq(transport_recv(m, TRANS_EVENT, buf, sizeof(buf), &s4, NULL), 44);
	/* an injected base clock makes the stamps synthetic: tagged "sim", 1 ns */
	struct tsync_ts *all[] = {&s1, &s2, &s3, &s4};
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(all[i]->src, TS_SRC_SIM);
		cr_assert_eq(all[i]->res_ps, TS_RES_NS);
	}
	t1 = s1.ns, t2 = s2.ns, t3 = s3.ns, t4 = s4.ns;
	cr_assert_eq(t1, 1000000000000LL);
	cr_assert_eq(t2, 1000000000000LL + 2000 + 5000);
	cr_assert_eq(t3, 1000001000000LL + 5000);
	cr_assert_eq(t4, 1000001000000LL + 3000);
	/* the PTP formulas: offset = ((t2-t1) - (t4-t3)) / 2, delay = ((t2-t1) + (t4-t3)) / 2;
	 * the 1 us asymmetry shows up as a 500 ns offset error, as it should */
	cr_assert_eq(((t2 - t1) - (t4 - t3)) / 2, 5000 - 500);
	cr_assert_eq(((t2 - t1) + (t4 - t3)) / 2, 2500);
	transport_destroy(m);
	transport_destroy(s);
}

Test(net_loop, channels_are_separate_and_pollable)
{
	tmv_t base = 0;
	struct transport *a, *b;
	uint8_t buf[64], ev[44] = {1}, ge[44] = {8};
	struct tsync_ts ts = tsync_ts_make(TS_SRC_TSC, 123, 1);

	make_pair(&a, &b, &base, 0, 0, 0);
	cr_assert_eq(transport_recv(b, TRANS_EVENT, buf, sizeof(buf), NULL, NULL), -EAGAIN);
	cr_assert_eq(transport_send(a, TRANS_GENERAL, TRANS_DEST_PDELAY, NULL, ge, 44, &ts), 44);
	cr_assert(ts.ns == 0 && ts.src == TS_SRC_NONE, "general messages get no TX timestamp");
	struct pollfd p[2] = {{.fd = transport_fd(b, TRANS_EVENT), .events = POLLIN},
	                      {.fd = transport_fd(b, TRANS_GENERAL), .events = POLLIN}};
	cr_assert(p[0].fd >= 0 && p[1].fd >= 0 && p[0].fd != p[1].fd);
	cr_assert_eq(poll(p, 2, 0), 1);
	cr_assert(p[1].revents & POLLIN);
	cr_assert_eq(transport_recv(b, TRANS_EVENT, buf, sizeof(buf), NULL, NULL), -EAGAIN);
	cr_assert_eq(transport_recv(b, TRANS_GENERAL, buf, sizeof(buf), NULL, NULL), 44);
	cr_assert_eq(buf[0], 8);
	/* the other direction, and a too-small receive buffer */
	cr_assert_eq(transport_send(b, TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, ev, 44, NULL), 44);
	cr_assert_eq(transport_recv(a, TRANS_EVENT, buf, 10, NULL, NULL), -EMSGSIZE);
	cr_assert_eq(transport_physical_addr(a, buf, sizeof(buf)), -EOPNOTSUPP);
	/* close + reopen keeps the pairing */
	transport_close(a);
	cr_assert_eq(transport_fd(a, TRANS_EVENT), -1);
	cr_assert_eq(transport_open(a, "again"), 0);
	cr_assert_str_eq(transport_iface(a), "again");
	transport_destroy(b);
	/* the peer is gone */
	cr_assert_eq(transport_send(a, TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, ev, 44, NULL),
	             -ENOTCONN);
	cr_assert_eq(transport_recv(a, TRANS_EVENT, buf, sizeof(buf), NULL, NULL), -ENOTCONN);
	transport_destroy(a);
}

Test(net_loop, unicast_needs_an_address)
{
	tmv_t base = 0;
	struct transport *a, *b;
	uint8_t msg[44] = {0};

	make_pair(&a, &b, &base, 0, 0, 0);
	cr_assert_eq(transport_send(a, TRANS_EVENT, TRANS_DEST_UNICAST, NULL, msg, 44, NULL),
	             -EDESTADDRREQ);
	cr_assert_eq(transport_send(a, TRANS_EVENT, (enum transport_dest)9, NULL, msg, 44, NULL),
	             -EINVAL);
	transport_destroy(a);
	transport_destroy(b);
}
