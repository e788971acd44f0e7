/* SPDX-License-Identifier: MIT */
/*
 * tsvmm device model. Each device is one file that registers a const struct device_ops with
 * DEVICE_REGISTER(); the registrations land in a linker section ("tsvmm_devices"), so the
 * table is built at link time with no global mutable state. devices_create() makes one
 * instance of every registered device; port and MMIO exits are routed by range.
 *
 * Save/load: devices_save() serialises every device that has a save op into one buffer
 *   "TSDV" u32 version=1, u32 count, then per device: char name[16], u32 len, len bytes
 * (little endian); devices_load() routes each record back by name. Device state is small
 * (registers, counters): guest RAM and the disk image are migrated elsewhere.
 */
#ifndef TSVMM_DEVICE_H
#define TSVMM_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vm;
struct vmm;

/* How the guest asked to stop (hypercall device). kind: TSVMM_HC_* or 0 (still running). */
struct guest_exit {
	int kind;
	uint32_t arg;
};

/* What devices get at creation; everything is owned by the caller and outlives them. */
struct dev_env {
	struct vm *vm;
	FILE *serial_out;        /* console sink; NULL discards */
	const char *disk_path;   /* block device image; NULL: no disk */
	struct guest_exit *exit; /* where the hypercall device reports done/panic/abort */
};

/* A growable byte buffer for save ops. */
struct dev_buf {
	uint8_t *data;
	size_t len, cap;
};
/* Append n bytes. 0 or -ENOMEM. */
int dev_buf_put(struct dev_buf *b, const void *p, size_t n);

#define DEVICE_NAME_MAX 16

/* Size of the blocks a device's dirty tracking reports (the migration page size). */
#define DEVICE_BLOCK_SIZE 4096

/* Where a live migration stands; the migration code reports it to every device
 * (devices_migration), devices may act on it (vmclock: tells this host's vmclockd, which
 * sets the source page's disruption flags and plans an on-demand sync burst). */
enum dev_mig_event {
	DEV_MIG_PREPARE, /* destination: waiting for an incoming migration */
	DEV_MIG_START,   /* source: migrate command; destination: the stream began */
	DEV_MIG_PASS,    /* a pre-copy pass ended (pages: its page count) */
	DEV_MIG_FINAL,   /* source: the vCPU stopped, stop-and-copy */
	DEV_MIG_END,     /* the guest runs on the destination */
	DEV_MIG_CANCEL,  /* failed or cancelled: the guest runs on at the source */
};

/* Called for each range of blocks that changed: first block, count (> 0). */
typedef void (*dev_dirty_fn)(void *arg, uint64_t first, uint64_t count);

