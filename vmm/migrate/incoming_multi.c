// SPDX-License-Identifier: MIT
/*
 * tsvmm migration destination over parallel connections (incoming_private.h,
 * include/uapi/tsvmm-migration.h "Parallel connections"): the data connections join after
 * the control connection's HELLO; each is read by its own thread, which applies its PAGES
 * records (RAM only) and stops at its PASS_END until the control connection's PASS_END of
 * the same pass found every data connection there (passbar.h). The first failure of any data
 * connection ends the migration: its reason goes to d->err and wake_fd ends the control
 * connection's wait, so that the source reads it in an ERROR record.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "migrate/incoming_private.h"
#include "migrate/mig_metrics.h"
#include "migrate/passbar.h"
#include "tsync/log.h"

struct dst_multi {
	struct dst *d;
	unsigned n;                           /* connections, the control one included */
	struct mig_conn conn[TSMIG_CONN_MAX]; /* [0] unused: d->conn */
	pthread_t th[TSMIG_CONN_MAX];
	bool started[TSMIG_CONN_MAX];
	uint64_t kinds[TSMIG_CONN_MAX][TSMIG_PAGE_BLOCK + 1]; /* pages by kind, per thread */
	pthread_mutex_t lock;
	pthread_cond_t cv;
	/* under lock */
	struct mig_passbar bar;
	bool failed, stop;
	char err[256];
	int wake_fd; /* eventfd, readable once failed */
};

struct worker {
	struct dst_multi *mc;
	unsigned i;
};

/* The first failure wins: its reason, the barrier's waiters and the control connection woken. */
static int fail(struct dst_multi *mc, unsigned i, int r, const char *why)
{
	pthread_mutex_lock(&mc->lock);
	if (!mc->failed && !mc->stop) {
		mc->failed = true;
		snprintf(mc->err, sizeof(mc->err), "data connection %u of %u: %.200s", i, mc->n - 1,
		         why);
		uint64_t one = 1;
		if (write(mc->wake_fd, &one, sizeof(one)) != sizeof(one))
			pr_warn("incoming: cannot wake the control connection: %s",
			        strerror(errno));
		pr_err("incoming: %s", mc->err);
	}
	pthread_cond_broadcast(&mc->cv);
	pthread_mutex_unlock(&mc->lock);
	return r;
}

/* Block until connection i may read on (its pass was released). false: stop. */
static bool wait_turn(struct dst_multi *mc, unsigned i)
{
	pthread_mutex_lock(&mc->lock);
	while (mig_passbar_waiting(&mc->bar, i) && !mc->failed && !mc->stop)
		pthread_cond_wait(&mc->cv, &mc->lock);
	bool go = !mc->failed && !mc->stop && !mc->bar.done;
	pthread_mutex_unlock(&mc->lock);
	return go;
}

