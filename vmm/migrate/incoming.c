// SPDX-License-Identifier: MIT
/*
 * tsvmm migration destination: receive RAM and state into a built, not yet started VM,
 * verify the switchover checksum, wait for GO, start the vCPU and confirm RUNNING.
 * Every record is validated (stream.c) before use; a reference (DUP) is verified by hash
 * before its content is copied. Any error: the vCPU never runs, the source is told why.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "devices/device.h"
#include "migrate/checksum.h"
#include "migrate/compress.h"
#include "migrate/conn.h"
#include "migrate/dedup.h"
#include "migrate/mig_metrics.h"
#include "migrate/incoming_private.h"
#include "migrate/migrate.h"
#include "migrate/tls.h"
#include "tsync/log.h"
#include "vcpu.h"
#include "vcpu_tsc.h"
#include "vm.h"
#include "vmm.h"

#define SAMPLE_PAGES 1024 /* pages re-read at the switchover */

/* Page pfn now holds what this side wrote: record its hash, read back from RAM. */
static void written(struct dst *d, uint64_t pfn)
{
	uint8_t *pg = d->ram + pfn * TSMIG_PAGE_SIZE;
	if (pfn == d->fault_pfn)
		pg[0] ^= 0x01; /* the test fault: a wrong byte, as a buggy apply would leave */
	d->ph[pfn] = mig_page_hash64(pg);
	/* atomic: parallel connections apply pages of one 64-page word in several threads */
	__atomic_fetch_or(&d->have[pfn / 64], 1ULL << (pfn % 64), __ATOMIC_RELAXED);
}

static int apply_one(struct dst *d, const struct tsmig_entry *e)
{
	uint8_t *pg = d->ram + e->pfn * TSMIG_PAGE_SIZE;
	uint8_t tmp[TSMIG_PAGE_SIZE];
	switch (e->kind) {
	case TSMIG_PAGE_FULL:
		memcpy(pg, e->data, TSMIG_PAGE_SIZE);
		return 0;
	case TSMIG_PAGE_DUP: {
		const uint8_t *src = d->ram + e->ref.ref * TSMIG_PAGE_SIZE;
		if (!mig_hash_eq(mig_page_hash(src), mig_hash_get(e->ref.hash)))
			return dst_fail(
			        d, -EBADMSG,
			        "DUP reference: page %llu does not hold the content announced "
			        "for page %llu",
			        (unsigned long long)e->ref.ref, (unsigned long long)e->pfn);
		if (src != pg)
			memcpy(pg, src, TSMIG_PAGE_SIZE);
		return 0;
	}
	case TSMIG_PAGE_DISK:
		if (pread(d->disk_fd, tmp, TSMIG_PAGE_SIZE,
		          (off_t)(e->ref.ref * TSMIG_PAGE_SIZE)) != TSMIG_PAGE_SIZE)
			return dst_fail(d, -EIO, "disk block %llu: %s",
			                (unsigned long long)e->ref.ref, strerror(errno));
		/* written since the source looked: it re-sends the page (checksum decides) */
		d->disk_mismatch += !mig_hash_eq(mig_page_hash(tmp), mig_hash_get(e->ref.hash));
		memcpy(pg, tmp, TSMIG_PAGE_SIZE);
		return 0;
	case TSMIG_PAGE_BLOCK: /* storage flim: a block this VM's image holds */
		return dst_disk_block_page(d, e, pg);
	default:
		if (mig_decompress_page(e->kind, e->data, e->len, pg))
			return dst_fail(d, -EBADMSG, "page %llu: bad compressed data",
			                (unsigned long long)e->pfn);
		return 0;
	}
}

static int apply(struct dst *d, const struct tsmig_entry *e)
{
	d->n[e->kind] += e->count;
	if (e->kind == TSMIG_PAGE_ZERO) {
		uint8_t *pg = d->ram + e->pfn * TSMIG_PAGE_SIZE;
		for (uint64_t p = e->pfn; p < e->pfn + e->count; p++, pg += TSMIG_PAGE_SIZE) {
			if (!mig_page_is_zero(pg)) /* untouched pages stay unallocated */
				memset(pg, 0, TSMIG_PAGE_SIZE);
			/* zero now: tested or just cleared, so its hash is known without reading */
			if (p == d->fault_pfn) {
				written(d, p);
			} else {
				d->ph[p] = d->zero_h64;
				__atomic_fetch_or(&d->have[p / 64], 1ULL << (p % 64),
				                  __ATOMIC_RELAXED);
			}
		}
		return 0;
	}
	int r = apply_one(d, e);
	if (!r)
		written(d, e->pfn);
	return r;
}

