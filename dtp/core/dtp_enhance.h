/* SPDX-License-Identifier: MIT */
/*
 * The enhancements' side of a DTP device (dtp/core/dtp_device.c calls these; the public ones are
 * declared in dtp_device.h): AUX messages (include/uapi/dtp.h) carrying the per-node bound's
 * hop count, the free-running count and the syntonized rate; the rate estimate per port; the
 * fractional counter steps of syntonization. Pure, like the rest of dtp/core.
 */
#ifndef DTP_CORE_ENHANCE_H
#define DTP_CORE_ENHANCE_H

#include <stdint.h>

#include "core/dtp_device.h"

/* A port (re)starts: forget what its peer said. */
void dtp_aux_reset(struct dtp_port *port);
/* An AUX message received on port (its 53-bit counter field). */
void dtp_aux_rx(struct dtp_device *dev, struct dtp_port *port, uint64_t field);
/* At a beacon timer: add out->aux when one is due. */
void dtp_aux_tx(struct dtp_device *dev, struct dtp_port *port, struct dtp_output *out);
/* Recompute the device's syntonized rate from its SYNC ports. */
void dtp_rate_update(struct dtp_device *dev);
/* The extra counter ticks syntonization adds over n oscillator ticks (carries the fraction). */
static inline int64_t dtp_rate_extra(struct dtp_device *dev, int64_t n)
{
	if (dev->rate <= 0)
		return 0;
	unsigned __int128 a = (unsigned __int128)n * (uint64_t)dev->rate + dev->rate_acc;
	dev->rate_acc = (uint64_t)a & ((UINT64_C(1) << DTP_RATE_FRAC_BITS) - 1);
	return (int64_t)(a >> DTP_RATE_FRAC_BITS);
}

#endif
