// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: ptp4l-style configuration (lib/config: config_read_buffer,
 * config_set_option) over ptpd-wl's real key table, then ptpd-wl's own checks
 * (ptpd-wl/daemon/config_table.c ptpd_config_check, which also parses the per-port
 * acceptable_master_table).
 * Input: the file, then optionally a NUL byte and "--key=value" lines (command-line
 * overrides). Property: a failed read or option always says why.
 */
#include <string.h>

#include "daemon/daemon.h"
#include "tsync/log.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	struct config_error err;
	char msg[256];
	if (!quiet) {
		log_init("fuzz", LOG_CRIT, false, false); /* the getters' "bug:" lines are noise */
		quiet = true;
	}
	struct config *cfg = ptpd_config_create();
	FUZZ_CHECK(cfg != NULL);
	const uint8_t *nul = memchr(data, '\0', size);
	size_t flen = nul ? (size_t)(nul - data) : size;
	char *file = malloc(flen ? flen : 1); /* exact size: read_buffer takes a length */
	FUZZ_CHECK(file != NULL);
	memcpy(file, data, flen);
	err.msg[0] = '\0';
	if (config_read_buffer(cfg, file, flen, "fuzz", &err))
		FUZZ_CHECK(err.msg[0] != '\0');
	if (nul) {
		char *opts = fuzz_strndup(nul + 1, size - flen - 1), *save = NULL;
		for (char *o = strtok_r(opts, "\n", &save); o; o = strtok_r(NULL, "\n", &save)) {
			err.msg[0] = '\0';
			if (config_set_option(cfg, o, &err))
				FUZZ_CHECK(err.msg[0] != '\0');
		}
		free(opts);
	}
	msg[0] = '\0';
	if (ptpd_config_check(cfg, msg, sizeof(msg)))
		FUZZ_CHECK(msg[0] != '\0');
	for (size_t i = 0; i < config_section_count(cfg); i++)
		FUZZ_CHECK(config_has_section(cfg, config_section_name(cfg, i)));
	config_destroy(cfg);
	free(file);
	return 0;
}
