// SPDX-License-Identifier: MIT
/* tsvmm: the device table, port routing, save/load, memory statistics. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/device.h"
#include "memstats.h"
#include "uapi/tsvmm-blk.h"
#include "uapi/tsvmm-boot.h"
#include "vm.h"

Test(vmm_devices, table_is_registered_and_consistent)
{
	const struct device_ops *const *t;
	size_t n = device_table(&t);
	cr_assert_geq(n, 4);
	cr_assert_eq(device_table_check(), 0);
	cr_assert_not_null(device_find("serial"));
	cr_assert_not_null(device_find("hcall"));
	cr_assert_not_null(device_find("blk"));
	cr_assert_not_null(device_find("vmclock"));
	cr_assert_null(device_find("nope"));
	cr_assert_eq(device_for_port(TSVMM_PORT_SERIAL), device_find("serial"));
	cr_assert_eq(device_for_port(TSVMM_PORT_SERIAL + 5), device_find("serial"));
	cr_assert_eq(device_for_port(TSVMM_PORT_HCALL), device_find("hcall"));
	cr_assert_eq(device_for_port(TSVMM_PORT_BLK), device_find("blk"));
	cr_assert_null(device_for_port(0x80));
	cr_assert_eq(device_find("vmclock")->mmio_gpa, TSVMM_VMCLOCK_GPA);
}

Test(vmm_devices, routing_serial_hcall_and_save_load)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	struct guest_exit ex = {0};
	struct dev_env env = {.serial_out = f, .exit = &ex};
	struct devices *d = devices_create(&env);
	cr_assert_not_null(d);
	for (const char *s = "hi\n"; *s; s++) {
		uint8_t c = (uint8_t)*s;
		cr_assert_eq(devices_pio(d, TSVMM_PORT_SERIAL, true, &c, 1), 0);
	}
	uint8_t lsr = 0;
	devices_pio(d, TSVMM_PORT_SERIAL + 5, false, &lsr, 1);
	cr_assert_eq(lsr & 0x60, 0x60);
	uint8_t v[4] = {0xde, 0xad, 0xbe, 0xef};
	cr_assert_eq(devices_pio(d, 0x80, false, v, 4), 0); /* unclaimed read: all ones */
	cr_assert_eq(v[0], 0xff);
	uint32_t hc = TSVMM_HC_PANIC | 14 << 8;
	cr_assert_eq(devices_pio(d, TSVMM_PORT_HCALL, true, (uint8_t *)&hc, 4), 1);
	cr_assert_eq(ex.kind, TSVMM_HC_PANIC);
	cr_assert_eq(ex.arg, 14);
	uint8_t data[8];
	cr_assert_eq(devices_mmio(d, TSVMM_VMCLOCK_GPA, false, data, 8), 0);
	cr_assert_eq(devices_mmio(d, 0x1000, false, data, 8), -EFAULT);

	uint8_t scr = 0x5a;
	devices_pio(d, TSVMM_PORT_SERIAL + 7, true, &scr, 1);
	uint8_t *buf;
	size_t len;
	cr_assert_eq(devices_save(d, &buf, &len), 0);
	cr_assert_eq(memcmp(buf, "TSDV", 4), 0);
	scr = 0;
	devices_pio(d, TSVMM_PORT_SERIAL + 7, true, &scr, 1);
	cr_assert_eq(devices_load(d, buf, len), 0);
	devices_pio(d, TSVMM_PORT_SERIAL + 7, false, &scr, 1);
	cr_assert_eq(scr, 0x5a);
	/* malformed state is refused */
	cr_assert_eq(devices_load(d, buf, len - 1), -EINVAL);
	cr_assert_eq(devices_load(d, buf, 3), -EINVAL);
	buf[12] = 'X'; /* first device name */
	cr_assert_eq(devices_load(d, buf, len), -EINVAL);
	free(buf);
	devices_destroy(d);
	fclose(f);
	cr_assert_str_eq(out, "hi\n");
	free(out);
}

