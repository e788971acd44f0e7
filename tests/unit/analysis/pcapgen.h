/* SPDX-License-Identifier: MIT */
/* Test helper: write pcap files of PTP exchanges with known offsets and delays. */
#ifndef TSYNC_TEST_PCAPGEN_H
#define TSYNC_TEST_PCAPGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsync/time.h"

enum pg_transport { PG_UDP4, PG_UDP6, PG_L2, PG_L2_VLAN };

/*
 * n two-step (or one-step) E2E exchanges, one a second: exchange k has offset
 * offset_ns + k * step_ns and path delay delay_ns, an Announce before each Sync, and
 * a corrupt (truncated) PTP message as packet `bad_packet` (0: none). nano: nanosecond pcap.
 * Returns 0 or -errno.
 */
int pg_write_e2e(const char *path, enum pg_transport tr, int n, bool two_step, double offset_ns,
                 double step_ns, double delay_ns, unsigned long bad_packet, bool nano);
/* n two-step Pdelay exchanges with link delay delay_ns, residence (t3 - t2) 50 us. */
int pg_write_pdelay(const char *path, int n, double delay_ns);
/* The same, captured at the slave end of a link where the master requests as well: each
 * second the slave's exchange, then the master's (its Pdelay_Req in at the slave, answered
 * by the slave 40 us later: capture times = the slave's t2 + 90 ns and t3). */
int pg_write_pdelay_both_ends(const char *path, int n, double delay_ns);

#endif
