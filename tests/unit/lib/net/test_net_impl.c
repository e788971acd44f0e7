// SPDX-License-Identifier: MIT
/*
 * A transport written outside lib/net (tsync/transport_impl.h), driven through the public API:
 * a poll-only "ring" transport like a DPDK one (no fd, frames fetched by transport_poll) whose
 * timestamps are TSC-like counter values; the default poll of an fd-based transport (loop);
 * and the tagged-timestamp helpers.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/transport_impl.h"

#define RING_SLOTS 8
#define RING_HZ    2500000000ull /* a 2.5 GHz counter: 400 ps per tick */

/* Two ring endpoints share a "wire": what one sends lands in the other's ring. */
struct wire {
	uint64_t ticks; /* the counter, advanced by the test */
	int opens, closes, destroys;
};

struct frame {
	enum transport_channel ch;
	size_t len;
	uint64_t ticks;
	uint8_t data[64];
};

struct ring_tp {
	uint32_t magic; /* the base is not first: base_off is honoured */
	struct transport base;
	struct wire *w;
	struct ring_tp *peer;
	struct frame q[RING_SLOTS];
	unsigned head, n;
};

#define RING(t) container_of(t, struct ring_tp, base)

static struct tsync_ts tick_ts(uint64_t ticks)
{
	struct tsync_ts ts = tsync_ts_make(TS_SRC_TSC, (tmv_t)(ticks * 2 / 5), 400);
	ts.raw = ticks;
	return ts;
}

static int ring_init(struct transport *t, void *arg)
{
	RING(t)->magic = 0x52494e47;
	RING(t)->w = arg;
	return arg ? 0 : -EINVAL;
}

static int ring_open(struct transport *t, const char *iface)
{
	if (!RING(t)->peer)
		return transport_err(t, -ENOTCONN, "%s: ring has no peer", iface);
	RING(t)->w->opens++;
	return 0;
}

static void ring_close(struct transport *t)
{
	RING(t)->w->closes++;
}

static ssize_t ring_send(struct transport *t, enum transport_channel ch, enum transport_dest dest,
                         const struct transport_addr *addr, const void *buf, size_t len,
                         struct tsync_ts *tx_ts)
{
	struct ring_tp *p = RING(t)->peer;
	struct frame *f;

	(void)dest, (void)addr;
	if (len > sizeof(f->data))
		return -EMSGSIZE;
	if (p->n == RING_SLOTS)
		return -ENOBUFS;
	f = &p->q[(p->head + p->n++) % RING_SLOTS];
	f->ch = ch;
	f->len = len;
	f->ticks = RING(t)->w->ticks + 100; /* 100 ticks on the wire */
	memcpy(f->data, buf, len);
	if (tx_ts && ch == TRANS_EVENT)
		*tx_ts = tick_ts(RING(t)->w->ticks);
	return (ssize_t)len;
}

static ssize_t ring_recv(struct transport *t, enum transport_channel ch, void *buf, size_t len,
                         struct tsync_ts *rx_ts, struct transport_addr *src)
{
	struct ring_tp *r = RING(t);
	struct frame *f = &r->q[r->head];

	(void)src;
	if (!r->n || f->ch != ch)
		return -EAGAIN;
	if (f->len > len)
		return -EMSGSIZE;
	memcpy(buf, f->data, f->len);
	if (rx_ts)
		*rx_ts = tick_ts(f->ticks);
	r->head = (r->head + 1) % RING_SLOTS;
	r->n--;
	return (ssize_t)f->len;
}

static int ring_poll(struct transport *t, int budget, transport_rx_fn fn, void *arg)
{
	struct ring_tp *r = RING(t);
	int done = 0;

	for (; done < budget && r->n; done++) {
		struct frame *f = &r->q[r->head];
		struct tsync_ts ts = tick_ts(f->ticks);
		struct transport_addr none = {0};
		fn(arg, t, f->ch, f->data, f->len, &ts, &none);
		r->head = (r->head + 1) % RING_SLOTS;
		r->n--;
	}
	return done;
}

static int ring_ts_info(struct transport *t, struct tsync_ts *info)
{
	(void)t;
	*info = tick_ts(0);
	return 0;
}

