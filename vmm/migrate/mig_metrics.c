// SPDX-License-Identifier: MIT
/* tsvmm migration parameters, metrics JSON and the convergence decision. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control_json.h"
#include "migrate/compress.h"
#include "migrate/mig_metrics.h"
#include "uapi/tsvmm-migration.h"

void mig_params_default(struct mig_params *p)
{
	memset(p, 0, sizeof(*p));
	p->downtime_limit_ms = MIG_DEFAULT_DOWNTIME_MS;
	p->max_iterations = MIG_DEFAULT_MAX_ITER;
	p->timeout_ms = MIG_DEFAULT_TIMEOUT_MS;
	p->postcopy = true;
	p->pc_prefetch = true;
	p->ram_dedup = true;
	p->pc_ondemand_ms = 2000;
	p->pc_resume_ms = 30000;
	p->block_size = TSMIG_PAGE_SIZE;
	p->connections = 1;
}

static int set_mode(struct mig_params *p, const char *mode)
{
	static const struct {
		const char *name;
		bool zero, dup, disk;
		int compress;
	} modes[] = {
	        {"none", false, false, false, MIG_COMPRESS_NONE},
	        {"zero", true, false, false, MIG_COMPRESS_NONE},
	        {"dup", false, true, false, MIG_COMPRESS_NONE},
	        {"disk", false, false, true, MIG_COMPRESS_NONE},
	        {"compress", false, false, false, MIG_COMPRESS_LZ4},
	        {"all", true, true, true, MIG_COMPRESS_LZ4},
	};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(modes[i].name, mode))
			continue;
		p->zero = modes[i].zero;
		p->dup = modes[i].dup;
		p->disk = modes[i].disk;
		p->compress = modes[i].compress;
		return 0;
	}
	return -EINVAL;
}

/* Every member of obj must be known. */
static int check_keys(const json_t *obj, char *err, size_t errlen)
{
	static const char *const known[] = {"downtime-limit",
	                                    "max-bandwidth",
	                                    "max-iterations",
	                                    "zero",
	                                    "dup",
	                                    "disk",
	                                    "compress",
	                                    "timeout",
	                                    "statlog",
	                                    "mode",
	                                    "migrate-disk",
	                                    "storage",
	                                    "postcopy",
	                                    "postcopy-prefetch",
	                                    "postcopy-ondemand-ms",
	                                    "postcopy-resume",
	                                    "checksum",
	                                    "ram-dedup",
	                                    "block-size",
	                                    "connections"};
	const char *k;
	json_t *v;
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "malformed parameters: not an object");
		return -EINVAL;
	}
	json_object_foreach((json_t *)obj, k, v)
	{
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= !strcmp(k, known[i]);
		if (!ok) {
			char q[128];
			json_quote(q, sizeof(q), k);
			snprintf(err, errlen, "unknown parameter %s", q);
			return -EINVAL;
		}
	}
	return 0;
}

