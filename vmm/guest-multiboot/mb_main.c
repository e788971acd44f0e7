// SPDX-License-Identifier: MIT
/*
 * tsvmm guest payload, multiboot build, ring 3: the IDT, the boot parameters from the
 * multiboot command line (QEMU -append), then the same fill (vmm/guest/fill.c) and the same
 * dirtying time loop as vmm/guest/main.c, plus a console heartbeat: QEMU has no report-ring
 * reader, so the serial port is how a test sees that the workload runs (before and after a
 * migration) and how long the guest saw itself stopped.
 *
 * Command line (all optional): "wss=PAGES rate=PAGES_PER_S seed=N tsc_khz=KHZ hb_ms=MS
 * zero=PERMILLE dup=PERMILLE disk=PERMILLE random=PERMILLE". Fractions as in tsvmm's
 * --profile (zero takes what is left). There is no block device under QEMU: disk-kind pages
 * get unique content (like random ones; QEMU cannot reference a disk block anyway).
 * Console lines: "tsvmm-guest-mb: ring 3 up, ...", "... filled N pages in M ms",
 * "hb T s: dirtied N, max gap U us" every hb_ms (default 1000).
 */
#include "../guest/guest.h"

struct mb_info_v1 {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
};

extern uint64_t mb_info;
extern char mb_idt[], mb_idt_stubs[];

static struct {
	uint64_t wss, rate, seed, tsc_khz, hb_ms;
	uint64_t frac[TSVMM_FILL_KINDS]; /* permille */
} opt = {.wss = 256, .seed = 1, .tsc_khz = 2000000, .hb_ms = 1000};

static void idt_init(void)
{
	for (int v = 0; v < 32; v++) {
		uint64_t h = (uint64_t)mb_idt_stubs + (uint64_t)v * TSVMM_IDT_STUB_SIZE;
		volatile uint64_t *g = (volatile uint64_t *)(mb_idt + v * 16);
		g[0] = (h & 0xffff) | ((uint64_t)TSVMM_SEL_CODE0 << 16) | (0x8eULL << 40) |
		       ((h >> 16 & 0xffff) << 48);
		g[1] = h >> 32;
	}
}

static int streq_n(const char *a, const char *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return b[n] == 0;
}

static void parse_cmdline(const char *s)
{
	static const char *const keys[] = {"wss",    "rate", "seed", "tsc_khz", "hb_ms",
	                                   "random", "dup",  "disk", "zero"};
	uint64_t *dst[] = {&opt.wss,     &opt.rate,    &opt.seed,    &opt.tsc_khz, &opt.hb_ms,
	                   &opt.frac[0], &opt.frac[1], &opt.frac[2], &opt.frac[3]};
	while (*s) {
		while (*s == ' ')
			s++;
		const char *k = s;
		while (*s && *s != '=' && *s != ' ')
			s++;
		int kl = (int)(s - k);
		if (*s != '=')
			continue;
		s++;
		uint64_t v = 0;
		while (*s >= '0' && *s <= '9')
			v = v * 10 + (uint64_t)(*s++ - '0');
		for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (streq_n(k, keys[i], kl))
				*dst[i] = v;
		while (*s && *s != ' ')
			s++;
	}
}

static void boot_params(uint64_t mem)
{
	volatile struct tsvmm_boot_params *bp = (volatile struct tsvmm_boot_params *)TSVMM_BOOT_GPA;
	uint64_t fill_start = TSVMM_WORK_GPA + opt.wss * TSVMM_PAGE_SIZE;
	uint64_t npages = fill_start < mem ? (mem - fill_start) / TSVMM_PAGE_SIZE : 0, used = 0;
	uint64_t pages[TSVMM_FILL_KINDS];
	for (int k = 0; k < TSVMM_FILL_ZERO; k++) {
		pages[k] = npages * opt.frac[k] / 1000;
		if (used + pages[k] > npages)
			pages[k] = npages - used;
		used += pages[k];
	}
	pages[TSVMM_FILL_ZERO] = npages - used;
	pages[TSVMM_FILL_RANDOM] += pages[TSVMM_FILL_DISK]; /* no block device here */
	pages[TSVMM_FILL_DISK] = 0;
	bp->mem_size = mem;
	bp->tsc_khz = opt.tsc_khz;
	bp->seed = opt.seed;
	bp->wss_pages = opt.wss;
	bp->dirty_rate = opt.rate;
	bp->duration_ms = 0;
	bp->sample_ms = 100;
	bp->gap_report_ns = 1000000;
	bp->tsc_mult = 0; /* the TSC block (guest.h rdtsc): the physical TSC as it is */
	bp->tsc_add = 0;
	bp->fill_start = fill_start;
	for (int k = 0; k < TSVMM_FILL_KINDS; k++)
		bp->fill_pages[k] = pages[k];
	bp->disk_sectors = 0;
	bp->vmclock_gpa = 0;
	bp->version = TSVMM_BOOT_VERSION;
	bp->magic = TSVMM_BOOT_MAGIC;
}

