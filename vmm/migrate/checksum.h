/* SPDX-License-Identifier: MIT */
/*
 * tsvmm migration switchover checksum (defined in include/uapi/tsvmm-migration.h): XXH3-128
 * over the XXH3-64 of every RAM page, the device-state blob and the vCPU's kvm_regs.
 */
#ifndef TSVMM_MIGRATE_CHECKSUM_H
#define TSVMM_MIGRATE_CHECKSUM_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

/* XXH3-64 of one 4 KiB page. */
uint64_t mig_page_hash64(const void *page);

/*
 * Checksum into digest (16 canonical bytes). ram: npages pages. known/known_bm (both NULL,
 * or npages hashes and a bitmap of npages bits): pages whose bit is set contribute known[i]
 * instead of a hash of ram (the source passes the hashes of the copies it sent in the final
 * pass, so that VMM-owned words it may still touch after the copy cannot cause a false
 * mismatch). dev/devlen: device blob; regs may be NULL. 0 or -ENOMEM.
 */
int mig_checksum(const uint8_t *ram, uint64_t npages, const uint64_t *known,
                 const uint64_t *known_bm, const void *dev, size_t devlen,
                 const struct kvm_regs *regs, uint8_t digest[16]);

/* Hex of a digest (33 bytes with the NUL) into out. Returns out. */
char *mig_digest_hex(const uint8_t digest[16], char out[33]);

#endif