int mig_params_parse(struct mig_params *p, const json_t *json, char *err, size_t errlen)
{
	struct mig_params n = *p;
	char s[256];
	uint64_t u;
	int b, r = check_keys(json, err, errlen);
	if (r)
		return r;
#define BAD(what)                                                                                  \
	do {                                                                                       \
		snprintf(err, errlen, "%s", what);                                                 \
		return -EINVAL;                                                                    \
	} while (0)
	if ((r = json_get_string(json, "mode", s, sizeof(s))) != -ENOENT && (r || set_mode(&n, s)))
		BAD("\"mode\" must be none, zero, dup, disk, compress or all");
	if ((r = json_get_u64(json, "downtime-limit", &u)) != -ENOENT) {
		if (r || u == 0 || u > 600000)
			BAD("\"downtime-limit\" must be 1 .. 600000 ms");
		n.downtime_limit_ms = u;
	}
	if ((r = json_get_u64(json, "max-bandwidth", &u)) != -ENOENT) {
		if (r)
			BAD("\"max-bandwidth\" must be bytes/s (0: no cap)");
		n.max_bandwidth = u;
	}
	if ((r = json_get_u64(json, "max-iterations", &u)) != -ENOENT) {
		if (r || u == 0 || u > 1000)
			BAD("\"max-iterations\" must be 1 .. 1000");
		n.max_iterations = (uint32_t)u;
	}
	if ((r = json_get_u64(json, "connections", &u)) != -ENOENT) {
		if (r || u < 1 || u > TSMIG_CONN_MAX)
			BAD("\"connections\" must be 1 .. 8 (TCP connections of the migration)");
		n.connections = (uint32_t)u;
	}
	if ((r = json_get_u64(json, "timeout", &u)) != -ENOENT) {
		if (r || u < 100 || u > 600000)
			BAD("\"timeout\" must be 100 .. 600000 ms");
		n.timeout_ms = (uint32_t)u;
	}
	if ((r = json_get_bool(json, "zero", &b)) != -ENOENT) {
		if (r)
			BAD("\"zero\" must be a boolean");
		n.zero = b;
	}
	if ((r = json_get_bool(json, "dup", &b)) != -ENOENT) {
		if (r)
			BAD("\"dup\" must be a boolean");
		n.dup = b;
	}
	if ((r = json_get_bool(json, "disk", &b)) != -ENOENT) {
		if (r)
			BAD("\"disk\" must be a boolean");
		n.disk = b;
	}
	if ((r = json_get_bool(json, "migrate-disk", &b)) != -ENOENT) {
		if (r)
			BAD("\"migrate-disk\" must be a boolean");
		n.migrate_disk = b;
	}
	if ((r = json_get_bool(json, "postcopy", &b)) != -ENOENT) {
		if (r)
			BAD("\"postcopy\" must be a boolean");
		n.postcopy = b;
	}
	if ((r = json_get_bool(json, "ram-dedup", &b)) != -ENOENT) {
		if (r)
			BAD("\"ram-dedup\" must be a boolean");
		n.ram_dedup = b;
	}
	if ((r = json_get_bool(json, "postcopy-prefetch", &b)) != -ENOENT) {
		if (r)
			BAD("\"postcopy-prefetch\" must be a boolean");
		n.pc_prefetch = b;
	}
	if ((r = json_get_u64(json, "postcopy-ondemand-ms", &u)) != -ENOENT) {
		if (r || u > 600000)
			BAD("\"postcopy-ondemand-ms\" must be 0 .. 600000");
		n.pc_ondemand_ms = (uint32_t)u;
	}
	if ((r = json_get_string(json, "checksum", s, sizeof(s))) != -ENOENT) {
		if (r || (strcmp(s, "stop") && strcmp(s, "early")))
			BAD("\"checksum\" must be stop or early");
		n.checksum_early = !strcmp(s, "early");
	}
	if ((r = json_get_u64(json, "block-size", &u)) != -ENOENT) {
		if (r || u < TSMIG_BLOCK_MIN || u > TSMIG_BLOCK_MAX || (u & (u - 1)))
			BAD("\"block-size\" must be a power of two from 4096 to 1048576 bytes");
		n.block_size = (uint32_t)u;
	}
	if ((r = json_get_u64(json, "postcopy-resume", &u)) != -ENOENT) {
		if (r || u > 3600000)
			BAD("\"postcopy-resume\" must be 0 .. 3600000 ms");
		n.pc_resume_ms = (uint32_t)u;
	}
	if ((r = json_get_string(json, "storage", s, sizeof(s))) != -ENOENT) {
		int m = r ? -1 : mig_storage_parse(s);
		if (m < 0)
			BAD("\"storage\" must be none, precopy or flim");
		n.storage = m;
	}
	if ((r = json_get_string(json, "compress", s, sizeof(s))) != -ENOENT) {
		int c = r ? -EINVAL : mig_compress_parse(s);
		if (c < 0)
			BAD("\"compress\" must be none, lz4 or zstd");
		n.compress = c;
	}
	if ((r = json_get_string(json, "statlog", n.statlog, sizeof(n.statlog))) != -ENOENT && r)
		BAD("\"statlog\" must be a path");
#undef BAD
	*p = n;
	return 0;
}

static const char *const storage_names[] = {"none", "precopy", "flim"};

const char *mig_storage_name(int s)
{
	return s >= 0 && s <= MIG_STORAGE_FLIM ? storage_names[s] : "?";
}

int mig_storage_parse(const char *s)
{
	for (int i = 0; i <= MIG_STORAGE_FLIM; i++)
		if (!strcmp(s, storage_names[i]))
			return i;
	return -1;
}