int dst_pages(struct dst *d, uint32_t len)
{
	size_t off = 0;
	struct tsmig_entry e;
	int r;
	while ((r = tsmig_entry_next(d->buf, len, &off, &d->lim, &e, d->err, d->errlen)) == 1)
		if ((r = apply(d, &e)))
			return r;
	return r;
}

/* RAM pages applied so far (every kind). */
static uint64_t pages_in(const struct dst *d)
{
	uint64_t n = 0;
	for (unsigned k = TSMIG_PAGE_FULL; k <= TSMIG_PAGE_BLOCK; k++)
		n += d->n[k];
	return n;
}

/* Records up to DATA_END. */
static int receive(struct dst *d)
{
	for (;;) {
		struct tsmig_rec_hdr h;
		int r = mig_recv(&d->conn, &h, d->buf, TSMIG_REC_MAX);
		if (r)
			return r;
		switch (h.type) {
		case TSMIG_REC_REGION: {
			struct tsmig_region rg;
			memcpy(&rg, d->buf, sizeof(rg));
			if ((r = tsmig_region_add(&d->regions, &rg, vm_mem_size(d->vm), d->err,
			                          d->errlen)))
				return r; /* d->err names the cause */
			if (rg.kind == TSMIG_REGION_DISK && (r = dst_disk_region(d, &rg)))
				return r;
			break;
		}
		case TSMIG_REC_PAGES: {
			const struct tsmig_region *rg =
			        tsmig_region_of(&d->regions, &h, d->err, d->errlen);
			if (!rg)
				return -EPROTO; /* d->err names the cause */
			uint64_t before = pages_in(d);
			r = rg->kind == TSMIG_REGION_DISK ? dst_disk_pages(d, h.len)
			                                  : dst_pages(d, h.len);
			if (r)
				return r;
			if (d->mc && (r = dst_multi_pages(d, pages_in(d) - before)))
				return r;
			break;
		}
		case TSMIG_REC_PASS_END: {
			struct tsmig_pass ps;
			memcpy(&ps, d->buf, sizeof(ps));
			d->passes++;
			if (d->mc && (r = dst_multi_pass_end(d, &ps))) /* the barrier */
				return r;
			if (!ps.final &&
			    (r = mig_send(&d->conn, TSMIG_REC_PASS_ACK, &ps, sizeof(ps))))
				return r;
			if (!ps.final) /* after the ACK: the source does not wait for it */
				devices_migration(vmm_devices(d->vmm), d->vmm, false, DEV_MIG_PASS,
				                  ps.pages);
			break;
		}
		case TSMIG_REC_DISK_MISSING:
			if ((r = dst_disk_missing(d, h.len)))
				return r;
			break;
		case TSMIG_REC_CPU:
			memcpy(d->st, d->buf, sizeof(*d->st));
			if (d->st->version != VCPU_STATE_VERSION ||
			    d->st->nmsrs > VCPU_STATE_MAX_MSRS)
				return dst_fail(d, -EBADMSG, "CPU record: version %u, %u MSRs",
				                d->st->version, d->st->nmsrs);
			d->have_cpu = true;
			break;
		case TSMIG_REC_CLOCK:
			memcpy(&d->clk, d->buf, sizeof(d->clk));
			d->have_clock = true;
			break;
		case TSMIG_REC_TSC: /* vmm/vcpu_tsc.h */
			memcpy(&d->tsc, d->buf, sizeof(d->tsc));
			if ((r = vcpu_tsc_rec_check(&d->tsc, d->err, d->errlen)))
				return r;
			d->have_tsc = true;
			break;
		case TSMIG_REC_DEVICES:
			free(d->dev);
			if (!(d->dev = malloc(h.len)))
				return dst_fail(d, -ENOMEM, "out of memory");
			memcpy(d->dev, d->buf, h.len);
			d->devlen = h.len;
			break;
		case TSMIG_REC_DATA_END: {
			struct tsmig_data_end e;
			memcpy(&e, d->buf, sizeof(e));
			d->stop_rt = e.stop_realtime_ns;
			if (!d->have_cpu || !d->have_clock || !d->dev)
				return dst_fail(d, -EPROTO,
				                "DATA_END before the CPU, CLOCK and DEVICES");
			return 0;
		}
		default:
			return dst_fail(d, -EPROTO, "unexpected %s record before DATA_END",
			                tsmig_rec_name(h.type));
		}
	}
}

