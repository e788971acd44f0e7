// SPDX-License-Identifier: MIT
/* x86-64 identity page-table builder (2 MiB pages) and walker. */
#include <errno.h>
#include <string.h>

#include "pagetable.h"

#define ENTRIES    512
#define ADDR_MASK  0x000ffffffffff000ULL
#define VA_LIMIT   (1ULL << 47)
#define TABLE_SIZE 4096

struct pt_builder {
	uint8_t *buf;
	size_t size, used;
	uint64_t gpa;
};

/* A zeroed table page: its GPA, or 0 when buf is full. */
static uint64_t alloc_table(struct pt_builder *b)
{
	if (b->used + TABLE_SIZE > b->size)
		return 0;
	memset(b->buf + b->used, 0, TABLE_SIZE);
	uint64_t gpa = b->gpa + b->used;
	b->used += TABLE_SIZE;
	return gpa;
}

static uint64_t *table_at(struct pt_builder *b, uint64_t gpa)
{
	return (uint64_t *)(b->buf + (gpa - b->gpa));
}

/* The next-level table of entry *e, created when absent. 0 or -ENOSPC / -EINVAL. */
static int next_level(struct pt_builder *b, uint64_t *e, uint64_t **out)
{
	if (!(*e & X86_PTE_P)) {
		uint64_t t = alloc_table(b);
		if (!t)
			return -ENOSPC;
		*e = t | X86_PTE_P | X86_PTE_W | X86_PTE_U;
	} else if (*e & X86_PTE_PS) {
		return -EINVAL;
	}
	*out = table_at(b, *e & ADDR_MASK);
	return 0;
}

static int map_one(struct pt_builder *b, uint64_t pml4_gpa, uint64_t va, uint64_t flags)
{
	uint64_t *pml4 = table_at(b, pml4_gpa), *pdpt, *pd;
	int err = next_level(b, &pml4[(va >> 39) % ENTRIES], &pdpt);
	if (!err)
		err = next_level(b, &pdpt[(va >> 30) % ENTRIES], &pd);
	if (err)
		return err;
	uint64_t *e = &pd[(va >> 21) % ENTRIES];
	if (*e & X86_PTE_P)
		return -EINVAL; /* overlap */
	*e = va | flags;
	return 0;
}

long x86_pt_build(void *buf, size_t buf_size, uint64_t pt_gpa, const struct x86_pt_map *maps,
                  size_t n)
{
	if (!buf || (pt_gpa & 0xfff))
		return -EINVAL;
	struct pt_builder b = {.buf = buf, .size = buf_size, .gpa = pt_gpa};
	uint64_t pml4 = alloc_table(&b);
	if (!pml4)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++) {
		const struct x86_pt_map *m = &maps[i];
		if ((m->gpa | m->len) % X86_LARGE_PAGE || m->gpa >= VA_LIMIT ||
		    m->len > VA_LIMIT - m->gpa)
			return -EINVAL;
		uint64_t flags = X86_PTE_P | X86_PTE_PS | (m->writable ? X86_PTE_W : 0) |
		                 (m->user ? X86_PTE_U : 0);
		for (uint64_t va = m->gpa; va < m->gpa + m->len; va += X86_LARGE_PAGE) {
			int err = map_one(&b, pml4, va, flags);
			if (err)
				return err;
		}
	}
	return (long)b.used;
}

static int read_entry(const void *buf, size_t size, uint64_t pt_gpa, uint64_t table, unsigned idx,
                      uint64_t *e)
{
	if (table < pt_gpa || table - pt_gpa + TABLE_SIZE > size)
		return -ENOENT;
	memcpy(e, (const uint8_t *)buf + (table - pt_gpa) + idx * 8, 8);
	return (*e & X86_PTE_P) ? 0 : -ENOENT;
}

int x86_pt_walk(const void *buf, size_t buf_size, uint64_t pt_gpa, uint64_t va, uint64_t *pa,
                uint64_t *flags)
{
	uint64_t e, table = pt_gpa;
	if (read_entry(buf, buf_size, pt_gpa, table, (va >> 39) % ENTRIES, &e))
		return -ENOENT;
	if (read_entry(buf, buf_size, pt_gpa, e & ADDR_MASK, (va >> 30) % ENTRIES, &e))
		return -ENOENT;
	if (read_entry(buf, buf_size, pt_gpa, e & ADDR_MASK, (va >> 21) % ENTRIES, &e))
		return -ENOENT;
	if (!(e & X86_PTE_PS))
		return -ENOENT;
	*pa = (e & ADDR_MASK & ~(X86_LARGE_PAGE - 1)) | (va & (X86_LARGE_PAGE - 1));
	*flags = e & 0xfff;
	return 0;
}