static void ring_destroy(struct transport *t)
{
	if (RING(t)->w) /* NULL when init failed */
		RING(t)->w->destroys++;
}

static const struct transport_ops ring_ops = {
        .name = "ring",
        .size = sizeof(struct ring_tp),
        .base_off = offsetof(struct ring_tp, base),
        .init = ring_init,
        .open = ring_open,
        .close = ring_close,
        .send = ring_send,
        .recv = ring_recv,
        .poll = ring_poll,
        .ts_info = ring_ts_info,
        .destroy = ring_destroy,
};

struct seen {
	int n;
	enum transport_channel ch[16];
	uint8_t first[16];
	struct tsync_ts ts[16];
};

static void on_frame(void *arg, struct transport *t, enum transport_channel ch, const void *buf,
                     size_t len, const struct tsync_ts *rx_ts, const struct transport_addr *src)
{
	struct seen *s = arg;

	(void)t, (void)src;
	cr_assert(len > 0 && s->n < 16);
	s->ch[s->n] = ch;
	s->first[s->n] = *(const uint8_t *)buf;
	s->ts[s->n++] = *rx_ts;
}

static void ring_pair(struct wire *w, struct transport **a, struct transport **b)
{
	*a = transport_create_impl(&ring_ops, TRANS_IMPL, NULL, w);
	*b = transport_create_impl(&ring_ops, TRANS_IMPL, NULL, w);
	cr_assert(*a && *b);
	RING(*a)->peer = RING(*b);
	RING(*b)->peer = RING(*a);
}

Test(net_impl, external_transport_through_the_public_api)
{
	struct wire w = {.ticks = 1000000};
	struct transport *a, *b;
	struct tsync_ts tx, rx;
	uint8_t msg[44] = {0x00, 0x02}, buf[64];

	ring_pair(&w, &a, &b);
	cr_assert_eq(RING(a)->magic, 0x52494e47, "init ran on the allocated struct");
	cr_assert_eq(transport_type(a), TRANS_IMPL);
	cr_assert_str_eq(transport_name(a), "ring");
	cr_assert_str_eq(transport_type_name(TRANS_IMPL), "impl");
	cr_assert(transport_needs_poll(a), "no fd op: the owner must poll");
	/* the dispatcher's checks apply to it too */
	cr_assert_eq(transport_send(a, TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, msg, 44, &tx),
	             -ENOTCONN);
	cr_assert_eq(transport_open(a, "ring0"), 0);
	cr_assert_eq(transport_open(a, "ring0"), -EBUSY);
	cr_assert_eq(transport_open(b, "ring1"), 0);
	cr_assert_eq(w.opens, 2);
	cr_assert_eq(transport_fd(a, TRANS_EVENT), -1);
	struct tsync_ts info;
	cr_assert_eq(transport_ts_info(a, &info), 0);
	cr_assert(info.src == TS_SRC_TSC && info.res_ps == 400 && info.ns == 0);
	cr_assert_eq(transport_physical_addr(a, buf, 6), -EOPNOTSUPP, "optional op defaulted");
	cr_assert_eq(transport_send(a, TRANS_EVENT, TRANS_DEST_UNICAST, NULL, msg, 44, NULL),
	             -EDESTADDRREQ);

	/* send/recv: the tags come through with the counter's raw value and resolution */
	cr_assert_eq(transport_send(a, TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, msg, 44, &tx), 44);
	cr_assert_eq(tx.src, TS_SRC_TSC);
	cr_assert_eq(tx.raw, 1000000);
	cr_assert_eq(tx.ns, 400000);
	cr_assert_eq(tx.res_ps, 400);
	cr_assert_eq(transport_recv(b, TRANS_GENERAL, buf, sizeof(buf), &rx, NULL), -EAGAIN);
	cr_assert_eq(transport_recv(b, TRANS_EVENT, buf, sizeof(buf), &rx, NULL), 44);
	cr_assert_eq(rx.raw - tx.raw, 100);
	cr_assert_eq(rx.ns - tx.ns, 40, "100 ticks of 400 ps");

	/* poll: up to budget frames, in order, with their channels and stamps */
	for (int i = 0; i < 5; i++) {
		msg[0] = (uint8_t)(0x10 + i);
		w.ticks += 1000;
		cr_assert_eq(transport_send(a, i % 2 ? TRANS_GENERAL : TRANS_EVENT,
		                            TRANS_DEST_DEFAULT, NULL, msg, 44, NULL),
		             44);
	}
	struct seen s = {0};
	cr_assert_eq(transport_poll(b, 3, on_frame, &s), 3);
	cr_assert_eq(transport_poll(b, 3, on_frame, &s), 2);
	cr_assert_eq(transport_poll(b, 3, on_frame, &s), 0);
	cr_assert_eq(s.n, 5);
	for (int i = 0; i < 5; i++) {
		cr_assert_eq(s.first[i], 0x10 + i);
		cr_assert_eq(s.ch[i], i % 2 ? TRANS_GENERAL : TRANS_EVENT);
		cr_assert_eq(s.ts[i].raw, 1000000 + 1000 * (i + 1) + 100);
	}
	cr_assert_eq(transport_poll(b, 0, on_frame, &s), -EINVAL);
	cr_assert_eq(transport_poll(b, 1, NULL, &s), -EINVAL);

	transport_destroy(a);
	transport_destroy(b);
	cr_assert_eq(w.closes, 2, "destroy closes an open transport");
	cr_assert_eq(w.destroys, 2);
}