/*
 * Complete the page hashes: a page never written here is hashed from RAM. Then re-read
 * SAMPLE_PAGES pages picked at random: each must still hash as it did when written (nothing
 * but the migration may write the RAM of a VM that has not run). The rest is not re-read:
 * the switchover stays O(pages), not O(RAM).
 */
static int verify_pages(struct dst *d)
{
	for (uint64_t p = 0; p < d->npages; p++)
		if (!(d->have[p / 64] >> (p % 64) & 1))
			d->ph[p] = mig_page_hash64(d->ram + p * TSMIG_PAGE_SIZE);
	uint64_t x = mig_realtime_ns() | 1;
	for (unsigned i = 0; i < SAMPLE_PAGES && d->npages; i++) {
		x ^= x << 13; /* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t p = d->npages <= SAMPLE_PAGES ? i % d->npages : x % d->npages;
		if (mig_page_hash64(d->ram + p * TSMIG_PAGE_SIZE) != d->ph[p])
			return dst_fail(d, -EBADMSG,
			                "page %llu changed after it was received: refusing to run",
			                (unsigned long long)p);
	}
	return 0;
}

/* Load vCPU, clock and devices; checksum; compare with the source's. */
static int load_and_verify(struct dst *d)
{
	int r = devices_load(vmm_devices(d->vmm), d->dev, d->devlen);
	if (r)
		return dst_fail(d, r, "device state rejected: %s", strerror(-r));
	if ((r = vcpu_state_set(vmm_vcpu(d->vmm), d->st, VCPU_STATE_KEEP_TSC)))
		return dst_fail(d, r, "vCPU state rejected by KVM: %s", strerror(-r));
	struct kvm_clock_data c = {.clock = d->clk.clock,
	                           .flags = d->clk.flags,
	                           .realtime = d->clk.realtime,
	                           .host_tsc = d->clk.host_tsc};
	if ((r = vm_clock_set(d->vm, &c)))
		return dst_fail(d, r, "KVM_SET_CLOCK: %s", strerror(-r));
	uint8_t *dev = NULL, mine[16];
	size_t devlen = 0;
	struct kvm_regs regs;
	uint64_t t0 = mig_mono_ns();
	if ((r = verify_pages(d)))
		return r;
	if ((r = devices_save(vmm_devices(d->vmm), &dev, &devlen)))
		return dst_fail(d, r, "device state: %s", strerror(-r));
	if (ioctl(vcpu_fd(vmm_vcpu(d->vmm)), KVM_GET_REGS, &regs) < 0)
		r = -errno;
	const uint64_t *dh = NULL;
	uint64_t nblocks = 0;
	if (!r)
		r = dst_disk_leaves(d, &dh, &nblocks);
	if (!r)
		r = mig_checksum_leaves(d->ph, d->npages, dh, nblocks, dev, devlen, &regs, mine);
	uint64_t ck_ns = mig_mono_ns() - t0;
	free(dev);
	if (r)
		return dst_fail(d, r, "checksum: %s", strerror(-r));
	struct tsmig_rec_hdr h;
	struct tsmig_checksum ck;
	if ((r = mig_recv(&d->conn, &h, d->buf, TSMIG_REC_MAX)))
		return r;
	if (h.type != TSMIG_REC_CHECKSUM)
		return dst_fail(d, -EPROTO, "%s record instead of CHECKSUM",
		                tsmig_rec_name(h.type));
	memcpy(&ck, d->buf, sizeof(ck));
	char a[33], b[33];
	memcpy(d->digest, mine, sizeof(d->digest));
	if (memcmp(ck.digest, mine, 16))
		return dst_fail(d, -EBADMSG,
		                "checksum mismatch: source %s, here %s: refusing to run",
		                mig_digest_hex(ck.digest, a), mig_digest_hex(mine, b));
	pr_info("incoming: checksum %s matches (page hashes kept while receiving, %u pages "
	        "re-read%s: %.3f ms)",
	        mig_digest_hex(mine, a), SAMPLE_PAGES, nblocks ? ", disk blocks too" : "",
	        ck_ns / 1e6);
	return 0;
}

int dst_verify(struct mig_conn *c, const uint8_t digest[16], char *err, size_t errlen)
{
	struct tsmig_rec_hdr h;
	struct tsmig_checksum ck;
	struct tsmig_status st = {0};
	char a[33], b[33];
	int r = mig_recv(c, &h, &ck, sizeof(ck));
	if (r)
		snprintf(err, errlen, "%.200s", c->err);
	else if (h.type != TSMIG_REC_VERIFY)
		r = -EPROTO,
		snprintf(err, errlen, "%s record instead of VERIFY", tsmig_rec_name(h.type));
	else if (memcmp(ck.digest, digest, sizeof(ck.digest)))
		r = -EBADMSG, snprintf(err, errlen,
		                       "after the switchover: the source's RAM as read after its "
		                       "stop (%s) differs from what was received (%s)",
		                       mig_digest_hex(ck.digest, a), mig_digest_hex(digest, b));
	if (r) {
		pr_err("incoming: checksum early: %s", err);
		st.err = r;
		snprintf(st.msg, sizeof(st.msg), "%.100s", err);
		if (r == -EBADMSG || r == -EPROTO)
			mig_send(c, TSMIG_REC_ERROR, &st, sizeof(st));
		return r;
	}
	pr_info("incoming: checksum early: the source's RAM after its stop verified (%s)",
	        mig_digest_hex(ck.digest, a));
	snprintf(st.msg, sizeof(st.msg), "verified");
	return mig_send(c, TSMIG_REC_VERIFIED, &st, sizeof(st));
}

static int run(struct dst *d, const char *addr)
{
	int r = receive(d);
	if (r && d->mc && dst_multi_failed(d)) /* a data connection's reason (in d->err) */
		r = -EPROTO;
	if (d->mc) /* their threads ended with the final pass: add up their counts */
		dst_multi_stop(d);
	if (!r)
		r = load_and_verify(d);
	if (!r)
		r = dst_status(d, TSMIG_REC_READY, 0, "ready");
	if (r)
		return r;
	struct tsmig_rec_hdr h;
	if ((r = mig_recv(&d->conn, &h, d->buf, TSMIG_REC_MAX)))
		return r;
	if (h.type != TSMIG_REC_GO)
		return dst_fail(d, -EPROTO, "%s record instead of GO", tsmig_rec_name(h.type));
	dst_disk_copy_for_test(d);
	if ((r = vmm_tsc_resume(d->vmm, d->have_tsc ? &d->tsc : NULL)))
		return dst_fail(d, r, "cannot continue the guest's TSC: %s", strerror(-r));
	if (d->nmissing && (r = dst_pc_prepare(d)))
		return r;
	devices_migrate_in(vmm_devices(d->vmm), d->vmm); /* vmclock: vmclockd's page; logged */
	if ((r = vmm_start(d->vmm)))
		return dst_fail(d, r, "cannot start the vCPU: %s", strerror(-r));
	uint64_t run_rt = mig_realtime_ns();
	dst_status(d, TSMIG_REC_RUNNING, 0, "running");   /* the source may already be gone */
	if (d->features & TSMIG_F_VERIFY && !d->nmissing) /* post-copy: after its last block */
		dst_verify(&d->conn, d->digest, d->err, d->errlen); /* logged */
	if (d->nmissing)
		dst_pc_start(d); /* logged; a failure leaves the guest waiting on missing blocks */
	devices_migration(vmm_devices(d->vmm), d->vmm, false, DEV_MIG_END, 0);
	pr_info("incoming from %s: guest running; downtime %.3f ms (source stop -> vCPU start), "
	        "%llu bytes, %llu passes, pages full %llu zero %llu dup %llu disk %llu lz4 %llu "
	        "zstd %llu block %llu, disk mismatches %llu, disk blocks written %llu (%llu copied "
	        "from held "
	        "blocks, %llu from RAM pages), %llu blocks follow in post-copy",
	        addr, run_rt > d->stop_rt ? (run_rt - d->stop_rt) / 1e6 : 0.0,
	        (unsigned long long)(d->conn.bytes_rx + d->bytes), (unsigned long long)d->passes,
	        (unsigned long long)d->n[TSMIG_PAGE_FULL],
	        (unsigned long long)d->n[TSMIG_PAGE_ZERO], (unsigned long long)d->n[TSMIG_PAGE_DUP],
	        (unsigned long long)d->n[TSMIG_PAGE_DISK], (unsigned long long)d->n[TSMIG_PAGE_LZ4],
	        (unsigned long long)d->n[TSMIG_PAGE_ZSTD],
	        (unsigned long long)d->n[TSMIG_PAGE_BLOCK], (unsigned long long)d->disk_mismatch,
	        (unsigned long long)d->disk_blocks_rx, (unsigned long long)d->disk_dedup,
	        (unsigned long long)d->disk_ram_dedup, (unsigned long long)d->nmissing);
	return 0;
}

int migrate_incoming(struct vmm *m, const char *addr, char *err, size_t errlen)
{
	struct dst d = {.vmm = m,
	                .vm = vmm_vm(m),
	                .disk_fd = -1,
	                .wdisk_fd = -1,
	                .listen_addr = addr,
	                .err = err,
	                .errlen = errlen};
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	d.ram = vm_gpa_to_hva(d.vm, 0, vm_mem_size(d.vm));
	d.npages = d.lim.npages = vm_mem_size(d.vm) / TSMIG_PAGE_SIZE;
	d.conn.fd = -1;
	d.buf = malloc(TSMIG_REC_MAX);
	d.st = calloc(1, sizeof(*d.st));
	d.ph = calloc(d.npages ? d.npages : 1, sizeof(uint64_t));
	d.have = calloc(d.npages / 64 + 1, sizeof(uint64_t));
	static const uint8_t zero[TSMIG_PAGE_SIZE];
	d.zero_h64 = mig_page_hash64(zero);
	/* fault injection for tests only (tests/integration/test_migrate.sh) */
	const char *f = getenv("TSVMM_MIG_FAULT");
	d.fault_pfn = f && !strncmp(f, "dst-page=", 9) ? strtoull(f + 9, NULL, 0) : UINT64_MAX;
	err[0] = 0;
	int r = d.buf && d.st && d.ph && d.have ? 0 : -ENOMEM;
	char peer[80] = "?";
	const struct vmm_config *cfg = vmm_config(m);
	struct mig_tls_opts to = {cfg->tls_psk, cfg->tls_cert, cfg->tls_key,
	                          cfg->tls_ca,  NULL,          cfg->migrate_plaintext};
	if (!r && !(d.tls = mig_tls_load(&to, true, err, errlen)) && errno)
		r = -errno;
	int lfd = r ? r : mig_listen(addr, err, errlen);
	if (lfd >= 0) {
		devices_migration(vmm_devices(m), m, false, DEV_MIG_PREPARE, 0);
		pr_info("incoming: waiting for a migration on %s (%s)", addr, mig_tls_kind(d.tls));
		r = dst_admit(&d, lfd, sfd, peer, sizeof(peer));
		if (!r && d.hello.connections > 1)
			r = dst_multi_admit(&d, lfd, sfd);
		if (!r)
			devices_migration(vmm_devices(m), m, false, DEV_MIG_START, 0);
		close(lfd); /* one migration per process: later peers are refused by the kernel */
	} else {
		r = lfd;
	}
	if (!r) {
		r = run(&d, peer);
		if (r && !err[0])
			snprintf(err, errlen, "%s", d.conn.err);
		if (r && r != -ECONNRESET && r != -EPIPE && r != -ECANCELED) {
			dst_status(&d, TSMIG_REC_ERROR, r, err);
			mig_conn_drain(&d.conn, 2000); /* the source reads why before we close */
		}
	}
	if (r && !err[0])
		snprintf(err, errlen, "incoming migration: %s", strerror(-r));
	if (r)
		devices_migration(vmm_devices(m), m, false, DEV_MIG_CANCEL, 0);
	dst_multi_stop(&d);
	mig_conn_close(&d.conn);
	mig_tls_free(d.tls);
	if (d.disk_fd >= 0)
		close(d.disk_fd);
	dst_disk_close(&d);
	if (sfd >= 0)
		close(sfd);
	free(d.buf);
	free(d.st);
	free(d.dev);
	free(d.ph);
	free(d.have);
	return r;
}
