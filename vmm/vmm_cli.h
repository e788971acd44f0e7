/* SPDX-License-Identifier: MIT */
/* tsvmm command line: "tsvmm run [options]" into a struct vmm_config. Pure. */
#ifndef TSVMM_CLI_H
#define TSVMM_CLI_H

#include <stddef.h>

#include "vmm.h"

#define VMM_DEFAULT_MEM     (256ULL << 20)
#define VMM_DEFAULT_WSS     256
#define VMM_DEFAULT_PROFILE "zero=1"

/* The --help text of "tsvmm run". */
extern const char vmm_cli_usage[];

/*
 * Parse the options after "run" (argv[0] is "run"). Sets defaults first; cfg's strings point
 * into argv. Returns 0, 1 when --help was asked for, or -EINVAL with a message naming the
 * bad flag or value in err (errlen bytes).
 */
int vmm_cli_parse(int argc, char **argv, struct vmm_config *cfg, char *err, size_t errlen);

#endif