Test(net_impl, create_impl_validates_ops_and_init)
{
	struct transport_ops o = ring_ops;
	struct wire w = {0};

	o.poll = NULL; /* neither fd nor poll: nobody could ever receive */
	errno = 0;
	cr_assert_null(transport_create_impl(&o, TRANS_IMPL, NULL, &w));
	cr_assert_eq(errno, EINVAL);
	o = ring_ops;
	o.size = sizeof(struct transport); /* too small for the base at base_off */
	cr_assert_null(transport_create_impl(&o, TRANS_IMPL, NULL, &w));
	o = ring_ops;
	o.send = NULL;
	cr_assert_null(transport_create_impl(&o, TRANS_IMPL, NULL, &w));
	cr_assert_null(transport_create_impl(NULL, TRANS_IMPL, NULL, &w));
	/* a bad config is refused as by transport_create */
	struct transport_config c;
	transport_config_defaults(&c);
	c.l2_ethertype = 0x05FF; /* a length, not an ethertype */
	cr_assert_null(transport_create_impl(&ring_ops, TRANS_IMPL, &c, &w));
	cr_assert_eq(errno, EINVAL);
	/* init's error is the create's errno, and destroy releases what init took */
	errno = 0;
	cr_assert_null(transport_create_impl(&ring_ops, TRANS_IMPL, NULL, NULL));
	cr_assert_eq(errno, EINVAL);
	/* open errors are kept for transport_last_error */
	struct transport *t = transport_create_impl(&ring_ops, TRANS_IMPL, NULL, &w);
	cr_assert_not_null(t);
	cr_assert_eq(transport_open(t, "lonely0"), -ENOTCONN);
	cr_assert_str_eq(transport_last_error(t), "lonely0: ring has no peer");
	cr_assert_eq(transport_poll(t, 4, on_frame, NULL), -ENOTCONN);
	struct tsync_ts info;
	cr_assert_eq(transport_ts_info(t, &info), -ENOTCONN);
	cr_assert_eq(transport_ts_info(NULL, &info), -EINVAL);
	transport_destroy(t);
	cr_assert_eq(w.destroys, 1);
	cr_assert_eq(w.closes, 0, "never opened, never closed");
	/* without a ts_info op the tag follows cfg.ts_mode */
	struct transport_ops plain = ring_ops;
	plain.ts_info = NULL;
	struct transport_config hw;
	transport_config_defaults(&hw);
	hw.ts_mode = TS_HARDWARE;
	struct transport *x = transport_create_impl(&plain, TRANS_IMPL, &hw, &w);
	cr_assert_not_null(x);
	RING(x)->peer = RING(x);
	cr_assert_eq(transport_open(x, "self0"), 0);
	cr_assert_eq(transport_ts_info(x, &info), 0);
	cr_assert(info.src == TS_SRC_PHC && info.res_ps == TS_RES_NS);
	transport_destroy(x);
	/* "impl" is not a network_transport a config file may name */
	enum transport_type ty;
	cr_assert_eq(transport_parse("impl", &ty), -EINVAL);
}

