/* SPDX-License-Identifier: MIT */
/*
 * Acceptable master table (the idea of IEEE 1588-2019 17.6, acceptableMasterTable): a local
 * list of the masters a port may follow. An Announce whose sourcePortIdentity matches no
 * entry never enters the foreign master table, so the BMCA cannot select it: the defence
 * against a rogue master (it does not authenticate: a sender that forges a listed identity
 * still gets in). Matching is on the Announce's sender (the master port on this link, which
 * for a boundary clock upstream is not the grandmaster), like the standard's table of
 * masters; an entry without a port number accepts every port of that clock.
 *
 * Text form (config key acceptable_master_table): entries separated by spaces or commas,
 * each a clockIdentity as ptp4l prints it, "001122.fffe.334455", or as 16 hex digits,
 * optionally followed by "-PORT" (1..65535): "001122.fffe.334455-1 a0b1c2.fffe.d3e4f5".
 * An empty list means no table: every master is acceptable. Pure functions.
 */
#ifndef PTPD_CORE_ACCEPT_H
#define PTPD_CORE_ACCEPT_H

#include <stdbool.h>
#include <stddef.h>

#include "msg.h"

#define ACCEPT_MAX 16 /* entries, as ptp4l-based implementations' maxTableSize */

struct accept_entry {
	struct ptp_clock_id clock;
	uint16_t port; /* 0: any port of the clock */
};

struct accept_table {
	struct accept_entry e[ACCEPT_MAX];
	unsigned n; /* 0: no table, every master is acceptable */
};

/*
 * "001122.fffe.334455" or "0011223344556677", optional "-PORT": 0 with *id (port 0 when none
 * was given), or -EINVAL. len: the characters of s to read (the entry may be followed by a
 * separator).
 */
int ptp_port_id_parse(const char *s, size_t len, struct ptp_port_id *id);

/* Parse a list into *t (replaced). 0; -EINVAL with err naming the bad entry; -E2BIG for more
 * than ACCEPT_MAX entries. list NULL or blank gives an empty table. */
int accept_table_parse(struct accept_table *t, const char *list, char *err, size_t errlen);

/* May a port with this table follow the master that sent an Announce from sender? */
bool accept_table_allows(const struct accept_table *t, const struct ptp_port_id *sender);

#endif
