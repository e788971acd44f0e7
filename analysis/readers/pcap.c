// SPDX-License-Identifier: MIT
#include <errno.h>
#include "readers/reader.h"
int read_pcap(struct reader_ctx *c, struct series *out)
{
	(void)out;
	return reader_fail(c, -ENOTSUP, "%s: pcap not yet", c->path);
}
