// SPDX-License-Identifier: MIT
/* cmsg_ts: software packet timestamps moved onto a vclock's timescale. */
#include <criterion/criterion.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "tsync/cmsg_ts.h"
#include "tsync/vclock.h"

/* a test map: +1.5 s and -250 ns, counting its calls */
static int calls;
static tmv_t shift(void *ctx, tmv_t rt)
{
	(void)ctx;
	calls++;
	return rt + 1500 * NS_PER_MS - 250;
}

static union {
	char buf[512];
	struct cmsghdr align;
} ctl;
static struct msghdr msg;
static struct cmsghdr *next;

static void setup(void)
{
	memset(&ctl, 0, sizeof(ctl));
	memset(&msg, 0, sizeof(msg));
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	next = CMSG_FIRSTHDR(&msg);
	calls = 0;
}

static void *add(int level, int type, size_t len)
{
	struct cmsghdr *c = next;
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	msg.msg_controllen = (size_t)((char *)c - ctl.buf) + CMSG_SPACE(len);
	next = (struct cmsghdr *)((char *)c + CMSG_SPACE(len));
	return CMSG_DATA(c);
}

TestSuite(cmsg_ts, .init = setup);

Test(cmsg_ts, timestamping_software_stamp_is_mapped_hardware_left_alone)
{
	struct scm_timestamping t = {0};
	t.ts[0] = (struct timespec){100, 999999000};
	t.ts[2] = (struct timespec){7, 7}; /* a PHC's stamp */
	void *d = add(SOL_SOCKET, SO_TIMESTAMPING, sizeof(t));
	memcpy(d, &t, sizeof(t));
	cr_assert_eq(cmsg_ts_map(&msg, shift, NULL), 1);
	memcpy(&t, d, sizeof(t));
	cr_assert_eq(t.ts[0].tv_sec, 102);
	cr_assert_eq(t.ts[0].tv_nsec, 499998750, "carried into the next second");
	cr_assert_eq(t.ts[2].tv_sec, 7);
	cr_assert_eq(t.ts[2].tv_nsec, 7);
}

Test(cmsg_ts, timestampns_and_timestamp_and_other_levels)
{
	struct timespec ns = {50, 100};
	struct timeval us = {60, 10};
	int other = 42;
	void *d1 = add(SOL_SOCKET, SO_TIMESTAMPNS, sizeof(ns));
	void *d2 = add(IPPROTO_IP, SO_TIMESTAMPNS, sizeof(other));
	void *d3 = add(SOL_SOCKET, SO_TIMESTAMP, sizeof(us));
	memcpy(d1, &ns, sizeof(ns));
	memcpy(d2, &other, sizeof(other));
	memcpy(d3, &us, sizeof(us));
	cr_assert_eq(cmsg_ts_map(&msg, shift, NULL), 2);
	memcpy(&ns, d1, sizeof(ns));
	memcpy(&other, d2, sizeof(other));
	memcpy(&us, d3, sizeof(us));
	cr_assert_eq(ns.tv_sec, 51);
	cr_assert_eq(ns.tv_nsec, 499999850);
	cr_assert_eq(other, 42);
	cr_assert_eq(us.tv_sec, 61);
	cr_assert_eq(us.tv_usec, 500009, "microseconds truncated toward -inf");
}

Test(cmsg_ts, zero_stamps_and_short_messages_are_left_alone)
{
	struct scm_timestamping t = {0};
	void *d = add(SOL_SOCKET, SO_TIMESTAMPING, sizeof(t));
	memcpy(d, &t, sizeof(t));
	add(SOL_SOCKET, SO_TIMESTAMPNS, 4); /* truncated */
	cr_assert_eq(cmsg_ts_map(&msg, shift, NULL), 0);
	cr_assert_eq(calls, 0);
	msg.msg_control = NULL;
	cr_assert_eq(cmsg_ts_map(&msg, shift, NULL), 0);
}

Test(cmsg_ts, vclock_time_of_a_past_stamp)
{
	struct tsync_vclock_page p;
	struct vclock_params prm = {.initial_offset_ns = 2 * NS_PER_MS, .nat_ppm = 100.0};
	tmv_t raw0 = 5 * NS_PER_SEC, rt0 = 1700000000 * NS_PER_SEC;
	vclock_model_init(&p, "m", &prm, raw0, rt0);
	tmv_t raw = raw0 + 10 * NS_PER_SEC, rt = rt0 + 10 * NS_PER_SEC;
	/* a stamp taken now is the vclock now */
	cr_assert_eq(cmsg_ts_vclock_time(&p, raw, rt, rt), vclock_model_eval(&p, raw));
	/* 1 ms ago: 1 ms * (1 + 100 ppm) earlier on the vclock */
	cr_assert_eq(cmsg_ts_vclock_time(&p, raw, rt, rt - NS_PER_MS),
	             vclock_model_eval(&p, raw) - NS_PER_MS - 100);
	/* independent of how far CLOCK_REALTIME is from the raw clock */
	cr_assert_eq(cmsg_ts_vclock_time(&p, raw, rt + 77, rt + 77 - NS_PER_MS),
	             vclock_model_eval(&p, raw) - NS_PER_MS - 100);
}
