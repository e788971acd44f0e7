// SPDX-License-Identifier: MIT
/* tsvmm report-ring reader: drain, statistics, statlog. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "tsync/log.h"
#include "tsync/statlog.h"
#include "uapi/tsvmm-boot.h"
#include "uapi/tsvmm-report.h"
#include "vm.h"
#include "vmclock_log.h"

struct report {
	struct vm *vm;
	uint64_t khz;
	struct statlog *log;
	struct report_stats st;
	struct vmclock_log *vclog; /* TSVMM_REC_VMCLOCK readings scored, NULL: none */
};

static const char *const columns[] = {"t[s]",    "rec",   "gap[ns]", "max_gap[ns]",
                                      "dirtied", "loops", "vmclock"};

struct report *report_create(struct vm *vm, uint64_t tsc_khz, const char *statlog_path)
{
	struct report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->vm = vm;
	r->khz = tsc_khz ? tsc_khz : 1;
	if (statlog_path) {
		char khz[32];
		snprintf(khz, sizeof(khz), "%llu", (unsigned long long)tsc_khz);
		struct statlog_meta meta[] = {{"source", "tsvmm report ring"}, {"tsc_khz", khz}};
		r->log = statlog_open(statlog_path, columns, sizeof(columns) / sizeof(columns[0]),
		                      meta, 2, STATLOG_FLUSH_ROWS);
		if (!r->log) {
			int err = errno;
			free(r);
			errno = err;
			return NULL;
		}
	}
	return r;
}

void report_destroy(struct report *r)
{
	if (!r)
		return;
	if (r->log)
		statlog_close(r->log);
	vmclock_log_close(r->vclog);
	free(r);
}

const struct report_stats *report_stats(const struct report *r)
{
	return &r->st;
}

int report_vmclock_log(struct report *r, const char *path)
{
	const volatile struct tsvmm_boot_params *bp =
	        vm_gpa_to_hva(r->vm, TSVMM_BOOT_GPA, sizeof(struct tsvmm_boot_params));
	if (!(r->vclog = vmclock_log_open(path, r->khz, bp)))
		return -errno;
	return 0;
}

void report_tsc_kvm_offset(struct report *r, uint64_t off)
{
	vmclock_log_kvm_offset(r->vclog, off);
}

uint64_t report_ticks_to_ns(const struct report *r, uint64_t ticks)
{
	return (uint64_t)((unsigned __int128)ticks * 1000000 / r->khz);
}

static void consume(struct report *r, const struct tsvmm_report_rec *rec, uint64_t tsc_boot)
{
	struct report_stats *st = &r->st;
	double row[7] = {(double)(rec->tsc - tsc_boot) / ((double)r->khz * 1000.0),
	                 rec->type,
	                 0,
	                 0,
	                 0,
	                 0,
	                 0};
	st->records++;
	switch (rec->type) {
	case TSVMM_REC_SAMPLE:
		st->samples++;
		st->dirtied = rec->v[1];
		st->vmclock = rec->v[3];
		st->loops = rec->v[2];
		if (report_ticks_to_ns(r, rec->v[4]) > st->max_gap_ns)
			st->max_gap_ns = report_ticks_to_ns(r, rec->v[4]);
		row[2] = (double)report_ticks_to_ns(r, rec->v[0]);
		row[3] = (double)report_ticks_to_ns(r, rec->v[4]);
		row[4] = (double)rec->v[1];
		row[5] = (double)rec->v[2];
		row[6] = (double)rec->v[3];
		break;
	case TSVMM_REC_GAP:
		st->gaps++;
		st->last_gap_ns = report_ticks_to_ns(r, rec->v[0]);
		if (st->last_gap_ns > st->max_gap_ns)
			st->max_gap_ns = st->last_gap_ns;
		row[2] = (double)st->last_gap_ns;
		row[3] = (double)st->max_gap_ns;
		break;
	case TSVMM_REC_FILL:
		st->fill_pages = rec->v[0];
		st->fill_ns = report_ticks_to_ns(r, rec->v[1]);
		row[2] = (double)st->fill_ns;
		row[4] = (double)st->fill_pages;
		break;
	case TSVMM_REC_IO:
		st->io_written = rec->v[0];
		st->io_read = rec->v[1];
		st->io_failed = rec->v[2];
		return; /* the totals only */
	case TSVMM_REC_VMCLOCK:
		if (r->vclog)
			vmclock_log_rec(r->vclog, rec);
		return; /* not a row of the report statlog */
	case TSVMM_REC_DONE:
		st->done = true;
		st->dirtied = rec->v[1];
		if (report_ticks_to_ns(r, rec->v[0]) > st->max_gap_ns)
			st->max_gap_ns = report_ticks_to_ns(r, rec->v[0]);
		row[3] = (double)st->max_gap_ns;
		row[4] = (double)rec->v[1];
		break;
	default:
		break;
	}
	if (r->log && statlog_write(r->log, row))
		pl_warning(10, "report statlog write failed");
}

int report_drain(struct report *r)
{
	struct tsvmm_report_hdr *h = vm_gpa_to_hva(r->vm, TSVMM_REPORT_GPA, TSVMM_REPORT_SIZE);
	if (!h || __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != TSVMM_REPORT_MAGIC)
		return 0; /* the guest has not initialised the ring yet */
	if (h->entries != TSVMM_REPORT_ENTRIES || h->rec_size != sizeof(struct tsvmm_report_rec))
		return -EPROTO;
	if (r->vclog)
		vmclock_log_pair(r->vclog); /* brackets the records up to this head */
	uint64_t head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
	uint64_t tail = h->tail;
	if (head - tail > TSVMM_REPORT_ENTRIES)
		return -EPROTO;
	const struct tsvmm_report_rec *recs =
	        (const struct tsvmm_report_rec *)((const uint8_t *)h + 4096);
	int n = 0;
	for (; tail != head; tail++, n++) {
		struct tsvmm_report_rec rec;
		memcpy(&rec, &recs[tail % TSVMM_REPORT_ENTRIES], sizeof(rec));
		consume(r, &rec, h->tsc_boot);
	}
	__atomic_store_n(&h->tail, tail, __ATOMIC_RELEASE);
	vm_mark_dirty(r->vm, TSVMM_REPORT_GPA, 4096);
	r->st.dropped = h->dropped;
	r->st.phase = (int)h->phase;
	r->st.tsc_boot = h->tsc_boot;
	return n;
}