static int one_record(struct dst_multi *mc, unsigned i, struct dst *t, char *why, size_t wlen)
{
	struct tsmig_rec_hdr h;
	struct mig_conn *c = &mc->conn[i];
	int r = mig_recv(c, &h, t->buf, TSMIG_REC_MAX);
	if (r) {
		snprintf(why, wlen, "%s", c->err);
		return r;
	}
	if (h.type == TSMIG_REC_PAGES) {
		if (h.flags) {
			snprintf(why, wlen, "PAGES of region %u (data connections carry RAM only)",
			         h.flags);
			return -EPROTO;
		}
		uint64_t before = 0, after = 0;
		for (unsigned k = 0; k <= TSMIG_PAGE_BLOCK; k++)
			before += t->n[k];
		if ((r = dst_pages(t, h.len))) {
			snprintf(why, wlen, "%s", t->err);
			return r;
		}
		for (unsigned k = 0; k <= TSMIG_PAGE_BLOCK; k++)
			after += t->n[k];
		pthread_mutex_lock(&mc->lock);
		r = mig_passbar_pages(&mc->bar, i, after - before, why, wlen);
		pthread_mutex_unlock(&mc->lock);
		return r;
	}
	if (h.type == TSMIG_REC_PASS_END) {
		struct tsmig_pass ps;
		memcpy(&ps, t->buf, sizeof(ps));
		pthread_mutex_lock(&mc->lock);
		r = mig_passbar_end(&mc->bar, i, &ps, why, wlen);
		pthread_cond_broadcast(&mc->cv);
		pthread_mutex_unlock(&mc->lock);
		return r;
	}
	snprintf(why, wlen, "%s record (a data connection carries only PAGES and PASS_END)",
	         tsmig_rec_name(h.type));
	return -EPROTO;
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	struct dst_multi *mc = w->mc;
	unsigned i = w->i;
	free(w);
	char err[256], why[256];
	struct dst t = *mc->d; /* shared RAM, leaves and limits; its own buffer and counters */
	memset(t.n, 0, sizeof(t.n));
	t.err = err;
	t.errlen = sizeof(err);
	t.mc = NULL;
	if (!(t.buf = malloc(TSMIG_REC_MAX))) {
		fail(mc, i, -ENOMEM, "out of memory");
		return NULL;
	}
	int r = 0;
	while (!r && wait_turn(mc, i)) {
		why[0] = 0;
		r = one_record(mc, i, &t, why, sizeof(why));
	}
	if (r && r != -ECANCELED) {
		pthread_mutex_lock(&mc->lock);
		uint32_t pass = mc->bar.pass;
		pthread_mutex_unlock(&mc->lock);
		char msg[300];
		snprintf(msg, sizeof(msg), "%.240s (pass %u)", why[0] ? why : strerror(-r), pass);
		fail(mc, i, r, msg);
	}
	memcpy(mc->kinds[i], t.n, sizeof(t.n));
	free(t.buf);
	return NULL;
}

/* Accept, secure and JOIN one data connection into mc->conn[*idx]. 0, or -errno with the
 * reason in d->err (the connection is then closed; admission goes on). */
static int join_one(struct dst *d, struct dst_multi *mc, int lfd, int sfd, uint64_t deadline,
                    char *peer, size_t peerlen)
{
	int fd = mig_accept(lfd, sfd, peer, peerlen, d->err, d->errlen);
	if (fd < 0)
		return fd;
	struct mig_conn c;
	mig_conn_init(&c, fd, false, MIG_DEFAULT_TIMEOUT_MS, sfd);
	c.deadline_ns = deadline;
	bool tell = true;
	d->err[0] = 0;
	int r = dst_secure(d, &c, lfd, &tell);
	struct tsmig_rec_hdr h;
	struct tsmig_join j;
	if (!r && (r = mig_recv(&c, &h, &j, sizeof(j))) == 0 && h.type != TSMIG_REC_JOIN)
		r = dst_fail(d, -EPROTO, "a data connection starts with %s, not JOIN",
		             tsmig_rec_name(h.type));
	if (!r && !(r = tsmig_join_check(&j, &d->hello, d->err, d->errlen)) &&
	    mc->conn[j.index].fd >= 0)
		r = dst_fail(d, -EPROTO, "JOIN: connection %u joined twice", j.index);
	if (r && !d->err[0])
		snprintf(d->err, d->errlen, "%s", c.err);
	if (r) {
		mig_conn_close(&c);
		return r;
	}
	mig_conn_set_deadline(&c, 0);
	/* no timeout of its own: a held migration may leave a data connection idle for long;
	 * the control connection's timeout (and the peer's close) end a dead migration */
	c.timeout_ms = -1;
	mc->conn[j.index] = c;
	return 0;
}