const char *mig_status_name(enum mig_status s)
{
	static const char *const names[] = {"none",      "setup",  "active",   "device",
	                                    "completed", "failed", "cancelled"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

size_t mig_metrics_json(const struct mig_metrics *m, const struct mig_params *p, char *buf,
                        size_t len)
{
	char errq[300], tq[200];
	json_quote(errq, sizeof(errq), m->error);
	json_quote(tq, sizeof(tq), m->transport);
	int n = snprintf(
	        buf, len,
	        "{\"status\": \"%s\", \"setup-time\": %.3f, \"total-time\": %.3f, "
	        "\"downtime\": %.3f, \"expected-downtime\": %.3f, \"iterations\": %u, "
	        "\"converge\": \"%s\", \"bytes\": %llu, \"bandwidth\": %llu, \"pages\": {"
	        "\"total\": %llu, \"sent\": %llu, \"zero\": %llu, \"dup\": %llu, \"disk\": %llu, "
	        "\"compressed\": %llu, \"full\": %llu, \"disk-rewritten\": %llu, \"block\": %llu}, "
	        "\"disk-blocks\": {\"total\": %llu, \"sent\": %llu, \"passes\": %u, "
	        "\"dirty\": %llu, \"precopy-time\": %.3f, \"dedup-held\": %llu, "
	        "\"dedup-ref\": %llu, \"dedup-ram\": %llu, \"hot-deferred\": %llu}, "
	        "\"bytes-by-category\": {\"disk-full\": %llu, \"disk-compressed\": %llu, "
	        "\"ram-compressed\": %llu, \"dedup-held-blocks\": %llu, \"dedup-ref-blocks\": "
	        "%llu, \"dedup-ram-blocks\": %llu, \"dedup-block-pages\": %llu, "
	        "\"dedup-dup-pages\": %llu, \"zero-pages\": "
	        "%llu}, "
	        "\"postcopy\": {\"state\": \"%s\", \"missing\": %llu, \"prefetched\": %llu, "
	        "\"on-demand\": %llu, \"misses\": %llu, \"prefetch-hits\": %llu, "
	        "\"prefetch-hit-rate\": %.3f, \"dropped\": %llu, \"miss-wait-p50\": %.3f, "
	        "\"miss-wait-p99\": %.3f, \"miss-wait-max\": %.3f, \"time\": %.3f, "
	        "\"resumes\": %u}, \"verify-time\": %.3f, "
	        "\"guest-io\": {\"read-blocks\": %llu, \"write-blocks\": %llu, "
	        "\"read-MBps\": %.3f, \"write-MBps\": %.3f}, "
	        "\"compressed-bytes\": %llu, \"dirty-pages\": %llu, \"checksum-time\": %.3f, "
	        "\"final-pages\": %llu, \"final-time\": %.3f, \"ready-wait\": %.3f, "
	        "\"parameters\": {\"downtime-limit\": %llu, \"max-bandwidth\": %llu, "
	        "\"max-iterations\": %u, \"zero\": %s, \"dup\": %s, \"disk\": %s, "
	        "\"compress\": \"%s\", \"timeout\": %u, \"migrate-disk\": %s, \"storage\": "
	        "\"%s\", \"postcopy\": %s, \"postcopy-prefetch\": %s, \"ram-dedup\": %s, "
	        "\"postcopy-ondemand-ms\": "
	        "%u, \"postcopy-resume\": %u, \"checksum\": \"%s\", \"block-size\": %u, "
	        "\"connections\": %u}, "
	        "\"transport\": %s, "
	        "\"error\": %s}",
	        mig_status_name(m->status), m->setup_ns / 1e6, m->total_ns / 1e6,
	        m->downtime_ns / 1e6,
	        m->expected_downtime_ns == UINT64_MAX ? -1.0 : m->expected_downtime_ns / 1e6,
	        m->iterations, m->converge, (unsigned long long)m->bytes_wire,
	        (unsigned long long)m->bandwidth_bps, (unsigned long long)m->pages_total,
	        (unsigned long long)m->pages_sent, (unsigned long long)m->zero,
	        (unsigned long long)m->dup, (unsigned long long)m->disk,
	        (unsigned long long)m->compressed, (unsigned long long)m->full,
	        (unsigned long long)m->disk_rewritten, (unsigned long long)m->block_pages,
	        (unsigned long long)m->disk_blocks, (unsigned long long)m->disk_blocks_sent,
	        m->disk_passes, (unsigned long long)m->disk_dirty, m->disk_precopy_ns / 1e6,
	        (unsigned long long)m->disk_dedup_held, (unsigned long long)m->disk_dedup_ref,
	        (unsigned long long)m->disk_dedup_ram, (unsigned long long)m->disk_hot_deferred,
	        (unsigned long long)m->disk_full_bytes, (unsigned long long)m->disk_comp_bytes,
	        (unsigned long long)m->compressed_bytes, (unsigned long long)m->disk_dedup_held,
	        (unsigned long long)m->disk_dedup_ref, (unsigned long long)m->disk_dedup_ram,
	        (unsigned long long)m->block_pages, (unsigned long long)m->dup,
	        (unsigned long long)m->zero, m->pc_state[0] ? m->pc_state : "none",
	        (unsigned long long)m->pc_missing, (unsigned long long)m->pc_prefetched,
	        (unsigned long long)m->pc_demanded, (unsigned long long)m->pc_misses,
	        (unsigned long long)m->pc_hits,
	        m->pc_hits + m->pc_misses ? (double)m->pc_hits / (double)(m->pc_hits + m->pc_misses)
	                                  : 0.0,
	        (unsigned long long)m->pc_dropped, m->pc_wait_p50_ns / 1e6, m->pc_wait_p99_ns / 1e6,
	        m->pc_wait_max_ns / 1e6, m->pc_ns / 1e6, m->pc_resumes, m->verify_ns / 1e6,
	        (unsigned long long)m->io_read_blocks, (unsigned long long)m->io_write_blocks,
	        m->total_ns ? m->io_read_blocks * 4096.0 / (m->total_ns / 1e9) / 1e6 : 0.0,
	        m->total_ns ? m->io_write_blocks * 4096.0 / (m->total_ns / 1e9) / 1e6 : 0.0,
	        (unsigned long long)m->compressed_bytes, (unsigned long long)m->dirty_pages,
	        m->checksum_ns / 1e6, (unsigned long long)m->final_pages, m->final_ns / 1e6,
	        m->ready_ns / 1e6, (unsigned long long)p->downtime_limit_ms,
	        (unsigned long long)p->max_bandwidth, p->max_iterations, p->zero ? "true" : "false",
	        p->dup ? "true" : "false", p->disk ? "true" : "false",
	        mig_compress_name(p->compress), p->timeout_ms, p->migrate_disk ? "true" : "false",
	        mig_storage_name(p->storage), p->postcopy ? "true" : "false",
	        p->pc_prefetch ? "true" : "false", p->ram_dedup ? "true" : "false",
	        p->pc_ondemand_ms, p->pc_resume_ms, p->checksum_early ? "early" : "stop",
	        p->block_size, p->connections, tq, errq);
	return n < 0 ? 0 : (size_t)n;
}

enum mig_conv mig_converge(const struct mig_conv_in *in, uint64_t *expected_ns)
{
	uint64_t bpp = in->bytes_per_page ? in->bytes_per_page : 4096 + 16;
	*expected_ns = UINT64_MAX;
	if (in->bandwidth_bps) {
		unsigned __int128 ns = (unsigned __int128)in->dirty_pages * bpp * 1000000000ULL /
		                       in->bandwidth_bps;
		unsigned __int128 xfer = ns;
		ns += in->fixed_ns;
		*expected_ns = ns > UINT64_MAX - 1 ? UINT64_MAX - 1 : (uint64_t)ns;
		/* pages dirtied while this set would be sent in one more pass */
		unsigned __int128 next = xfer * in->dirty_rate_pps / 1000000000ULL;
		bool shrinks = in->dirty_rate_pps && xfer > MIG_CONV_SHRINK_MIN_NS &&
		               next * 4 <= in->dirty_pages && in->iteration < in->max_iterations;
		if (*expected_ns <= in->downtime_limit_ns && !shrinks)
			return MIG_CONV_DOWNTIME;
	}
	if (in->iteration >= in->max_iterations)
		return MIG_CONV_MAX_ITER;
	return MIG_CONV_CONTINUE;
}

const char *mig_conv_name(enum mig_conv c)
{
	return c == MIG_CONV_DOWNTIME   ? "downtime"
	       : c == MIG_CONV_MAX_ITER ? "max-iterations"
	                                : "continue";
}
