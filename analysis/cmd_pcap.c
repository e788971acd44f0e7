// SPDX-License-Identifier: MIT
#include "cli.h"
int cmd_pcap(const struct cli *c)
{
	(void)c;
	return EXIT_INPUT;
}
