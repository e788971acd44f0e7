// SPDX-License-Identifier: MIT
/*
 * tsvmm migration source over parallel TCP connections (migrate-set-parameters
 * "connections": N, include/uapi/tsvmm-migration.h "Parallel connections"): the PAGES records
 * of a pass (MULTI_REC bytes) go, one record at a time, to the connection with the fewest
 * bytes not yet sent in its socket (so a connection whose window is full does not hold the
 * others back); every pass
 * ends with PASS_END on every data connection, then on the control connection.
 */
#include <errno.h>
#include <linux/sockios.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "migrate/migrate_private.h"
#include "migrate/precopy_private.h"
#include "migrate/tls.h"
#include "tsync/log.h"

static struct mig_conn *conn_of(struct src *s, unsigned i)
{
	return i ? &s->data[i] : &s->conn;
}

int multi_setup(struct src *s, uint64_t token, const struct mig_tls_opts *to)
{
	for (unsigned i = 1; i < s->nconn; i++) {
		struct mig_conn *c = &s->data[i];
		char why[sizeof(s->conn.err)];
		int fd = mig_connect(s->g->uri, (int)s->p.timeout_ms, s->g->cancel_fd, why,
		                     sizeof(why));
		if (fd < 0) {
			snprintf(s->conn.err, sizeof(s->conn.err), "data connection %u: %.200s", i,
			         why);
			return fd;
		}
		mig_conn_init(c, fd, true, (int)s->p.timeout_ms, s->g->cancel_fd);
		c->rate_bps = s->conn.rate_bps;
		int r = s->tls ? mig_conn_start_tls(c, s->tls, to->hostname) : 0;
		struct tsmig_join j = {
		        .magic = TSMIG_MAGIC, .index = i, .connections = s->nconn, .token = token};
		r = r ?: mig_send(c, TSMIG_REC_JOIN, &j, sizeof(j));
		if (r) {
			snprintf(s->conn.err, sizeof(s->conn.err), "data connection %u: %.200s", i,
			         c->err);
			return r;
		}
	}
	if (s->nconn > 1 && !(s->where = malloc(s->npages)))
		return -ENOMEM;
	pr_info("migration to %s: %u TCP connections", s->g->uri, s->nconn);
	return 0;
}

struct mig_conn *multi_conn(struct src *s)
{
	return conn_of(s, s->cur);
}

void multi_next(struct src *s)
{
	if (s->nconn < 2)
		return;
	if (s->fault_conn == 1 && s->cur == 1 && !s->dead[1]) {
		/* test fault: data connection 1 drops after its first record */
		shutdown(s->data[1].fd, SHUT_RDWR);
		s->dead[1] = true;
		pr_warn("test fault: data connection 1 dropped");
	}
	unsigned best = 0;
	int least = -1;
	for (unsigned i = 0; i < s->nconn; i++) {
		int q = 0;
		if (s->dead[i] || ioctl(conn_of(s, i)->fd, SIOCOUTQNSD, &q) < 0)
			continue;
		if (least < 0 || q < least) {
			least = q;
			best = i;
		}
	}
	s->cur = best;
}

void multi_pass_begin(struct src *s)
{
	memset(s->cpages, 0, sizeof(s->cpages));
	if (s->where)
		memset(s->where, MULTI_EARLIER, s->npages);
}

int multi_pass_end(struct src *s, const struct tsmig_pass *ps)
{
	for (unsigned i = 1; i < s->nconn; i++) {
		if (s->dead[i])
			continue;
		struct tsmig_pass p = {.pass = ps->pass, .final = ps->final, .pages = s->cpages[i]};
		if (s->fault_conn == 2 && i == 1)
			p.pass++; /* test fault: a record of another pass */
		int r = mig_send(&s->data[i], TSMIG_REC_PASS_END, &p, sizeof(p));
		if (r) {
			snprintf(s->conn.err, sizeof(s->conn.err), "data connection %u: %.200s", i,
			         s->data[i].err);
			return r;
		}
	}
	return 0;
}

uint64_t multi_bytes_tx(const struct src *s)
{
	uint64_t b = s->conn.bytes_tx;
	for (unsigned i = 1; i < s->nconn; i++)
		b += s->data[i].bytes_tx;
	return b;
}

void multi_close(struct src *s)
{
	for (unsigned i = 1; i < s->nconn; i++)
		mig_conn_close(&s->data[i]);
	free(s->where);
	s->where = NULL;
}
