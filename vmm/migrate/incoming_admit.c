// SPDX-License-Identifier: MIT
/*
 * tsvmm migration destination, admission: which peer may migrate into this VM. The listener
 * accepts until a peer passes (TLS handshake when credentials are set, then a HELLO that
 * matches this VM, all within the handshake timeout); every other peer is refused, logged
 * with its address and why, and the listener waits on. No guest memory is touched here.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/incoming_private.h"
#include "migrate/mig_metrics.h"
#include "migrate/tls.h"
#include "tsync/log.h"
#include "vm.h"
#include "vmm.h"

#define MIG_SILENT_MS 1000 /* a peer silent this long gives way to the next one */

int dst_fail(struct dst *d, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->err, d->errlen, fmt, ap);
	va_end(ap);
	return r;
}

int dst_status(struct dst *d, unsigned type, int err, const char *msg)
{
	struct tsmig_status s = {.err = err, .realtime_ns = mig_realtime_ns()};
	snprintf(s.msg, sizeof(s.msg), "%s", msg);
	return mig_send(&d->conn, type, &s, sizeof(s));
}

static int hello(struct dst *d, const char *disk_path)
{
	struct tsmig_rec_hdr h;
	struct tsmig_hello hi;
	int r = mig_recv(&d->conn, &h, d->buf, TSMIG_REC_MAX);
	if (r)
		return r;
	if (h.type != TSMIG_REC_HELLO)
		return dst_fail(d, -EPROTO, "stream starts with %s, not HELLO",
		                tsmig_rec_name(h.type));
	memcpy(&hi, d->buf, sizeof(hi));
	if ((r = tsmig_hello_check(&hi, d->err, d->errlen)))
		return r; /* d->err names both versions */
	d->features = hi.features;
	d->hello = hi;
	if (hi.mem_size != vm_mem_size(d->vm))
		return dst_fail(d, -EINVAL, "source has %llu MiB of RAM, this VM %llu MiB",
		                (unsigned long long)(hi.mem_size >> 20),
		                (unsigned long long)(vm_mem_size(d->vm) >> 20));
	if (hi.features & TSMIG_F_DISK) {
		struct stat sb;
		d->disk_fd = disk_path ? open(disk_path, O_RDONLY | O_CLOEXEC) : -1;
		if (d->disk_fd < 0 || fstat(d->disk_fd, &sb) < 0)
			return dst_fail(d, -ENOENT, "the source sends disk references but %s",
			                disk_path ? "the disk cannot be opened"
			                          : "there is no --disk");
		if ((uint64_t)sb.st_size != hi.disk_bytes)
			return dst_fail(d, -EINVAL, "disk size %llu differs from the source's %llu",
			                (unsigned long long)sb.st_size,
			                (unsigned long long)hi.disk_bytes);
		d->lim.disk_blocks = hi.disk_bytes / TSMIG_PAGE_SIZE;
	}
	return 0;
}

/* Tell the peer why (tell: it can read our records; unless it is gone or silent), let it
 * read that (or a TLS alert), drop the connection and forget what its HELLO set up. */
static void refuse(struct dst *d, int r, bool tell)
{
	if (r != -ECONNRESET && r != -EPIPE && r != -ETIMEDOUT && r != -ECANCELED) {
		if (tell)
			dst_status(d, TSMIG_REC_ERROR, r, d->err);
		mig_conn_drain(&d->conn, 1000);
	}
	mig_conn_close(&d->conn);
	if (d->disk_fd >= 0)
		close(d->disk_fd);
	d->disk_fd = -1;
	d->lim.disk_blocks = 0;
}

/*
 * The peer's first byte, within the handshake deadline. A real source speaks at once; a peer
 * silent for MIG_SILENT_MS while another connection waits in lfd's backlog gives way to it,
 * so that stray silent connections cannot keep a migration waiting 5 s each.
 */
static int first_byte(struct dst *d, struct mig_conn *c, int lfd, uint8_t *b)
{
	int keep = c->timeout_ms, r;
	uint64_t t0 = mig_mono_ns();
	c->timeout_ms = 100;
	while ((r = mig_conn_peek(c, b)) == -ETIMEDOUT && mig_mono_ns() < c->deadline_ns) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		if (mig_mono_ns() - t0 >= MIG_SILENT_MS * 1000000ULL && poll(&p, 1, 0) == 1) {
			r = dst_fail(d, -ETIMEDOUT, "silent for %d ms while another peer waits",
			             MIG_SILENT_MS);
			break;
		}
	}
	c->timeout_ms = keep;
	return r;
}

/*
 * The first byte tells a TLS ClientHello (0x16) from a plaintext record. With credentials:
 * a plaintext peer is refused in plaintext (so a plaintext tsvmm source reads why), a TLS
 * peer must complete the handshake (authenticated by the PSK or its certificate) within the
 * deadline. Without: a TLS client is refused. *tell: whether the peer can read our records.
 */
int dst_secure(struct dst *d, struct mig_conn *c, int lfd, bool *tell)
{
	uint8_t b;
	int r = first_byte(d, c, lfd, &b);
	if (r)
		return r;
	if (!d->tls && b == 0x16)
		return dst_fail(d, -EPROTO,
		                "a TLS client (first byte 0x16), but this destination runs "
		                "--migrate-plaintext");
	if (!d->tls)
		return 0;
	if (b != 0x16)
		return dst_fail(d, -EPROTO,
		                "not TLS (first byte 0x%02x%s): this destination requires TLS "
		                "(--tls-psk or --tls-cert)",
		                b, b == TSMIG_REC_HELLO ? ", a plaintext tsvmm migration" : "");
	*tell = false; /* until the handshake completed: GnuTLS sends the alerts */
	r = mig_conn_start_tls(c, d->tls, NULL);
	*tell = r == 0;
	return r;
}

int dst_admit(struct dst *d, int lfd, int sfd, char *peer, size_t peerlen)
{
	for (;;) {
		int fd = mig_accept(lfd, sfd, peer, peerlen, d->err, d->errlen);
		if (fd < 0)
			return fd;
		mig_conn_init(&d->conn, fd, false, MIG_DEFAULT_TIMEOUT_MS, sfd);
		mig_conn_set_deadline(&d->conn, MIG_HANDSHAKE_TIMEOUT_MS);
		d->err[0] = 0;
		bool tell = true;
		int r = dst_secure(d, &d->conn, lfd, &tell);
		if (!r)
			r = hello(d, vmm_config(d->vmm)->disk_path);
		if (r && !d->err[0])
			snprintf(d->err, d->errlen, "%s", d->conn.err);
		if (!r) {
			char desc[128];
			mig_conn_set_deadline(&d->conn, 0);
			pr_info("incoming: migration from %s: %s%s%s", peer,
			        mig_conn_desc(&d->conn, desc, sizeof(desc)), d->tls ? ", " : "",
			        d->tls ? mig_tls_kind(d->tls) : "");
			return 0;
		}
		if (r == -ECANCELED) {
			mig_conn_close(&d->conn);
			return r;
		}
		pr_warn("incoming: refused %s after %llu bytes: %s", peer,
		        (unsigned long long)d->conn.bytes_rx, d->err);
		refuse(d, r, tell);
		pr_info("incoming: still waiting for a migration");
	}
}
