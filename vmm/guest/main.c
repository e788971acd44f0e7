// SPDX-License-Identifier: MIT
/*
 * tsvmm guest payload, ring-3 main: check the boot parameters, fill memory per the profile,
 * then run the time loop: read the TSC continuously, remember the largest gap between two
 * reads (how long the vCPU was frozen), dirty the working set at the configured rate and
 * append SAMPLE/GAP records to the report ring. Returns the exit status for TSVMM_HC_DONE.
 */
#include "guest.h"

struct loop {
	uint64_t khz;          /* TSC kHz */
	uint64_t prev;         /* previous TSC read */
	uint64_t gap_thresh;   /* ticks */
	uint64_t max_gap;      /* since boot, ticks */
	uint64_t period_gap;   /* since the last sample, ticks */
	uint64_t loops;        /* since the last sample */
	uint64_t dirtied;      /* working-set pages dirtied */
	uint64_t next_dirty;   /* TSC of the next page to dirty */
	uint64_t dirty_ticks;  /* ticks per dirtied page (0 = off) */
	uint64_t next_sample;  /* TSC of the next SAMPLE */
	uint64_t sample_ticks; /* ticks per sample */
	uint64_t next_vmclock; /* TSC of the next vmclock reading */
	uint64_t vmclock_ticks;
	int vmclock_seen;
	struct guest_io io;
};

static uint64_t ms_to_ticks(const struct loop *l, uint64_t ms)
{
	return ms * l->khz;
}

static void dirty_one(struct loop *l)
{
	uint64_t wss = BOOT->wss_pages;
	uint64_t n = l->dirtied++;
	volatile uint64_t *p = (volatile uint64_t *)(TSVMM_WORK_GPA + (n % wss) * TSVMM_PAGE_SIZE);
	p[(n / wss) % (TSVMM_PAGE_SIZE / 8)] = n + 1;
}

static void sample(struct loop *l, uint64_t now)
{
	uint64_t vclk = BOOT->vmclock_gpa ? *(volatile uint64_t *)BOOT->vmclock_gpa : 0;
	rep_push(TSVMM_REC_SAMPLE, now, l->period_gap, l->dirtied, l->loops, vclk, l->max_gap);
	REPORT->max_gap = l->max_gap;
	REPORT->dirtied = l->dirtied;
	REPORT->loops = REPORT->loops + l->loops;
	if (l->io.wticks || l->io.rticks)
		rep_push(TSVMM_REC_IO, now, l->io.written, l->io.read, l->io.failed, 0, 0);
	l->period_gap = 0;
	l->loops = 0;
	l->next_sample += l->sample_ticks;
	if (l->next_sample <= now)
		l->next_sample = now + l->sample_ticks;
}

static void time_loop(struct loop *l, uint64_t end)
{
	for (;;) {
		uint64_t now = rdtsc();
		uint64_t d = now - l->prev;
		l->prev = now;
		l->loops++;
		if (d > l->period_gap) {
			l->period_gap = d;
			if (d > l->max_gap)
				l->max_gap = d;
		}
		if (d > l->gap_thresh) {
			rep_push(TSVMM_REC_GAP, now, d, 0, 0, 0, 0);
			l->next_vmclock = now; /* read the clock at once after a freeze */
		}
		if (now >= l->next_vmclock) {
			guest_vmclock_sample(&l->vmclock_seen);
			l->next_vmclock = now + l->vmclock_ticks;
		}
		if (l->dirty_ticks && now >= l->next_dirty) {
			for (int burst = 0; burst < 64 && now >= l->next_dirty; burst++) {
				dirty_one(l);
				l->next_dirty += l->dirty_ticks;
			}
			if (now >= l->next_dirty) /* frozen or too slow: do not catch up */
				l->next_dirty = now + l->dirty_ticks;
		}
		if (l->io.wticks || l->io.rticks)
			guest_io_step(&l->io, now);
		if (now >= l->next_sample)
			sample(l, now);
		if (end && now >= end)
			return;
	}
}

int guest_main(void)
{
	rep_init();
	if (BOOT->magic != TSVMM_BOOT_MAGIC || BOOT->version != TSVMM_BOOT_VERSION)
		guest_abort("bad boot parameters", 1);
	con_puts("tsvmm-guest: ring 3 up, ");
	con_putu(BOOT->mem_size >> 20);
	con_puts(" MiB RAM, TSC ");
	con_putu(BOOT->tsc_khz);
	con_puts(" kHz\n");
	extern char _end[];
	rep_push(TSVMM_REC_BOOT, rdtsc(), (uint64_t)_end, 0, 0, 0, 0);

	REPORT->phase = TSVMM_PHASE_FILL;
	uint64_t t0 = rdtsc();
	uint64_t pages = guest_fill();
	uint64_t t1 = rdtsc();
	rep_push(TSVMM_REC_FILL, t1, pages, t1 - t0, BOOT->fill_pages[0], BOOT->fill_pages[1],
	         BOOT->fill_pages[2]);
	con_puts("tsvmm-guest: filled ");
	con_putu(pages);
	con_puts(" pages in ");
	con_putu((t1 - t0) / (BOOT->tsc_khz ? BOOT->tsc_khz : 1));
	con_puts(" ms\n");

	struct loop l = {.khz = BOOT->tsc_khz ? BOOT->tsc_khz : 1000000};
	uint64_t sample_ms = BOOT->sample_ms ? BOOT->sample_ms : 100;
	uint64_t gap_ns = BOOT->gap_report_ns ? BOOT->gap_report_ns : 1000000;
	l.gap_thresh = gap_ns * l.khz / 1000000;
	l.sample_ticks = ms_to_ticks(&l, sample_ms);
	l.vmclock_ticks = ms_to_ticks(&l, TSVMM_VMCLOCK_SAMPLE_MS);
	if (BOOT->dirty_rate && BOOT->wss_pages)
		l.dirty_ticks = l.khz * 1000 / BOOT->dirty_rate;
	if (l.dirty_ticks == 0 && BOOT->dirty_rate && BOOT->wss_pages)
		l.dirty_ticks = 1;
	REPORT->phase = TSVMM_PHASE_RUN;
	l.prev = rdtsc();
	l.next_dirty = l.prev;
	l.next_sample = l.prev + l.sample_ticks;
	guest_io_init(&l.io, l.khz, l.prev);
	uint64_t end = BOOT->duration_ms ? l.prev + ms_to_ticks(&l, BOOT->duration_ms) : 0;
	time_loop(&l, end);

	sample(&l, l.prev);
	rep_push(TSVMM_REC_DONE, l.prev, l.max_gap, l.dirtied, 0, 0, 0);
	REPORT->phase = TSVMM_PHASE_DONE;
	con_puts("tsvmm-guest: done, largest TSC gap ");
	con_putu(l.max_gap * 1000 / l.khz);
	con_puts(" us, ");
	con_putu(l.dirtied);
	con_puts(" pages dirtied\n");
	return 0;
}
