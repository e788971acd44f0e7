// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: vmclockd's control lines (vmclock/ctl.c vmclockd_command), the stop
 * record text that migrate-in carries (lib/refclock vmclock_stop_record_parse) and the
 * ptpd-wl "tsync status" reply vmclockd parses (tsync_status_decode, lib/ipc/status.c).
 * vmclockd_command runs on a daemon struct without a clock, VMs or ptpd-wl socket: the
 * verbs that would create page files or read the clock (vm-add, migrate-in, reset) are
 * not passed to it; their arguments go to the parsers they use instead.
 * Input: lines; each is tried as all three. Property: a stop record that parses formats to
 * text that parses to the same record.
 */
#include <string.h>

#include "tsync/vmclock.h"
#include "util.h"
#include "vmclockd.h"

static bool rec_eq(const struct vmclock_stop_record *a, const struct vmclock_stop_record *b)
{
	return a->counter == b->counter && a->time_ns == b->time_ns &&
	       a->maxerror_ns == b->maxerror_ns && a->disruption_marker == b->disruption_marker &&
	       a->vm_generation_counter == b->vm_generation_counter && a->time_type == b->time_type;
}

static void one_line(struct vmclockd *d, const char *line)
{
	char reply[512], text[512];
	struct vmclock_stop_record rec, back;
	struct tsync_status st;
	bool quit = false;
	const char *w = line + strspn(line, " \t\r");
	size_t vl = strcspn(w, " \t\r");
	bool unsafe = (vl == 6 && !strncmp(w, "vm-add", 6)) ||
	              (vl == 10 && !strncmp(w, "migrate-in", 10)) ||
	              (vl == 5 && !strncmp(w, "reset", 5));
	if (!unsafe) {
		reply[0] = '\0';
		int r = vmclockd_command(d, line, reply, sizeof(reply), &quit);
		FUZZ_CHECK(!strncmp(reply, r ? "err" : "ok", r ? 3 : 2));
	}
	if (!vmclock_stop_record_parse(line, &rec)) {
		int n = vmclock_stop_record_format(&rec, text, sizeof(text));
		FUZZ_CHECK(n > 0 && (size_t)n < sizeof(text));
		FUZZ_CHECK(vmclock_stop_record_parse(text, &back) == 0 && rec_eq(&rec, &back));
	}
	(void)tsync_status_decode(line, &st);
	(void)vmclock_name_check(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmclockd d;
	char *text = fuzz_strndup(data, size), *save = NULL;
	memset(&d, 0, sizeof(d));
	d.dirfd = -1;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		one_line(&d, l);
	free(text);
	return 0;
}
