// SPDX-License-Identifier: MIT
/*
 * Seed inputs for the fuzz targets, made with the project's own encoders (make fuzz-seeds):
 * seedgen DIR writes DIR/<target>/gen-<name> files. Small by design: libFuzzer grows the
 * corpus itself, the seeds only show it the valid shapes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mgmt.h"
#include "core/msg.h"
#include "daemon/daemon.h"
#include "migrate/compress.h"
#include "migrate/stream.h"
#include "tsync/statlog.h"
#include "tsync/vmclock.h"

static const char *root;
static int failures;

static void put(const char *target, const char *name, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/gen-%s", root, target, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "seedgen: %s: %s\n", path, strerror(errno));
		failures++;
	}
}

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "seedgen: %s failed\n", what);
		failures++;
	}
}

static const struct ptp_port_id me = {{{0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55}}, 1};
static const struct ptp_port_id peer = {{{0x02, 0xaa, 0xbb, 0xff, 0xfe, 0xcc, 0xdd, 0xee}}, 1};

static void ptp_msgs(void)
{
	uint8_t b[PTP_MAX_MSG_LEN];
	struct ptp_header h;
	struct ptp_ts ts = {1700000000, 123456789};
	struct ptp_announce a = {.origin = ts,
	                         .utc_offset = 37,
	                         .gm_priority1 = 128,
	                         .gm_quality = {248, 0xfe, 0xffff},
	                         .gm_priority2 = 128,
	                         .gm_identity = peer.clock,
	                         .steps_removed = 1,
	                         .time_source = 0xa0};
	int n;
	msg_hdr_init(&h, PTP_SYNC, &peer, 0, 7, -3);
	h.flags = PTP_FLAG_TWO_STEP;
	n = msg_build_sync(b, sizeof(b), &h, &ts);
	check(n > 0, "sync");
	put("ptp_msg", "sync", b, (size_t)n);
	msg_hdr_init(&h, PTP_FOLLOW_UP, &peer, 0, 7, -3);
	h.correction = 0x12340000;
	n = msg_build_follow_up(b, sizeof(b), &h, &ts);
	check(n > 0, "follow_up");
	put("ptp_msg", "follow-up", b, (size_t)n);
	msg_hdr_init(&h, PTP_DELAY_RESP, &peer, 0, 9, 0);
	n = msg_build_delay_resp(b, sizeof(b), &h, &ts, &me);
	check(n > 0, "delay_resp");
	put("ptp_msg", "delay-resp", b, (size_t)n);
	msg_hdr_init(&h, PTP_PDELAY_RESP, &peer, 0, 3, 0x7f);
	n = msg_build_pdelay_resp(b, sizeof(b), &h, &ts, &me);
	check(n > 0, "pdelay_resp");
	put("ptp_msg", "pdelay-resp", b, (size_t)n);
	msg_hdr_init(&h, PTP_ANNOUNCE, &peer, 0, 2, 1);
	n = msg_build_announce(b, sizeof(b), &h, &a);
	check(n > 0, "announce");
	uint8_t path_trace[8];
	memcpy(path_trace, peer.clock.id, 8);
	n = msg_tlv_append(b, sizeof(b), (size_t)n, PTP_TLV_PATH_TRACE, path_trace, 8);
	check(n > 0, "announce path trace");
	put("ptp_msg", "announce-path-trace", b, (size_t)n);
	/* Signaling with the 802.1AS message interval request a burst sends */
	struct ptp_msg m;
	memset(&m, 0, sizeof(m));
	msg_hdr_init(&m.hdr, PTP_SIGNALING, &me, 0, 1, 0x7f);
	memset(&m.signaling.target, 0xff, sizeof(m.signaling.target));
	n = msg_build(b, sizeof(b), &m);
	check(n > 0, "signaling");
	uint8_t tlv[16];
	ptpd_ival_tlv_build(tlv, -128, -6, -128);
	n = msg_tlv_append(b, sizeof(b), (size_t)n, PTP_TLV_ORGANIZATION_EXTENSION, tlv + 4, 12);
	check(n > 0, "signaling tlv");
	put("ptp_msg", "signaling-ival", b, (size_t)n);
	put("ptpd_ctl", "signaling-ival", b, (size_t)n);
	static const char *const cmds[] = {"tsync status", "tsync burst seconds=2.5 log_sync=-5\n",
	                                   "tsync burst log_sync=4 seconds=600"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char name[16];
		snprintf(name, sizeof(name), "cmd-%zu", i);
		put("ptpd_ctl", name, cmds[i], strlen(cmds[i]));
	}
}

