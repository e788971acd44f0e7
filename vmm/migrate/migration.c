// SPDX-License-Identifier: MIT
/* tsvmm migration source object: parameters, start/cancel/query, control-socket commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "control_cmds.h"
#include "devices/device.h"
#include "migrate/checksum.h"
#include "migrate/conn.h"
#include "migrate/migrate_private.h"
#include "uapi/tsvmm-migration.h"
#include "vcpu.h"
#include "vcpu_tsc.h"
#include "vm.h"
#include "vmm.h"

struct migration *migration_create(struct vmm *m, bool *quit)
{
	struct migration *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->vmm = m;
	g->quit = quit;
	g->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (g->cancel_fd < 0) {
		free(g);
		return NULL;
	}
	pthread_mutex_init(&g->lock, NULL);
	mig_params_default(&g->params);
	return g;
}

static bool busy(const struct migration *g)
{
	return g->running && (g->met.status == MIG_SETUP || g->met.status == MIG_ACTIVE ||
	                      g->met.status == MIG_DEVICE);
}

void migration_wait(struct migration *g)
{
	pthread_mutex_lock(&g->lock);
	bool join = g->running;
	g->running = false;
	pthread_mutex_unlock(&g->lock);
	if (join)
		pthread_join(g->thread, NULL);
}

void migration_destroy(struct migration *g)
{
	if (!g)
		return;
	migration_cancel(g);
	migration_wait(g);
	close(g->cancel_fd);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

int migration_set_params(struct migration *g, const json_t *obj, char *err, size_t errlen)
{
	pthread_mutex_lock(&g->lock);
	int r = busy(g) ? -EBUSY : mig_params_parse(&g->params, obj, err, errlen);
	if (r == -EBUSY)
		snprintf(err, errlen, "a migration is running");
	pthread_mutex_unlock(&g->lock);
	return r;
}

void migration_tls_opts(const struct migration *g, struct mig_tls_opts *o)
{
	*o = (struct mig_tls_opts){.psk_file = g->psk[0] ? g->psk : NULL,
	                           .cert = g->cert[0] ? g->cert : NULL,
	                           .key = g->key[0] ? g->key : NULL,
	                           .ca = g->ca[0] ? g->ca : NULL,
	                           .hostname = g->hostname[0] ? g->hostname : NULL,
	                           .plaintext = g->plaintext};
}

static void copy(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s ? s : "");
}

int migration_start(struct migration *g, const char *uri, const struct mig_tls_opts *tls, char *err,
                    size_t errlen)
{
	char host[256], port[32];
	if (mig_parse_addr(uri, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, errlen, "bad uri '%s' (want tcp:ADDR:PORT)", uri);
		return -EINVAL;
	}
	const struct vmm_config *cfg = vmm_config(g->vmm);
	struct mig_tls_opts o = {cfg->tls_psk, cfg->tls_cert, cfg->tls_key,
	                         cfg->tls_ca,  NULL,          cfg->migrate_plaintext};
	if (tls)
		o = *tls;
	if (mig_tls_opts_check(&o, "migrate", err, errlen))
		return -EINVAL;
	enum vmm_state vs = vmm_get_state(g->vmm);
	if (vs != VMM_RUNNING && vs != VMM_PAUSED) {
		snprintf(err, errlen, "the guest is %s", vmm_state_name(vs));
		return -ESRCH;
	}
	pthread_mutex_lock(&g->lock);
	bool b = busy(g);
	pthread_mutex_unlock(&g->lock);
	if (b) {
		snprintf(err, errlen, "a migration is running");
		return -EBUSY;
	}
	migration_wait(g); /* join a finished one */
	uint64_t junk;
	while (read(g->cancel_fd, &junk, sizeof(junk)) > 0) /* forget an old cancel */
		;
	pthread_mutex_lock(&g->lock);
	memset(&g->met, 0, sizeof(g->met));
	g->met.status = MIG_SETUP;
	snprintf(g->uri, sizeof(g->uri), "%s", uri);
	copy(g->psk, sizeof(g->psk), o.psk_file);
	copy(g->cert, sizeof(g->cert), o.cert);
	copy(g->key, sizeof(g->key), o.key);
	copy(g->ca, sizeof(g->ca), o.ca);
	copy(g->hostname, sizeof(g->hostname), o.hostname ? o.hostname : host);
	g->plaintext = o.plaintext;
	g->start_ns = mig_mono_ns();
	int r = -pthread_create(&g->thread, NULL, precopy_thread, g);
	g->running = r == 0;
	if (r) {
		g->met.status = MIG_FAILED;
		snprintf(err, errlen, "cannot start the migration thread: %s", strerror(-r));
	}
	pthread_mutex_unlock(&g->lock);
	return r;
}

