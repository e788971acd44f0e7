// SPDX-License-Identifier: MIT
/* tsvmm device table (linker-section registry), instances, exit routing, save/load. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "tsync/log.h"

/* Section bounds from the linker; present because device.c itself registers nothing but
 * every tsvmm binary links at least one device. */
extern const struct device_ops *const __start_tsvmm_devices[];
extern const struct device_ops *const __stop_tsvmm_devices[];

#define SAVE_MAGIC   "TSDV"
#define SAVE_VERSION 1

struct dev_inst {
	const struct device_ops *ops;
	void *priv;
};

struct devices {
	size_t n;
	struct dev_inst inst[];
};

size_t device_table(const struct device_ops *const **table)
{
	*table = __start_tsvmm_devices;
	return (size_t)(__stop_tsvmm_devices - __start_tsvmm_devices);
}

const struct device_ops *device_find(const char *name)
{
	const struct device_ops *const *t;
	size_t n = device_table(&t);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i]->name, name))
			return t[i];
	return NULL;
}

const struct device_ops *device_for_port(uint16_t port)
{
	const struct device_ops *const *t;
	size_t n = device_table(&t);
	for (size_t i = 0; i < n; i++)
		if (t[i]->nports && port >= t[i]->port && port - t[i]->port < t[i]->nports)
			return t[i];
	return NULL;
}

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

int device_table_check(void)
{
	const struct device_ops *const *t;
	size_t n = device_table(&t);
	for (size_t i = 0; i < n; i++) {
		if (!t[i]->name || !t[i]->name[0] || strlen(t[i]->name) >= DEVICE_NAME_MAX)
			return -EINVAL;
		for (size_t j = i + 1; j < n; j++)
			if (!strcmp(t[i]->name, t[j]->name) ||
			    overlap(t[i]->port, t[i]->nports, t[j]->port, t[j]->nports) ||
			    overlap(t[i]->mmio_gpa, t[i]->mmio_len, t[j]->mmio_gpa, t[j]->mmio_len))
				return -EEXIST;
	}
	return 0;
}

struct devices *devices_create(const struct dev_env *env)
{
	const struct device_ops *const *t;
	size_t n = device_table(&t);
	struct devices *d = calloc(1, sizeof(*d) + n * sizeof(d->inst[0]));
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		d->inst[i].ops = t[i];
		int err = t[i]->create ? t[i]->create(env, &d->inst[i].priv) : 0;
		if (err) {
			pr_err("device %s: %s", t[i]->name, strerror(-err));
			devices_destroy(d);
			errno = -err;
			return NULL;
		}
		d->n = i + 1;
	}
	return d;
}

void devices_destroy(struct devices *d)
{
	if (!d)
		return;
	for (size_t i = d->n; i-- > 0;)
		if (d->inst[i].ops->destroy)
			d->inst[i].ops->destroy(d->inst[i].priv);
	free(d);
}

void *devices_priv(struct devices *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->inst[i].ops->name, name))
			return d->inst[i].priv;
	return NULL;
}

int devices_pio(void *arg, uint16_t port, bool out, uint8_t *data, unsigned size)
{
	struct devices *d = arg;
	for (size_t i = 0; i < d->n; i++) {
		const struct device_ops *o = d->inst[i].ops;
		if (o->nports && port >= o->port && port - o->port < o->nports && o->pio)
			return o->pio(d->inst[i].priv, port, out, data, size);
	}
	if (!out)
		memset(data, 0xff, size);
	pl_debug(10, "unclaimed port 0x%x %s", port, out ? "write" : "read");
	return 0;
}

int devices_mmio(void *arg, uint64_t gpa, bool write, uint8_t *data, unsigned len)
{
	struct devices *d = arg;
	for (size_t i = 0; i < d->n; i++) {
		const struct device_ops *o = d->inst[i].ops;
		if (o->mmio_len && gpa >= o->mmio_gpa && gpa - o->mmio_gpa < o->mmio_len && o->mmio)
			return o->mmio(d->inst[i].priv, gpa, write, data, len);
	}
	return -EFAULT;
}

void devices_pause(struct devices *d, uint64_t tsc)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->inst[i].ops->pause)
			d->inst[i].ops->pause(d->inst[i].priv, tsc);
}