static void ptp_mgmt(void)
{
	static const uint16_t ids[] = {MGMT_DEFAULT_DATA_SET,   MGMT_CURRENT_DATA_SET,
	                               MGMT_PARENT_DATA_SET,    MGMT_TIME_PROPERTIES_DATA_SET,
	                               MGMT_PORT_DATA_SET,      MGMT_TIME_STATUS_NP,
	                               MGMT_PORT_PROPERTIES_NP, MGMT_PRIORITY1};
	static const struct ptp_port_id all = {{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	                                       0xffff};
	struct ds_default dflt = {.two_step = true,
	                          .number_ports = 1,
	                          .priority1 = 128,
	                          .quality = {248, 0xfe, 0xffff},
	                          .priority2 = 128,
	                          .identity = me.clock};
	struct ds_current cur = {1, -1234, 5678};
	struct ds_parent parent = {.parent_port = peer,
	                           .gm_priority1 = 128,
	                           .gm_quality = {6, 0x21, 0x4e5d},
	                           .gm_priority2 = 128,
	                           .gm_identity = peer.clock};
	struct ds_time_props tp = {37, PTP_FLAG_UTC_OFF_VALID, 0xa0};
	struct ds_port port = {.identity = me,
	                       .state = PTP_PS_SLAVE,
	                       .log_announce_interval = 1,
	                       .announce_receipt_timeout = 3,
	                       .delay_mechanism = 1,
	                       .version_number = 2};
	struct mgmt_time_status_np ts = {.master_offset = -12,
	                                 .ingress_time = 1700000000,
	                                 .gm_present = 1,
	                                 .gm_identity = peer.clock};
	struct mgmt_port_props_np props = {
	        .identity = me, .state = PTP_PS_SLAVE, .interface = "veth0"};
	struct mgmt_sources src = {&dflt, &cur, &parent, &tp, &port, &ts, &props};
	uint8_t req[PTP_MAX_MSG_LEN], rsp[PTP_MAX_MSG_LEN], data[256];
	char name[64];
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct mgmt_msg m;
		int dn = mgmt_encode_data(ids[i], &src, data, sizeof(data));
		int n = mgmt_build_request(req, sizeof(req), &peer, &all, 0, (uint16_t)i, 1,
		                           PTP_MGMT_GET, ids[i], data, dn > 0 ? (size_t)dn : 0);
		check(n > 0, "mgmt request");
		snprintf(name, sizeof(name), "get-%04x", ids[i]);
		put("ptp_mgmt", name, req, (size_t)n);
		check(!mgmt_parse(req, (size_t)n, &m), "mgmt parse");
		int r = mgmt_respond(rsp, sizeof(rsp), &m, &me, &src);
		check(r > 0, "mgmt respond");
		snprintf(name, sizeof(name), "response-%04x", ids[i]);
		put("ptp_mgmt", name, rsp, (size_t)r);
		if (dn > 0) { /* the bare dataField: the decoders run on the raw input too */
			snprintf(name, sizeof(name), "data-%04x", ids[i]);
			put("ptp_mgmt", name, data, (size_t)dn);
		}
	}
}

/* one record into b at *off */
static void rec(uint8_t *b, size_t *off, uint16_t type, uint32_t seq, const void *p, uint32_t len)
{
	struct tsmig_rec_hdr h = {.type = type, .len = len, .seq = seq};
	h.check = tsmig_rec_check(&h, p);
	memcpy(b + *off, &h, sizeof(h));
	memcpy(b + *off + sizeof(h), p, len);
	*off += sizeof(h) + len;
}