int dst_multi_admit(struct dst *d, int lfd, int sfd)
{
	struct dst_multi *mc = calloc(1, sizeof(*mc));
	if (!mc)
		return dst_fail(d, -ENOMEM, "out of memory");
	mc->d = d;
	mc->n = d->hello.connections;
	for (unsigned i = 0; i < TSMIG_CONN_MAX; i++)
		mc->conn[i].fd = -1;
	pthread_mutex_init(&mc->lock, NULL);
	pthread_cond_init(&mc->cv, NULL);
	mig_passbar_init(&mc->bar, mc->n);
	d->mc = mc;
	if ((mc->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return dst_fail(d, -errno, "eventfd: %s", strerror(errno));
	d->conn.wake_fd = mc->wake_fd;
	uint64_t deadline = mig_mono_ns() + MIG_HANDSHAKE_TIMEOUT_MS * 1000000ULL;
	unsigned joined = 1;
	while (joined < mc->n) {
		char peer[80] = "?";
		if (mig_mono_ns() >= deadline)
			return dst_fail(d, -ETIMEDOUT,
			                "only %u of %u data connections joined within %d ms",
			                joined - 1, mc->n - 1, MIG_HANDSHAKE_TIMEOUT_MS);
		int r = join_one(d, mc, lfd, sfd, deadline, peer, sizeof(peer));
		if (r == -ECANCELED)
			return r;
		if (r)
			pr_warn("incoming: refused data connection from %s: %s", peer, d->err);
		else
			joined++;
	}
	d->err[0] = 0;
	for (unsigned i = 1; i < mc->n; i++) {
		struct worker *w = malloc(sizeof(*w));
		if (w)
			*w = (struct worker){mc, i};
		int r = w ? -pthread_create(&mc->th[i], NULL, worker_thread, w) : -ENOMEM;
		if (r) {
			free(w);
			return dst_fail(d, r, "cannot start a receiving thread: %s", strerror(-r));
		}
		mc->started[i] = true;
	}
	pr_info("incoming: %u TCP connections (%u data connections joined)", mc->n, mc->n - 1);
	return 0;
}

int dst_multi_pages(struct dst *d, uint64_t count)
{
	struct dst_multi *mc = d->mc;
	pthread_mutex_lock(&mc->lock);
	int r = mig_passbar_pages(&mc->bar, 0, count, d->err, d->errlen);
	pthread_mutex_unlock(&mc->lock);
	return r;
}

int dst_multi_pass_end(struct dst *d, const struct tsmig_pass *ps)
{
	struct dst_multi *mc = d->mc;
	pthread_mutex_lock(&mc->lock);
	int r = mig_passbar_ctl(&mc->bar, ps, d->err, d->errlen);
	while (!r && !mig_passbar_ready(&mc->bar) && !mc->failed)
		pthread_cond_wait(&mc->cv, &mc->lock);
	if (!r && mc->failed)
		r = dst_fail(d, -EPROTO, "%s", mc->err);
	if (!r)
		r = mig_passbar_release(&mc->bar, ps, d->err, d->errlen);
	pthread_cond_broadcast(&mc->cv);
	pthread_mutex_unlock(&mc->lock);
	return r;
}

bool dst_multi_failed(struct dst *d)
{
	struct dst_multi *mc = d->mc;
	pthread_mutex_lock(&mc->lock);
	bool f = mc->failed;
	if (f)
		snprintf(d->err, d->errlen, "%s", mc->err);
	pthread_mutex_unlock(&mc->lock);
	return f;
}

void dst_multi_stop(struct dst *d)
{
	struct dst_multi *mc = d->mc;
	if (!mc)
		return;
	pthread_mutex_lock(&mc->lock);
	mc->stop = true;
	pthread_cond_broadcast(&mc->cv);
	pthread_mutex_unlock(&mc->lock);
	char per[200];
	size_t off =
	        (size_t)snprintf(per, sizeof(per), "%llu", (unsigned long long)d->conn.bytes_rx);
	for (unsigned i = 1; i < mc->n; i++) {
		if (off < sizeof(per))
			off += (size_t)snprintf(per + off, sizeof(per) - off, " / %llu",
			                        (unsigned long long)mc->conn[i].bytes_rx);
		if (mc->started[i]) { /* a thread blocked in a receive: end it */
			shutdown(mc->conn[i].fd, SHUT_RDWR);
			pthread_join(mc->th[i], NULL);
		}
		for (unsigned k = 0; k <= TSMIG_PAGE_BLOCK; k++)
			d->n[k] += mc->kinds[i][k];
		d->bytes += mc->conn[i].bytes_rx;
		mig_conn_close(&mc->conn[i]);
	}
	pr_info("incoming: bytes received per connection (control first): %s", per);
	d->conn.wake_fd = -1;
	if (mc->wake_fd >= 0)
		close(mc->wake_fd);
	pthread_mutex_destroy(&mc->lock);
	pthread_cond_destroy(&mc->cv);
	free(mc);
	d->mc = NULL;
}