Test(vmm_devices, memstats_classifies_pages)
{
	enum { N = 10 };
	uint8_t *mem = calloc(N, 4096), *disk = calloc(2, 4096);
	memset(disk, 0x11, 4096);           /* disk block 0 */
	memset(disk + 4096, 0x22, 4096);    /* disk block 1 */
	memset(mem + 0 * 4096, 0x11, 4096); /* disk */
	memset(mem + 1 * 4096, 0x11, 4096); /* disk (twice) */
	memset(mem + 2 * 4096, 0x33, 4096); /* dup */
	memset(mem + 3 * 4096, 0x33, 4096); /* dup */
	memset(mem + 4 * 4096, 0x33, 4096); /* dup */
	memset(mem + 5 * 4096, 0x44, 4096); /* unique */
	mem[6 * 4096 + 100] = 1;            /* unique */
	/* 7, 8, 9 zero */
	struct memstats st;
	cr_assert_eq(memstats_count(mem, N, disk, 2 * 4096, &st), 0);
	cr_assert_eq(st.pages, N);
	cr_assert_eq(st.zero, 3);
	cr_assert_eq(st.disk, 2);
	cr_assert_eq(st.dup, 3);
	cr_assert_eq(st.unique, 2);
	cr_assert_eq(st.distinct, 4);
	cr_assert_eq(memstats_count(mem, N, NULL, 0, &st), 0);
	cr_assert_eq(st.dup, 5);
	cr_assert_eq(st.disk, 0);
	cr_assert_neq(memstats_page_hash(mem + 5 * 4096), memstats_page_hash(mem + 6 * 4096));
	free(mem);
	free(disk);
}

/* A fake device that logs its contract calls: registered like a real one (no ports, no
 * MMIO, no state), so devices_*() must call it in the migration order. */
static char fake_log[64];

static void fake_note(char c)
{
	size_t n = strlen(fake_log);
	if (n + 1 < sizeof(fake_log))
		fake_log[n] = c;
}

static int fake_create(const struct dev_env *env, void **priv)
{
	(void)env;
	*priv = fake_log;
	fake_note('c');
	return 0;
}

static int fake_save(void *priv, struct dev_buf *b)
{
	cr_assert_eq(priv, fake_log);
	fake_note('s');
	return dev_buf_put(b, "F", 1);
}

static int fake_load(void *priv, const void *data, size_t len)
{
	cr_assert_eq(priv, fake_log);
	fake_note(len == 1 && *(const char *)data == 'F' ? 'l' : '?');
	return 0;
}

static void fake_pause(void *priv, uint64_t tsc)
{
	(void)priv;
	fake_note(tsc == 1234 ? 'p' : '?');
}

static void fake_resume(void *priv)
{
	(void)priv;
	fake_note('r');
}

static int fake_migrate_in(void *priv, struct vmm *m)
{
	(void)priv;
	fake_note(m ? '?' : 'm');
	return 0;
}

static const struct device_ops fake_mig_ops = {
        .name = "fake-mig",
        .create = fake_create,
        .save = fake_save,
        .load = fake_load,
        .pause = fake_pause,
        .resume = fake_resume,
        .migrate_in = fake_migrate_in,
};
DEVICE_REGISTER(fake_mig_ops);

Test(vmm_devices, migration_contract_ops_in_order)
{
	struct guest_exit ex = {0};
	struct dev_env env = {.exit = &ex};
	memset(fake_log, 0, sizeof(fake_log));
	struct devices *src = devices_create(&env), *dst = devices_create(&env);
	cr_assert_not_null(src);
	cr_assert_not_null(dst);
	cr_assert_str_eq(fake_log, "cc");
	/* Source: pause, save. Destination: load, migrate-in, then the vCPU runs. */
	devices_pause(src, 1234);
	uint8_t *blob;
	size_t len;
	cr_assert_eq(devices_save(src, &blob, &len), 0);
	cr_assert_eq(devices_load(dst, blob, len), 0);
	/* vmclock's op refuses a NULL vmm (-EINVAL); the others still run. */
	cr_assert_eq(devices_migrate_in(dst, NULL), -EINVAL);
	devices_resume(dst);
	cr_assert_str_eq(fake_log, "ccpslmr");
	free(blob);
	devices_destroy(src);
	devices_destroy(dst);
}

/* ---- the block device's dirty tracking (device_ops.dirty_blocks) ---- */

struct ranges {
	uint64_t first[8], count[8];
	int n;
};

static void on_dirty(void *arg, uint64_t first, uint64_t count)
{
	struct ranges *r = arg;
	if (r->n < 8) {
		r->first[r->n] = first;
		r->count[r->n] = count;
	}
	r->n++;
}