int migration_cancel(struct migration *g)
{
	pthread_mutex_lock(&g->lock);
	bool b = busy(g);
	pthread_mutex_unlock(&g->lock);
	if (!b)
		return -ENOENT;
	uint64_t one = 1;
	return write(g->cancel_fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

size_t migration_query(struct migration *g, char *buf, size_t len)
{
	pthread_mutex_lock(&g->lock);
	struct mig_metrics m = g->met;
	struct mig_params p = g->params;
	if (busy(g))
		m.total_ns = mig_mono_ns() - g->start_ns;
	pthread_mutex_unlock(&g->lock);
	return mig_metrics_json(&m, &p, buf, len);
}

/* ---- control-socket commands ---- */

static struct migration *get(void *ctx, char *ret, size_t len)
{
	struct vmm_ctl *c = ctx;
	if (!c->mig)
		c->mig = migration_create(c->vmm, &c->quit);
	if (!c->mig)
		snprintf(ret, len, "out of memory");
	return c->mig;
}

int migrate_cmd_migrate(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	struct migration *g = get(ctx, ret, len);
	char uri[256];
	if (!g)
		return -ENOMEM;
	if (!req->args || json_get_string(req->args, "uri", uri, sizeof(uri))) {
		snprintf(ret, len, "migrate needs {\"uri\": \"tcp:ADDR:PORT\"}");
		return -EINVAL;
	}
	/* credentials for this migration (the evacuate manager passes its own): any of
	 * tls-psk, tls-cert/tls-key/tls-ca or plaintext replaces tsvmm's command-line ones */
	char psk[256] = "", cert[256] = "", key[256] = "", ca[256] = "", hn[256] = "";
	int plain = 0;
	const json_t *a = req->args;
	json_get_string(a, "tls-psk", psk, sizeof(psk));
	json_get_string(a, "tls-cert", cert, sizeof(cert));
	json_get_string(a, "tls-key", key, sizeof(key));
	json_get_string(a, "tls-ca", ca, sizeof(ca));
	json_get_string(a, "tls-hostname", hn, sizeof(hn));
	json_get_bool(a, "plaintext", &plain);
	struct mig_tls_opts o = {psk[0] ? psk : NULL, cert[0] ? cert : NULL, key[0] ? key : NULL,
	                         ca[0] ? ca : NULL,   hn[0] ? hn : NULL,     plain != 0};
	bool own = o.psk_file || o.cert || o.key || o.ca || o.plaintext;
	if (!own) { /* the command line's, with the hostname asked for */
		const struct vmm_config *cfg = vmm_config(g->vmm);
		o = (struct mig_tls_opts){cfg->tls_psk, cfg->tls_cert, cfg->tls_key,
		                          cfg->tls_ca,  o.hostname,    cfg->migrate_plaintext};
	}
	int r = migration_start(g, uri, &o, ret, len);
	if (!r)
		snprintf(ret, len, "{}");
	return r;
}

int migrate_cmd_set_params(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	struct migration *g = get(ctx, ret, len);
	if (!g)
		return -ENOMEM;
	int r = req->args ? migration_set_params(g, req->args, ret, len) : 0;
	if (!r)
		snprintf(ret, len, "{}");
	return r;
}

int migrate_cmd_query(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	struct migration *g = get(ctx, ret, len);
	(void)req;
	if (!g)
		return -ENOMEM;
	size_t n = migration_query(g, ret, len);
	/* + "tsc": how this VMM keeps the guest's TSC (vmm/vcpu_tsc.h), both ends */
	if (n < len && n > 0 && ret[n - 1] == '}') {
		n--;
		n += (size_t)snprintf(ret + n, len - n, ", \"tsc\": ");
		if (n < len)
			n += (size_t)vmm_tsc_json(g->vmm, ret + n, len - n);
		if (n < len)
			n += (size_t)snprintf(ret + n, len - n, "}");
	}
	if (n >= len) {
		snprintf(ret, len, "reply too long");
		return -ENOSPC;
	}
	return 0;
}

int migrate_cmd_cancel(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	struct migration *g = get(ctx, ret, len);
	(void)req;
	if (!g)
		return -ENOMEM;
	int r = migration_cancel(g);
	if (r)
		snprintf(ret, len, "no migration is running");
	else
		snprintf(ret, len, "{}");
	return r;
}

int migrate_cmd_checksum(void *ctx, const struct ctl_request *req, char *ret, size_t len)
{
	struct vmm *m = ((struct vmm_ctl *)ctx)->vmm;
	struct vm *vm = vmm_vm(m);
	uint8_t *dev = NULL, digest[16];
	size_t devlen = 0;
	struct kvm_regs regs;
	(void)req;
	bool paused = vmm_get_state(m) == VMM_PAUSED;
	int r = devices_save(vmm_devices(m), &dev, &devlen);
	if (!r && paused && ioctl(vcpu_fd(vmm_vcpu(m)), KVM_GET_REGS, &regs) < 0)
		r = -errno;
	if (!r)
		r = mig_checksum(vm_gpa_to_hva(vm, 0, vm_mem_size(vm)),
		                 vm_mem_size(vm) / TSMIG_PAGE_SIZE, NULL, NULL, dev, devlen,
		                 paused ? &regs : NULL, digest);
	free(dev);
	if (r) {
		snprintf(ret, len, "checksum failed: %s", strerror(-r));
		return r;
	}
	char hex[33];
	snprintf(ret, len, "{\"checksum\": \"%s\", \"pages\": %llu, \"with-vcpu\": %s}",
	         mig_digest_hex(digest, hex),
	         (unsigned long long)(vm_mem_size(vm) / TSMIG_PAGE_SIZE),
	         paused ? "true" : "false");
	return 0;
}