/* The time loop of vmm/guest/main.c (same dirtying), with the heartbeat. */
static void run(void)
{
	uint64_t khz = BOOT->tsc_khz, wss = BOOT->wss_pages, dirtied = 0;
	uint64_t dirty_ticks = BOOT->dirty_rate && wss ? khz * 1000 / BOOT->dirty_rate : 0;
	if (BOOT->dirty_rate && wss && !dirty_ticks)
		dirty_ticks = 1;
	uint64_t hb_ticks = opt.hb_ms * khz, prev = rdtsc(), t0 = prev;
	uint64_t next_dirty = prev, next_hb = prev + hb_ticks, gap = 0, max_gap = 0;
	REPORT->phase = TSVMM_PHASE_RUN;
	for (;;) {
		uint64_t now = rdtsc(), d = now - prev;
		prev = now;
		if (d > gap)
			gap = d;
		if (dirty_ticks && now >= next_dirty) {
			for (int burst = 0; burst < 64 && now >= next_dirty; burst++) {
				uint64_t n = dirtied++;
				volatile uint64_t *p =
				        (volatile uint64_t *)(TSVMM_WORK_GPA +
				                              (n % wss) * TSVMM_PAGE_SIZE);
				p[(n / wss) % (TSVMM_PAGE_SIZE / 8)] = n + 1;
				next_dirty += dirty_ticks;
			}
			if (now >= next_dirty)
				next_dirty = now + dirty_ticks;
		}
		if (now >= next_hb) {
			if (gap > max_gap)
				max_gap = gap;
			con_puts("hb ");
			con_putu((now - t0) / (khz * 1000));
			con_puts(" s: dirtied ");
			con_putu(dirtied);
			con_puts(", max gap ");
			con_putu(gap * 1000 / khz);
			con_puts(" us\n");
			gap = 0;
			prev = rdtsc(); /* the console lines themselves are not a gap */
			next_hb = prev + hb_ticks;
		}
	}
}

void mb_main(void)
{
	idt_init();
	const struct mb_info_v1 *mbi = (const struct mb_info_v1 *)mb_info;
	char cmd[512];
	int n = 0;
	if (mbi && (mbi->flags & 4) && mbi->cmdline) {
		const char *c = (const char *)(uint64_t)mbi->cmdline;
		while (c[n] && n < (int)sizeof(cmd) - 1) {
			cmd[n] = c[n];
			n++;
		}
	}
	cmd[n] = 0;
	parse_cmdline(cmd);
	uint64_t mem = mbi && (mbi->flags & 1) ? ((uint64_t)mbi->mem_upper + 1024) * 1024 : 0;
	mem &= ~((2ULL << 20) - 1);
	boot_params(mem);
	rep_init();
	con_puts("tsvmm-guest-mb: ring 3 up, ");
	con_putu(mem >> 20);
	con_puts(" MiB RAM, TSC ");
	con_putu(BOOT->tsc_khz);
	con_puts(" kHz, wss ");
	con_putu(BOOT->wss_pages);
	con_puts(" rate ");
	con_putu(BOOT->dirty_rate);
	con_puts("\n");
	REPORT->phase = TSVMM_PHASE_FILL;
	uint64_t t0 = rdtsc(), pages = guest_fill(), t1 = rdtsc();
	con_puts("tsvmm-guest-mb: filled ");
	con_putu(pages);
	con_puts(" pages (random ");
	con_putu(BOOT->fill_pages[TSVMM_FILL_RANDOM]);
	con_puts(", dup ");
	con_putu(BOOT->fill_pages[TSVMM_FILL_DUP]);
	con_puts(", zero ");
	con_putu(BOOT->fill_pages[TSVMM_FILL_ZERO]);
	con_puts(") in ");
	con_putu((t1 - t0) / BOOT->tsc_khz);
	con_puts(" ms\n");
	run();
}
