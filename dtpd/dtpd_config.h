/* SPDX-License-Identifier: MIT */
/* dtpd's configuration: its own keys plus the discipline engine's fragment (tsync/sync.h). */
#ifndef DTPD_CONFIG_H
#define DTPD_CONFIG_H

#include <stddef.h>

#include "node.h"
#include "tsync/config.h"

enum dtpd_transport { DTPD_TP_AF_PACKET, DTPD_TP_DPDK };

/* The table: dtpd keys + sync_config_items. NULL with errno on failure. */
struct config *dtpd_config_create(void);
/* The node parameters from cfg (ports: the interface sections, for `upstream`). 0 or -EINVAL
 * with a message in err. */
int dtpd_config_node(const struct config *cfg, struct dtpd_node_params *p, char *err,
                     size_t errlen);

#endif