static void migrate(void)
{
	static uint8_t b[64 * 1024], pages[5 * TSMIG_ENTRY_MAX], pg[TSMIG_PAGE_SIZE],
	        z[TSMIG_PAGE_SIZE];
	size_t off = 0, po = 0;
	uint32_t npages = 1024, blocks = 64;
	memcpy(b, &npages, 4);
	memcpy(b + 4, &blocks, 4);
	off = 8;
	struct tsmig_hello hi = {.magic = TSMIG_MAGIC,
	                         .version = TSMIG_VERSION,
	                         .mem_size = (uint64_t)npages * TSMIG_PAGE_SIZE,
	                         .page_size = TSMIG_PAGE_SIZE,
	                         .features =
	                                 TSMIG_F_ZERO | TSMIG_F_DUP | TSMIG_F_LZ4 | TSMIG_F_ZSTD,
	                         .tsc_khz = 2600000};
	rec(b, &off, TSMIG_REC_HELLO, 0, &hi, sizeof(hi));
	for (size_t i = 0; i < sizeof(pg); i++)
		pg[i] = (uint8_t)(i % 61 < 40 ? 0 : i); /* compressible */
	struct tsmig_ref ref = {.ref = 3};
	check(!tsmig_entry_put(pages, sizeof(pages), &po, 1, TSMIG_PAGE_ZERO, 16, NULL, 0), "zero");
	check(!tsmig_entry_put(pages, sizeof(pages), &po, 20, TSMIG_PAGE_DUP, 1, &ref, sizeof(ref)),
	      "dup");
	for (int c = MIG_COMPRESS_LZ4; c <= MIG_COMPRESS_ZSTD; c++) {
		struct mig_compressor *mc = mig_compressor_create((enum mig_compress)c);
		unsigned kind = 0;
		size_t n = mc ? mig_compress_page(mc, pg, z, &kind) : 0;
		check(n > 0, "compress");
		check(!tsmig_entry_put(pages, sizeof(pages), &po, 30 + (unsigned)c, kind, 1, z,
		                       (uint32_t)n),
		      "compressed entry");
		mig_compressor_destroy(mc);
	}
	rec(b, &off, TSMIG_REC_PAGES, 1, pages, (uint32_t)po);
	struct tsmig_pass ps = {.pass = 0, .final = 0, .pages = 21};
	rec(b, &off, TSMIG_REC_PASS_END, 2, &ps, sizeof(ps));
	put("migrate_stream", "hello-pages-pass", b, off);
	/* one FULL page and a DISK reference */
	off = 8;
	po = 0;
	hi.features |= TSMIG_F_DISK;
	hi.disk_bytes = (uint64_t)blocks * TSMIG_PAGE_SIZE;
	rec(b, &off, TSMIG_REC_HELLO, 0, &hi, sizeof(hi));
	check(!tsmig_entry_put(pages, sizeof(pages), &po, 5, TSMIG_PAGE_FULL, 1, pg, sizeof(pg)),
	      "full");
	ref.ref = 7;
	check(!tsmig_entry_put(pages, sizeof(pages), &po, 6, TSMIG_PAGE_DISK, 1, &ref, sizeof(ref)),
	      "disk");
	rec(b, &off, TSMIG_REC_PAGES, 1, pages, (uint32_t)po);
	put("migrate_stream", "full-disk", b, off);
	/* REGIONs (RAM, a DISK of 64 KiB blocks) and a FULL block of it: limits' block size
	 * 4096 << (a >> 28) % 9 = 64 KiB */
	static uint8_t big[2 * 64 * 1024 + 4096], blk[64 * 1024];
	uint32_t a = npages | 4u << 28;
	memcpy(big, &a, 4);
	memcpy(big + 4, &blocks, 4);
	off = 8;
	po = 0;
	hi.features &= ~(uint32_t)TSMIG_F_DISK;
	hi.disk_bytes = 0;
	rec(big, &off, TSMIG_REC_HELLO, 0, &hi, sizeof(hi));
	struct tsmig_region ram = {.id = 0,
	                           .kind = TSMIG_REGION_RAM,
	                           .size = hi.mem_size,
	                           .block_size = TSMIG_PAGE_SIZE},
	                    disk = {.id = 1,
	                            .kind = TSMIG_REGION_DISK,
	                            .size = (uint64_t)blocks * sizeof(blk),
	                            .block_size = sizeof(blk)};
	rec(big, &off, TSMIG_REC_REGION, 1, &ram, sizeof(ram));
	rec(big, &off, TSMIG_REC_REGION, 2, &disk, sizeof(disk));
	for (size_t i = 0; i < sizeof(blk); i++)
		blk[i] = (uint8_t)(i * 7 + 1);
	check(!tsmig_entry_put(pages, sizeof(pages), &po, 9, TSMIG_PAGE_ZERO, 2, NULL, 0),
	      "zero blocks");
	rec(big, &off, TSMIG_REC_PAGES, 3, pages, (uint32_t)po);
	po = 0;
	static uint8_t bp[sizeof(blk) + 64];
	check(!tsmig_entry_put(bp, sizeof(bp), &po, 3, TSMIG_PAGE_FULL, 1, blk, sizeof(blk)),
	      "full block");
	rec(big, &off, TSMIG_REC_PAGES, 4, bp, (uint32_t)po);
	put("migrate_stream", "regions-64k-block", big, off);
}

