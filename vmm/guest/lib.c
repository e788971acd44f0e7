// SPDX-License-Identifier: MIT
/* tsvmm guest payload: console, report ring, block device and libc helpers (ring 3). */
#include "guest.h"

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

void con_puts(const char *s)
{
	while (*s)
		outb(TSVMM_PORT_SERIAL, (uint8_t)*s++);
}

void con_putu(uint64_t v)
{
	char buf[24];
	int i = sizeof(buf) - 1;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	con_puts(&buf[i]);
}

void con_putx(uint64_t v)
{
	char buf[24];
	int i = sizeof(buf) - 1;
	buf[i] = 0;
	do {
		buf[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v && i > 2);
	buf[--i] = 'x';
	buf[--i] = '0';
	con_puts(&buf[i]);
}

void rep_init(void)
{
	volatile struct tsvmm_report_hdr *h = REPORT;
	h->entries = TSVMM_REPORT_ENTRIES;
	h->rec_size = sizeof(struct tsvmm_report_rec);
	h->version = TSVMM_REPORT_VERSION;
	h->phase = TSVMM_PHASE_BOOT;
	h->tsc_boot = rdtsc();
	__asm__ volatile("" ::: "memory");
	h->magic = TSVMM_REPORT_MAGIC;
}

void rep_push(uint32_t type, uint64_t tsc, uint64_t v0, uint64_t v1, uint64_t v2, uint64_t v3,
              uint64_t v4)
{
	volatile struct tsvmm_report_hdr *h = REPORT;
	uint64_t head = h->head;
	if (head - h->tail >= TSVMM_REPORT_ENTRIES) {
		h->dropped = h->dropped + 1;
		return;
	}
	volatile struct tsvmm_report_rec *r =
	        (volatile struct tsvmm_report_rec *)(TSVMM_REPORT_GPA + 4096) +
	        (head % TSVMM_REPORT_ENTRIES);
	r->type = type;
	r->seq = (uint32_t)head;
	r->tsc = tsc;
	r->v[0] = v0;
	r->v[1] = v1;
	r->v[2] = v2;
	r->v[3] = v3;
	r->v[4] = v4;
	r->v[5] = 0;
	__asm__ volatile("" ::: "memory"); /* x86 TSO: the record is visible before head */
	h->head = head + 1;
}

int blk_read(uint64_t sector, uint64_t count, uint64_t buf_gpa)
{
	volatile struct tsvmm_blk_page *b = (volatile struct tsvmm_blk_page *)TSVMM_BLK_GPA;
	uint64_t prod = b->prod;
	volatile struct tsvmm_blk_desc *d = &b->desc[prod % TSVMM_BLK_SLOTS];
	d->op = TSVMM_BLK_READ;
	d->status = TSVMM_BLK_PENDING;
	d->sector = sector;
	d->count = count;
	d->buf_gpa = buf_gpa;
	__asm__ volatile("" ::: "memory");
	b->prod = prod + 1;
	outl(TSVMM_PORT_BLK, 1); /* synchronous: complete when this returns */
	return d->status == TSVMM_BLK_OK ? 0 : -1;
}

uint64_t mix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void guest_abort(const char *msg, uint32_t code)
{
	con_puts("tsvmm-guest: abort: ");
	con_puts(msg);
	con_puts("\n");
	for (;;)
		outl(TSVMM_PORT_HCALL, TSVMM_HC_ABORT | code << 8);
}