void devices_resume(struct devices *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->inst[i].ops->resume)
			d->inst[i].ops->resume(d->inst[i].priv);
}

int devices_migrate_in(struct devices *d, struct vmm *m)
{
	int first = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!d->inst[i].ops->migrate_in)
			continue;
		int r = d->inst[i].ops->migrate_in(d->inst[i].priv, m);
		if (r && !first)
			first = r;
	}
	return first;
}

void devices_migration(struct devices *d, struct vmm *m, bool source, enum dev_mig_event ev,
                       uint64_t pages)
{
	for (size_t i = 0; d && i < d->n; i++)
		if (d->inst[i].ops->migration)
			d->inst[i].ops->migration(d->inst[i].priv, m, source, ev, pages);
}

void devices_kick(struct devices *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->inst[i].ops->kick)
			d->inst[i].ops->kick(d->inst[i].priv);
}

long devices_dirty_blocks(struct devices *d, bool start, dev_dirty_fn fn, void *arg)
{
	long total = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!d->inst[i].ops->dirty_blocks)
			continue;
		long r = d->inst[i].ops->dirty_blocks(d->inst[i].priv, start, fn, arg);
		if (r < 0)
			return r;
		total += r;
	}
	return total;
}

int dev_buf_put(struct dev_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *nd = realloc(b->data, cap);
		if (!nd)
			return -ENOMEM;
		b->data = nd;
		b->cap = cap;
	}
	if (n) /* an empty state may come as (NULL, 0): memcpy's arguments must not be NULL */
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static int put_u32(struct dev_buf *b, uint32_t v)
{
	return dev_buf_put(b, &v, 4); /* x86 only: host order is little endian */
}

int devices_save(struct devices *d, uint8_t **buf, size_t *len)
{
	struct dev_buf b = {0};
	uint32_t count = 0;
	for (size_t i = 0; i < d->n; i++)
		count += d->inst[i].ops->save != NULL;
	int err = dev_buf_put(&b, SAVE_MAGIC, 4);
	err = err ?: put_u32(&b, SAVE_VERSION);
	err = err ?: put_u32(&b, count);
	for (size_t i = 0; i < d->n && !err; i++) {
		const struct device_ops *o = d->inst[i].ops;
		if (!o->save)
			continue;
		char name[DEVICE_NAME_MAX] = {0};
		strncpy(name, o->name, sizeof(name) - 1);
		struct dev_buf rec = {0};
		err = o->save(d->inst[i].priv, &rec);
		err = err ?: dev_buf_put(&b, name, sizeof(name));
		err = err ?: put_u32(&b, (uint32_t)rec.len);
		err = err ?: dev_buf_put(&b, rec.data, rec.len);
		free(rec.data);
	}
	if (err) {
		free(b.data);
		return err;
	}
	*buf = b.data;
	*len = b.len;
	return 0;
}

int devices_load(struct devices *d, const uint8_t *buf, size_t len)
{
	uint32_t version, count, n;
	if (len < 12 || memcmp(buf, SAVE_MAGIC, 4))
		return -EINVAL;
	memcpy(&version, buf + 4, 4);
	memcpy(&count, buf + 8, 4);
	if (version != SAVE_VERSION)
		return -EINVAL;
	size_t off = 12;
	for (uint32_t r = 0; r < count; r++) {
		char name[DEVICE_NAME_MAX + 1] = {0};
		if (len - off < DEVICE_NAME_MAX + 4)
			return -EINVAL;
		memcpy(name, buf + off, DEVICE_NAME_MAX);
		memcpy(&n, buf + off + DEVICE_NAME_MAX, 4);
		off += DEVICE_NAME_MAX + 4;
		if (n > len - off)
			return -EINVAL;
		size_t i;
		for (i = 0; i < d->n; i++)
			if (!strcmp(d->inst[i].ops->name, name))
				break;
		if (i == d->n)
			return -EINVAL;
		if (d->inst[i].ops->load) {
			int err = d->inst[i].ops->load(d->inst[i].priv, buf + off, n);
			if (err)
				return err;
		}
		off += n;
	}
	return off == len ? 0 : -EINVAL;
}
