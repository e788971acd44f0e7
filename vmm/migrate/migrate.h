/* SPDX-License-Identifier: MIT */
/*
 * tsvmm live migration, the entry points for main() and the control socket.
 *
 * Source: "migrate" starts a pre-copy migration thread (precopy.c) that streams RAM over TCP
 * with KVM dirty logging, stops the vCPU when the expected downtime fits the limit (or the
 * pass cap is reached), sends the rest with the vCPU, clock and device state, and waits for
 * the destination to confirm that it runs; then it asks main() to quit. On any failure the
 * source vCPU runs on and its memory is untouched.
 * Destination: "tsvmm run ... --incoming ADDR:PORT" calls migrate_incoming() (incoming.c)
 * instead of starting the vCPU.
 */
#ifndef TSVMM_MIGRATE_H
#define TSVMM_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "control.h"

struct vmm;
struct migration;

/* The source side of one VM (parameters, at most one migration at a time). NULL with
 * errno. quit: set (atomically) once a migration completed, for main() to exit. */
struct migration *migration_create(struct vmm *m, bool *quit);
/* Cancel a running migration (the source resumes), join its thread, free. */
void migration_destroy(struct migration *g);

/* migrate-set-parameters: apply a JSON object. 0 or -EINVAL/-EBUSY with err. */
int migration_set_params(struct migration *g, const json_t *obj, char *err, size_t errlen);
/* Start migrating to uri ("tcp:ADDR:PORT" or "ADDR:PORT") with the credentials of tls
 * (NULL: tsvmm's --tls-psk/--tls-cert/--tls-key/--tls-ca/--migrate-plaintext). 0, or
 * -EBUSY (one is running), -ESRCH (the guest is not running), -EINVAL (no or contradictory
 * credentials), -errno with err. */
struct mig_tls_opts;
int migration_start(struct migration *g, const char *uri, const struct mig_tls_opts *tls, char *err,
                    size_t errlen);
/* Ask a running migration to stop (the source resumes). 0 or -ENOENT. */
int migration_cancel(struct migration *g);
/* query-migrate "return" object into buf. Returns the length it needs. */
size_t migration_query(struct migration *g, char *buf, size_t len);
/* Block until no migration runs (tests and main). */
void migration_wait(struct migration *g);

/*
 * Destination: listen on addr, receive a migration into m (built but not started), check
 * the switchover checksum, start the vCPU and confirm to the source. SIGINT/SIGTERM (blocked
 * by main, read through a signalfd here) cancel. 0 when the guest runs, else -errno with a
 * reason in err (the vCPU never ran).
 */
int migrate_incoming(struct vmm *m, const char *addr, char *err, size_t errlen);

/* Control-socket handlers (control_fn contract; ctx is main()'s struct vmm_ctl).
 * migrate {"uri": "tcp:ADDR:PORT"} uses tsvmm's --tls-* / --migrate-plaintext flags; any of
 * "tls-psk", "tls-cert" + "tls-key" + "tls-ca" (paths) or "plaintext": true replaces them
 * for this migration, "tls-hostname" names the host the destination's certificate must
 * carry (default: the URI's host). No credentials and no plaintext: refused at once. */
int migrate_cmd_migrate(void *ctx, const struct ctl_request *req, char *ret, size_t len);
int migrate_cmd_set_params(void *ctx, const struct ctl_request *req, char *ret, size_t len);
int migrate_cmd_query(void *ctx, const struct ctl_request *req, char *ret, size_t len);
int migrate_cmd_cancel(void *ctx, const struct ctl_request *req, char *ret, size_t len);
/* x-memory-checksum: the switchover checksum of this VM now (RAM + devices; + kvm_regs when
 * paused), {"checksum": HEX, "pages": N, "with-vcpu": B}. */
int migrate_cmd_checksum(void *ctx, const struct ctl_request *req, char *ret, size_t len);

#endif
