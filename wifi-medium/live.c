// SPDX-License-Identifier: MIT
/*
 * tsync-wifi-medium --live (live.h): the DCF medium in real time, stations as processes on
 * Unix stream sockets carrying pcap streams both ways. One loop: queue the background arrivals
 * and the injected frames read so far, run the DCF up to now, write every record whose last
 * bit is on the air, sleep until the next of: a record due, the next transmission start, the
 * next background arrival, a station's input. The stations' sockets: live_sta.c.
 */
#include <errno.h>
#include <math.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "live_private.h"
#include "tsf.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double uniform(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return ((*s * 0x2545f4914f6cdd1dull) >> 11) * 0x1.0p-53;
}

void live_sta_mac(uint8_t a[6], unsigned s)
{
	const uint8_t m[6] = {0x02, 0x00, 0x00, 0x00, 0x00, (uint8_t)(s + 1)};
	memcpy(a, m, 6);
}

int64_t live_realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t now_true(const struct live *lv)
{
	int64_t t = live_realtime_ns() - lv->t0;
	return t > 0 ? (uint64_t)t : 0;
}

unsigned live_plan(const struct dcf_event *e, unsigned nlive, uint64_t plcp_ns,
                   struct live_out *out)
{
	unsigned n = 0, s = e->station;
	int dst = e->frame.dst;
	if (e->outcome != DCF_OK)
		return 0;
	for (unsigned r = 0; r < nlive; r++)
		if (r != s && (dst < 0 || (unsigned)dst == r))
			out[n++] = (struct live_out){
			        .sta = r, .first_ns = e->start + plcp_ns, .due_ns = e->end};
	if (s < nlive)
		out[n++] = (struct live_out){
		        .sta = s, .tx = true, .first_ns = e->start + plcp_ns, .due_ns = e->end};
	if (dst >= 0 && e->ack_end) {
		if ((unsigned)dst < nlive)
			out[n++] = (struct live_out){.sta = (unsigned)dst,
			                             .tx = true,
			                             .ack = true,
			                             .first_ns = e->ack_start + plcp_ns,
			                             .due_ns = e->ack_end};
		if (s < nlive)
			out[n++] = (struct live_out){.sta = s,
			                             .ack = true,
			                             .first_ns = e->ack_start + plcp_ns,
			                             .due_ns = e->ack_end};
	}
	return n;
}

/* ---- the frame pool: ids are slot numbers ---- */
int live_pool_get(struct live *lv)
{
	for (unsigned i = 0; i < POOL; i++) {
		unsigned k = (lv->pool_next + i) % POOL;
		if (!lv->pool[k].used) {
			lv->pool[k].used = true;
			lv->pool_next = (k + 1) % POOL;
			return (int)k;
		}
	}
	lv->pool_full++;
	return -1;
}

/* A slot is free once no pending record and no queue refers to it: released by the record
 * written last (the caller counts them through refs). */
unsigned live_refs(const struct live *lv, unsigned slot)
{
	unsigned n = 0;
	for (unsigned i = 0; i < lv->npend; i++)
		n += lv->pend[i].slot == slot;
	return n;
}

static void on_event(const struct dcf_event *e, void *arg)
{
	struct live *lv = arg;
	struct live_out o[DCF_MAX_STATIONS + 3];
	if (e->outcome != DCF_OK) {
		lv->collisions += e->outcome == DCF_COLLISION;
		lv->drops += e->outcome == DCF_DROPPED;
		if (e->outcome == DCF_DROPPED)
			lv->pool[e->frame.id].used = live_refs(lv, (unsigned)e->frame.id) > 0;
		return;
	}
	lv->ok++;
	unsigned n = live_plan(e, lv->cfg->nlive, PLCP_NS, o);
	for (unsigned i = 0; i < n; i++) {
		if (lv->npend == PENDING) {
			lv->sta[o[i].sta].dropped++;
			continue;
		}
		/* keep pend sorted by due time (events come in start order; dues nearly so) */
		unsigned k = lv->npend++;
		while (k > 0 && lv->pend[k - 1].o.due_ns > o[i].due_ns) {
			lv->pend[k] = lv->pend[k - 1];
			k--;
		}
		lv->pend[k] = (struct pend){.o = o[i],
		                            .slot = (unsigned)e->frame.id,
		                            .rate = o[i].ack ? dcf_ack_rate_kbps(e->frame.rate_kbps)
		                                             : e->frame.rate_kbps};
	}
	if (!n)
		lv->pool[e->frame.id].used = false;
}

