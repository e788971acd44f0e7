// SPDX-License-Identifier: MIT
/*
 * ptp-mgmt-testsrv: a test-only management responder. Binds a Unix datagram socket (like
 * ptp4l's /var/run/ptp4l), decodes each request with the ptpd-wl core codec, logs it on
 * stderr ("req: GET CURRENT_DATA_SET seq 0 domain 0 hops 0/0 tlvlen 20") and answers with
 * mgmt_respond() over a fixed, known set of data sets, so that linuxptp's pmc can be checked
 * against our byte layouts (tests/integration/test_ptp_mgmt_codec.sh).
 *
 * usage: ptp-mgmt-testsrv --socket PATH [--idle SECONDS] [--count N]
 * Exits 0 after N requests or SECONDS without one (default 10), 1 on errors.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "tsync/cli.h"
#include "tsync/ipc.h"
#include "core/mgmt.h"

static const struct ptp_clock_id self_id = {{0x00, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55}};
static const struct ptp_clock_id gm_id = {{0x0a, 0x0b, 0x0c, 0xff, 0xfe, 0x0d, 0x0e, 0x0f}};

/* The fixed answers; the integration test greps pmc's output for exactly these values. */
static void fill_sources(struct ds_default *dd, struct ds_current *cur, struct ds_parent *par,
                         struct ds_time_props *tp, struct ds_port *pd,
                         struct mgmt_time_status_np *ts, struct mgmt_port_props_np *pp)
{
	*dd = (struct ds_default){.two_step = true,
	                          .number_ports = 1,
	                          .priority1 = 128,
	                          .quality = {248, 0xfe, 0xffff},
	                          .priority2 = 127,
	                          .identity = self_id,
	                          .domain = 0};
	*cur = (struct ds_current){
	        .steps_removed = 1, .offset_from_master = -1234, .mean_path_delay = 5678};
	*par = (struct ds_parent){.parent_port = {gm_id, 1},
	                          .observed_parent_variance = 0xffff,
	                          .observed_parent_phase_change_rate = 0x7fffffff,
	                          .gm_priority1 = 100,
	                          .gm_quality = {6, 0x21, 0x4e5d},
	                          .gm_priority2 = 99,
	                          .gm_identity = gm_id};
	*tp = (struct ds_time_props){.utc_offset = 37,
	                             .flags = PTP_FLAG_UTC_OFF_VALID | PTP_FLAG_PTP_TIMESCALE |
	                                      PTP_FLAG_TIME_TRACEABLE,
	                             .time_source = PTP_TIME_SOURCE_GNSS};
	*pd = (struct ds_port){.identity = {self_id, 1},
	                       .state = PTP_PS_SLAVE,
	                       .log_min_delay_req_interval = -3,
	                       .peer_mean_path_delay = 0,
	                       .log_announce_interval = 1,
	                       .announce_receipt_timeout = 3,
	                       .log_sync_interval = -1,
	                       .delay_mechanism = PTP_DM_E2E,
	                       .log_min_pdelay_req_interval = 0,
	                       .version_number = 2};
	*ts = (struct mgmt_time_status_np){.master_offset = -1234,
	                                   .ingress_time = 1700000000123456789LL,
	                                   .cumulative_scaled_rate_offset = 0,
	                                   .gm_time_base_indicator = 7,
	                                   .gm_present = 1,
	                                   .gm_identity = gm_id};
	*pp = (struct mgmt_port_props_np){.identity = {self_id, 1}, .state = PTP_PS_SLAVE};
	snprintf(pp->interface, sizeof(pp->interface), "veth-tsync0");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ptp-mgmt-testsrv --socket PATH [--idle SECONDS] [--count N]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"socket", required_argument, NULL, 's'},
	                                     {"idle", required_argument, NULL, 'i'},
	                                     {"count", required_argument, NULL, 'n'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	struct ds_default dd;
	struct ds_current cur;
	struct ds_parent par;
	struct ds_time_props tp;
	struct ds_port pd;
	struct mgmt_time_status_np ts;
	struct mgmt_port_props_np pp;
	const char *path = NULL;
	int idle = 10, count = -1, c, fd;
	long v;

	while ((c = getopt_long(argc, argv, "s:i:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'i':
			if (cli_long("ptp-mgmt-testsrv", "--idle", optarg, 0, 86400, &v))
				return 2;
			idle = (int)v;
			break;
		case 'n':
			if (cli_long("ptp-mgmt-testsrv", "--count", optarg, -1, 1000000000, &v))
				return 2;
			count = (int)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!path) {
		usage(stderr);
		return 1;
	}
	fill_sources(&dd, &cur, &par, &tp, &pd, &ts, &pp);
	const struct mgmt_sources src = {&dd, &cur, &par, &tp, &pd, &ts, &pp};

	const struct ipc_listen_opts lo = {.type = SOCK_DGRAM, .flags = IPC_BLOCKING};
	fd = ipc_listen(path, &lo);
	if (fd < 0) {
		fprintf(stderr, "ptp-mgmt-testsrv: %s: %s\n", path, ipc_strerror(fd));
		return 1;
	}
	for (int served = 0; count < 0 || served < count;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint8_t req_buf[PTP_MAX_MSG_LEN], rsp[PTP_MAX_MSG_LEN];
		struct sockaddr_un from;
		socklen_t fl = sizeof(from);
		struct mgmt_msg req;

		if (poll(&pfd, 1, idle * 1000) <= 0)
			break;
		ssize_t n =
		        recvfrom(fd, req_buf, sizeof(req_buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		served++;
		if (mgmt_parse(req_buf, (size_t)n, &req)) {
			fprintf(stderr, "bad: %s\n", msg_strerror(&req.msg));
			continue;
		}
		const char *name = mgmt_id_str(req.id);
		fprintf(stderr, "req: %s %s seq %u domain %u hops %u/%u tlvlen %zu v2.%u\n",
		        mgmt_action_str(req.msg.management.action), name ? name : "unknown",
		        req.msg.hdr.seq, req.msg.hdr.domain, req.msg.management.starting_hops,
		        req.msg.management.hops, req.data_len, req.msg.hdr.minor_version);
		struct ptp_port_id self = {self_id, mgmt_id_is_port_level(req.id) ? 1 : 0};
		if (!mgmt_targets_port(&req, &self))
			continue;
		int len = mgmt_respond(rsp, sizeof(rsp), &req, &self, &src);
		if (len > 0)
			sendto(fd, rsp, (size_t)len, 0, (struct sockaddr *)&from, fl);
	}
	close(fd);
	unlink(path);
	return 0;
}
