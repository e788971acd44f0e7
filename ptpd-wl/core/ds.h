/* SPDX-License-Identifier: MIT */
/*
 * IEEE 1588-2019 data sets (clause 8.2) as plain host-order structs, owned by the daemon and
 * read by the BMCA (bmc.h) and the management codec (mgmt.h). No wire layout here: mgmt.c
 * serialises them in the order linuxptp's pmc expects.
 */
#ifndef PTPD_CORE_DS_H
#define PTPD_CORE_DS_H

#include <stdbool.h>
#include <stdint.h>

#include "msg.h"

/* portState enumeration (IEEE 1588-2019 table 20); the values go on the wire as is. */
enum ptp_port_state {
	PTP_PS_INITIALIZING = 1,
	PTP_PS_FAULTY = 2,
	PTP_PS_DISABLED = 3,
	PTP_PS_LISTENING = 4,
	PTP_PS_PRE_MASTER = 5,
	PTP_PS_MASTER = 6,
	PTP_PS_PASSIVE = 7,
	PTP_PS_UNCALIBRATED = 8,
	PTP_PS_SLAVE = 9,
};
#define PTP_PS_COUNT 10 /* valid values are 1..9 */

/* "LISTENING", ...; "?" for other values. */
const char *ptp_port_state_str(int state);

/* delayMechanism enumeration (table 21). */
enum ptp_delay_mech {
	PTP_DM_E2E = 0x01,
	PTP_DM_P2P = 0x02,
	PTP_DM_COMMON_P2P = 0x03,
	PTP_DM_SPECIAL = 0x04,
	PTP_DM_NO_MECHANISM = 0xfe,
};

/* timeSource enumeration (table 6), the common values. */
#define PTP_TIME_SOURCE_ATOMIC_CLOCK        0x10
#define PTP_TIME_SOURCE_GNSS                0x20
#define PTP_TIME_SOURCE_PTP                 0x40
#define PTP_TIME_SOURCE_NTP                 0x50
#define PTP_TIME_SOURCE_INTERNAL_OSCILLATOR 0xa0

/* clockClass values with a fixed meaning. */
#define PTP_CLASS_PRIMARY    6   /* synchronised to a primary reference */
#define PTP_CLASS_DEFAULT    248 /* default */
#define PTP_CLASS_SLAVE_ONLY 255 /* slave-only clocks */

/* defaultDS (8.2.1). */
struct ds_default {
	bool two_step;
	bool slave_only;
	uint16_t number_ports;
	uint8_t priority1; /* lower is better; 128 default */
	struct ptp_clock_quality quality;
	uint8_t priority2;
	struct ptp_clock_id identity;
	uint8_t domain;
};

/* currentDS (8.2.2). Times in ns here; the wire carries TimeInterval (ns * 2^16). */
struct ds_current {
	uint16_t steps_removed;
	tmv_t offset_from_master; /* ns, local (slave) clock minus master */
	tmv_t mean_path_delay;    /* ns, one-way */
};

/* parentDS (8.2.3). */
struct ds_parent {
	struct ptp_port_id parent_port; /* sender of Ebest, or our own (port 0) as GM */
	bool parent_stats;
	uint16_t observed_parent_variance;         /* observedParentOffsetScaledLogVariance */
	int32_t observed_parent_phase_change_rate; /* observedParentClockPhaseChangeRate */
	uint8_t gm_priority1;
	struct ptp_clock_quality gm_quality;
	uint8_t gm_priority2;
	struct ptp_clock_id gm_identity;
};

/* timePropertiesDS (8.2.4): flags are the PTP_FLAG_* bits of flagField octet 7 (LEAP61,
 * LEAP59, UTC_OFF_VALID, PTP_TIMESCALE, TIME_TRACEABLE, FREQ_TRACEABLE). */
struct ds_time_props {
	int16_t utc_offset; /* currentUtcOffset, s */
	uint8_t flags;
	uint8_t time_source;
};

/* portDS (8.2.15). */
struct ds_port {
	struct ptp_port_id identity;
	uint8_t state; /* enum ptp_port_state */
	int8_t log_min_delay_req_interval;
	tmv_t peer_mean_path_delay; /* ns; 0 unless P2P */
	int8_t log_announce_interval;
	uint8_t announce_receipt_timeout; /* in announce intervals, >= 2 */
	int8_t log_sync_interval;
	uint8_t delay_mechanism; /* enum ptp_delay_mech */
	int8_t log_min_pdelay_req_interval;
	uint8_t version_number; /* versionPTP, 2 (the minor version is not carried here) */
};

#endif