static void control(void)
{
	static const char *const lines[] = {
	        "{\"execute\": \"query-status\", \"id\": 1}",
	        "{\"execute\":\"migrate\",\"arguments\":{\"addr\":\"10.0.0.2:4444\","
	        "\"compress\":\"zstd\",\"max_downtime_ms\":50,\"dedup\":true},\"id\":\"m-1\"}",
	        "{\"execute\": \"vmclock-set\", \"arguments\": {\"tsc\": 123456789012, "
	        "\"seconds\": 1.5e-3, \"enable\": false, \"path\": \"a\\\"b\\u00e9\\n\"}, "
	        "\"id\": [1, {\"x\": null}]}",
	};
	char name[16];
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(name, sizeof(name), "req-%zu", i);
		put("control_json", name, lines[i], strlen(lines[i]));
	}
}

static void vmclock(void)
{
	struct vmclock_abi p;
	struct vmclock_stop_record r;
	uint8_t b[sizeof(p) + 8];
	char text[1024], line[256];
	uint64_t counter = 5000000000ULL;
	vmclock_page_init(&p, VMCLOCK_PAGE_SIZE, VMCLOCK_COUNTER_X86_TSC, VMCLOCK_TIME_UTC);
	p.clock_status = VMCLOCK_STATUS_SYNCHRONIZED;
	p.flags = VMCLOCK_FLAG_TAI_OFFSET_VALID | VMCLOCK_FLAG_PERIOD_MAXERROR_VALID |
	          VMCLOCK_FLAG_TIME_MAXERROR_VALID | VMCLOCK_FLAG_PERIOD_ESTERROR_VALID |
	          VMCLOCK_FLAG_TIME_ESTERROR_VALID;
	p.tai_offset_sec = -37;
	p.counter_value = 4000000000ULL;
	p.counter_period_frac_sec = 7094901925ULL; /* 2.6 GHz: 2^64 / 2.6e9 */
	p.counter_period_maxerror_rate_frac_sec = 1000;
	p.counter_period_esterror_rate_frac_sec = 100;
	p.time_sec = 1700000000;
	p.time_frac_sec = 1ULL << 63;
	p.time_maxerror_nanosec = 1000;
	p.time_esterror_nanosec = 100;
	p.disruption_marker = 3;
	memcpy(b, &p, sizeof(p));
	memcpy(b + sizeof(p), &counter, 8);
	put("vmclock_page", "utc-bounded", b, sizeof(b));
	check(!vmclock_stop_record(&p, counter, &r), "stop record");
	vmclock_stop_record_format(&r, line, sizeof(line));
	snprintf(text, sizeof(text),
	         "estimate maxerror=50us esterror=10us freq-maxerror=0.5ppm freq-esterror=50ppb "
	         "state=synchronized tai-offset=37 static=1\n"
	         "status\nstatus vm1\nstop vm1 counter=12\nburst seconds=2 log_sync=-5 wait=1\n"
	         "migrate-in vm1 policy=slew %s\n%s\n"
	         "ok port_state=SLAVE servo=s2 status=synchronized offset_ns=-12 est_ns=40 "
	         "freq_ppb=12.5 delay_ns=3000 log_sync=-3 samples=99 age_ms=80 burst_s=0.0 "
	         "offset_avg_ns=-9 delay_avg_ns=2990 offset_med_ns=-11 offset_peak_ns=-30\n"
	         "quit\n",
	         line, line);
	put("vmclock_ctl", "commands", text, strlen(text));
}

static void statlog(void)
{
	static const char *const cols[] = {"t[s]", "offset[ns]", "freq[ppb]", "delay[ns]", "state"};
	static const struct statlog_meta meta[] = {{"source", "ptpd-wl"}, {"started", "2024"}};
	static const double rows[][5] = {{12.000000125, -35, 1520.25, 812, 2},
	                                 {13.000000125, 0.0 / 0.0, 1521, 809, 2},
	                                 {14.5, 1e300, -1e-300, 1.0 / 0.0, 3}};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct statlog *sl = f ? statlog_fopen(f, cols, 5, meta, 2, STATLOG_BUFFERED) : NULL;
	check(sl != NULL, "statlog");
	if (!sl)
		return;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		statlog_write(sl, rows[i]);
	statlog_note(sl, "stopped: seedgen");
	statlog_close(sl);
	fclose(f);
	put("statlog", "writer", buf, len);
	free(buf);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: seedgen DIR\n");
		return 2;
	}
	root = argv[1];
	mkdir(root, 0755);
	ptp_msgs();
	ptp_mgmt();
	migrate();
	control();
	vmclock();
	statlog();
	return failures ? 1 : 0;
}
