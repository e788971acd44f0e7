/* SPDX-License-Identifier: MIT */
/* tsvmm migration connection internals shared by conn.c (TCP, records) and conn_tls.c. */
#ifndef TSVMM_MIGRATE_CONN_PRIVATE_H
#define TSVMM_MIGRATE_CONN_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "migrate/conn.h"

struct iovec;

/* conn.c: wait for ev (POLLIN/POLLOUT) on c, at most timeout_ms and never past the deadline;
 * 0, -ETIMEDOUT or -ECANCELED. */
int mig_conn_wait(struct mig_conn *c, short ev);
/* conn.c: c->err from r and what failed ("receive"); returns r. */
int mig_conn_fail(struct mig_conn *c, int r, const char *what);

/* conn_tls.c: records through the TLS session. 0 or -errno (-EPROTO: c->tls_err). */
int mig_tls_write_all(struct mig_conn *c, const struct iovec *iov, int niov);
int mig_tls_read_all(struct mig_conn *c, void *buf, size_t n);
/* c->err for c->tls_err (a record-level TLS failure). */
void mig_tls_record_fail(struct mig_conn *c, const char *what);
/* Decrypted bytes waiting in the session (no TLS: false). */
bool mig_tls_pending(struct mig_conn *c);
/* Send close_notify if it fits (no TLS: nothing). */
void mig_tls_bye(struct mig_conn *c);
/* Free the session (no TLS: nothing). */
void mig_tls_end(struct mig_conn *c);

#endif