struct device_ops {
	const char *name; /* unique, < DEVICE_NAME_MAX chars */
	uint16_t port;    /* first port, with nports (0: no ports) */
	uint16_t nports;
	uint64_t mmio_gpa; /* MMIO range, with mmio_len (0: none) */
	uint64_t mmio_len;
	/* Create the instance (*priv). 0 or -errno. Optional: priv stays NULL. */
	int (*create)(const struct dev_env *env, void **priv);
	void (*destroy)(void *priv);
	/* Same contract as struct vcpu_io_ops (0 go on, > 0 stop the vCPU, -errno error). */
	int (*pio)(void *priv, uint16_t port, bool out, uint8_t *data, unsigned size);
	int (*mmio)(void *priv, uint64_t gpa, bool write, uint8_t *data, unsigned len);
	/* Append the device state to b / restore it. 0 or -errno. Optional. */
	int (*save)(void *priv, struct dev_buf *b);
	int (*load)(void *priv, const void *data, size_t len);
	/* The vCPU stopped (vmm_pause), its last instruction before the host TSC `tsc`: a save
	 * until resume describes that instant, not the (later) time of the save. Optional. */
	void (*pause)(void *priv, uint64_t tsc);
	/* The vCPU runs again (vmm_resume). Optional. */
	void (*resume)(void *priv);
	/* vmm_pause wants the vCPU back: a device that blocks the vCPU thread (the block device
	 * waiting for a post-copy block) returns from its exit now. Any thread. Optional. */
	void (*kick)(void *priv);
	/* Migration destination: every device's state is loaded and the checksum matched, the
	 * vCPU has not run yet: finish the move with this host's services (vmclock: ask
	 * vmclockd for a fresh page). 0 or -errno (logged by the op; the guest runs on).
	 * Optional. The migration code calls devices_migrate_in(), never a device directly. */
	int (*migrate_in)(void *priv, struct vmm *m);
	/* Migration source: dirty tracking of the device's backing store (blk: its disk image,
	 * in DEVICE_BLOCK_SIZE blocks). Reports to fn, as ranges in ascending order, the blocks
	 * the device wrote since the previous call and forgets them; start: forget every write
	 * so far and report nothing (the caller reads the whole store after it). Returns the
	 * number of blocks reported, or -errno. Callable from any thread while the vCPU runs:
	 * a write is reported only after it reached the store. Optional (no store). */
	long (*dirty_blocks)(void *priv, bool start, dev_dirty_fn fn, void *arg);
	/* A migration event (source: this VMM sends the guest; else it receives it). Must not
	 * block long: it runs on the migration thread. Optional. */
	void (*migration)(void *priv, struct vmm *m, bool source, enum dev_mig_event ev,
	                  uint64_t pages);
};

#define DEVICE_REGISTER(ops)                                                                       \
	static const struct device_ops *const device_reg_##ops                                     \
	        __attribute__((used, section("tsvmm_devices"), aligned(sizeof(void *)))) = &ops

/* ---- the registered table (pure) ---- */

/* Number of registered devices; *table gets the array (link order). */
size_t device_table(const struct device_ops *const **table);
const struct device_ops *device_find(const char *name);
/* The device whose port range holds port, or NULL. */
const struct device_ops *device_for_port(uint16_t port);
/* Check the table: names unique and short, port/MMIO ranges disjoint. 0 or -EEXIST/-EINVAL. */
int device_table_check(void);

/* ---- instances ---- */

struct devices;

/* One instance of every registered device. NULL with errno (the failing create's). */
struct devices *devices_create(const struct dev_env *env);
void devices_destroy(struct devices *d);
/* Instance state of the named device (for its own helper API), NULL if absent. */
void *devices_priv(struct devices *d, const char *name);

/* Route an exit (vcpu_io_ops contract). Unclaimed ports: writes ignored, reads all-ones;
 * unclaimed MMIO: -EFAULT. */
int devices_pio(void *d, uint16_t port, bool out, uint8_t *data, unsigned size);
int devices_mmio(void *d, uint64_t gpa, bool write, uint8_t *data, unsigned len);

/* The vCPU parked at host TSC tsc / runs again: the pause and resume ops, in table order. */
void devices_pause(struct devices *d, uint64_t tsc);
void devices_resume(struct devices *d);
/* vmm_pause is about to wait for the vCPU: the kick ops, in table order. */
void devices_kick(struct devices *d);

/* The migrate_in ops, in table order, all of them; the first error or 0. */
int devices_migrate_in(struct devices *d, struct vmm *m);

/* The dirty_blocks ops of every device that has a backing store (today the one disk), in
 * table order: the total of blocks reported, or the first -errno. fn may be NULL with start. */
/* Report a migration event to every device that has a migration op. */
void devices_migration(struct devices *d, struct vmm *m, bool source, enum dev_mig_event ev,
                       uint64_t pages);
long devices_dirty_blocks(struct devices *d, bool start, dev_dirty_fn fn, void *arg);

/* Serialise all device state into *buf (malloc'd, *len bytes). 0 or -errno. */
int devices_save(struct devices *d, uint8_t **buf, size_t *len);
/* Restore from a devices_save() buffer. 0, -EINVAL (malformed, unknown device) or a load
 * op's -errno. */
int devices_load(struct devices *d, const uint8_t *buf, size_t len);

#endif