static void flush_due(struct live *lv, uint64_t now)
{
	static unsigned slots[PENDING];
	unsigned k = 0;
	while (k < lv->npend && lv->pend[k].o.due_ns <= now)
		k++;
	for (unsigned i = 0; i < k; i++) {
		live_write_record(lv, &lv->pend[i]);
		slots[i] = lv->pend[i].slot;
	}
	memmove(lv->pend, lv->pend + k, (lv->npend - k) * sizeof(*lv->pend));
	lv->npend -= k;
	for (unsigned i = 0; i < k; i++)
		if (lv->pool[slots[i]].used && !live_refs(lv, slots[i]))
			lv->pool[slots[i]].used = false;
}

/* ---- background senders ---- */
static void background(struct live *lv, uint64_t until)
{
	const struct live_cfg *c = lv->cfg;
	for (unsigned s = c->nlive + 1; s < c->n && lv->lambda > 0; s++)
		while (lv->next_bg[s] < until) {
			int slot = live_pool_get(lv);
			uint64_t at = lv->next_bg[s];
			lv->next_bg[s] +=
			        (uint64_t)(-log(1.0 - uniform(&lv->rng)) / lv->lambda) + 1;
			if (slot < 0)
				continue;
			struct frame *f = &lv->pool[slot];
			f->len = (uint16_t)(c->len - 4);
			memset(f->b, 0, f->len);
			f->b[0] = 0x08;
			f->b[1] = 0x01;
			live_sta_mac(f->b + 4, c->nlive);
			live_sta_mac(f->b + 10, s);
			live_sta_mac(f->b + 16, c->nlive);
			struct dcf_frame df = {.id = (uint64_t)slot,
			                       .arrival = at,
			                       .len = c->len,
			                       .rate_kbps = c->rate,
			                       .dst = (int16_t)c->nlive};
			if (dcf_enqueue(&lv->dcf, s, &df)) {
				lv->overflow++;
				f->used = false;
			}
		}
}

static int setup(struct live *lv, const struct live_cfg *c)
{
	struct dcf_params p;
	dcf_params_default(&p);
	if (dcf_init(&lv->dcf, &p, c->n, c->seed))
		return -1;
	lv->pool = calloc(POOL, sizeof(*lv->pool));
	lv->pend = calloc(PENDING, sizeof(*lv->pend));
	if (!lv->pool || !lv->pend)
		return -1;
	lv->rng = c->seed * 0x9e3779b97f4a7c15ull | 1;
	unsigned senders = c->n > c->nlive + 1 ? c->n - c->nlive - 1 : 0;
	uint64_t air = dcf_airtime_ns(c->len, c->rate);
	lv->lambda = senders && c->load > 0 ? c->load / (double)air / senders : 0;
	lv->t0 = live_realtime_ns();
	mkdir(c->dir, 0755);
	if (c->capture)
		mkdir(c->capture, 0755);
	for (unsigned s = 0; s < c->n; s++) {
		lv->tsf[s].offset_us = 1000000ull * (s + 1) + (uint64_t)(uniform(&lv->rng) * 1e6);
		lv->tsf[s].ppb = (int32_t)((uniform(&lv->rng) - 0.5) * 2000 * c->ppm);
		lv->next_bg[s] = lv->lambda > 0
		                         ? (uint64_t)(-log(1.0 - uniform(&lv->rng)) / lv->lambda)
		                         : UINT64_MAX;
		lv->sta[s].lfd = lv->sta[s].cfd = -1;
	}
	for (unsigned s = 0; s < c->nlive; s++)
		if (live_sta_listen(lv, s) || (c->capture && live_open_capture(lv, s)))
			return -1;
	return 0;
}