static tmv_t fake_now(void *arg)
{
	return *(tmv_t *)arg;
}

Test(net_impl, default_poll_reads_both_fds_of_a_loop_pair)
{
	tmv_t base = 5000;
	struct transport_config c;
	struct transport *a, *b;
	uint8_t msg[44] = {0};
	struct seen s = {0};

	transport_config_defaults(&c);
	c.loop_now = fake_now;
	c.loop_arg = &base;
	a = transport_create(TRANS_LOOP, &c);
	b = transport_create(TRANS_LOOP, &c);
	cr_assert_eq(transport_loop_pair(a, b), 0);
	cr_assert_eq(transport_open(a, "la"), 0);
	cr_assert_eq(transport_open(b, "lb"), 0);
	cr_assert_not(transport_needs_poll(b), "fd-based");
	cr_assert_str_eq(transport_name(b), "loop");
	struct tsync_ts info;
	cr_assert_eq(transport_ts_info(b, &info), 0);
	cr_assert_eq(info.src, TS_SRC_SIM, "an injected base clock is a simulation");
	cr_assert_eq(transport_poll(b, 4, on_frame, &s), 0, "nothing queued");
	for (int i = 0; i < 3; i++) {
		msg[0] = (uint8_t)(0x20 + i);
		cr_assert_eq(
		        transport_send(a, TRANS_EVENT, TRANS_DEST_DEFAULT, NULL, msg, 44, NULL),
		        44);
		msg[0] = (uint8_t)(0x30 + i);
		cr_assert_eq(
		        transport_send(a, TRANS_GENERAL, TRANS_DEST_DEFAULT, NULL, msg, 44, NULL),
		        44);
	}
	cr_assert_eq(transport_poll(b, 4, on_frame, &s), 4, "the budget bounds one call");
	cr_assert_eq(transport_poll(b, 4, on_frame, &s), 2);
	cr_assert_eq(s.n, 6);
	int ev = 0, ge = 0;
	for (int i = 0; i < 6; i++) {
		if (s.ch[i] == TRANS_EVENT)
			cr_assert_eq(s.first[i], 0x20 + ev++, "event frames in order");
		else
			cr_assert_eq(s.first[i], 0x30 + ge++, "general frames in order");
		cr_assert_eq(s.ts[i].src, TS_SRC_SIM);
		cr_assert_eq(s.ts[i].ns, 5000);
	}
	cr_assert_eq(ev, 3);
	transport_destroy(a);
	transport_destroy(b);
}

Test(net_impl, timestamp_tags)
{
	char buf[48];
	struct tsync_ts t = tsync_ts_make(TS_SRC_TSF, 123000, TS_RES_TSF);
	enum ts_source src;

	cr_assert(tsync_ts_valid(&t));
	cr_assert_str_eq(tsync_ts_describe(&t, buf, sizeof(buf)), "tsf 1 us");
	t = tsync_ts_make(TS_SRC_PHC, 1, TS_RES_NS);
	t.dev = 2;
	cr_assert_str_eq(tsync_ts_describe(&t, buf, sizeof(buf)), "phc2 1 ns");
	t = tsync_ts_make(TS_SRC_NIC, 1, 6400); /* DTP's 156.25 MHz tick */
	cr_assert_str_eq(tsync_ts_describe(&t, buf, sizeof(buf)), "nic 6400 ps");
	t = tsync_ts_make(TS_SRC_SYS, 1, 0);
	cr_assert_str_eq(tsync_ts_describe(&t, buf, sizeof(buf)), "sys resolution unknown");
	t = tsync_ts_none();
	cr_assert_not(tsync_ts_valid(&t));
	cr_assert_str_eq(tsync_ts_describe(&t, buf, sizeof(buf)), "none");
	for (int i = 0; i < TS_SRC_COUNT; i++) {
		cr_assert_eq(ts_source_parse(ts_source_name((enum ts_source)i), &src), 0);
		cr_assert_eq(src, i);
	}
	cr_assert_str_eq(ts_source_name((enum ts_source)99), "?");
	cr_assert_eq(ts_source_parse("PHC", &src), -EINVAL);
	cr_assert_eq(ts_source_parse(NULL, &src), -EINVAL);
}
