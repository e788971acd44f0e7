// SPDX-License-Identifier: MIT
/* tsvmm: the guest's vmclock readings vs CLOCK_REALTIME (see vmclock_log.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "tsync/log.h"
#include "tsync/statlog.h"
#include "tsync/vmclock.h"
#include "tsync/tsc_xform.h"
#include "uapi/tsvmm-boot.h"
#include "uapi/tsvmm-report.h"
#include "vmclock_log.h"

struct pair {
	uint64_t tsc;
	int64_t rt; /* CLOCK_REALTIME, ns */
};

struct vmclock_log {
	struct statlog *sl;
	uint64_t khz;
	const volatile struct tsvmm_boot_params *bp; /* the guest's TSC block, NULL: raw */
	struct tsc_xform block;                      /* the block of the last pair */
	uint64_t kvm_offset;                         /* KVM's offset to the raw TSC */
	struct pair prev, cur;
	unsigned npairs;
	uint64_t n, bounded, violations, errors;
	int64_t max_abs_err;
};

static const char *const columns[] = {"t[s]",   "err[ns]", "bound[ns]", "ok",
                                      "status", "marker",  "est[ns]",   "tsc"};

struct vmclock_log *vmclock_log_open(const char *path, uint64_t tsc_khz,
                                     const volatile struct tsvmm_boot_params *bp)
{
	struct vmclock_log *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->bp = bp;
	l->khz = tsc_khz ? tsc_khz : 1000000;
	const struct statlog_meta meta[] = {{"source", "tsvmm guest vmclock readings"},
	                                    {"reference", "CLOCK_REALTIME"}};
	l->sl = statlog_open(path, columns, 8, meta, 2, STATLOG_FLUSH_ROWS);
	if (!l->sl) {
		int e = errno;
		free(l);
		errno = e;
		return NULL;
	}
	vmclock_log_pair(l);
	return l;
}

void vmclock_log_close(struct vmclock_log *l)
{
	if (!l)
		return;
	pr_info("vmclock: %llu readings, %llu bounded, %llu outside the bound, %llu failed, "
	        "largest |err| %lld ns",
	        (unsigned long long)l->n, (unsigned long long)l->bounded,
	        (unsigned long long)l->violations, (unsigned long long)l->errors,
	        (long long)l->max_abs_err);
	statlog_close(l->sl);
	free(l);
}

void vmclock_log_kvm_offset(struct vmclock_log *l, uint64_t off)
{
	if (l && off != l->kvm_offset) {
		l->kvm_offset = off;
		l->npairs = 0;
	}
}

void vmclock_log_pair(struct vmclock_log *l)
{
	struct pair best = {0, 0};
	uint64_t win = UINT64_MAX;
	for (int i = 0; i < 3; i++) {
		struct timespec ts;
		uint64_t a = vmclock_rdtsc();
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t b = vmclock_rdtsc();
		if (b - a < win) {
			win = b - a;
			best.tsc = a + (b - a) / 2;
			best.rt = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		}
	}
	if (l->bp) { /* the guest's TSC (vcpu_tsc.h); the block changes only while it is stopped */
		struct tsc_xform x = {.mult = l->bp->tsc_mult, .offset = l->bp->tsc_add};
		best.tsc = tsc_xform_apply(&x, best.tsc + l->kvm_offset);
		if (x.mult != l->block.mult || x.offset != l->block.offset)
			l->npairs =
			        0; /* a new block (a migration): older pairs are another counter */
		l->block = x;
	}
	l->prev = l->cur;
	l->cur = best;
	l->npairs++;
}

/* CLOCK_REALTIME at counter c, ns */
static int64_t truth(const struct vmclock_log *l, uint64_t c)
{
	const struct pair *a = &l->cur;
	if (l->npairs >= 2 && l->cur.tsc > l->prev.tsc) {
		a = &l->prev;
		__int128 dt = (__int128)(int64_t)(c - a->tsc) * (l->cur.rt - l->prev.rt);
		return a->rt + (int64_t)(dt / (__int128)(l->cur.tsc - l->prev.tsc));
	}
	uint64_t khz = tsc_xform_scale(&l->block, l->khz); /* the guest's TSC rate */
	return a->rt + (int64_t)((__int128)(int64_t)(c - a->tsc) * 1000000 / (__int128)khz);
}

void vmclock_log_rec(struct vmclock_log *l, const struct tsvmm_report_rec *rec)
{
	int64_t t = truth(l, rec->tsc);
	double row[8] = {(double)t / 1e9, NAN, -1, -1, 0, (double)rec->v[3], 0, (double)rec->tsc};
	l->n++;
	unsigned err = (unsigned)(rec->v[2] >> 16) & 0xffff;
	if (err) {
		l->errors++;
		row[4] = -(double)err;
		statlog_write(l->sl, row);
		return;
	}
	int64_t e = (int64_t)rec->v[0] - t;
	int64_t ae = e < 0 ? -e : e;
	row[1] = (double)e;
	row[4] = (double)(rec->v[2] & 0xff);
	row[6] = (double)rec->v[4];
	if (ae > l->max_abs_err)
		l->max_abs_err = ae;
	if (rec->v[1] != VMCLOCK_NO_BOUND) {
		l->bounded++;
		row[2] = (double)rec->v[1];
		row[3] = (uint64_t)ae <= rec->v[1];
		l->violations += (uint64_t)ae > rec->v[1];
	}
	if (statlog_write(l->sl, row))
		pl_warning(10, "vmclock statlog write failed");
}
