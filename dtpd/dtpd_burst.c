// SPDX-License-Identifier: MIT
/* The burst request carried upstream (dtpd_burst.h). */
#include <errno.h>
#include <stddef.h>

#include "dtpd_burst.h"
#include "uapi/dtpd.h"

static void extend(struct dtpd_burst *b, int64_t end, unsigned hops, int64_t mono)
{
	if (b->until <= mono) /* a new burst: its own hops, not those of one that ended */
		b->hops = 0;
	if (end > b->until)
		b->until = end;
	if (hops > b->hops)
		b->hops = (uint8_t)hops;
}

void dtpd_burst_local(struct dtpd_burst *b, int64_t dur_ns, int64_t mono)
{
	if (dur_ns > 0)
		extend(b, mono + dur_ns, DTPD_BURST_HOPS, mono);
}

int64_t dtpd_burst_rx(struct dtpd_burst *b, const struct dtpd_burst_port *port, uint32_t ms,
                      uint8_t hops, int64_t mono, const char **why)
{
	*why = !port->root && port->upstream ? "from an upstream port: requests only go up"
	       : !port->takes                ? "burst_requests 0 on this port"
	                                     : NULL;
	if (*why) {
		b->refused++;
		return -EPERM;
	}
	b->rx++;
	int64_t end = mono + (int64_t)ms * 1000000;
	bool longer = end > b->until + DTPD_BURST_SLACK_NS || b->until <= mono;
	extend(b, end, hops ? hops - 1u : 0, mono);
	return longer ? end - mono : 0;
}

bool dtpd_burst_tx(const struct dtpd_burst *b, int64_t mono, uint32_t *ms, uint8_t *hops)
{
	int64_t left = (b->until - mono) / 1000000;
	if (!b->hops || left < 1)
		return false;
	*ms = left > DTPD_BURST_MS_MAX ? DTPD_BURST_MS_MAX : (uint32_t)left;
	*hops = b->hops;
	return true;
}
