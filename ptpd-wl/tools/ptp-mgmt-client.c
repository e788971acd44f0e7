// SPDX-License-Identifier: MIT
/*
 * ptp-mgmt-client: a test-only management client built on the ptpd-wl core codec. Sends a
 * GET per data set name to a Unix datagram socket (ptp4l's uds_address or ptpd-wl's), parses
 * every answer with mgmt_parse() and the mgmt_decode_*() functions and prints one line each:
 *   CURRENT_DATA_SET stepsRemoved=0 offsetFromMaster=0 meanPathDelay=0
 *   ERROR PRIORITY1 NOT_SUPPORTED(0x0006)
 * Used by tests/integration/test_ptp_mgmt_codec.sh against a real ptp4l.
 *
 * usage: ptp-mgmt-client --socket PATH [--domain N] [--timeout MS] NAME...
 * Exits 0 if every request got an answer that parsed, 1 otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "tsync/cli.h"
#include "tsync/ipc.h"
#include "core/mgmt.h"

static const char *cid(const struct ptp_clock_id *c, char *buf)
{
	const uint8_t *i = c->id;

	sprintf(buf, "%02x%02x%02x.%02x%02x.%02x%02x%02x", i[0], i[1], i[2], i[3], i[4], i[5], i[6],
	        i[7]);
	return buf;
}

static int lookup(const char *name)
{
	for (unsigned id = 0; id <= 0xffff; id++) {
		const char *n = mgmt_id_str((uint16_t)id);
		if (n && !strcmp(n, name))
			return (int)id;
	}
	return -1;
}

static void show(const struct mgmt_msg *m)
{
	const char *name = mgmt_id_str(m->id);
	char a[32], b[32];
	struct ds_default dd;
	struct ds_current cur;
	struct ds_parent par;
	struct ds_time_props tp;
	struct ds_port pd;
	struct mgmt_time_status_np ts;
	struct mgmt_port_props_np pp;
	int err = -EBADMSG;

	if (m->tlv_type == PTP_TLV_MANAGEMENT_ERROR_STATUS) {
		printf("ERROR %s error=0x%04x\n", name ? name : "?", m->error);
		return;
	}
	switch (m->id) {
	case MGMT_DEFAULT_DATA_SET:
		if (!(err = mgmt_decode_default(m->data, m->data_len, &dd)))
			printf("DEFAULT_DATA_SET clockIdentity=%s twoStep=%d slaveOnly=%d "
			       "numberPorts=%u priority1=%u clockClass=%u clockAccuracy=0x%02x "
			       "variance=0x%04x priority2=%u domain=%u\n",
			       cid(&dd.identity, a), dd.two_step, dd.slave_only, dd.number_ports,
			       dd.priority1, dd.quality.clock_class, dd.quality.accuracy,
			       dd.quality.variance, dd.priority2, dd.domain);
		break;
	case MGMT_CURRENT_DATA_SET:
		if (!(err = mgmt_decode_current(m->data, m->data_len, &cur)))
			printf("CURRENT_DATA_SET stepsRemoved=%u offsetFromMaster=%lld "
			       "meanPathDelay=%lld\n",
			       cur.steps_removed, (long long)cur.offset_from_master,
			       (long long)cur.mean_path_delay);
		break;
	case MGMT_PARENT_DATA_SET:
		if (!(err = mgmt_decode_parent(m->data, m->data_len, &par)))
			printf("PARENT_DATA_SET parentPortIdentity=%s-%u grandmasterIdentity=%s "
			       "gmPriority1=%u gmClockClass=%u gmPriority2=%u\n",
			       cid(&par.parent_port.clock, a), par.parent_port.port,
			       cid(&par.gm_identity, b), par.gm_priority1,
			       par.gm_quality.clock_class, par.gm_priority2);
		break;
	case MGMT_TIME_PROPERTIES_DATA_SET:
		if (!(err = mgmt_decode_time_props(m->data, m->data_len, &tp)))
			printf("TIME_PROPERTIES_DATA_SET currentUtcOffset=%d flags=0x%02x "
			       "timeSource=0x%02x\n",
			       tp.utc_offset, tp.flags, tp.time_source);
		break;
	case MGMT_PORT_DATA_SET:
		if (!(err = mgmt_decode_port(m->data, m->data_len, &pd)))
			printf("PORT_DATA_SET portIdentity=%s-%u portState=%s "
			       "logAnnounceInterval=%d announceReceiptTimeout=%u "
			       "logSyncInterval=%d delayMechanism=%u versionNumber=%u\n",
			       cid(&pd.identity.clock, a), pd.identity.port,
			       ptp_port_state_str(pd.state), pd.log_announce_interval,
			       pd.announce_receipt_timeout, pd.log_sync_interval,
			       pd.delay_mechanism, pd.version_number);
		break;
	case MGMT_TIME_STATUS_NP:
		if (!(err = mgmt_decode_time_status(m->data, m->data_len, &ts)))
			printf("TIME_STATUS_NP master_offset=%lld gmPresent=%d gmIdentity=%s\n",
			       (long long)ts.master_offset, ts.gm_present, cid(&ts.gm_identity, a));
		break;
	case MGMT_PORT_PROPERTIES_NP:
		if (!(err = mgmt_decode_port_props(m->data, m->data_len, &pp)))
			printf("PORT_PROPERTIES_NP portIdentity=%s-%u portState=%s "
			       "timestamping=%u interface=%s\n",
			       cid(&pp.identity.clock, a), pp.identity.port,
			       ptp_port_state_str(pp.state), pp.timestamping, pp.interface);
		break;
	default:
		printf("%s dataField=%zu octets%s", name ? name : "?", m->data_len,
		       m->data_len ? " first=" : "\n");
		if (m->data_len)
			printf("%u\n", m->data[0]);
		return;
	}
	if (err)
		printf("BADLEN %s dataField=%zu\n", name ? name : "?", m->data_len);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"socket", required_argument, NULL, 's'},
	                                     {"domain", required_argument, NULL, 'd'},
	                                     {"timeout", required_argument, NULL, 't'},
	                                     {NULL, 0, NULL, 0}};
	const struct ptp_port_id all = {{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}, 0xffff};
	struct ptp_port_id self = {{{0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x01}}, 0};
	char me[64];
	const char *path = NULL;
	int domain = 0, tmo = 1000, c, fd, rc = 0;
	long v;

	while ((c = getopt_long(argc, argv, "s:d:t:", opts, NULL)) != -1) {
		if (c == 's') {
			path = optarg;
		} else if (c == 'd') {
			if (cli_long("ptp-mgmt-client", "--domain", optarg, 0, 255, &v))
				return 2;
			domain = (int)v;
		} else if (c == 't') {
			if (cli_long("ptp-mgmt-client", "--timeout", optarg, 1, 600000, &v))
				return 2;
			tmo = (int)v;
		} else {
			return 1;
		}
	}
	if (!path || optind >= argc) {
		fprintf(stderr, "usage: ptp-mgmt-client --socket PATH [--domain N] NAME...\n");
		return 1;
	}
	if (strlen(path) > IPC_PATH_MAX) {
		fprintf(stderr, "ptp-mgmt-client: %s: %s\n", path, ipc_strerror(-ENAMETOOLONG));
		return 1;
	}
	/* a path of our own to answer to (as linuxptp's pmc binds one) */
	snprintf(me, sizeof(me), "/tmp/ptp-mgmt-client.%d", (int)getpid());
	self.port = (uint16_t)getpid();
	const struct ipc_listen_opts lo = {.type = SOCK_DGRAM, .flags = IPC_BLOCKING};
	fd = ipc_listen(me, &lo);
	if (fd < 0) {
		fprintf(stderr, "ptp-mgmt-client: socket: %s\n", ipc_strerror(fd));
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		uint8_t buf[PTP_MAX_MSG_LEN];
		int id = lookup(argv[i]);
		if (id < 0) {
			fprintf(stderr, "unknown data set %s\n", argv[i]);
			rc = 1;
			continue;
		}
		int n = mgmt_build_request(buf, sizeof(buf), &self, &all, (uint8_t)domain,
		                           (uint16_t)i, 0, PTP_MGMT_GET, (uint16_t)id, NULL, 0);
		if (n >= 0)
			n = ipc_sendto(fd, path, buf, (size_t)n);
		if (n < 0) {
			fprintf(stderr, "send %s: %s\n", argv[i], strerror(-n));
			rc = 1;
			continue;
		}
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		bool got = false;
		while (poll(&pfd, 1, got ? 50 : tmo) > 0) { /* a clock may answer per port */
			struct mgmt_msg m;
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			if (r < 0)
				break;
			if (mgmt_parse(buf, (size_t)r, &m)) {
				printf("UNPARSED %s\n", msg_strerror(&m.msg));
				rc = 1;
			} else {
				show(&m);
			}
			got = true;
		}
		if (!got) {
			printf("NOREPLY %s\n", argv[i]);
			rc = 1;
		}
	}
	close(fd);
	unlink(me);
	return rc;
}