static void report(const struct live *lv, uint64_t now)
{
	const struct live_cfg *c = lv->cfg;
	printf("live medium: %u stations (%u live), load %.2f, %.1f s: %lu delivered, %lu "
	       "collisions, %lu dropped, %lu queue overflows, medium busy %.1f %%\n",
	       c->n, c->nlive, c->load, (double)now / 1e9, lv->ok, lv->collisions, lv->drops,
	       lv->overflow, now ? 100.0 * (double)lv->dcf.busy_ns / (double)now : 0.0);
	for (unsigned s = 0; s < c->nlive; s++)
		printf("sta%u: injected %lu, written %lu, not written %lu, bad %lu, tsf offset "
		       "%llu "
		       "us, rate error %+d ppb\n",
		       s, lv->sta[s].injected, lv->sta[s].written, lv->sta[s].dropped,
		       lv->sta[s].bad, (unsigned long long)lv->tsf[s].offset_us, lv->tsf[s].ppb);
	fflush(stdout);
}

int live_run(const struct live_cfg *c)
{
	static struct live lv;
	int rc = 1;
	lv.cfg = c;
	if (setup(&lv, c))
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	uint64_t end = c->duration > 0 ? (uint64_t)(c->duration * 1e9) : UINT64_MAX;
	uint64_t now = 0;
	while (!stop && (now = now_true(&lv)) < end) {
		background(&lv, now + 1);
		dcf_run(&lv.dcf, now + 1, on_event, &lv);
		flush_due(&lv, now);
		uint64_t wake = end;
		if (lv.npend && lv.pend[0].o.due_ns < wake)
			wake = lv.pend[0].o.due_ns;
		uint64_t ns = dcf_next_start(&lv.dcf);
		wake = ns < wake ? ns : wake;
		for (unsigned s = c->nlive + 1; s < c->n; s++)
			wake = lv.next_bg[s] < wake ? lv.next_bg[s] : wake;
		struct pollfd pf[2 * DCF_MAX_STATIONS];
		unsigned np = 0;
		for (unsigned s = 0; s < c->nlive; s++) {
			pf[np++] = (struct pollfd){.fd = lv.sta[s].lfd, .events = POLLIN};
			pf[np++] = (struct pollfd){.fd = lv.sta[s].cfd, .events = POLLIN};
		}
		uint64_t n2 = now_true(&lv);
		uint64_t dt = wake > n2 ? wake - n2 : 0;
		if (dt > 100000000)
			dt = 100000000;
		struct timespec to = {.tv_sec = (time_t)(dt / 1000000000),
		                      .tv_nsec = (long)(dt % 1000000000)};
		if (ppoll(pf, np, &to, NULL) <= 0)
			continue;
		n2 = now_true(&lv);
		for (unsigned s = 0; s < c->nlive; s++) {
			if (pf[2 * s].revents & POLLIN)
				live_sta_accept(&lv, s);
			if (pf[2 * s + 1].revents & (POLLIN | POLLHUP | POLLERR) &&
			    lv.sta[s].cfd == pf[2 * s + 1].fd)
				live_sta_read(&lv, s, n2);
		}
	}
	rc = 0;
	report(&lv, now);
out:
	for (unsigned s = 0; s < c->nlive; s++) {
		live_sta_drop(&lv.sta[s]);
		if (lv.sta[s].lfd >= 0)
			close(lv.sta[s].lfd);
		if (lv.sta[s].cap)
			pcap_dump_close(lv.sta[s].cap);
	}
	free(lv.pool);
	free(lv.pend);
	return rc;
}