/* Post requests (op, sector, count) through the guest's ring and ring the doorbell. */
static void blk_requests(struct vm *vm, struct devices *d, const uint64_t (*req)[3], int n)
{
	struct tsvmm_blk_page *p = vm_gpa_to_hva(vm, TSVMM_BLK_GPA, sizeof(*p));
	for (int i = 0; i < n; i++)
		p->desc[(p->prod + (uint64_t)i) % TSVMM_BLK_SLOTS] =
		        (struct tsvmm_blk_desc){.op = (uint32_t)req[i][0],
		                                .sector = req[i][1],
		                                .count = req[i][2],
		                                .buf_gpa = 0x100000};
	p->prod += (uint64_t)n;
	uint32_t v = 1;
	cr_assert_eq(devices_pio(d, TSVMM_PORT_BLK, true, (uint8_t *)&v, 4), 0);
	cr_assert_eq(p->cons, p->prod);
}

Test(vmm_devices, blk_reports_the_blocks_it_wrote)
{
	struct vm *vm = vm_create(4u << 20);
	if (!vm)
		cr_skip_test("no usable /dev/kvm");
	char path[] = "/tmp/tsvmm-blk-dirty-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 200 * 4096 + 512), 0); /* 201 blocks, the last one partial */
	struct guest_exit ex = {0};
	struct dev_env env = {.vm = vm, .disk_path = path, .exit = &ex};
	struct devices *d = devices_create(&env);
	cr_assert_not_null(d);
	struct ranges r = {0};
	static const uint64_t before[][3] = {{TSVMM_BLK_WRITE, 0, 8}};
	blk_requests(vm, d, before, 1);
	cr_assert_eq(devices_dirty_blocks(d, true, NULL, NULL), 0); /* start: forgets block 0 */
	cr_assert_eq(devices_dirty_blocks(d, false, on_dirty, &r), 0);
	cr_assert_eq(r.n, 0);

	static const uint64_t req[][3] = {
	        {TSVMM_BLK_WRITE, 40, 8},      /* block 5 */
	        {TSVMM_BLK_WRITE, 47, 10},     /* blocks 5..7 */
	        {TSVMM_BLK_READ, 80, 64},      /* a read: not a write */
	        {TSVMM_BLK_WRITE, 1600, 1},    /* block 200, the partial last one */
	        {TSVMM_BLK_WRITE, 1601, 1},    /* beyond the disk: refused, not reported */
	        {TSVMM_BLK_WRITE, 504, 16},    /* blocks 63, 64: across a bitmap word */
	        {TSVMM_BLK_WRITE, 1 << 30, 1}, /* hostile: refused */
	};
	blk_requests(vm, d, req, 7);
	cr_assert_eq(devices_dirty_blocks(d, false, on_dirty, &r), 6);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.first[0], 5);
	cr_assert_eq(r.count[0], 3);
	cr_assert_eq(r.first[1], 63);
	cr_assert_eq(r.count[1], 2);
	cr_assert_eq(r.first[2], 200);
	cr_assert_eq(r.count[2], 1);
	/* reported once: the next call has nothing */
	r.n = 0;
	cr_assert_eq(devices_dirty_blocks(d, false, on_dirty, &r), 0);
	cr_assert_eq(r.n, 0);
	/* writes after a report are reported at the next call */
	static const uint64_t again[][3] = {{TSVMM_BLK_WRITE, 8, 8}, {TSVMM_BLK_WRITE, 0, 8}};
	blk_requests(vm, d, again, 2);
	cr_assert_eq(devices_dirty_blocks(d, false, on_dirty, &r), 2);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.first[0], 0);
	cr_assert_eq(r.count[0], 2);
	devices_destroy(d);
	close(fd);
	unlink(path);
	vm_destroy(vm);
}

Test(vmm_devices, no_disk_no_dirty_blocks)
{
	struct guest_exit ex = {0};
	struct dev_env env = {.exit = &ex};
	struct devices *d = devices_create(&env);
	cr_assert_not_null(d);
	struct ranges r = {0};
	cr_assert_eq(devices_dirty_blocks(d, true, NULL, NULL), 0);
	cr_assert_eq(devices_dirty_blocks(d, false, on_dirty, &r), 0);
	cr_assert_eq(r.n, 0);
	devices_destroy(d);
}
