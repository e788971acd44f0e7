// SPDX-License-Identifier: MIT
/* dtpd's `tsync status` reply (dtpd_ctl.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dtpd_ctl.h"

void dtpd_ctl_tsync_status(const struct dtpd_node *nd, int servo, double est_ns,
                           unsigned long long samples, double age_ms, double burst_s,
                           struct tsync_status *st)
{
	memset(st, 0, sizeof(*st));
	int64_t off = 0, delay = 0;
	for (unsigned i = 0; i < nd->n; i++)
		if (nd->rt[i].upstream && nd->rt[i].samples) {
			off = nd->rt[i].last_offset_ns;
			delay = dtpd_port_delay(&nd->rt[i]);
			break;
		}
	bool fresh = age_ms >= 0 && age_ms * 1e6 < 4.0 * (double)nd->p.beacon_ns;
	if (nd->p.root)
		st->status = TSYNC_FREERUNNING;
	else if (dtpd_node_all_sync(nd) && servo == 2 && fresh)
		st->status = TSYNC_SYNCHRONIZED;
	else
		st->status = TSYNC_UNRELIABLE;
	st->est_ns = nd->p.root ? 0 : est_ns;
	snprintf(st->port_state, sizeof(st->port_state), "%s",
	         nd->p.root               ? "MASTER"
	         : dtpd_node_all_sync(nd) ? "SLAVE"
	                                  : "LISTENING");
	st->servo = nd->p.root ? 2 : servo;
	st->offset_ns = off;
	st->freq_ppb = 0;
	st->delay_ns = delay;
	st->log_sync = (int)floor(log2((double)nd->p.beacon_ns / 1e9));
	st->samples = samples;
	st->age_ms = age_ms;
	st->burst_s = burst_s;
	/* dtpd computes none of ptpd-wl's averages (offset_avg_ns, delay_avg_ns, offset_med_ns,
	 * offset_peak_ns): sent as 0 they would be read as measured (a delay_avg_ns of 0 on
	 * every reply made vmclockd's path term 0); without them vmclockd takes the last offset
	 * and delay */
	st->have = TSYNC_ST_ALL & ~(TSYNC_ST_FREQ | TSYNC_ST_OFFSET_AVG | TSYNC_ST_DELAY_AVG |
	                            TSYNC_ST_OFFSET_MED | TSYNC_ST_OFFSET_PEAK);
}
