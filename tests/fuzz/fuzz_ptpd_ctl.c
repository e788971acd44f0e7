// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: ptpd-wl's own control inputs (ptpd-wl/daemon/tsync_ctl.c), without a
 * running daemon: the "tsync status|burst ..." text commands as uds.c cuts them
 * (ptpd_cmd_parse: ptpd_text_command needs a clock, ports and a reactor to act, the parsing
 * is all in ptpd_cmd_parse), and Signaling messages carrying the 802.1AS message interval
 * request TLV (msg_parse, ptpd_ival_tlv_find, ptpd_ival_request_check).
 * Input: the same bytes are tried as a command line and as a datagram.
 * Properties: a parsed burst is within its documented ranges; a refusal says why.
 */
#include <errno.h>
#include <string.h>

#include "daemon/daemon.h"
#include "util.h"

static void command(const uint8_t *data, size_t size)
{
	char line[256], err[160];
	struct ptpd_cmd cmd;
	size_t l = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
	memcpy(line, data, l); /* uds.c: at most 255 bytes, cut at the first CR or LF */
	line[l] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, "tsync ", 6))
		return;
	err[0] = '\0';
	if (ptpd_cmd_parse(line + 6, &cmd, err, sizeof(err))) {
		FUZZ_CHECK(!strncmp(err, "err ", 4));
		return;
	}
	if (cmd.kind == PTPD_CMD_BURST)
		FUZZ_CHECK(cmd.seconds > 0 && cmd.seconds <= 600 &&
		           cmd.log_sync >= PTPD_IVAL_SYNC_MIN &&
		           cmd.log_sync <= PTPD_IVAL_SYNC_MAX);
}

static void signaling(const uint8_t *data, size_t size)
{
	static const struct ptp_port_id me = {{{2, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55}}, 1};
	struct ptp_msg m;
	int8_t sync = 0;
	const char *why = NULL;
	uint8_t *in = malloc(size ? size : 1);
	if (!in)
		return;
	memcpy(in, data, size);
	(void)ptpd_ival_tlv_find(in, size, &sync); /* the raw bytes as a TLV suffix */
	if (!msg_parse(in, size, &m) && m.hdr.type == PTP_SIGNALING &&
	    !ptpd_ival_tlv_find(m.tlvs, m.tlv_len, &sync)) {
		for (int master = 0; master < 2; master++) {
			int r = ptpd_ival_request_check(PTP_PS_MASTER, &me, &m, master, sync, &why);
			FUZZ_CHECK(r == 0 || r == -ENOENT || (r == -EPERM && why));
		}
		FUZZ_CHECK(ptpd_ival_request_check(PTP_PS_SLAVE, &me, &m, false, sync, &why) ==
		           -ENOENT);
	}
	free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	command(data, size);
	signaling(data, size);
	return 0;
}
